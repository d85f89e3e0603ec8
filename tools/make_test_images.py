"""Write the real image files of the test set: tests/data/files/*, and their manifest.json.

    python tools/make_test_images.py

Each file is a pen digit of tests/data/pen_sample.npz (real UNIPEN strokes, drawn by ``lenet.pen.render``,
the one stroke renderer) saved the way some program would save it: every format ``lenet`` reads, alpha
of every kind (transparent layers, cards on transparent canvases, premultiplied colour), multi-frame files,
all eight EXIF orientations, bit depths from 1 to 16 and CMYK; and files that must be refused (truncated,
empty, PDF, EPS, text named .png, a header claiming a huge image, blank, too small, too thin).
``manifest.json`` lists each file with the digit it holds or a fragment of the message that refuses it;
``tests/test_files.py`` reads every file through ``Classifier.predict`` and checks it.
The files are small (a few KB each) and written the same way every run.
"""

from __future__ import annotations

import io
import json
import struct
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lenet.pen import PenDigits, render, smooth  # noqa: E402

SAMPLE = ROOT / "tests" / "data" / "pen_sample.npz"
OUT = ROOT / "tests" / "data" / "files"
SIDE = 96  # px: a digit needs no more, and the files stay small
BRUSH = 7.0
ORIENTATION = 0x0112  # the EXIF tag
# What ImageOps.exif_transpose does for each orientation, undone: the stored pixels of an upright digit.
STORED = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


def digits() -> dict[int, list[np.ndarray]]:
    """Each class's first digit of the sample (no slashed zero), its strokes smoothed as the renders are."""
    pen = PenDigits.load(SAMPLE)
    out = {}
    for d in range(10):
        i = int(np.flatnonzero((pen.labels == d) & ~pen.slashed_zero)[0])
        out[d] = [smooth(s, float(pen.quantum[i])) for s in pen.strokes(i)]
    return out


def ink(strokes: list[np.ndarray], side: int = SIDE, brush: float = BRUSH, height: float = 0.7) -> np.ndarray:
    """The digit's ink, (side, side) uint8, ink = 255, centred."""
    img = render(strokes, canvas=side, brush=brush, style="rgb_dark", rng=np.random.default_rng(0), height=height)
    return np.asarray(img)[..., 0]


def on_paper(a: np.ndarray) -> Image.Image:
    """Black ink on white paper, grey."""
    return Image.fromarray(255 - a)


def photo(a: np.ndarray, seed: int) -> Image.Image:
    """A phone photo of paper: uneven light, grain, a blue pen."""
    rng = np.random.default_rng(seed)
    h, w = a.shape
    light = np.linspace(0.75, 1.0, w)[None, :] * np.linspace(0.9, 1.0, h)[:, None]
    paper = np.stack([light * 235, light * 230, light * 220], axis=-1)
    pen = np.array([30.0, 40.0, 120.0])
    t = (a / 255.0)[..., None]
    rgb = paper * (1 - t) + pen * t + rng.normal(0, 4, (h, w, 3))
    return Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8))


def transparent(a: np.ndarray, colour: tuple[int, int, int], premultiplied: bool = False) -> Image.Image:
    """Strokes of one colour on a transparent layer; premultiplied: the colour darkened by alpha, as some
    programs export it."""
    rgb = np.empty(a.shape + (3,), np.uint8)
    rgb[:] = colour
    if premultiplied:
        rgb = (rgb * (a[..., None] / 255.0)).astype(np.uint8)
    return Image.fromarray(np.dstack([rgb, a]))


