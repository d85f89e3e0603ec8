"""Whole numbers: ``Classifier.read_number`` against the naive method, on numbers written with pen digits.

2-6 pen digits of one writer the weights never saw, written one after the other (well spaced, or tight:
touching or overlapping), given as strokes and as canvases in every style, each read by
``Classifier.read_number`` and by the naive method (strokes or ink components grouped by overlapping
x-ranges, each group classified).
"""

from __future__ import annotations

import multiprocessing
from typing import Any

import numpy as np
import torch

from .evaluate_pen import assign_models
from .inference import Classifier
from .number import INK_LEVEL, components
from .pen import CANVAS_RANGE, HEIGHT_RANGE, STYLES, PenDigits, compose_number, render, smooth
from .preprocess import BlankImageError, ink_to_model_input, read_ink
from .strokes import thin

# The gap between neighbouring digits' boxes, in digit heights (negative: overlapping).
SPACINGS = {"spaced": (0.1, 0.5), "tight": (-0.05, 0.05)}
NUMBER_LENGTHS = (2, 6)  # digits per number, both included
GOAL_LENGTHS = (2, 4)  # the lengths the goals are stated for
NUMBER_PX = 100.0  # digit height of the stroke input, in pad px
NUMBER_BRUSH = (0.04, 0.14)  # brush width as a fraction of the digit height
SIZE_JITTER = 0.1  # each digit's height, as a fraction of the digit height (pen.compose_number's default)
BASELINE_JITTER = 0.06  # each digit's baseline shift, likewise
INPUTS = ("strokes", *STYLES)
METHODS = ("read_number", "naive")


def make_numbers(ds: PenDigits, owner: np.ndarray, count: int, seed: int = 0) -> list[dict]:
    """``count`` numbers per spacing, each of 2-6 digits by one writer whose digits ``owner`` assigns a model."""
    rng = np.random.default_rng(seed)
    usable = np.flatnonzero(owner >= 0)
    by_writer = {int(w): usable[ds.writers[usable] == w] for w in np.unique(ds.writers[usable])}
    writers = sorted(by_writer)
    numbers = []
    for spacing, (lo, hi) in SPACINGS.items():
        for _ in range(count):
            mine = by_writer[writers[int(rng.integers(len(writers)))]]
            n = int(rng.integers(NUMBER_LENGTHS[0], NUMBER_LENGTHS[1] + 1))
            digits = [int(i) for i in rng.choice(mine, n, replace=len(mine) < n)]
            gaps = [float(g) for g in rng.uniform(lo, hi, n - 1)]
            numbers.append(
                {
                    "spacing": spacing,
                    "digits": digits,
                    "gaps": gaps,
                    "model": int(owner[digits[0]]),
                    "seed": int(rng.integers(2**31)),
                }
            )
    return numbers


def number_inputs(ds: PenDigits, number: dict) -> tuple[str, dict[str, Any]]:
    """A number's text, and the number as the pad's strokes (px) and as a canvas in each style.

    Each digit is scaled to the digit height +-10 % with its baseline moved by +-6 % (``pen.compose_number``);
    the canvas is 280-800 px, the number as large as fits and its height a random fraction of the canvas,
    drawn with a brush of 4-14 % of the digit height (single pen digits are drawn at 2-19 %, median 6 %).
    """
    rng = np.random.default_rng(number["seed"])
    digits = []
    for i in number["digits"]:
        strokes = ds.strokes(i)
        height = float(np.ptp(np.concatenate(strokes)[:, 1])) or 1.0
        # Smoothed as the single-digit canvases are, then about 60 points per digit height: as a pad samples.
        digits.append([thin(smooth(s, float(ds.quantum[i])), height / 60) for s in strokes])
    strokes, _ = compose_number(digits, number["gaps"], rng, SIZE_JITTER, BASELINE_JITTER)
    text = "".join(str(int(ds.labels[i])) for i in number["digits"])
    inputs: dict[str, Any] = {"strokes": [(s * NUMBER_PX).tolist() for s in strokes]}
    points = np.concatenate(strokes)
    ext = np.ptp(points, axis=0)
    for style in STYLES:
        canvas = int(rng.integers(CANVAS_RANGE[0], CANVAS_RANGE[1] + 1))
        fraction = float(rng.uniform(*HEIGHT_RANGE))
        digit_px = min(fraction * canvas / ext[1], 0.95 * canvas / ext[0])  # render's scale, near enough
        brush = float(rng.uniform(*NUMBER_BRUSH)) * digit_px
        inputs[style] = np.asarray(render(strokes, canvas=canvas, brush=brush, style=style, rng=rng, height=fraction))
    return text, inputs


def read_number_naive(clf: Classifier, x: Any) -> str:
    """The naive method: group strokes, or ink components, whose x-ranges overlap; classify each group."""
    if isinstance(x, list):
        pieces = [np.asarray(s, dtype=np.float64) for s in x if len(s)]
        spans = [(float(p[:, 0].min()), float(p[:, 0].max())) for p in pieces]
        groups = _overlapping(spans)
        return "".join(str(p.digit) for p in clf.predict_batch([[pieces[k] for k in g] for g in groups]))
    ink, _ = read_ink(x)
    labels, count = components(ink > INK_LEVEL)
    if count == 0:
        raise BlankImageError("no ink")
    cols = [np.flatnonzero((labels == k).any(0)) for k in range(1, count + 1)]
    groups = _overlapping([(float(c[0]), float(c[-1])) for c in cols])
    inputs = [ink_to_model_input(ink * np.isin(labels, [k + 1 for k in g])) for g in groups]
    return "".join(str(p.digit) for p in clf.predict_inputs(np.stack(inputs)))


