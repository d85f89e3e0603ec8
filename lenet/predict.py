"""python -m lenet.predict IMAGE...: print each image's digit and confidence (or, with --number, the whole number)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .inference import DEFAULT_WEIGHTS, WEIGHTS_ENV, CheckpointError, Classifier, NumberReading
from .number import MAX_DIGITS


def main(argv: list[str] | None = None) -> int:
    """The prediction CLI; returns the exit code (1 if any image could not be read)."""
    p = argparse.ArgumentParser(prog="python -m lenet.predict", description=__doc__.splitlines()[0])
    p.add_argument("images", nargs="+", type=Path, help="image files (PNG, JPEG, WebP, GIF, BMP or TIFF)")
    p.add_argument(
        "--weights", type=Path, default=None, help=f"checkpoint (default: ${WEIGHTS_ENV}, else {DEFAULT_WEIGHTS})"
    )
    p.add_argument("--json", action="store_true", help="print one JSON object per image (default: off)")
    p.add_argument("--top", type=int, default=3, help="how many digits to list with --json (default: 3)")
    p.add_argument(
        "--number",
        action="store_true",
        help=f"read each image as a whole number of up to {MAX_DIGITS} digits (default: off)",
    )
    args = p.parse_args(argv)
    try:
        clf = Classifier.load(args.weights)
    except CheckpointError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    failed = 0
    for path in args.images:
        try:
            if (
                not path.exists()
            ):  # the library says only that it cannot read it: which files exist is a server's secret
                raise ValueError(f"No file at {path}: check the path.")
            pred = clf.read_number(path) if args.number else clf.predict(path)
        except ValueError as e:
            failed += 1
            if args.json:
                print(json.dumps({"file": str(path), "error": str(e)}))
            else:
                print(f"{path}: error: {e}", file=sys.stderr)
            continue
        if args.number:
            print(_number_line(path, pred, args.json))
        elif args.json:
            top = [{"digit": d, "probability": round(p, 6)} for d, p in pred.top(args.top)]
            print(
                json.dumps(
                    {"file": str(path), "digit": pred.digit, "confidence": round(pred.confidence, 6), "top": top}
                )
            )
        else:
            print(f"{path}: {pred.digit} ({pred.confidence:.1%})")
    return 1 if failed else 0


def _number_line(path: Path, reading: NumberReading, as_json: bool) -> str:
    if not as_json:
        sure = min(p.confidence for p in reading.digits)
        return f"{path}: {reading.text} (least sure digit {sure:.1%})"
    digits = [
        {"digit": p.digit, "confidence": round(p.confidence, 6), "box": [round(v, 1) for v in box]}
        for p, box in zip(reading.digits, reading.boxes, strict=True)
    ]
    return json.dumps({"file": str(path), "text": reading.text, "digits": digits})


if __name__ == "__main__":
    sys.exit(main())
