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
# On a canvas of known size, ink spanning less than this fraction of its longer side is a dot or a speck.
DOT_FRACTION = 0.025
MIN_EXTENT = 1e-6  # a drawing smaller than this, in its own units, has no shape at all

STROKES_HELP = 'send {"strokes": [[[x, y], [x, y], ...], ...]}: a list of strokes, each a list of [x, y] numbers'


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

    def is_blank(self) -> bool:
        """No strokes, or only a dot: nothing to read."""
        ext = self.extent()
        if ext <= MIN_EXTENT:
            return True
        side = max(self.width or 0.0, self.height or 0.0)
        return side > 0 and ext < DOT_FRACTION * side


def is_strokes(value: Any) -> bool:
    """Whether a value is stroke input (a list of strokes, or a mapping with a "strokes" key)."""
    return isinstance(value, (list, tuple)) or (isinstance(value, Mapping) and "strokes" in value)


def parse(value: Any) -> Drawing:
    """Check stroke input: a list of strokes or ``{"strokes": [...], "width": W, "height": H}``."""
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
        if not isinstance(stroke, (list, tuple, np.ndarray)):
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


def _stroke(stroke: Sequence) -> np.ndarray:
    try:
        points = np.asarray(stroke, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"A stroke holds something other than [x, y] numbers: {STROKES_HELP}.") from None
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"A stroke's points must be [x, y] pairs, not shape {points.shape}: {STROKES_HELP}.")
    if not np.isfinite(points).all() or np.abs(points).max() > MAX_COORD:
        raise ValueError(f"Stroke coordinates must be finite numbers within ±{MAX_COORD:,.0f}: {STROKES_HELP}.")
    return points


def draw(strokes: Sequence[np.ndarray], size: tuple[int, int], brush: float) -> np.ndarray:
    """Draw polylines given in canvas px with a round brush of ``brush`` px: (h, w) uint8 ink, ink = 255."""
    ss = SUPERSAMPLE
    img = Image.new("L", (size[0] * ss, size[1] * ss), 0)
    pen = ImageDraw.Draw(img)
    r = brush * ss / 2.0
    for s in strokes:
        pts = [tuple(q) for q in thin(np.asarray(s) * ss, spacing=max(1.0, r / 4))]
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
    keep = np.flatnonzero(np.diff(bucket, prepend=-1) > 0)
    return points[np.unique(np.concatenate([keep, [len(points) - 1]]))]


def rasterize(drawing: Drawing) -> np.ndarray | None:
    """A checked drawing as (h, w) uint8 ink, scaled so its longer side is DRAWING_PX; None if it is blank."""
    if drawing.is_blank():
        return None
    points = np.concatenate(drawing.strokes)
    lo, hi = points.min(0), points.max(0)
    scale = DRAWING_PX / float(np.max(hi - lo))
    brush = BRUSH_FRACTION * DRAWING_PX
    # A square canvas with the drawing centred, as on a pad: the background stays the larger part.
    side = math.ceil(DRAWING_PX + brush + 2 * MARGIN_PX)
    offset = (side - (hi - lo) * scale) / 2
    return draw([(s - lo) * scale + offset for s in drawing.strokes], (side, side), brush)


def bounds(strokes: Sequence[np.ndarray]) -> tuple[float, float, float, float]:
    """The bounding box ``(x0, y0, x1, y1)`` of some strokes, in their own units."""
    points = np.concatenate(strokes)
    (x0, y0), (x1, y1) = points.min(0), points.max(0)
    return float(x0), float(y0), float(x1), float(y1)
