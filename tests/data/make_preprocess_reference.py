"""Record the exact preprocessing outputs that training depends on (tests/data/preprocess_reference.json).

    python tests/data/make_preprocess_reference.py

The bundled weights are trained on ``to_model_input`` of MNIST digits (28x28 uint8) and of pen digits
rendered on square canvases (``lenet.pen.render_digit``), so a change to the preprocessing must leave
those outputs bit for bit as they were, or the checkpoint stops being reproducible. This records the
sha256 of each output's float32 bytes; ``tests/test_preprocess.py`` recomputes and compares them.
The file was written with the preprocessing of commit 70dea35; rerun this only on purpose (a change
of the preprocessing that retrains the weights), never to make the test pass.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from lenet.pen import STYLES, PenDigits, render_digit  # noqa: E402
from lenet.preprocess import to_model_input  # noqa: E402

OUT = HERE / "preprocess_reference.json"
# Square canvas sides: both ends of the training (160-400) and evaluation (280-800) ranges, and each
# side of every step of the integer shrink factor (sides 192, 384, 576 and 768 start a new one).
CANVASES = [160, 191, 192, 280, 383, 384, 400, 512, 575, 576, 767, 768, 800]


def digest(x: np.ndarray) -> str:
    """The sha256 of a model input's float32 bytes."""
    return hashlib.sha256(np.ascontiguousarray(x, dtype=np.float32).tobytes()).hexdigest()


def pen_cases(ds: PenDigits) -> list[tuple[int, int, str]]:
    """(digit index, canvas side, style): every canvas in every style, the digits taken in turn."""
    return [(k % len(ds), side, style) for k, (side, style) in enumerate((s, t) for s in CANVASES for t in STYLES)]


def pen_input(ds: PenDigits, i: int, side: int, style: str) -> np.ndarray:
    """Pen digit i drawn as ``render_digit`` draws it (its own seeded brush and position) on a square canvas."""
    image, _ = render_digit(ds, i, seed=0, style=style, canvas_range=(side, side))
    return to_model_input(image)


def main() -> None:
    """Write the digests of the MNIST sample's and the pen renders' model inputs."""
    with np.load(HERE / "mnist_sample.npz") as z:
        mnist = [digest(to_model_input(img)) for img in z["images"]]
    ds = PenDigits.load(HERE / "pen_sample.npz")
    pen = [
        {"digit": i, "canvas": side, "style": style, "sha256": digest(pen_input(ds, i, side, style))}
        for i, side, style in pen_cases(ds)
    ]
    OUT.write_text(json.dumps({"mnist_sample": mnist, "pen_sample": pen}, indent=1) + "\n")
    print(f"wrote {OUT}: {len(mnist)} MNIST digits, {len(pen)} pen renders")


if __name__ == "__main__":
    main()
