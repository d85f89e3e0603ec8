"""Whole numbers: split a drawing into digits, and the model input of each.

``split`` cuts the input into small pieces and lets a dynamic programme
choose how consecutive pieces form digits:

- strokes: a piece is a stroke, in drawing order. People write a number one
  digit at a time, so a digit's strokes are consecutive in time, which
  separates digits that touch or overlap on the page;
- images: a piece is an ink component, or a slice of one that is wide enough to
  hold touching digits (cut near its columns with least ink, along the path that
  crosses least ink), in left-to-right order.

Every run of a few consecutive pieces is a candidate digit, scored by the
log-probability of the classifier's best guess for it (all candidates go through
the network in one batch) minus penalties, in nats, for shapes no digit has: too
wide, too short, made of strokes side by side, a neighbour cutting deep into it,
parted from its neighbour through ink.
The split with the best total wins. Dots and specks, small against the number's
digit height, join the digit whose box holds them or are dropped.

This module does not know the classifier: ``split`` takes a function that scores
model inputs, and ``Classifier.read_number`` reads the digits it returns
(``lenet.inference`` imports this module, never the reverse).
When the split finds one digit, its input is the whole drawing's, exactly as
``Classifier.predict`` makes it: a drawing of one digit reads the same either
way, a dot beside it included. A drawing of specks alone (taps far apart) is
blank for both; an image of specks alone (a dotted digit) is read by both.

Every accepted drawing costs bounded time: the limits below are checked, from
the strokes' boxes and lengths alone, before anything is drawn or classified.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import strokes as strokes_
from .preprocess import (
    BLANK_MESSAGE,
    BlankImageError,
    drawn_to_model_input,
    ink_to_model_input,
    read_ink,
    stroke_width,
    strokes_to_model_input,
)

MAX_DIGITS = 12
MAX_GROUP = 4  # strokes in one digit: a pen digit has at most 3
MAX_SLICES = 8  # image pieces in one digit: a digit of two ink components, each cut in up to 4 slices
MAX_PIECES = MAX_DIGITS * MAX_GROUP  # strokes or ink components; beyond this no split gives MAX_DIGITS digits
# Sizes below are fractions of the digit height (the tallest piece's height).
SPECK = strokes_.SPECK  # a piece whose longer side is under this is a dot or a speck, never a digit on its own
SPECK_REACH = 0.1  # a speck this close to a digit's box belongs to that digit
MAX_WIDTH = 2.2  # no digit is this wide (the widest pen digits are 1.6): such runs are not even classified
# The pen's path, in digit heights, per digit: pen digits have at most 6.3 (99.9% under 5.4). More ink than
# this for the whole number is scribbling, refused before anything is drawn.
MAX_INK_PER_DIGIT = 10.0
# Candidate digits (runs of strokes) classified for one drawing, at most. A number written one digit after the
# other has two or three per stroke (12-digit pen numbers, digits overlapping by up to 10% of their height: 65 at
# most, 44 typically); strokes piled on one another have MAX_GROUP each, and are refused past this.
MAX_CANDIDATES = 6 * MAX_DIGITS
# Candidates are drawn smaller than predict draws a drawing, with fewer round joins: the 20 px box needs no more.
CANDIDATE_PX, CANDIDATE_JOINS = 40, 2.0
INK_LEVEL = 0.3  # image pixels above this are ink when finding components
# Touching digits in an image are one ink component; it is cut where it has least ink.
CUT_FROM = 1.0  # components wider than this get candidate cuts: few single digits are
CUT_MARGIN = 0.12  # no cut closer than this to a component's edge
CUT_SPACING = 0.12  # cuts are this far apart at least; a stretch of low columns is looked for within it
CUT_TOLERANCE = 1.15  # columns with at most this much more ink than the lowest around them form a low stretch
CUTS_PER_HEIGHT = 4.0  # candidate cuts per digit height of a component's width (plus one)
CUT_BEND = 0.15  # a cut may bend this far either side of its column, round the strokes of overlapping digits
MAX_CUTS = 3 * MAX_DIGITS  # in the whole image
# The score of a candidate digit, in nats against the classifier's log-probability of its best guess.
# Set on numbers of the writers of pen folds 1 and 2 of 3 (python -m lenet.evaluate --numbers measures fold 0).
# The classifier's log-probability counts this many times: more for images, whose slices of touching
# digits read less clearly than whole strokes, so that an unsure whole loses to two sure parts.
STROKE_TRUST, IMAGE_TRUST = 1.0, 3.0
# Per digit height of width beyond WIDE_FROM: in images lower, as touching digits that stay together
# look like one wide digit, while a digit of strokes is wide only for strokes that belong together.
STROKE_WIDE_FROM, IMAGE_WIDE_FROM, WIDE_COST = 1.0, 0.85, 5.0
SHORT_TO, SHORT_COST = 0.75, 10.0  # per digit height of height below SHORT_TO
# A digit's own strokes overlap; pieces side by side (or apart) are neighbouring digits. Slices of one ink
# component are exempt: the classifier decides where touching digits part.
SIDE_FROM, SIDE_COST = 0.1, 20.0  # per digit height of overlap short of SIDE_FROM, at each join inside a digit
# Neighbours overlap a little in tight writing; more than this is one digit's pieces.
OVERLAP_FROM, OVERLAP_COST = 0.06, 20.0  # per digit height of overlap beyond OVERLAP_FROM
CUT_COST = 1.5  # for parting digits by a cut through an ink component: touching digits are the exception
BACKWARDS_COST = 10.0  # per digit height a digit's centre lies left of the previous one's (strokes)

HOPELESS = 10.0  # a run of pieces with more shape penalty than this is never a digit: it is not classified

TOO_MANY = (
    "This reads as more than {limit} digits ({found}): write a number of at most {limit} digits, "
    "one digit after the other."
)
TOO_MUCH_INK = (
    "This drawing has more ink than a number of {limit} digits ({found:.0f} digit heights of strokes): "
    "write a number one digit after the other, without scribbling."
)
PILED = (
    "This drawing has too many strokes on top of one another to split into digits: "
    "write a number one digit after the other, each in a few strokes."
)


Confidences = Callable[[np.ndarray], np.ndarray]  # (N, 32, 32) model inputs -> (N,) best-guess probabilities


@dataclass(frozen=True)
class Split:
    """The digits found in a drawing, in reading order: each one's model input and box in the input's coordinates."""

    inputs: tuple[np.ndarray, ...]  # (32, 32) in [0, 1], ink = 1
    boxes: tuple[tuple[float, float, float, float], ...]  # (x0, y0, x1, y1)


@dataclass
class _Piece:
    """Part of the drawing that belongs to one digit: strokes, or ink as (x0, y0, boolean mask) from that corner."""

    box: np.ndarray  # (x0, y0, x1, y1)
    parts: list
    source: int  # the stroke, or the ink component this is a slice of


@dataclass
class _Pieces:
    """The pieces of one drawing, in order, and what turns a run of them into a model input."""

    pieces: list[_Piece]
    height: float  # the digit height: the tallest piece's
    max_group: int  # the most pieces one digit may have
    trust: float  # the weight of the classifier's log-probability against the shape penalties
    wide_from: float  # digits wider than this (in digit heights) are penalised
    slack: float  # the ink's stroke width: ink boxes reach half of it beyond the pen's path on each side
    whole_input: Callable[[], np.ndarray]  # the whole input's model input, exactly as predict makes it
    to_input: Callable[[list], np.ndarray]  # some pieces' parts -> their (32, 32) model input, as a candidate
    to_box: Callable[[np.ndarray], tuple[float, float, float, float]]  # a box -> the input's coordinates
    # A chosen digit's parts -> its model input as predict makes it (None: the candidate's is already that).
    digit_input: Callable[[list], np.ndarray] | None = None


def split(x: Any, confidences: Confidences, exact: bool = False) -> Split:
    """Split anything ``Classifier.predict`` takes into digits; ``confidences`` scores candidate inputs. With
    ``exact``, each digit of a drawing is drawn again as ``predict`` draws its strokes alone, not taken from the
    cheaper candidate it was chosen on (a writer's examples are compared with drawings made that way)."""
    found = _stroke_pieces(strokes_.parse(x)) if strokes_.is_strokes(x) else _image_pieces(x)
    groups, candidates = _segment(confidences, found)
    if len(groups) == 1:  # one digit: the whole drawing's input, as predict makes it
        inputs = [found.whole_input()]
    elif exact and found.digit_input is not None:  # each digit as predict draws its strokes alone
        inputs = [found.digit_input(_parts(found, g)) for g in groups]
    else:  # the inputs the split was chosen on (an unreadable one raises its error here)
        inputs = [
            _first(candidates.get((g.start, g.stop)), lambda g=g: found.to_input(_parts(found, g))) for g in groups
        ]
    boxes = tuple(found.to_box(_box([found.pieces[k].box for k in g])) for g in groups)
    return Split(tuple(inputs), boxes)


def _first(value: np.ndarray | None, compute: Callable[[], np.ndarray]) -> np.ndarray:
    return value if value is not None else compute()


def _parts(found: _Pieces, group: range) -> list:
    return [part for k in group for part in found.pieces[k].parts]


def _box(boxes: list[np.ndarray]) -> np.ndarray:
    b = np.stack(boxes)
    return np.array([b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()])


# -- pieces from strokes ---------------------------------------------------------------------------


def _stroke_pieces(drawing: strokes_.Drawing) -> _Pieces:
    """One piece per stroke, in drawing order; specks join the digit whose box holds them.

    The limits are checked on the strokes' boxes and lengths, before any stroke is drawn.
    """
    if drawing.is_blank():
        raise BlankImageError(BLANK_MESSAGE)
    boxes = drawing.boxes()
    speck, height = strokes_.specks(boxes)
    marks = int(np.count_nonzero(~speck))
    if marks > MAX_PIECES:
        raise ValueError(TOO_MANY.format(limit=MAX_DIGITS, found=f"{marks} strokes"))
    ink = sum(float(np.hypot(*np.diff(s, axis=0).T).sum()) for s in drawing.strokes) / height
    if ink > MAX_INK_PER_DIGIT * MAX_DIGITS:
        raise ValueError(TOO_MUCH_INK.format(limit=MAX_DIGITS, found=ink))
    pieces = [_Piece(boxes[k].copy(), [s], k) for k, s in enumerate(drawing.strokes)]
    pieces = _absorb_specks(pieces, speck, height)
    return _Pieces(
        pieces,
        height,
        MAX_GROUP,
        STROKE_TRUST,
        STROKE_WIDE_FROM,
        0.0,
        whole_input=lambda: strokes_to_model_input(drawing),
        # a digit's strokes drawn by the one renderer, as predict draws them
        to_input=lambda parts: drawn_to_model_input(strokes_.fit(parts, CANDIDATE_PX, CANDIDATE_JOINS)),
        to_box=lambda b: tuple(float(v) for v in b),
        digit_input=lambda parts: strokes_to_model_input(strokes_.Drawing(tuple(parts), drawing.width, drawing.height)),
    )


def _absorb_specks(pieces: list[_Piece], speck: np.ndarray, height: float) -> list[_Piece]:
    """Merge each speck into the nearest piece (in order) whose box holds it, or drop it: the pieces left."""
    keep = np.flatnonzero(~speck)
    dots = np.flatnonzero(speck)
    if len(dots) == 0:
        return pieces
    boxes = np.stack([p.box for p in pieces])
    reach = SPECK_REACH * height
    centre = (boxes[dots, :2] + boxes[dots, 2:]) / 2  # (specks, 2)
    # (specks, marks): which marks' boxes, widened by the reach, hold each speck's centre; one array operation.
    marks = boxes[keep][None]  # (1, marks, 4)
    holds = np.all((centre[:, None] >= marks[..., :2] - reach) & (centre[:, None] <= marks[..., 2:] + reach), axis=2)
    for row, s in zip(holds, dots, strict=True):
        holders = keep[row]
        if len(holders):
            k = int(holders[np.argmin(np.abs(holders - s))])
            pieces[k].parts.extend(pieces[s].parts)
            pieces[k].box = _box([pieces[k].box, pieces[s].box])
    return [pieces[k] for k in keep]


# -- pieces from an image --------------------------------------------------------------------------


def _image_pieces(x: Any) -> _Pieces:
    """Ink components in left-to-right order, wide ones sliced at candidate cuts; specks join a digit."""
    ink, (sx, sy, ox, oy) = read_ink(x)
    labels, count = components(ink > INK_LEVEL)
    if count == 0:
        raise BlankImageError(BLANK_MESSAGE)
    pieces = []
    for lab, box in enumerate(_label_boxes(labels, count), start=1):
        x0, y0, x1, y1 = (int(v) for v in box)
        pieces.append(_Piece(box, [(x0, y0, labels[y0 : y1 + 1, x0 : x1 + 1] == lab)], lab))
    pieces.sort(key=lambda p: (p.box[0] + p.box[2]) / 2)
    speck, height = strokes_.specks(np.stack([p.box for p in pieces]))
    marks = int(np.count_nonzero(~speck))
    if marks > MAX_PIECES:
        raise ValueError(TOO_MANY.format(limit=MAX_DIGITS, found=f"{marks} separate marks"))
    if marks == 0:  # specks alone (a dotted digit): one digit of all the ink, as predict reads it
        pieces = [_Piece(_box([p.box for p in pieces]), [q for p in pieces for q in p.parts], 0)]
    else:
        pieces = _absorb_specks(pieces, speck, height)
    pieces = _slice_wide(pieces, ink, height)
    pieces.sort(key=lambda p: (p.box[0] + p.box[2]) / 2)

    def to_input(parts: list) -> np.ndarray:
        return ink_to_model_input(_group_ink(ink, parts))

    def to_box(b: np.ndarray) -> tuple[float, float, float, float]:
        return (float(ox + b[0] * sx), float(oy + b[1] * sy), float(ox + (b[2] + 1) * sx), float(oy + (b[3] + 1) * sy))

    return _Pieces(
        pieces,
        height,
        MAX_SLICES,
        IMAGE_TRUST,
        IMAGE_WIDE_FROM,
        stroke_width(ink),
        lambda: ink_to_model_input(ink),
        to_input,
        to_box,
    )


def components(mask: np.ndarray) -> tuple[np.ndarray, int]:
    """8-connected components of a boolean mask: (h, w) int32 labels (0 = background, 1..n) and n."""
    h, w = mask.shape
    edges = np.diff(np.pad(mask, ((0, 0), (1, 1))).astype(np.int8), axis=1)
    rows, starts = np.nonzero(edges == 1)
    _, ends = np.nonzero(edges == -1)  # exclusive; the same runs, in the same row-major order
    n = len(rows)
    labels = np.zeros((h, w), dtype=np.int32)
    if n == 0:
        return labels, 0
    # Runs in consecutive rows touch (8-connected) when their column spans, widened by one, overlap.
    # Runs in a row are sorted and disjoint, so those a run touches in the row above are a contiguous range.
    key = np.int64(w + 2)
    end_keys = rows * key + ends  # sorted: ends increase within a row
    start_keys = rows * key + starts
    above = rows - 1
    lo = np.searchsorted(end_keys, above * key + starts, side="left")  # first run above with end >= start
    hi = np.searchsorted(start_keys, above * key + ends, side="right")  # runs above with start <= end
    lo = np.maximum(lo, np.searchsorted(rows, above, side="left"))
    hi = np.minimum(hi, np.searchsorted(rows, above, side="right"))
    counts = np.maximum(hi - lo, 0)
    b = np.repeat(np.arange(n), counts)
    a = np.repeat(lo, counts) + (np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts))
    root = np.arange(n)
    while True:  # label propagation with pointer jumping: every run ends up pointing at its component's least run
        low = np.minimum(root[a], root[b])
        new = root.copy()
        np.minimum.at(new, a, low)
        np.minimum.at(new, b, low)
        new = new[new]
        if np.array_equal(new, root):
            break
        root = new
    _, run_label = np.unique(root, return_inverse=True)
    run_label = run_label.astype(np.int32) + 1
    length = ends - starts
    flat = np.repeat(rows * w + starts - np.cumsum(length) + length, length) + np.arange(length.sum())
    labels.ravel()[flat] = np.repeat(run_label, length)
    return labels, int(run_label.max())


