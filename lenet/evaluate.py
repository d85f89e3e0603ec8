"""python -m lenet.evaluate: accuracy on MNIST test and, optionally, on real pen-drawn digits.

Everything is classified through ``Classifier``, as the app does. Pen digits
are rendered as sketchpad canvases (three styles, 280-800 px, brushes of
6-24 px at 512 px, random size and position) and broken down per style, digit,
brush band and slashed zeros; ``--sheet`` writes the worst mistakes, each
canvas beside the 32x32 input the network saw.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from .data import DEFAULT_DATA_DIR, DataError, load_mnist
from .inference import DEFAULT_WEIGHTS, Classifier
from .pen import STYLES, PenDigits, render_digit, render_inputs

BRUSH_BANDS = ((6, 12), (12, 18), (18, 24))  # brush width in px on a 512 px canvas
CHUNK = 1000


def evaluate_mnist(clf: Classifier, data_dir: Path | None = None, limit: int | None = None) -> dict:
    """MNIST test accuracy, overall and per class, through ``predict_batch``."""
    data = load_mnist(data_dir)
    images, labels = data["test-images"][:limit], data["test-labels"][:limit].astype(np.int64)
    preds = np.array([p.digit for i in range(0, len(images), CHUNK) for p in clf.predict_batch(images[i : i + CHUNK])])
    return {"n": len(labels), "accuracy": float((preds == labels).mean()), "per_digit": _per_digit(preds, labels)}


def _per_digit(preds: np.ndarray, labels: np.ndarray) -> dict[int, float]:
    return {d: float((preds[labels == d] == d).mean()) for d in range(10) if (labels == d).any()}


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


def evaluate_pen(clfs: Classifier | list[Classifier], ds: PenDigits, seed: int = 0, workers: int = 2) -> dict:
    """Accuracy on rendered pen digits, broken down per style, digit, brush band and slashed zeros.

    Each digit is read by a model that never trained on its writer. With several
    models trained on different folds of writers (cross-validation), that pools
    them into one figure over every digit.
    """
    clfs = clfs if isinstance(clfs, list) else [clfs]
    owner, writers = assign_models(clfs, ds)
    index = np.flatnonzero(owner >= 0)
    inputs, params = render_inputs(ds, index, seed=seed, workers=workers)
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
        "writers": writers,
        "models": len(clfs),
        "n": len(labels),
        "accuracy": float(right.mean()),
        "per_style": {s: float(right[styles == s].mean()) for s in STYLES},
        "per_digit": _per_digit(digits, labels),
        "per_brush": {f"{lo}-{hi}px": float(right[(brush >= lo) & (brush < hi)].mean()) for lo, hi in BRUSH_BANDS},
        "without_slashed_zero": float(right[~slashed].mean()),
        "slashed_zero": float(right[slashed].mean()) if slashed.any() else None,
        "n_slashed_zero": int(slashed.sum()),
    }
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


def format_report(mnist: dict | None, pen: dict | None) -> str:
    """A human-readable report of the figures."""
    lines = []
    if mnist:
        lines.append(f"MNIST test: {mnist['accuracy']:.2%} of {mnist['n']}")
        lines.append("  per digit: " + "  ".join(f"{d}:{a:.2%}" for d, a in mnist["per_digit"].items()))
    if pen:
        models = f", {pen['models']} models pooled" if pen["models"] > 1 else ""
        lines.append(f"pen digits ({pen['writers']}{models}): {pen['accuracy']:.2%} of {pen['n']}")
        lines.append("  per style: " + "  ".join(f"{s}:{a:.2%}" for s, a in pen["per_style"].items()))
        lines.append("  per digit: " + "  ".join(f"{d}:{a:.2%}" for d, a in pen["per_digit"].items()))
        lines.append("  per brush (px at 512): " + "  ".join(f"{b}:{a:.2%}" for b, a in pen["per_brush"].items()))
        sz = pen["slashed_zero"]
        lines.append(
            f"  without slashed zeros: {pen['without_slashed_zero']:.2%}; slashed zeros ({pen['n_slashed_zero']}): "
            + (f"{sz:.2%}" if sz is not None else "none")
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    """The evaluation CLI."""
    p = argparse.ArgumentParser(prog="python -m lenet.evaluate", description=__doc__.splitlines()[0])
    p.add_argument(
        "--weights",
        type=Path,
        action="append",
        help="checkpoint to evaluate; give one per fold to pool a cross-validation by writer, each pen digit "
        f"read by the model that never saw its writer (default: {DEFAULT_WEIGHTS})",
    )
    p.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help=f"folder with the MNIST files, downloaded there if missing (default: {DEFAULT_DATA_DIR})",
    )
    p.add_argument("--pen-digits", type=Path, default=None, help="pen-digit .npz to evaluate too (default: none)")
    p.add_argument("--no-mnist", action="store_true", help="skip MNIST (default: off)")
    p.add_argument("--limit", type=int, default=None, help="evaluate only the first N MNIST test digits (default: all)")
    p.add_argument("--seed", type=int, default=0, help="seed of the pen-digit rendering (default: 0)")
    p.add_argument("--workers", type=int, default=2, help="processes rendering pen digits (default: 2)")
    p.add_argument(
        "--sheet", type=Path, default=None, help="write a PNG of the worst pen mistakes here (default: none)"
    )
    p.add_argument("--json", action="store_true", help="print the figures as JSON (default: off)")
    args = p.parse_args(argv)
    clfs = [Classifier.load(w) for w in args.weights or [None]]
    try:
        mnist = None if args.no_mnist else evaluate_mnist(clfs[0], args.data_dir, args.limit)
    except DataError as e:
        raise SystemExit(f"error: {e}") from None
    pen = None
    if args.pen_digits:
        ds = PenDigits.load(args.pen_digits)
        pen = evaluate_pen(clfs, ds, args.seed, args.workers)
        if args.sheet:
            contact_sheet(ds, pen, args.sheet, args.seed)
    if pen:
        pen["worst"] = [{k: v for k, v in w.items() if k != "_input"} for w in pen["worst"][:20]]
    if args.json:
        print(json.dumps({"mnist": mnist, "pen_digits": pen}, indent=1))
    else:
        print(format_report(mnist, pen))
        if args.sheet and pen:
            print(f"wrote {args.sheet}")
    return {"mnist": mnist, "pen_digits": pen}


if __name__ == "__main__":
    main()
