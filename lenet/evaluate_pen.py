"""Accuracy on real pen-drawn digits rendered as sketchpad canvases, and the whole-canvas baseline.

Pen digits are rendered as sketchpad canvases (three styles, 280-800 px, brushes of 6-24 px at 512 px,
random size and position) and broken down per style, digit, brush band and slashed zeros. Each digit is
read by a model that never trained on its writer (``assign_models``). ``contact_sheet`` draws the worst
mistakes, each canvas beside the 32x32 input the network saw.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw
from tqdm import tqdm

from .evaluate_mnist import score
from .inference import Classifier
from .pen import STYLES, PenDigits, render_digit, render_with_progress
from .preprocess import FRAME_SIZE, INPUT_SIZE

BRUSH_BANDS = ((6, 12), (12, 18), (18, 24))  # brush width in px on a 512 px canvas


def unseen_writers(clf: Classifier, ds: PenDigits) -> np.ndarray | None:
    """Which digits come from writers the checkpoint never trained on (None: it trained on no pen digits)."""
    trained = set((clf.meta.get("pen_training") or {}).get("train_writers", []))
    if not trained:
        return None
    return np.array([ds.writer(i) not in trained for i in range(len(ds))])


def assign_models(clfs: list[Classifier], ds: PenDigits) -> tuple[np.ndarray, str]:
    """For each digit, the first model that never trained on its writer (-1: none); and what that means."""
    owner = np.full(len(ds), -1)
    for k in reversed(range(len(clfs))):
        unseen = unseen_writers(clfs[k], ds)
        owner[np.ones(len(ds), bool) if unseen is None else unseen] = k
    if all(unseen_writers(c, ds) is None for c in clfs):
        return owner, "all writers"
    if (owner < 0).all():
        return np.zeros(len(ds), dtype=int), "writers seen in training: not a fair figure"
    return owner, "writers unseen in training"


def whole_canvas_input(image: Image.Image) -> np.ndarray:
    """What most draw-a-digit demos do, as a baseline: shrink the whole canvas to 28x28 and pad it to 32x32, ink = 1."""
    if image.mode == "RGBA":
        ink = np.asarray(image.getchannel("A"))
    else:
        grey = np.asarray(image.convert("L"))
        ink = 255 - grey if grey.mean() > 127 else grey  # light paper: the ink is the dark part
    frame = (FRAME_SIZE, FRAME_SIZE)
    small = np.asarray(Image.fromarray(ink).resize(frame, Image.Resampling.BILINEAR), dtype=np.float32) / 255
    return np.pad(small, (INPUT_SIZE - FRAME_SIZE) // 2)


def _whole_canvas_job(job: tuple[PenDigits, int, int]) -> tuple[np.ndarray, dict]:
    ds, i, seed = job
    image, params = render_digit(ds, i, seed=seed, style=STYLES[i % len(STYLES)])
    return whole_canvas_input(image), params


def evaluate_pen(
    clfs: Classifier | list[Classifier],
    ds: PenDigits,
    seed: int = 0,
    workers: int = 2,
    whole_canvas: bool = False,
) -> dict:
    """Accuracy on rendered pen digits, broken down per style, digit, brush band and slashed zeros.

    Each digit is read by a model that never trained on its writer. With several
    models trained on different folds of writers (cross-validation), that pools
    them into one figure over every digit. ``whole_canvas`` replaces the
    preprocessing with a plain resize of the whole canvas (the baseline); the
    canvases are the same.
    """
    clfs = clfs if isinstance(clfs, list) else [clfs]
    owner, writers = assign_models(clfs, ds)
    index = np.flatnonzero(owner >= 0)
    if whole_canvas:
        jobs = [(ds, int(i), seed) for i in index]
        results = [_whole_canvas_job(j) for j in tqdm(jobs, desc="whole canvases", leave=False, disable=None)]
        inputs, params = np.stack([r[0] for r in results]), [r[1] for r in results]
    else:
        inputs, params = render_with_progress(ds, index, seed=seed, workers=workers)
    preds = [None] * len(index)
    for k, clf in enumerate(clfs):
        mine = np.flatnonzero(owner[index] == k)
        for j, p in zip(mine, clf.predict_inputs(inputs[mine]) if len(mine) else [], strict=True):
            preds[j] = p
    digits = np.array([p.digit for p in preds])
    conf = np.array([p.confidence for p in preds])
    labels = ds.labels[index].astype(np.int64)
    slashed = ds.slashed_zero[index]
    right = digits == labels
    styles = np.array([p["style"] for p in params])
    brush = np.array([p["brush512"] for p in params])
    result = {
        "pipeline": "whole-canvas resize" if whole_canvas else "lenet.preprocess",
        "writers": writers,
        "models": len(clfs),
        **score(digits, labels),
        "per_style": {s: float(right[styles == s].mean()) for s in STYLES},
        "per_brush": {f"{lo}-{hi}px": float(right[(brush >= lo) & (brush < hi)].mean()) for lo, hi in BRUSH_BANDS},
        "without_slashed_zero": float(right[~slashed].mean()),
        "slashed_zero": float(right[slashed].mean()) if slashed.any() else None,
        "n_slashed_zero": int(slashed.sum()),
    }
    if len(clfs) > 1:  # each fold's own figure, on its own unseen writers: the spread of the pooled one
        result["per_model"] = [
            {"model": k, "n": int((owner[index] == k).sum()), "accuracy": float(right[owner[index] == k].mean())}
            for k in range(len(clfs))
            if (owner[index] == k).any()
        ]
    wrong = np.flatnonzero(~right)
    result["worst"] = [
        {
            "index": int(index[i]),
            "label": int(labels[i]),
            "predicted": int(digits[i]),
            "confidence": float(conf[i]),
            "_input": inputs[i],
        }
        for i in wrong[np.argsort(-conf[wrong])]
    ]
    return result


def contact_sheet(ds: PenDigits, result: dict, out: Path, seed: int = 0, count: int = 48, tile: int = 112) -> None:
    """Write the worst mistakes as a PNG: each canvas beside the 32x32 input the network saw."""
    worst = result["worst"][:count]
    cols = 4
    rows = max(1, -(-len(worst) // cols))
    cell_w, cell_h = 2 * tile + 12, tile + 18
    sheet = Image.new("RGB", (cols * cell_w, rows * cell_h), "white")
    draw = ImageDraw.Draw(sheet)
    for k, w in enumerate(worst):
        image, params = render_digit(ds, w["index"], seed=seed, style=STYLES[w["index"] % len(STYLES)])
        x, y = (k % cols) * cell_w, (k // cols) * cell_h
        sheet.paste(_display(image, tile), (x + 2, y + 16))
        seen = (w["_input"] * 255).astype(np.uint8)
        sheet.paste(
            Image.fromarray(seen).resize((tile, tile), Image.Resampling.NEAREST).convert("RGB"), (x + tile + 6, y + 16)
        )
        caption = f"#{w['index']} {w['label']}->{w['predicted']} {w['confidence']:.0%} {params['style'][:8]}"
        draw.text((x + 2, y + 2), caption, fill=(200, 0, 0))
    out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(out)


def _display(image: Image.Image, tile: int) -> Image.Image:
    if image.mode == "RGBA":  # transparent layer: show it on light grey
        bg = Image.new("RGB", image.size, (215, 215, 215))
        bg.paste(image, (0, 0), image)
        image = bg
    return image.convert("RGB").resize((tile, tile), Image.Resampling.LANCZOS)


def format_pen(pen: dict) -> list[str]:
    """The pen-digit figures as report lines."""
    models = f", {pen['models']} models pooled" if pen["models"] > 1 else ""
    lines = [f"pen digits ({pen['pipeline']}, {pen['writers']}{models}): {pen['accuracy']:.2%} of {pen['n']}"]
    if pen.get("per_model"):
        each = [m["accuracy"] for m in pen["per_model"]]
        lines.append(
            f"  per model, each on its own unseen writers: {min(each):.2%}-{max(each):.2%} ("
            + ", ".join(f"{m['accuracy']:.2%} of {m['n']}" for m in pen["per_model"])
            + ")"
        )
    lines.append("  per style: " + "  ".join(f"{s}:{a:.2%}" for s, a in pen["per_style"].items()))
    lines.append("  per digit: " + "  ".join(f"{d}:{a:.2%}" for d, a in pen["per_digit"].items()))
    lines.append("  per brush (px at 512): " + "  ".join(f"{b}:{a:.2%}" for b, a in pen["per_brush"].items()))
    sz = pen["slashed_zero"]
    lines.append(
        f"  without slashed zeros: {pen['without_slashed_zero']:.2%}; slashed zeros ({pen['n_slashed_zero']}): "
        + (f"{sz:.2%}" if sz is not None else "none")
    )
    lines.append("  " + common_mistakes(pen["confusion_matrix"]))
    return lines


def common_mistakes(confusion: list[list[int]], count: int = 3) -> str:
    """The sentence about the most frequent mistakes, derived from a confusion matrix."""
    c = np.array(confusion)
    np.fill_diagonal(c, 0)
    order = np.argsort(-c.ravel(), kind="stable")[:count]
    pairs = [(int(k) // 10, int(k) % 10, int(c.flat[k])) for k in order if c.flat[k] > 0]
    if not pairs:
        return "No mistakes."
    parts = [f"{t} read as {p} ({n})" for t, p, n in pairs]
    return f"The most frequent mistakes, of {int(c.sum())}: " + ", ".join(parts) + "."