def _label_boxes(labels: np.ndarray, count: int) -> list[np.ndarray]:
    """Each component's box (x0, y0, x1, y1), inclusive pixel indices."""
    ys, xs = np.nonzero(labels)
    lab = labels[ys, xs] - 1
    x0 = np.full(count, np.iinfo(np.int64).max)
    y0 = x0.copy()
    x1 = np.full(count, -1)
    y1 = x1.copy()
    np.minimum.at(x0, lab, xs)
    np.minimum.at(y0, lab, ys)
    np.maximum.at(x1, lab, xs)
    np.maximum.at(y1, lab, ys)
    return [np.array([x0[k], y0[k], x1[k], y1[k]], dtype=np.float64) for k in range(count)]


def _slice_wide(pieces: list[_Piece], ink: np.ndarray, height: float) -> list[_Piece]:
    """Slice components wide enough to be touching digits along their thinnest paths (the candidate cuts)."""
    out, budget = [], MAX_CUTS
    for p in sorted(pieces, key=lambda p: p.box[0] - p.box[2]):  # widest first get the cut budget
        x0, y0, x1, y1 = (int(v) for v in p.box)
        width = x1 - x0 + 1
        if width < CUT_FROM * height or budget <= 0 or len(p.parts) != 1:
            out.append(p)
            continue
        mine = p.parts[0][2]
        weight = ink[y0 : y1 + 1, x0 : x1 + 1] * mine
        cuts = sorted(_cuts(weight.sum(0), height)[:budget])
        budget -= len(cuts)
        cols = np.arange(width)
        left = np.zeros(len(mine), dtype=np.int64)
        for right in [*_bend(weight, cuts, height), np.full(len(mine), width)]:
            right = np.maximum(right, left)  # bent cuts never cross
            part = mine & (cols >= left[:, None]) & (cols < right[:, None])
            left = right
            rows, used = np.flatnonzero(part.any(1)), np.flatnonzero(part.any(0))
            if len(rows) == 0:
                continue
            box = np.array([x0 + used[0], y0 + rows[0], x0 + used[-1], y0 + rows[-1]], dtype=np.float64)
            out.append(_Piece(box, [(x0, y0, part)], p.source))
    return out


