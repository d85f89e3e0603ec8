"""Real pen-drawn digits (stroke data) and a renderer that draws them as a browser sketchpad does.

The evaluation and the tests use it to turn stroke recordings (the UNIPEN pen
digits, or the few kept in ``tests/data``) into canvases like the ones users
draw: any size, brush width and position, in three styles. The stroke file
format is the one of the project's pen-digit set (``.npz``: ``points``,
``stroke_offsets``, ``digit_offsets``, ``labels``, ``writers``, ...). That set
ships beside this module as ``pen_digits.npz`` (UNIPEN, CC BY 4.0: see
``pen_digits.LICENSE.md``) and is what ``PenDigits.load()`` reads by default.
"""

from __future__ import annotations

import multiprocessing
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from tqdm import tqdm

from .preprocess import to_model_input
from .strokes import draw

PEN_DIGITS_FILE = Path(__file__).resolve().parent / "pen_digits.npz"  # 9,121 digits of 140 writers
STYLES = ("rgba_transparent", "rgb_white", "rgb_dark")
CANVAS_RANGE = (280, 800)  # canvas side in px
BRUSH_RANGE = (6.0, 24.0)  # brush width in px on a 512 px canvas, scaled with the canvas
HEIGHT_RANGE = (0.25, 0.80)  # digit height as a fraction of the canvas
CHUNK = 1000  # digits rendered per render_inputs call under a progress bar


@dataclass
class PenDigits:
    """Stroke recordings of digits: ``strokes(i)``, ``labels``, ``writers``, ``slashed_zero``."""

    points: np.ndarray
    stroke_offsets: np.ndarray
    digit_offsets: np.ndarray
    labels: np.ndarray
    writers: np.ndarray
    quantum: np.ndarray
    slashed_zero: np.ndarray
    writer_names: np.ndarray  # writers[i] indexes this: "<site>/<writer id>"

    @classmethod
    def load(cls, path: str | Path = PEN_DIGITS_FILE) -> PenDigits:
        """Read a pen-digit ``.npz`` file (default: the set bundled with the package)."""
        z = np.load(path, allow_pickle=False)
        n = len(z["labels"])
        return cls(
            points=z["points"],
            stroke_offsets=z["stroke_offsets"],
            digit_offsets=z["digit_offsets"],
            labels=z["labels"],
            writers=z["writers"] if "writers" in z else np.zeros(n, dtype=np.int64),
            quantum=z["quantum"] if "quantum" in z else np.zeros(n, dtype=np.float32),
            slashed_zero=z["slashed_zero"] if "slashed_zero" in z else np.zeros(n, dtype=bool),
            writer_names=z["writer_names"] if "writer_names" in z else np.array([], dtype=str),
        )

    def __len__(self) -> int:
        return len(self.labels)

    def strokes(self, i: int) -> list[np.ndarray]:
        """Digit i as a list of (k, 2) polylines, x right and y down."""
        s0, s1 = self.digit_offsets[i], self.digit_offsets[i + 1]
        return [self.points[self.stroke_offsets[s] : self.stroke_offsets[s + 1]] for s in range(s0, s1)]

    def writer(self, i: int) -> str:
        """The name of digit i's writer (its index when the file has no names)."""
        w = int(self.writers[i])
        return str(self.writer_names[w]) if w < len(self.writer_names) else str(w)

    def subset(self, index: np.ndarray) -> PenDigits:
        """A new set holding the digits at ``index``, in that order."""
        strokes = [self.strokes(int(i)) for i in index]
        counts = np.array([len(s) for s in strokes], dtype=np.int64)
        flat = [p for s in strokes for p in s]
        lengths = np.array([len(p) for p in flat], dtype=np.int64)
        return PenDigits(
            points=np.concatenate(flat).astype(np.float32),
            stroke_offsets=np.concatenate([[0], np.cumsum(lengths)]),
            digit_offsets=np.concatenate([[0], np.cumsum(counts)]),
            labels=self.labels[index],
            writers=self.writers[index],
            quantum=self.quantum[index],
            slashed_zero=self.slashed_zero[index],
            writer_names=self.writer_names,
        )

    def save(self, path: str | Path) -> None:
        """Write the set as a compressed ``.npz`` in the same format."""
        np.savez_compressed(path, **{k: getattr(self, k) for k in self.__dataclass_fields__})


