"""Strokes -> canvas: the one stroke renderer, and the checks on stroke input.

A drawing can arrive as strokes instead of pixels: a list of strokes, each a
sequence of ``(x, y)`` points in drawing order, in any coordinate scale (the
app's pad sends canvas pixels, the pen-digit set has tablet millimetres).
``parse`` checks such input and refuses anything unusable with a ``ValueError``
that says what to send; every accepted drawing costs bounded time, because the
points and strokes are capped and the canvas size does not depend on the input.
``draw`` is the renderer: round caps and joins, anti-aliased, as a browser
canvas draws. ``lenet.pen.render`` uses it for the training and evaluation
canvases, and ``rasterize`` for drawings read by the app, so both see the same ink.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

SUPERSAMPLE = 3  # drawn this much larger, then area-averaged: anti-aliased like a browser
# Caps far above any real drawing (a digit is 1-3 strokes of a few hundred points).
MAX_STROKES = 500
MAX_POINTS = 10_000  # over all strokes
MAX_COORD = 1e6  # |x|, |y| in the input's units
# A drawing read on its own is scaled so its longer side spans DRAWING_PX, with a brush of
# BRUSH_FRACTION of that: inside the pen-digit renders' range and MNIST's stroke-width band,
# so preprocessing has little to correct, and the canvas is small enough to cost ~1 ms.
DRAWING_PX = 112
BRUSH_FRACTION = 0.14
MARGIN_PX = 4
MAX_JOINS = 2000  # round joins drawn for one drawing at most (see ``fit``)
# On a canvas of known size, ink spanning less than this fraction of its longer side is a dot or a speck.
DOT_FRACTION = 0.025
MIN_EXTENT = 1e-6  # a drawing smaller than this, in its own units, has no shape at all
# A stroke whose longer side is under SPECK digit heights is a dot or a speck, never a digit on its own; the digit
# height is the tallest stroke's, or a tenth of the drawing's extent when every stroke is flat or tiny.
# A drawing of specks alone is blank, for predict and read_number alike.
SPECK = 0.15

STROKES_HELP = 'send {"strokes": [[[x, y], [x, y], ...], ...]}: a list of strokes, each a list of [x, y] numbers'
OUT_OF_RANGE = f"Stroke coordinates must be finite numbers within ±{MAX_COORD:,.0f}: {STROKES_HELP}."


@dataclass(frozen=True)
class Drawing:
    """Checked stroke input: (k, 2) float64 polylines, and the canvas size when the sender gave one."""

    strokes: tuple[np.ndarray, ...]
    width: float | None = None
    height: float | None = None

    def extent(self) -> float:
        """The longer side of the drawing's bounding box, in its own units (0 for no points)."""
        if not self.strokes:
            return 0.0
        points = np.concatenate(self.strokes)
        return float(np.max(points.max(0) - points.min(0)))

    def boxes(self) -> np.ndarray:
        """Each stroke's bounding box, (n, 4) as (x0, y0, x1, y1)."""
        if not self.strokes:
            return np.zeros((0, 4))
        points = np.concatenate(self.strokes)
        starts = np.cumsum([0] + [len(s) for s in self.strokes[:-1]])
        return np.concatenate([np.minimum.reduceat(points, starts), np.maximum.reduceat(points, starts)], axis=1)

    def is_blank(self) -> bool:
        """No strokes, only a dot, or only specks far apart: nothing to read."""
        ext = self.extent()
        if ext <= MIN_EXTENT:
            return True
        side = max(self.width or 0.0, self.height or 0.0)
        if side > 0 and ext < DOT_FRACTION * side:
            return True
        return bool(specks(self.boxes())[0].all())


def specks(boxes: np.ndarray) -> tuple[np.ndarray, float]:
    """Which of some pieces' boxes (n, 4) are specks (longer side under SPECK digit heights), and the digit height."""
    sizes = boxes[:, 2:] - boxes[:, :2]
    # The tallest piece: a digit, or a stroke of one, spans most of the digit height. A drawing that is all
    # flat dashes, or all dots, still gets a height from its extent.
    spread = np.ptp(boxes[:, [0, 2]]), np.ptp(boxes[:, [1, 3]])
    height = float(max(sizes[:, 1].max(), 0.1 * spread[0], 0.1 * spread[1], 1e-9))
    return sizes.max(1) < SPECK * height, height


def is_strokes(value: Any) -> bool:
    """Whether a value is stroke input (a list of strokes, a mapping with a "strokes" key, or a parsed Drawing)."""
    return isinstance(value, (list, tuple, Drawing)) or (isinstance(value, Mapping) and "strokes" in value)


def parse(value: Any) -> Drawing:
    """Check stroke input: a list of strokes or ``{"strokes": [...], "width": W, "height": H}``.

    The one parser: ``Classifier.predict`` and ``read_number`` take the Drawing it returns as it is,
    so a caller that checks a payload first parses it once.
    """
    if isinstance(value, Drawing):
        return value
    width = height = None
    if isinstance(value, Mapping):
        if "strokes" not in value:
            raise ValueError(f'No "strokes" key: {STROKES_HELP}.')
        width, height = _size(value.get("width")), _size(value.get("height"))
        value = value["strokes"]
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"The strokes are a {type(value).__name__}, not a list: {STROKES_HELP}.")
    if len(value) > MAX_STROKES:
        raise ValueError(f"{len(value):,} strokes are more than {MAX_STROKES:,}: send one drawing, not a stream.")
    total = 0
    for stroke in value:
        if not isinstance(stroke, (list, tuple, np.ndarray)) or isinstance(stroke, np.ndarray) and stroke.ndim == 0:
            raise ValueError(f"A stroke is a {type(stroke).__name__}, not a list of points: {STROKES_HELP}.")
        total += len(stroke)
        if total > MAX_POINTS:  # counted before any conversion, so a huge payload is refused at once
            raise ValueError(f"The strokes have more than {MAX_POINTS:,} points: send one drawing, not a stream.")
    return Drawing(tuple(_stroke(s) for s in value if len(s)), width, height)