def _bend(weight: np.ndarray, columns: list[int], height: float) -> np.ndarray:
    """For each cut column, the cut that crosses least ink, bending up to CUT_BEND either side: (cuts, rows) x."""
    rows, width = weight.shape
    reach = int(round(CUT_BEND * height))
    start = np.array(columns)[:, None]
    if reach == 0 or not columns:
        return np.repeat(start, rows, axis=1)
    offsets = np.arange(-reach, reach + 1)
    x = start + offsets  # (cuts, window)
    inside = (x >= 0) & (x < width)
    # Ink crossed, plus a little for straying, so a cut through background stays straight.
    cost = np.where(inside, weight[:, np.clip(x, 0, width - 1)], np.inf) + 0.01 * np.abs(
        offsets
    )  # (rows, cuts, window)
    total = cost[0].copy()
    step = np.zeros(cost.shape, dtype=np.int8)
    for y in range(1, rows):  # each row's cut x moves at most one column from the row above's
        best, move = total.copy(), np.zeros(total.shape, dtype=np.int8)
        from_left = total[:, :-1] < best[:, 1:]
        best[:, 1:] = np.where(from_left, total[:, :-1], best[:, 1:])
        move[:, 1:][from_left] = -1
        from_right = total[:, 1:] < best[:, :-1]
        best[:, :-1] = np.where(from_right, total[:, 1:], best[:, :-1])
        move[:, :-1][from_right] = 1
        step[y] = move
        total = best + cost[y]
    path = np.empty((len(columns), rows), dtype=np.int64)
    at = total.argmin(1)
    cuts = np.arange(len(columns))
    for y in range(rows - 1, -1, -1):
        path[:, y] = at
        at = at + step[y, cuts, at]
    return np.take_along_axis(x, path, axis=1)


