"""python -m lenet.evaluate: accuracy on MNIST test and on real pen-drawn digits, or on whole numbers.

The CLI only: what is measured lives in one module per thing measured, each
reading through ``Classifier`` as the app does: ``evaluate_mnist`` (MNIST test),
``evaluate_pen`` (pen digits rendered as sketchpad canvases, and the
whole-canvas baseline) and ``evaluate_numbers`` (whole numbers, ``read_number``
against the naive method). ``--record`` writes the figures with this command
and each checkpoint's training command, so a figure in the docs is always one a
command wrote.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .card import write_model_card
from .data import DEFAULT_DATA_DIR, DataError
from .evaluate_mnist import evaluate_mnist
from .evaluate_numbers import evaluate_numbers, format_numbers
from .evaluate_pen import common_mistakes, contact_sheet, evaluate_pen, format_pen
from .inference import DEFAULT_WEIGHTS, WEIGHTS_DIR, Classifier
from .pen import PEN_DIGITS_FILE, PenDigits


def format_report(mnist: dict | None, pen: dict | None) -> str:
    """A human-readable report of the figures."""
    lines = []
    if mnist:
        lines.append(f"MNIST test: {mnist['accuracy']:.2%} of {mnist['n']}")
        lines.append("  per digit: " + "  ".join(f"{d}:{a:.2%}" for d, a in mnist["per_digit"].items()))
    if pen:
        lines += format_pen(pen)
    lines.append(fair_figure(pen))
    return "\n".join(lines)


def fair_figure(pen: dict | None, crossval_path: Path = WEIGHTS_DIR / "crossval.json") -> str:
    """Which figure says how well the weights read a new writer: pen digits of writers they never saw, only."""
    fair = "The fair figure for drawings is pen digits of writers the weights never trained on, only"
    if pen and pen["writers"] != "writers seen in training: not a fair figure":
        return f"{fair}: the pen-digit figure above ({pen['writers']})."
    if crossval_path.is_file():
        cv = json.loads(crossval_path.read_text())["pen_digits"]
        each = [m["accuracy"] for m in cv.get("per_model", [])]
        spread = f", folds {min(each):.2%}-{max(each):.2%}" if each else ""
        where = f"the cross-validation by writer: {cv['accuracy']:.2%} of {cv['n']:,}{spread} ({crossval_path.name})"
    else:
        where = "the cross-validation by writer: `python -m lenet.train --cv 3`"
    seen = "the pen-digit figure above is not fair (these weights trained on those writers); " if pen else ""
    return f"{fair}: {seen}for the bundled recipe it is {where}. MNIST test says little about drawings."


def model_runs(weights: list[Path], clfs: list[Classifier]) -> list[dict]:
    """How each checkpoint was made: its sha256, training command and config (from the metrics.json beside it)."""
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
    return runs


def record(path: Path, argv: list[str], runs: list[dict], figures: dict) -> dict:
    """Write the figures and how they were made (this command, each checkpoint's training command) as JSON."""
    out = {"command": " ".join(["python -m lenet.evaluate", *argv]), "models": runs, **figures}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=1) + "\n")
    return out


def parser() -> argparse.ArgumentParser:
    """The CLI's flags."""
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
        help="evaluate on pen digits too: the bundled set when no path is given, or this .npz "
        "(default: none; with --numbers, the bundled set)",
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
        help="write the pen-digit (or, with --numbers, the number) figures, this command and each checkpoint's "
        "training command to this JSON file, e.g. weights/crossval.json (default: none)",
    )
    p.add_argument("--json", action="store_true", help="print the figures as JSON (default: off)")
    p.add_argument(
        "--numbers",
        action="store_true",
        help="read whole numbers built from the pen digits (--pen-digits, else the bundled set) instead of single "
        "digits, with read_number and the naive method (default: off)",
    )
    p.add_argument(
        "--number-count",
        type=int,
        default=200,
        help="numbers per spacing (spaced, tight) with --numbers (default: 200)",
    )
    return p


def main(argv: list[str] | None = None) -> dict:
    """The evaluation CLI."""
    argv = sys.argv[1:] if argv is None else argv
    if "--adapt" in argv:  # its own flags: see lenet/evaluate_adapt.py
        from .evaluate_adapt import main as main_adapt

        return main_adapt(argv)
    p = parser()
    args = p.parse_args(argv)
    if args.record and not (args.pen_digits or args.numbers):
        p.error("--record needs --pen-digits or --numbers")
    weights = args.weights or [DEFAULT_WEIGHTS]
    clfs = [Classifier.load(w) for w in weights]
    if args.numbers:
        ds = PenDigits.load(args.pen_digits or PEN_DIGITS_FILE)
        numbers = evaluate_numbers(clfs, ds, args.number_count, args.seed, args.workers)
        print(json.dumps(numbers, indent=1) if args.json else format_numbers(numbers))
        if args.record:
            record(args.record, argv, model_runs(weights, clfs), {"numbers": numbers})
            print(f"wrote {args.record}", file=sys.stderr if args.json else sys.stdout)
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
            figures = {"mnist": mnist, "pen_digits": pen, "common_mistakes": common_mistakes(pen["confusion_matrix"])}
            record(args.record, argv, model_runs(weights, clfs), figures)
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