def card(a: np.ndarray, canvas: int, angle: float = 0.0) -> Image.Image:
    """The digit on an opaque white card, on a transparent canvas of ``canvas`` px (turned ``angle`` degrees)."""
    paper = on_paper(a).convert("RGBA")
    if angle:
        paper = paper.rotate(angle, expand=True, resample=Image.Resampling.BICUBIC)
    out = Image.new("RGBA", (canvas, canvas), (0, 0, 0, 0))
    out.alpha_composite(paper, ((canvas - paper.width) // 2, (canvas - paper.height) // 2))
    return out


def saved(img: Image.Image, fmt: str, **options) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **options)
    return buf.getvalue()


def frames(first: Image.Image, more: list[Image.Image], fmt: str) -> bytes:
    return saved(first, fmt, save_all=True, append_images=more)


def png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height and holds no pixels: a decompression bomb's opening."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


def files() -> dict[str, tuple[Callable[[], bytes], int | str]]:
    """File name -> (its bytes, the digit it holds or a fragment of the message refusing it)."""
    pen = digits()
    a = {d: ink(s) for d, s in pen.items()}
    white = {d: on_paper(x) for d, x in a.items()}
    blank = Image.new("L", (SIDE, SIDE), 255)
    grey = Image.new("L", (SIDE, SIDE), 250)  # a second blank frame: GIF writers merge identical ones
    unreadable = "as an image: upload a PNG or JPEG"
    out: dict[str, tuple[Callable[[], bytes], int | str]] = {
        # Formats
        "png-rgb.png": (lambda: saved(white[0].convert("RGB"), "PNG"), 0),
        "png-grey.png": (lambda: saved(white[1], "PNG"), 1),
        "jpeg-rgb.jpg": (lambda: saved(white[2].convert("RGB"), "JPEG", quality=85), 2),
        "jpeg-grey.jpg": (lambda: saved(white[3], "JPEG", quality=85), 3),
        "jpeg-progressive.jpg": (lambda: saved(white[4].convert("RGB"), "JPEG", quality=70, progressive=True), 4),
        "webp-lossy.webp": (lambda: saved(white[5].convert("RGB"), "WEBP", quality=80), 5),
        "webp-lossless.webp": (lambda: saved(white[6].convert("RGB"), "WEBP", lossless=True), 6),
        "gif.gif": (lambda: saved(white[7], "GIF"), 7),
        "bmp-grey.bmp": (lambda: saved(white[8], "BMP"), 8),
        "bmp-rgb-small.bmp": (lambda: saved(white[9].convert("RGB").resize((48, 48)), "BMP"), 9),
        "tiff-lzw.tif": (lambda: saved(white[0], "TIFF", compression="tiff_lzw"), 0),
        "tiff-rgb-deflate.tif": (lambda: saved(white[2].convert("RGB"), "TIFF", compression="tiff_adobe_deflate"), 2),
        "photo-blue-pen.jpg": (lambda: saved(photo(a[3], 3), "JPEG", quality=80), 3),
        "photo-blue-pen.png": (lambda: saved(photo(a[4], 4), "PNG"), 4),
        "chalk-light-on-dark.png": (lambda: saved(Image.fromarray(a[5]), "PNG"), 5),
        # Alpha
        "alpha-black-strokes.png": (lambda: saved(transparent(a[6], (0, 0, 0)), "PNG"), 6),
        "alpha-white-strokes.png": (lambda: saved(transparent(a[7], (255, 255, 255)), "PNG"), 7),
        "alpha-red-strokes.webp": (lambda: saved(transparent(a[8], (200, 30, 30)), "WEBP", lossless=True), 8),
        "alpha-premultiplied.png": (lambda: saved(transparent(a[9], (20, 20, 20), premultiplied=True), "PNG"), 9),
        "alpha-la.png": (lambda: saved(transparent(a[0], (0, 0, 0)).convert("LA"), "PNG"), 0),
        "alpha-card-on-transparent.png": (lambda: saved(card(a[7], 200), "PNG"), 7),
        "alpha-card-rotated.png": (lambda: saved(card(a[4], 200, angle=20), "PNG"), 4),
        "alpha-card-transparent-margin.webp": (lambda: saved(card(a[2], 140), "WEBP", lossless=True), 2),
        "alpha-opaque.png": (lambda: saved(white[3].convert("RGBA"), "PNG"), 3),
        "alpha-gif-transparency.gif": (
            lambda: saved(Image.fromarray(np.where(a[5] > 127, 1, 0).astype(np.uint8), "P"), "GIF", transparency=0),
            5,
        ),
        # Several frames: the first with ink is read
        "frames-first-blank.gif": (lambda: frames(blank, [grey, white[6]], "GIF"), 6),
        "frames-digit-first.gif": (lambda: frames(white[8], [blank], "GIF"), 8),
        "frames-first-blank.tif": (lambda: frames(blank, [white[9]], "TIFF"), 9),
        "frames-all-blank.gif": (
            lambda: frames(blank, [grey], "GIF"),
            "All 2 frames of frames-all-blank.gif are blank",
        ),
        # Bit depths and colour spaces
        "depth-1bit.png": (lambda: saved(white[1].point(lambda v: 255 if v > 127 else 0).convert("1"), "PNG"), 1),
        "depth-1bit.tif": (lambda: saved(white[2].point(lambda v: 255 if v > 127 else 0).convert("1"), "TIFF"), 2),
        "depth-16bit-grey.png": (
            lambda: saved(Image.fromarray((255 - a[3]).astype(np.uint16) * 257), "PNG"),
            3,
        ),
        "depth-i16.tif": (lambda: saved(Image.fromarray((255 - a[5]).astype(np.uint16) * 257), "TIFF"), 5),
        "depth-palette.png": (lambda: saved(white[6].convert("RGB").quantize(8), "PNG"), 6),
        "depth-cmyk.jpg": (lambda: saved(white[7].convert("CMYK"), "JPEG", quality=85), 7),
        "depth-cmyk.tif": (lambda: saved(white[8].convert("CMYK"), "TIFF", compression="tiff_lzw"), 8),
        "depth-float.tif": (lambda: saved(Image.fromarray((255 - a[9]).astype(np.float32) / 255), "TIFF"), 9),
        # Size
        "small-digit-on-a-big-page.png": (lambda: saved(big_page(a[1]), "PNG", optimize=True), 1),
        # Refused, with the message that says why
        "truncated.png": (lambda: saved(white[0], "PNG")[:60], f"truncated.png {unreadable}"),
        "truncated.jpg": (lambda: saved(white[0].convert("RGB"), "JPEG")[:200], f"truncated.jpg {unreadable}"),
        "empty.png": (lambda: b"", f"empty.png {unreadable}"),
        "document.pdf": (
            lambda: b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n",
            f"document.pdf {unreadable}",
        ),
        "drawing.eps": (lambda: eps(), f"drawing.eps {unreadable}"),
        "notes.png": (lambda: b"a shopping list, renamed .png\n", f"notes.png {unreadable}"),
        "huge-header.png": (lambda: png_header(100_000, 100_000), "huge-header.png is too large to read safely"),
        "large-header.png": (lambda: png_header(8000, 6000), "8000x6000 px, too large to read safely"),
        "blank.png": (lambda: saved(blank, "PNG"), "The canvas is blank"),
        "tiny.png": (lambda: saved(Image.new("L", (5, 5), 0), "PNG"), "5x5 px, too small to hold a digit"),
        "thin.png": (lambda: saved(Image.new("L", (1000, 10), 255), "PNG"), "1000x10 px, too long and thin"),
    }
    for o, transpose in STORED.items():  # a phone's sideways JPEG, the EXIF tag saying how to turn it
        d = o  # digits 2..8, one per orientation

        def sideways(d: int = d, o: int = o, transpose: Image.Transpose = transpose) -> bytes:
            exif = Image.Exif()
            exif[ORIENTATION] = o
            return saved(white[d].convert("RGB").transpose(transpose), "JPEG", quality=85, exif=exif)

        out[f"exif-orientation-{o}.jpg"] = (sideways, d)
    return out


def big_page(a: np.ndarray) -> Image.Image:
    """The digit, 48 px, on a 2400 px white page: most of it blank, so the PNG stays small."""
    page = np.full((2400, 2400), 255, np.uint8)
    digit = np.asarray(Image.fromarray(255 - a).resize((48, 48), Image.Resampling.BOX))
    page[1500:1548, 700:748] = digit
    return Image.fromarray(page)


def eps() -> bytes:
    """An EPS file (PostScript: Pillow would run Ghostscript on it, so lenet never opens one)."""
    return b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 96 96\nnewpath 10 10 moveto 80 80 lineto stroke\n%%EOF\n"


def main() -> int:
    """Write every file and the manifest; print the count and the total size."""
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.iterdir():
        old.unlink()
    manifest = []
    for name, (make, expected) in files().items():
        data = make()
        (OUT / name).write_bytes(data)
        key = "digit" if isinstance(expected, int) else "message"
        manifest.append({"file": name, key: expected})
    (OUT / "manifest.json").write_text(
        json.dumps({"source": __doc__.splitlines()[0], "files": manifest}, indent=1) + "\n"
    )
    total = sum(p.stat().st_size for p in OUT.iterdir())
    read = sum("digit" in m for m in manifest)
    print(f"{len(manifest)} files ({read} to read, {len(manifest) - read} to refuse), {total / 1024:.0f} KB, in {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