def smooth(points: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian-smooth a polyline along its length: takes out a coarse tablet's staircase."""
    p = np.asarray(points, dtype=np.float64)
    if sigma <= 0 or len(p) < 3:
        return p
    arc = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(p, axis=0).T))])
    if arc[-1] <= 0:
        return p
    step = sigma / 3.0
    t = np.linspace(0.0, arc[-1], max(int(np.ceil(arc[-1] / step)) + 1, 3))
    q = np.stack([np.interp(t, arc, p[:, 0]), np.interp(t, arc, p[:, 1])], axis=1)
    k = 9  # kernel half-width in steps: three sigmas
    g = np.exp(-0.5 * (np.arange(-k, k + 1) * step / sigma) ** 2)
    qp = np.pad(q, ((k, k), (0, 0)), mode="edge")
    out = np.stack([np.convolve(qp[:, j], g / g.sum(), "valid") for j in range(2)], axis=1)
    out[0], out[-1] = q[0], q[-1]
    return out


def render(
    strokes: list[np.ndarray],
    canvas: int = 512,
    brush: float | None = None,
    style: str = "rgb_white",
    rng: np.random.Generator | None = None,
    height: float | None = None,
) -> Image.Image:
    """Draw strokes onto a canvas as a browser sketchpad does: round caps, anti-aliased.

    ``brush`` is the line width in px (random in BRUSH_RANGE scaled to the canvas
    when None), ``height`` the digit's height as a fraction of the canvas (random
    in HEIGHT_RANGE when None). The digit lands at a random position, all ink inside.
    """
    if style not in STYLES:
        raise ValueError(f"style must be one of {STYLES}")
    rng = rng if rng is not None else np.random.default_rng(0)
    scale_ref = canvas / 512.0
    bw = float(brush) if brush is not None else float(rng.uniform(*BRUSH_RANGE)) * scale_ref
    bw = max(bw, 1.0)
    hf = float(height) if height is not None else float(rng.uniform(*HEIGHT_RANGE))
    strokes = [np.asarray(s, dtype=np.float64).reshape(-1, 2) for s in strokes if len(s)]
    allp = np.concatenate(strokes)
    lo = allp.min(0)
    ext = np.maximum(allp.max(0) - lo, 1e-6)
    room = canvas - bw - 2.0
    scale = min(hf * canvas / ext[1], room / ext[0], room / ext[1])
    size = ext * scale
    first = bw / 2 + 1.0
    last = canvas - bw / 2 - 1.0 - size
    offset = np.array([rng.uniform(first, max(first, last[0])), rng.uniform(first, max(first, last[1]))])

    ink = draw([(s - lo) * scale + offset for s in strokes], (canvas, canvas), bw)
    if style == "rgba_transparent":
        out = np.zeros((canvas, canvas, 4), dtype=np.uint8)
        out[..., 3] = ink
        return Image.fromarray(out, "RGBA")
    value = 255 - ink if style == "rgb_white" else ink
    return Image.fromarray(np.repeat(value[..., None], 3, axis=2), "RGB")


def render_digit(
    ds: PenDigits, i: int, seed: int = 0, style: str | None = None, canvas_range: tuple[int, int] = CANVAS_RANGE
) -> tuple[Image.Image, dict]:
    """Render digit i with its own seeded canvas size, brush, position and style; also return those."""
    rng = np.random.default_rng([seed, i])
    canvas = int(rng.integers(canvas_range[0], canvas_range[1] + 1))
    style = style or STYLES[int(rng.integers(len(STYLES)))]
    brush512 = float(rng.uniform(*BRUSH_RANGE))
    strokes = [smooth(s, float(ds.quantum[i])) for s in ds.strokes(i)]
    image = render(strokes, canvas=canvas, brush=brush512 * canvas / 512, style=style, rng=rng)
    return image, {"canvas": canvas, "style": style, "brush512": brush512}