def _cuts(profile: np.ndarray, height: float) -> list[int]:
    """Candidate cuts in a component's column profile: both ends of every low stretch, least ink first.

    Where touching digits meet, the strokes crossing between them make a stretch of equally low columns;
    the digits part at one end of it or the other, so both ends are candidates.
    """
    width = len(profile)
    margin, spacing = max(1, round(CUT_MARGIN * height)), max(1, round(CUT_SPACING * height))
    if width <= 2 * margin:
        return []
    window = max(1, spacing // 2)
    padded = np.pad(profile, window, mode="edge")
    floor = np.lib.stride_tricks.sliding_window_view(padded, 2 * window + 1).min(1)
    low = profile <= CUT_TOLERANCE * floor + 1.0
    low[:margin] = low[width - margin :] = False
    edges = np.flatnonzero(np.diff(np.concatenate([[0], low.astype(np.int8), [0]])))
    ends = [c for a, b in zip(edges[::2], edges[1::2], strict=True) for c in {a, b - 1}]
    cuts: list[int] = []
    for c in sorted(ends, key=lambda c: (profile[c], c)):
        if len(cuts) >= 1 + round(CUTS_PER_HEIGHT * width / height):
            break
        if all(abs(c - d) >= spacing for d in cuts):
            cuts.append(c)
    return cuts


def _group_ink(ink: np.ndarray, parts: list) -> np.ndarray:
    """The ink of some pieces alone, with the faint rim around them, cropped to them."""
    gx0 = max(min(x0 for x0, _, _ in parts) - 1, 0)
    gy0 = max(min(y0 for _, y0, _ in parts) - 1, 0)
    gx1 = max(x0 + m.shape[1] for x0, _, m in parts) + 1
    gy1 = max(y0 + m.shape[0] for _, y0, m in parts) + 1
    mask = np.zeros((gy1 - gy0, gx1 - gx0), dtype=bool)
    for x0, y0, m in parts:
        mask[y0 - gy0 : y0 - gy0 + m.shape[0], x0 - gx0 : x0 - gx0 + m.shape[1]] |= m
    grown = mask.copy()  # one pixel around the pieces: the anti-aliased rim below INK_LEVEL
    grown[1:] |= mask[:-1]
    grown[:-1] |= mask[1:]
    grown[:, 1:] |= mask[:, :-1]
    grown[:, :-1] |= mask[:, 1:]
    return ink[gy0:gy1, gx0:gx1] * grown[: ink.shape[0] - gy0, : ink.shape[1] - gx0]


# -- choosing the split ----------------------------------------------------------------------------


def _segment(confidences: Confidences, found: _Pieces) -> tuple[list[range], dict[tuple[int, int], np.ndarray | None]]:
    """The best split of the pieces into runs of consecutive pieces, one run per digit; and the runs' inputs."""
    pieces, height = found.pieces, found.height
    n = len(pieces)
    if n == 1:  # one piece, one digit: nothing to choose
        return [range(1)], {}
    boxes = [tuple(float(v) for v in p.box) for p in pieces]  # plain floats: tiny boxes, many runs
    runs, geometry = [], {}
    for i in range(n):
        box = boxes[i]
        for j in range(i + 1, min(i + found.max_group, n) + 1):
            if j - i > 1:
                b = boxes[j - 1]
                box = (min(box[0], b[0]), min(box[1], b[1]), max(box[2], b[2]), max(box[3], b[3]))
                if box[2] - box[0] > MAX_WIDTH * height:
                    break  # wider still with more pieces
            penalty = _shape_penalty(pieces[i:j], boxes[i:j], box, height, found.slack, found.wide_from)
            if j - i > 1 and penalty > HOPELESS:
                continue  # not worth a pass through the network
            runs.append((i, j))
            geometry[i, j] = box, penalty
    if len(runs) > MAX_CANDIDATES and found.max_group == MAX_GROUP:
        raise ValueError(PILED)
    inputs = {r: _input_or_none(found, range(*r)) for r in runs}
    readable = [r for r in runs if inputs[r] is not None]
    sure = confidences(np.stack([inputs[r] for r in readable])) if readable else []
    confidence = {r: float(c) for r, c in zip(readable, sure, strict=True)}
    # An unreadable run scores as a very unlikely digit, so a split always exists.
    score = {r: found.trust * float(np.log(max(confidence.get(r, 0.0), 1e-6))) - geometry[r][1] for r in runs}
    cut = [k > 0 and pieces[k].source == pieces[k - 1].source for k in range(n)]  # parting there cuts ink
    # best[i, j]: the best score of pieces[:j] split into digits, the last one being pieces[i:j].
    best: dict[tuple[int, int], tuple[float, int]] = {}
    for i, j in sorted(runs, key=lambda r: r[1]):
        if i == 0:
            best[i, j] = (score[i, j], -1)
            continue
        options = [
            (best[h, i][0] - _pair_penalty(geometry[h, i][0], geometry[i, j][0], height, found.slack, cut[i]), h)
            for h in range(max(0, i - found.max_group), i)
            if (h, i) in best
        ]
        if options:
            total, h = max(options)
            best[i, j] = (total + score[i, j], h)
    ends = [(best[i, n][0], i) for i in range(n) if (i, n) in best]
    _, i = max(ends)
    groups, j = [], n
    while j > 0:
        groups.append(range(i, j))
        i, j = best[i, j][1], i
    groups.reverse()
    if len(groups) > MAX_DIGITS:
        raise ValueError(TOO_MANY.format(limit=MAX_DIGITS, found=f"{len(groups)} digits"))
    return groups, inputs


def _input_or_none(found: _Pieces, group: range) -> np.ndarray | None:
    """A run's model input, or None when preprocessing finds no readable ink in it (a smudge on its own)."""
    try:
        return found.to_input(_parts(found, group))
    except ValueError:
        return None


def _shape_penalty(
    pieces: list[_Piece], boxes: list[tuple], box: tuple, height: float, slack: float, wide_from: float
) -> float:
    """Nats against a run of pieces (``boxes`` theirs, ``box`` their union) being one digit: too wide, too
    short, or made of pieces side by side."""
    width, tall = (box[2] - box[0]) / height, (box[3] - box[1]) / height
    penalty = WIDE_COST * max(0.0, width - wide_from) + SHORT_COST * max(0.0, SHORT_TO - tall)
    k = len(boxes)
    if k == 1:
        return penalty
    # The left part's x-extent grows from the left, the right part's from the right: one pass each.
    left, right = [boxes[0]] * k, [boxes[-1]] * k
    for m in range(1, k):
        a, b = left[m - 1], boxes[m]
        left[m] = (min(a[0], b[0]), 0.0, max(a[2], b[2]), 0.0)
    for m in range(k - 2, -1, -1):
        a, b = right[m + 1], boxes[m]
        right[m] = (min(a[0], b[0]), 0.0, max(a[2], b[2]), 0.0)
    for m in range(1, k):
        if pieces[m].source == pieces[m - 1].source:
            continue
        lo, hi = left[m - 1], right[m]
        overlap = (min(lo[2], hi[2]) - max(lo[0], hi[0]) - slack) / height  # < 0: a gap between them
        penalty += SIDE_COST * max(0.0, SIDE_FROM - overlap)
    return penalty


def _pair_penalty(a: np.ndarray, b: np.ndarray, height: float, slack: float, cut: bool) -> float:
    """Nats against two consecutive runs being neighbouring digits: one cuts deep into the other, goes back,
    or they part by a cut through ink."""
    overlap = (a[2] - b[0] - slack) / height
    backwards = ((a[0] + a[2]) - (b[0] + b[2])) / 2 / height
    return (
        OVERLAP_COST * max(0.0, overlap - OVERLAP_FROM)
        + BACKWARDS_COST * max(0.0, backwards)
        + (CUT_COST if cut else 0.0)
    )