def _overlapping(spans: list[tuple[float, float]]) -> list[list[int]]:
    """Indices grouped so that overlapping (x0, x1) spans, transitively, share a group; left to right."""
    groups: list[list[int]] = []
    right = -np.inf
    for k in sorted(range(len(spans)), key=lambda k: spans[k][0]):
        if groups and spans[k][0] <= right:
            groups[-1].append(k)
        else:
            groups.append([k])
        right = max(right, spans[k][1]) if len(groups[-1]) > 1 else spans[k][1]
    return groups


_NUMBERS: tuple[list[Classifier], PenDigits] | None = None  # shared with forked workers


def _read_one(number: dict) -> dict[str, dict[str, str]]:
    clfs, ds = _NUMBERS
    clf = clfs[number["model"]]
    _, inputs = number_inputs(ds, number)
    out: dict[str, dict[str, str]] = {}
    for name, x in inputs.items():
        out[name] = {}
        for method in METHODS:
            try:
                out[name][method] = clf.read_number(x).text if method == "read_number" else read_number_naive(clf, x)
            except ValueError:  # blank, or refused: no number read
                out[name][method] = ""
    return out


def _one_thread() -> None:
    torch.set_num_threads(1)


def evaluate_numbers(
    clfs: Classifier | list[Classifier], ds: PenDigits, count: int = 200, seed: int = 0, workers: int = 2
) -> dict:
    """Whole-number accuracy, per-digit accuracy and segmentation errors of read_number and the naive method.

    ``count`` numbers per spacing, each read from its strokes and from a canvas in each style, by a model
    that never trained on its writer (with several fold models, each number by the one that did not).
    """
    global _NUMBERS
    clfs = clfs if isinstance(clfs, list) else [clfs]
    owner, writers = assign_models(clfs, ds)
    numbers = make_numbers(ds, owner, count, seed)
    _NUMBERS = (clfs, ds)
    if workers > 1:
        with multiprocessing.get_context("fork").Pool(workers, initializer=_one_thread) as pool:
            read = pool.map(_read_one, numbers, chunksize=8)
    else:
        read = [_read_one(n) for n in numbers]
    texts = ["".join(str(int(ds.labels[i])) for i in n["digits"]) for n in numbers]
    result = {"writers": writers, "models": len(clfs), "numbers": len(numbers), "figures": []}
    lengths = np.array([len(t) for t in texts])
    for method in METHODS:
        for spacing in SPACINGS:
            for inp in (*INPUTS, "images"):
                names = STYLES if inp == "images" else (inp,)
                for lo, hi in (GOAL_LENGTHS, NUMBER_LENGTHS):
                    rows = [
                        (texts[k], read[k][name][method])
                        for k, n in enumerate(numbers)
                        if n["spacing"] == spacing and lo <= lengths[k] <= hi
                        for name in names
                    ]
                    result["figures"].append(
                        {"method": method, "spacing": spacing, "input": inp, "digits": f"{lo}-{hi}", **_score(rows)}
                    )
    result["mistakes"] = [
        {"text": texts[k], "read": read[k][name]["read_number"], "input": name, **numbers[k]}
        for k in range(len(numbers))
        for name in INPUTS
        if read[k][name]["read_number"] != texts[k]
    ][:50]
    return result


def _score(rows: list[tuple[str, str]]) -> dict:
    """Whole-number accuracy, wrong digit counts, and per-digit accuracy over the numbers with the right count."""
    right_count = [(t, r) for t, r in rows if len(t) == len(r)]
    digits = sum(len(t) for t, _ in right_count)
    return {
        "n": len(rows),
        "whole": sum(t == r for t, r in rows) / max(len(rows), 1),
        "wrong_count": 1 - len(right_count) / max(len(rows), 1),
        "per_digit": sum(a == b for t, r in right_count for a, b in zip(t, r, strict=True)) / max(digits, 1),
    }


def format_numbers(result: dict) -> str:
    """The number figures as a table: one row per method, spacing and input."""
    models = f", {result['models']} models pooled" if result["models"] > 1 else ""
    lines = [
        f"numbers ({result['writers']}{models}): {result['numbers']} numbers of {NUMBER_LENGTHS[0]}-"
        f"{NUMBER_LENGTHS[1]} digits, each as strokes and as a canvas in {len(STYLES)} styles",
        f"{'method':<12}{'spacing':<8}{'input':<18}{'digits':<7}{'n':>6}{'whole':>9}{'per digit':>11}"
        f"{'wrong count':>13}",
    ]
    for f in result["figures"]:
        lines.append(
            f"{f['method']:<12}{f['spacing']:<8}{f['input']:<18}{f['digits']:<7}{f['n']:>6}"
            f"{f['whole']:>9.1%}{f['per_digit']:>11.1%}{f['wrong_count']:>13.1%}"
        )
    return "\n".join(lines)