_SET: PenDigits | None = None  # the set being rendered, shared with forked workers


def _render_input(job: tuple[int, int, str, tuple[int, int]]) -> tuple[np.ndarray, dict]:
    i, seed, style, canvas_range = job
    image, params = render_digit(_SET, i, seed=seed, style=style, canvas_range=canvas_range)
    return to_model_input(image), params


def render_inputs(
    ds: PenDigits,
    index: np.ndarray | None = None,
    seed: int = 0,
    canvas_range: tuple[int, int] = CANVAS_RANGE,
    workers: int = 2,
) -> tuple[np.ndarray, list[dict]]:
    """Render digits (styles in turn) and preprocess them: (N, 32, 32) model inputs and the render params."""
    global _SET
    _SET = ds
    index = np.arange(len(ds)) if index is None else np.asarray(index)
    jobs = [(int(i), seed, STYLES[int(i) % len(STYLES)], canvas_range) for i in index]
    if workers > 1 and len(jobs) > 64:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            results = pool.map(_render_input, jobs, chunksize=64)
    else:
        results = [_render_input(j) for j in jobs]
    return np.stack([r[0] for r in results]), [r[1] for r in results]


def render_with_progress(
    ds: PenDigits,
    index: np.ndarray,
    seed: int = 0,
    canvas_range: tuple[int, int] = CANVAS_RANGE,
    workers: int = 2,
    desc: str = "pen digits",
) -> tuple[np.ndarray, list[dict]]:
    """``pen.render_inputs`` in chunks under a tqdm bar: the same inputs, as each digit is seeded on its own."""
    index = np.asarray(index)
    chunks = [index[k : k + CHUNK] for k in range(0, len(index), CHUNK)] or [index]
    inputs, params = [], []
    with tqdm(total=len(index), desc=desc, unit="digit", leave=False, disable=None) as bar:
        for chunk in chunks:
            x, p = render_inputs(ds, chunk, seed=seed, canvas_range=canvas_range, workers=workers)
            inputs.append(x)
            params.extend(p)
            bar.update(len(chunk))
    return np.concatenate(inputs), params


def split_writers(ds: PenDigits, folds: int, fold: int | None, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Indices of digits (train, held out): the writers, shuffled by ``seed``, fall in ``folds``
    folds and fold number ``fold`` is held out; ``fold=None`` holds out nobody."""
    writers = np.random.default_rng(seed).permutation(np.unique(ds.writers))
    held = set(writers[fold::folds].tolist()) if fold is not None else set()
    mask = np.array([w in held for w in ds.writers.tolist()], dtype=bool)
    return np.flatnonzero(~mask), np.flatnonzero(mask)


def compose_number(
    digits: list[list[np.ndarray]],
    gaps: list[float],
    rng: np.random.Generator,
    size_jitter: float = 0.1,
    baseline_jitter: float = 0.06,
) -> tuple[list[np.ndarray], list[tuple[float, float, float, float]]]:
    """Write digits (each a list of strokes) one after the other as a number, in units of the digit height.

    Each digit is scaled to a height of 1 +- ``size_jitter``, its bottom moved by +- ``baseline_jitter``,
    and placed ``gaps[k]`` digit heights right of the previous one's box (negative: overlapping).
    Returns the strokes in writing order and each digit's box (x0, y0, x1, y1).
    """
    out, boxes, right = [], [], 0.0
    for k, digit in enumerate(digits):
        pts = np.concatenate(digit)
        lo, hi = pts.min(0), pts.max(0)
        scale = float(rng.uniform(1 - size_jitter, 1 + size_jitter)) / max(float(hi[1] - lo[1]), 1e-6)
        x0 = right + (gaps[k - 1] if k else 0.0)
        bottom = 1.0 + float(rng.uniform(-baseline_jitter, baseline_jitter))
        shift = np.array([x0, bottom - (hi[1] - lo[1]) * scale])
        out.extend((np.asarray(s, dtype=np.float64) - lo) * scale + shift for s in digit)
        box = (x0, float(shift[1]), x0 + float(hi[0] - lo[0]) * scale, bottom)
        boxes.append(box)
        right = box[2]
    return out, boxes
