"""python -m lenet.evaluate: accuracy on MNIST test and, optionally, on real pen-drawn digits.

Everything is classified through ``Classifier``, as the app does. Pen digits
are rendered as sketchpad canvases (three styles, 280-800 px, brushes of
6-24 px at 512 px, random size and position) and broken down per style, digit,
brush band and slashed zeros; ``--sheet`` writes the worst mistakes, each
canvas beside the 32x32 input the network saw.

``--numbers`` reads whole numbers instead: 2-6 pen digits of one writer the
weights never saw, written one after the other (well spaced, or tight: touching
or overlapping), given as strokes and as canvases in every style, each read by
``Classifier.read_number`` and by the naive method (strokes or ink components
grouped by overlapping x-ranges, each group classified).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image, ImageDraw
from tqdm import tqdm

from .card import write_model_card
from .data import DEFAULT_DATA_DIR, DataError, load_mnist
from .inference import DEFAULT_WEIGHTS, Classifier
from .number import INK_LEVEL, components
from .pen import (
    CANVAS_RANGE,
    HEIGHT_RANGE,
    PEN_DIGITS_FILE,
    STYLES,
    PenDigits,
    compose_number,
    render,
    render_digit,
    render_inputs,
    smooth,
)
from .preprocess import BlankImageError, ink_to_model_input, read_ink
from .strokes import thin

BRUSH_BANDS = ((6, 12), (12, 18), (18, 24))  # brush width in px on a 512 px canvas
CHUNK = 1000
# Numbers: the gap between neighbouring digits' boxes, in digit heights (negative: overlapping).
SPACINGS = {"spaced": (0.1, 0.5), "tight": (-0.05, 0.05)}
NUMBER_LENGTHS = (2, 6)  # digits per number, both included
GOAL_LENGTHS = (2, 4)  # the lengths the goals are stated for
NUMBER_PX = 100.0  # digit height of the stroke input, in pad px
NUMBER_BRUSH = (0.04, 0.14)  # brush width as a fraction of the digit height
INPUTS = ("strokes", *STYLES)
METHODS = ("read_number", "naive")


def score(preds: np.ndarray, labels: np.ndarray) -> dict:
    """Accuracy, per-digit accuracy and the confusion matrix (rows: true digit, columns: read as)."""
    labels = np.asarray(labels).astype(np.int64)
    confusion = np.zeros((10, 10), dtype=np.int64)
    np.add.at(confusion, (labels, np.asarray(preds).astype(np.int64)), 1)
    counts = confusion.sum(1)
    return {
        "n": int(len(labels)),
        "accuracy": float(confusion.trace() / max(len(labels), 1)),
        "per_digit": {d: float(confusion[d, d] / counts[d]) for d in range(10) if counts[d]},
        "confusion_matrix": confusion.tolist(),
    }


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


def evaluate_mnist(clf: Classifier, data_dir: Path | None = None, limit: int | None = None) -> dict:
    """MNIST test accuracy, overall, per digit and as a confusion matrix, through ``predict_batch``."""
    data = load_mnist(data_dir)
    images, labels = data["test-images"][:limit], data["test-labels"][:limit]
    preds = []
    for i in tqdm(range(0, len(images), CHUNK), desc="MNIST test", leave=False, disable=None):
        preds.extend(p.digit for p in clf.predict_batch(images[i : i + CHUNK]))
    return score(np.array(preds), labels)


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
    small = np.asarray(Image.fromarray(ink).resize((28, 28), Image.Resampling.BILINEAR), dtype=np.float32) / 255
    return np.pad(small, 2)


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
    strokes, _ = compose_number(digits, number["gaps"], rng)
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
        lines.append(f"pen digits ({pen['pipeline']}, {pen['writers']}{models}): {pen['accuracy']:.2%} of {pen['n']}")
        lines.append("  per style: " + "  ".join(f"{s}:{a:.2%}" for s, a in pen["per_style"].items()))
        lines.append("  per digit: " + "  ".join(f"{d}:{a:.2%}" for d, a in pen["per_digit"].items()))
        lines.append("  per brush (px at 512): " + "  ".join(f"{b}:{a:.2%}" for b, a in pen["per_brush"].items()))
        sz = pen["slashed_zero"]
        lines.append(
            f"  without slashed zeros: {pen['without_slashed_zero']:.2%}; slashed zeros ({pen['n_slashed_zero']}): "
            + (f"{sz:.2%}" if sz is not None else "none")
        )
        lines.append("  " + common_mistakes(pen["confusion_matrix"]))
    return "\n".join(lines)


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


def record(
    path: Path, argv: list[str], clfs: list[Classifier], weights: list[Path], mnist: dict | None, pen: dict
) -> dict:
    """Write the figures and how they were made (this command, each checkpoint's training command) as JSON."""
    runs = []
    for w, clf in zip(weights, clfs, strict=True):
        beside = Path(w).parent / "metrics.json"
        trained = json.loads(beside.read_text()) if beside.is_file() else {}
        runs.append(
            {
                "checkpoint_sha256": trained.get("checkpoint_sha256"),
                "command": trained.get("command"),
                "config": trained.get("config"),
                "mnist_test_accuracy": clf.meta.get("mnist_test_accuracy"),
                "heldout_writers": len((clf.meta.get("pen_training") or {}).get("heldout_writers", [])),
            }
        )
    figures = {
        "command": " ".join(["python -m lenet.evaluate", *argv]),
        "models": runs,
        "mnist": mnist,
        "pen_digits": pen,
        "common_mistakes": common_mistakes(pen["confusion_matrix"]),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(figures, indent=1) + "\n")
    return figures


def main(argv: list[str] | None = None) -> dict:
    """The evaluation CLI."""
    argv = sys.argv[1:] if argv is None else argv
    if "--adapt" in argv:  # its own flags: see lenet/evaluate_adapt.py
        from .evaluate_adapt import main as main_adapt

        return main_adapt(argv)
    p = argparse.ArgumentParser(prog="python -m lenet.evaluate", description=__doc__.splitlines()[0])
    p.add_argument(
        "--adapt",
        action="store_true",
        help="how much a writer's own examples help instead; --adapt --help lists its flags (default: off)",
    )
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
    p.add_argument(
        "--pen-digits",
        type=Path,
        nargs="?",
        const=PEN_DIGITS_FILE,
        default=None,
        help="evaluate on pen digits too: the bundled set when no path is given, or this .npz (default: none)",
    )
    p.add_argument(
        "--whole-canvas",
        action="store_true",
        help="baseline: read pen digits by shrinking the whole canvas to 28x28, not by lenet.preprocess (default: off)",
    )
    p.add_argument("--no-mnist", action="store_true", help="skip MNIST (default: off)")
    p.add_argument("--limit", type=int, default=None, help="evaluate only the first N MNIST test digits (default: all)")
    p.add_argument("--seed", type=int, default=0, help="seed of the pen-digit rendering (default: 0)")
    p.add_argument("--workers", type=int, default=2, help="processes rendering pen digits (default: 2)")
    p.add_argument(
        "--sheet", type=Path, default=None, help="write a PNG of the worst pen mistakes here (default: none)"
    )
    p.add_argument(
        "--record",
        type=Path,
        default=None,
        help="write the pen-digit figures, this command and each checkpoint's training command to this JSON "
        "file, e.g. weights/crossval.json (default: none)",
    )
    p.add_argument("--json", action="store_true", help="print the figures as JSON (default: off)")
    p.add_argument(
        "--numbers",
        action="store_true",
        help="read whole numbers built from --pen-digits instead of single digits, with read_number and the "
        "naive method (default: off)",
    )
    p.add_argument(
        "--number-count",
        type=int,
        default=200,
        help="numbers per spacing (spaced, tight) with --numbers (default: 200)",
    )
    args = p.parse_args(argv)
    if args.record and not args.pen_digits:
        p.error("--record needs --pen-digits")
    weights = args.weights or [DEFAULT_WEIGHTS]
    clfs = [Classifier.load(w) for w in weights]
    if args.numbers:
        if not args.pen_digits:
            raise SystemExit("error: --numbers builds numbers from the pen-digit set: pass --pen-digits")
        numbers = evaluate_numbers(clfs, PenDigits.load(args.pen_digits), args.number_count, args.seed, args.workers)
        print(json.dumps(numbers, indent=1) if args.json else format_numbers(numbers))
        return {"numbers": numbers}
    try:
        mnist = None if args.no_mnist else evaluate_mnist(clfs[0], args.data_dir, args.limit)
    except DataError as e:
        raise SystemExit(f"error: {e}") from None
    pen = None
    if args.pen_digits:
        ds = PenDigits.load(args.pen_digits)
        pen = evaluate_pen(clfs, ds, args.seed, args.workers, args.whole_canvas)
        if args.sheet:
            contact_sheet(ds, pen, args.sheet, args.seed)
        pen["worst"] = [{k: v for k, v in w.items() if k != "_input"} for w in pen["worst"][:20]]
        if args.record:
            record(args.record, argv, clfs, weights, mnist, pen)
            if (args.record.parent / "metrics.json").is_file():
                write_model_card(args.record.parent)
    if args.json:
        print(json.dumps({"mnist": mnist, "pen_digits": pen}, indent=1))
    else:
        print(format_report(mnist, pen))
        if args.sheet and pen:
            print(f"wrote {args.sheet}")
        if args.record:
            print(f"wrote {args.record}")
    return {"mnist": mnist, "pen_digits": pen}


if __name__ == "__main__":
    main()
