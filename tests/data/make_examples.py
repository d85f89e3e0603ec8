"""Write the app's example images (tests/data/examples/) from the pen strokes in pen_strokes.json.

    python tests/data/make_examples.py

Two look like scans (black ink on white), two like phone photos (blue-black ink
on grey paper lit from one side, with sensor noise), so the Upload tab's examples
show both kinds of input the app reads. Fixed seeds: the output is reproducible.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from PIL import Image

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from lenet.pen import render  # noqa: E402

# name in pen_strokes.json -> (file name, looks like a photo)
EXAMPLES = {"four": ("scan_4.png", False), "seven_b": ("photo_7.jpg", True), "five": ("scan_5.png", False),
            "nine_b": ("photo_9.jpg", True)}  # fmt: skip


def photo(ink: np.ndarray, rng: np.random.Generator) -> Image.Image:
    """Ink (H, W) in [0, 1] as a photo of paper: uneven light, tinted ink, noise."""
    h, w = ink.shape
    light = 0.7 + 0.18 * np.linspace(0.0, 1.0, w)[None, :] + 0.04 * np.linspace(-1.0, 1.0, h)[:, None]
    paper = light[..., None] * np.array([1.0, 0.97, 0.9])
    pen = np.array([0.12, 0.14, 0.32])
    rgb = paper * (1 - ink[..., None]) + pen * ink[..., None] + rng.normal(0, 0.02, (h, w, 3))
    return Image.fromarray((np.clip(rgb, 0, 1) * 255).astype(np.uint8), "RGB")


def main() -> None:
    """Render every example into tests/data/examples/."""
    digits = json.loads((HERE / "pen_strokes.json").read_text())["digits"]
    out = HERE / "examples"
    out.mkdir(exist_ok=True)
    for seed, (name, (file, is_photo)) in enumerate(EXAMPLES.items()):
        rng = np.random.default_rng(seed)
        strokes = [np.asarray(s) for s in digits[name]["strokes"]]
        img = render(strokes, canvas=300, brush=11, style="rgb_white", rng=rng, height=0.7)
        if is_photo:
            img = photo(1.0 - np.asarray(img.convert("L"), dtype=np.float32) / 255, rng)
        img.save(out / file, quality=85) if is_photo else img.save(out / file, optimize=True)
        print(out / file)


if __name__ == "__main__":
    main()