def _size(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= MAX_COORD:
        raise ValueError(f'"width" and "height" are the canvas size in px, positive numbers: got {value!r:.40}.')
    return float(value)


NUMBER_TYPES = (int, float, np.integer, np.floating)  # not bool (nor np.bool_): True is no coordinate


def _stroke(stroke: Sequence) -> np.ndarray:
    other = f"A stroke holds something other than [x, y] numbers: {STROKES_HELP}."
    if isinstance(stroke, np.ndarray):
        if stroke.dtype.kind not in "iuf":
            raise ValueError(other)
        points = stroke.astype(np.float64)
    else:
        # Flattened and type-checked in C (map, chain): a few types to look at, however many points.
        try:
            flat = list(chain.from_iterable(stroke))
        except TypeError:  # a point that is a bare number
            raise ValueError(other) from None
        kinds = set(map(type, flat))
        if kinds and all(issubclass(k, (list, tuple)) for k in kinds):  # one level too deep
            raise ValueError(f"A stroke's points must be [x, y] pairs of numbers, not of lists: {STROKES_HELP}.")
        if not all(issubclass(k, NUMBER_TYPES) and not issubclass(k, (bool, np.bool_)) for k in kinds):
            raise ValueError(other)
        lengths = set(map(len, stroke))
        if lengths != {2}:
            n = max(lengths - {2})
            raise ValueError(
                f"A stroke's points must be [x, y] pairs, not points of {n} number{'s' * (n != 1)}: {STROKES_HELP}."
            )
        try:
            points = np.array(flat, dtype=np.float64).reshape(-1, 2)
        except OverflowError:
            raise ValueError(OUT_OF_RANGE) from None
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"A stroke's points must be [x, y] pairs, not shape {points.shape}: {STROKES_HELP}.")
    if not np.isfinite(points).all() or np.abs(points).max() > MAX_COORD:
        raise ValueError(OUT_OF_RANGE)
    return points


def draw(strokes: Sequence[np.ndarray], size: tuple[int, int], brush: float, joins: float = 0.25) -> np.ndarray:
    """Draw polylines given in canvas px with a round brush of ``brush`` px: (h, w) uint8 ink, ink = 255.

    Round joins are drawn about every ``joins`` brush radii along each stroke.
    """
    ss = SUPERSAMPLE
    img = Image.new("L", (size[0] * ss, size[1] * ss), 0)
    pen = ImageDraw.Draw(img)
    r = brush * ss / 2.0
    for s in strokes:
        pts = [tuple(q) for q in thin(np.asarray(s) * ss, spacing=max(1.0, r * joins))]
        if len(pts) > 1:
            pen.line(pts, fill=255, width=max(1, round(brush * ss)))
        for x, y in pts:  # round caps and joins, like canvas lineCap = lineJoin = "round"
            pen.ellipse((x - r, y - r, x + r, y + r), fill=255)
    return np.asarray(img.reduce(ss))


def thin(points: np.ndarray, spacing: float) -> np.ndarray:
    """Keep about one point per ``spacing`` of path length (and the ends): same ink, fewer joins."""
    if len(points) < 3:
        return points
    arc = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(points, axis=0).T))])
    bucket = np.floor(arc / spacing)
    keep = np.flatnonzero(np.diff(bucket, prepend=-1) > 0)  # sorted, and holds 0
    return points[keep] if keep[-1] == len(points) - 1 else points[np.append(keep, len(points) - 1)]


def rasterize(drawing: Drawing, px: int = DRAWING_PX, joins: float = 0.25) -> np.ndarray | None:
    """A checked drawing as (h, w) uint8 ink, scaled so its longer side is ``px``; None if it is blank."""
    return None if drawing.is_blank() else fit(drawing.strokes, px, joins)


def fit(strokes: Sequence[np.ndarray], px: int = DRAWING_PX, joins: float = 0.25) -> np.ndarray:
    """``rasterize`` without the blank check, for strokes known to hold more than a dot."""
    points = np.concatenate(strokes)
    lo, hi = points.min(0), points.max(0)
    scale = px / float(np.max(hi - lo))
    brush = BRUSH_FRACTION * px
    # A square canvas with the drawing centred, as on a pad: the background stays the larger part.
    side = math.ceil(px + brush + 2 * MARGIN_PX)
    offset = (side - (hi - lo) * scale) / 2
    placed = [(s - lo) * scale + offset for s in strokes]
    # A scribble's path is many times a digit's: its round joins are spaced out so that it costs no more
    # to draw than MAX_JOINS of them (a real digit has a few hundred, and is drawn as it always was).
    path = sum(float(np.hypot(*np.diff(s, axis=0).T).sum()) for s in placed)
    joins = max(joins, path / (MAX_JOINS * brush / 2))
    return draw(placed, (side, side), brush, joins)


def bounds(strokes: Sequence[np.ndarray]) -> tuple[float, float, float, float]:
    """The bounding box ``(x0, y0, x1, y1)`` of some strokes, in their own units."""
    points = np.concatenate(strokes)
    (x0, y0), (x1, y1) = points.min(0), points.max(0)
    return float(x0), float(y0), float(x1), float(y1)
