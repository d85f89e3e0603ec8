"""Any drawing or photo -> the network's 32x32 input, normalised the way MNIST was made.

This module is the one home of the input geometry and the MNIST mean/std.
The pipeline, in order:

1. read the input (PIL image, numpy array, Gradio sketchpad dict, file path, or
   strokes drawn by ``strokes.rasterize``) into one uint8 channel, refusing anything
   unusable with a ``ValueError`` (files: only the formats in ``FORMATS``, sized
   from the header before decoding);
2. shrink it early by an integer factor (area averaging, so thin strokes fade
   but never vanish) so a large canvas costs no more than a small one, and a
   long one no more than a square: every accepted input costs O(pixels);
3. find the ink, whatever the style: alpha on a transparent layer, dark ink on
   light paper (with uneven light removed), or light ink on dark;
4. crop to the ink's bounding box and bring the stroke width to what MNIST
   strokes have (thin strokes are dilated, thick ones eroded);
5. scale the longer side to 20 px (anti-aliased), centre by centre of mass in
   28x28 and pad to 32x32, as LeCun et al. built MNIST.

``to_model_input`` returns that 32x32 image in [0, 1] with ink = 1; ``normalize``
applies the MNIST mean/std that the network was trained with.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from . import strokes
from .model import ARCH

INPUT_SIZE = ARCH["input_size"]  # what the network takes: defined once, with the architecture
FRAME_SIZE = 28  # MNIST's field, padded by 2 on each side to INPUT_SIZE
BOX_SIZE = 20  # MNIST's size-normalised box: the longer side of the ink
# The training images' statistics (MNIST, ink = 1), applied after preprocessing.
MNIST_MEAN = 0.1307
MNIST_STD = 0.3081
# Stroke width in px inside the 20 px box; MNIST's digits lie in this band, so
# wider or thinner strokes are brought to its edge (see ``_stroke_width``).
STROKE_MIN = 1.7
STROKE_MAX = 3.8
# Input limits: refuse what cannot hold a digit, and what would exhaust memory.
MIN_SIDE = 8
MAX_PIXELS = 40_000_000
MAX_ASPECT = 50  # longer side / shorter side: beyond this an image holds a line, not a digit
# The file formats decoded (Pillow's names); any other file, EPS or PDF say, is refused unread.
FORMATS = ("PNG", "JPEG", "WEBP", "GIF", "BMP", "TIFF")
MAX_FRAMES = 8  # frames of a multi-frame file looked at for ink, at most
WORK_SIDE = 192  # larger inputs are shrunk by an integer factor to about this
# ... and the longer side to at most about this, so no input, however long, is worked on at a
# larger size than a square canvas of this side (2 x WORK_SIDE keeps every square's factor).
WORK_LONG_SIDE = 2 * WORK_SIDE
# The widest dilation or erosion, in working px; a wider one runs on a coarser copy (see
# ``_normalise_stroke``). Each px of radius is one pass over the image.
MAX_RADIUS = 24
BLANK_CONTRAST = 0.12  # ink must stand out from the background by this much
PHOTO_FLOOR = 0.25  # in a photo, ink fainter than this fraction of the darkest is noise
NOISE_FLAT = 0.004  # background grain below this: a drawn canvas, not a photo
MIN_INK_PIXELS = 3  # fewer ink pixels than this (after shrinking) is a blank
# An image shrunk this many times or more whose ink spans fewer than SECOND_LOOK_PX working px (or none)
# is looked at again, around its ink, at full resolution: a small digit on a big photo is not lost.
SECOND_LOOK_FACTOR = 4
SECOND_LOOK_PX = 24
# The opaque part of a transparent image is a card, not strokes, when its mean thickness is at least this
# fraction of its size (a square card: 0.64, rotated 20 degrees: 0.5; a thick stroke of a digit: under 0.3).
CARD_THICKNESS = 0.35


BLANK_MESSAGE = "The canvas is blank: draw a digit (or, for a photo, one dark digit on light paper)."


class BlankImageError(ValueError):
    """The image has no ink: nothing to classify."""


def to_model_input(image: Any) -> np.ndarray:
    """Turn a drawing or photo into the (32, 32) float32 input in [0, 1], ink = 1."""
    if strokes.is_strokes(image):
        return strokes_to_model_input(strokes.parse(image))
    return ink_to_model_input(_ink_map(image))


def strokes_to_model_input(drawing: strokes.Drawing) -> np.ndarray:
    """A checked drawing's (32, 32) input: drawn by the one stroke renderer, whose ink needs no finding."""
    ink = strokes.rasterize(drawing)
    if ink is None:
        raise BlankImageError(BLANK_MESSAGE)
    return drawn_to_model_input(ink)


def drawn_to_model_input(ink: np.ndarray) -> np.ndarray:
    """The (32, 32) input of ink drawn by ``strokes.draw`` (uint8, ink = 255 on 0): the canvas is the ink map."""
    return ink_to_model_input(_check_ink(ink.astype(np.float32) * np.float32(1 / 255)))


def ink_to_model_input(ink: np.ndarray) -> np.ndarray:
    """Steps 4-5 on an ink map (h, w) in [0, 1], ink = 1, holding some ink: crop, stroke width, MNIST geometry."""
    ink = _crop_to_ink(ink)
    ink = _normalise_stroke(ink)
    return _place_in_frame(_scale_to_box(ink))


def read_ink(image: Any) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """Steps 1-3: the ink map at the working resolution, and where it lies in the input's pixels:
    (sx, sy, ox, oy), so that column i, row j of the map is at x = ox + sx * i, y = oy + sy * j."""
    return _find_ink(_read(image))


def normalize(model_input: np.ndarray) -> np.ndarray:
    """Apply the MNIST mean/std to a [0, 1] input (any shape)."""
    return (np.asarray(model_input, dtype=np.float32) - MNIST_MEAN) / MNIST_STD


# -- 1. reading ------------------------------------------------------------------


def _read(image: Any) -> np.ndarray:
    """Any supported input -> an (H, W, C) array with C in 1..4 (uint8 or float)."""
    if image is None:
        raise ValueError("No image was given: draw a digit or upload a photo of one.")
    if strokes.is_strokes(image):
        return _read_strokes(image)
    if isinstance(image, dict):
        return _read_sketchpad(image)
    if isinstance(image, (str, os.PathLike)):
        return _read_file(image)
    if isinstance(image, (bytes, bytearray)):
        raise ValueError("Got raw bytes: pass a file path, a PIL image or a numpy array.")
    if isinstance(image, Image.Image):
        return _read_pil(image)
    if isinstance(image, np.ndarray):
        return _check_array(image)
    raise ValueError(
        f"Cannot read an image from a {type(image).__name__}: "
        "pass a PIL image, a numpy array, a file path or a sketchpad value."
    )


def _read_file(path: str | os.PathLike) -> np.ndarray:
    """An image file in one of FORMATS as a checked array: its first frame that holds ink.

    A multi-frame file (an animated GIF or WebP, a multi-page TIFF) is read frame by frame, up to
    MAX_FRAMES, and the first frame with ink is the image; if none has any, the message says so.
    The file is closed before this returns, whatever happens.
    """
    p = Path(path)
    # One message for a missing file, an empty one, another format and a damaged image: which files
    # exist on a server is nobody's business (and is_file() keeps devices and pipes from being read at all).
    # The CLI, whose user typed the path, says "No file at ..." itself.
    unreadable = f"Cannot read {(p.name or str(path))[:100]} as an image: upload a PNG or JPEG of a digit."
    if not p.is_file():
        raise ValueError(unreadable)
    try:
        with Image.open(p, formats=FORMATS) as img:
            _check_size(*img.size)  # from the header, before the pixels are decoded
            frames = getattr(img, "n_frames", 1)
            for k in range(min(frames, MAX_FRAMES)):
                img.seek(k)
                img.load()
                arr = _read_pil(ImageOps.exif_transpose(img))  # phone photos are often stored sideways
                if frames == 1:
                    return arr
                try:
                    _find_ink(arr)
                except BlankImageError:
                    continue
                return arr
    except Image.DecompressionBombError as e:  # Pillow's own limit, met at open before ours: the header is huge
        raise ValueError(
            f"{p.name[:100]} is too large to read safely: shrink it to at most "
            f"{MAX_PIXELS // 1_000_000} megapixels (a digit needs far less)."
        ) from e
    except ValueError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, EOFError) as e:
        raise ValueError(unreadable) from e
    looked = f"All {frames} frames" if frames <= MAX_FRAMES else f"The first {MAX_FRAMES} frames"
    raise BlankImageError(f"{looked} of {p.name[:100]} are blank: upload an image of one dark digit on light paper.")


def _check_size(width: int, height: int) -> None:
    if width * height > MAX_PIXELS:
        raise ValueError(
            f"The image is {width}x{height} px, too large to read safely: "
            f"shrink it to at most {MAX_PIXELS // 1_000_000} megapixels (a digit needs far less)."
        )
    if min(width, height) < MIN_SIDE:
        raise ValueError(
            f"The image is {width}x{height} px, too small to hold a digit: use at least {MIN_SIDE}x{MIN_SIDE} px."
        )
    if max(width, height) > MAX_ASPECT * min(width, height):
        raise ValueError(
            f"The image is {width}x{height} px, too long and thin to hold a digit: "
            f"crop it around the digit (at most {MAX_ASPECT}:1)."
        )


def _read_strokes(value: Any) -> np.ndarray:
    """Strokes (a list, or the pad's ``{"strokes": ...}``) drawn by the one stroke renderer, as light on dark."""
    ink = strokes.rasterize(strokes.parse(value))
    if ink is None:
        raise BlankImageError(BLANK_MESSAGE)
    return ink[:, :, None]


def _read_sketchpad(value: dict) -> np.ndarray:
    """Gradio's sketchpad/ImageEditor value: the composite, else the layers."""
    composite = value.get("composite")
    if composite is not None:
        return _read(composite)
    layers = [layer for layer in value.get("layers") or [] if layer is not None]
    if not layers:
        raise BlankImageError(BLANK_MESSAGE)
    arrays = [_read(layer) for layer in layers]
    if len(arrays) == 1:
        return arrays[0]
    # Ink is wherever any layer has it; the max of their alphas keeps every stroke. That needs
    # transparent layers of one size, as Gradio's editor makes them; anything else is not a sketchpad value.
    if any(a.shape != arrays[0].shape or a.shape[2] != 4 for a in arrays):
        shapes = ", ".join(str(a.shape) for a in arrays)
        raise ValueError(
            f"Cannot combine sketchpad layers of shapes {shapes}: pass RGBA layers of one size, or the composite."
        )
    if len({a.dtype for a in arrays}) > 1:  # 0-255 and 0-1 layers: compare them on one scale
        arrays = [_to_unit(a) for a in arrays]
    stacked = np.stack(arrays)
    out = stacked[0].copy()
    out[..., 3] = stacked[..., 3].max(axis=0)
    return out


def _read_pil(img: Image.Image) -> np.ndarray:
    _check_size(*img.size)
    mode = img.mode
    if mode in ("1", "L", "LA", "RGB", "RGBA", "I", "F"):
        return _check_array(np.asarray(img))
    if mode.startswith("I;16"):  # the header says 16 bits, whatever the values
        return _check_array(np.asarray(img), full_scale=65535)
    if mode == "PA" or mode == "P" and "transparency" in img.info:
        return _check_array(np.asarray(img.convert("RGBA")))
    return _check_array(np.asarray(img.convert("RGB")))  # P without transparency, CMYK, YCbCr, LAB, HSV, ...


def _check_array(arr: np.ndarray, full_scale: int | None = None) -> np.ndarray:
    """Validate an image array and return it as (H, W, C): uint8, or float32 in [0, 1].

    The one place pixel values are scaled: floats up to 1 are kept, anything else is read as 0-255 or,
    beyond 255, as 0-65535; ``full_scale`` overrides the guess when the file says its bit depth.
    """
    if arr.dtype == bool:
        arr = arr.astype(np.uint8) * np.uint8(255)
    if arr.ndim == 3 and arr.shape[2] == 1:
        pass
    elif arr.ndim == 2:
        arr = arr[:, :, None]
    elif not (arr.ndim == 3 and 1 <= arr.shape[2] <= 4):
        raise ValueError(
            f"Cannot read an array of shape {arr.shape} as an image: use (H, W) grey, (H, W, 3) RGB or (H, W, 4) RGBA."
        )
    if arr.dtype.kind not in "uif":
        raise ValueError(f"Cannot read an array of dtype {arr.dtype} as an image: use uint8 or float.")
    _check_size(arr.shape[1], arr.shape[0])
    if arr.dtype.kind == "f":
        if not np.isfinite(arr).all():
            raise ValueError("The image contains NaN or infinite values: pass finite pixel values.")
    if arr.dtype != np.uint8:
        lo, hi = float(arr.min()), float(arr.max())
        if lo < 0:
            raise ValueError("The image has negative pixel values: use 0-255 or 0-1.")
        if hi > 65535:
            raise ValueError(f"The image has pixel values up to {hi:g}: use 0-255 or 0-1.")
        if full_scale is not None:
            arr = arr.astype(np.float32) / float(full_scale)
        elif arr.dtype.kind == "f" and hi <= 1.0:
            arr = arr.astype(np.float32)
        else:
            arr = arr.astype(np.float32) / (255.0 if hi <= 255 else 65535.0)
    return arr


# -- 2./3. shrinking and finding the ink ----------------------------------------------


def _ink_map(image: Any) -> np.ndarray:
    """Ink intensity (h, w) float32 in [0, 1], ink = 1, at a working resolution."""
    return _find_ink(_read(image))[0]


def _find_ink(arr: np.ndarray) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """A checked array's ink map, and where it lies in the array: (sx, sy, ox, oy), input x = ox + sx * column.

    A small digit in a big image is looked at twice: found on a shrink that keeps every stroke
    (the darkest or brightest pixel of each block), then read from the original pixels around it.
    """
    h, w = arr.shape[:2]
    factor = _factor(h, w)
    try:
        ink = _ink_at(arr, factor)
    except BlankImageError:
        if factor < SECOND_LOOK_FACTOR:
            raise
        ink = None
    if factor >= SECOND_LOOK_FACTOR and (ink is None or _ink_extent(ink) < SECOND_LOOK_PX):
        box = _locate_ink(arr, factor)
        if box is not None and (box[2] - box[0]) * (box[3] - box[1]) < h * w / 4:
            x0, y0, x1, y1 = box
            try:
                inner, (sx, sy, ox, oy) = _find_ink(arr[y0:y1, x0:x1])
                return inner, (sx, sy, ox + x0, oy + y0)
            except BlankImageError:
                if ink is None:
                    raise
                # the closer look found nothing clear: keep what the first one found
        if ink is None:
            raise BlankImageError(BLANK_MESSAGE)
    return ink, (w / ink.shape[1], h / ink.shape[0], 0.0, 0.0)


def _factor(h: int, w: int) -> int:
    """The integer shrink of an h x w image: to about WORK_SIDE on the shorter side, WORK_LONG_SIDE on the longer."""
    # The shorter side sets the factor (a square's, as it always has); the longer side bounds it from below.
    return max(1, min(h, w) // WORK_SIDE, -(-max(h, w) // WORK_LONG_SIDE))


def _ink_extent(ink: np.ndarray) -> int:
    """The longer side, in px, of the box around an ink map's clear ink."""
    rows, cols = np.flatnonzero(ink.max(axis=1) > 0.5), np.flatnonzero(ink.max(axis=0) > 0.5)
    return max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1 if len(rows) else 0


def _locate_ink(arr: np.ndarray, factor: int) -> tuple[int, int, int, int] | None:
    """Where the ink lies, (x0, y0, x1, y1) in arr's px with a margin, from a shrink that keeps thin strokes."""
    h, w = arr.shape[:2]
    bh, bw = h // factor, w // factor
    sample = arr[:: max(1, h // 64), :: max(1, w // 64)]
    if arr.shape[2] in (2, 4) and _to_unit(sample[..., -1]).mean() < 0.95:
        channel, dark_ink = arr[..., -1], False  # any opaque pixel: strokes, or a card
    else:
        channel = _gray(arr, sample)
        dark_ink = float(np.median(_to_unit(channel[::8, ::8]))) >= 0.5
    blocks = channel[: bh * factor, : bw * factor].reshape(bh, factor, bw, factor)
    # The darkest pixel of each block for dark ink on light paper, the brightest otherwise: no stroke fades.
    level = _to_unit(blocks.min(axis=(1, 3)) if dark_ink else blocks.max(axis=(1, 3)))
    contrast = np.abs(level - np.median(level))
    spread = 1.4826 * float(np.median(np.abs(contrast - np.median(contrast))))
    found = contrast > max(2 * BLANK_CONTRAST, 8 * spread)
    rows, cols = np.flatnonzero(found.any(axis=1)), np.flatnonzero(found.any(axis=0))
    if len(rows) == 0:
        return None
    y0, y1, x0, x1 = rows[0] * factor, (rows[-1] + 1) * factor, cols[0] * factor, (cols[-1] + 1) * factor
    margin = max(y1 - y0, x1 - x0) // 2 + 2 * factor  # some paper around the digit, as a photo has
    return max(0, x0 - margin), max(0, y0 - margin), min(w, x1 + margin), min(h, y1 + margin)


def _ink_at(arr: np.ndarray, factor: int) -> np.ndarray:
    """Steps 2-3 on a checked array: shrink by ``factor`` and find the ink."""
    h, w, c = arr.shape
    if factor >= 4 and factor == min(h, w) // WORK_SIDE:
        # Keep every other pixel before area-averaging: halves the cost on big canvases, and
        # strokes there are several px wide (anti-aliased lines are never thinner than 2 px).
        # A long image shrunk for its length is not a big canvas: all its pixels count.
        arr, factor = arr[::2, ::2], factor // 2
        h, w = arr.shape[:2]
    sample = arr[:: max(1, h // 64), :: max(1, w // 64)]
    has_alpha = c in (2, 4)
    gray = _gray(arr, sample)
    if has_alpha and _to_unit(sample[..., -1]).mean() < 0.95:
        alpha = _shrink(arr[..., -1], factor)
        # The colour under alpha, averaged over the opaque pixels only (a transparent pixel's colour is nothing).
        covered = _shrink(_to_unit(gray) * _to_unit(arr[..., -1]), factor)
        paper = _card_paper(alpha, covered / np.maximum(alpha, 1e-6))
        if paper is None:  # a transparent layer: alpha is the ink, whatever the colour of the strokes
            clear = float(np.median(alpha[::2, ::2]))  # 0, unless the whole layer is tinted (then no ink)
            return _check_ink((alpha - clear) / max(1.0 - clear, 0.05))
        # A card (paper, a sticker, a cropped scan) on a transparent canvas: the ink is on the card, by its
        # luminance, and beyond the card is more paper.
        g = covered + paper * (1.0 - alpha)
    else:
        # Mostly opaque but carrying alpha: composite over white. The check runs on the raw values,
        # so an opaque sketchpad composite costs no float conversion of the whole canvas.
        if has_alpha and arr[..., -1].min() < (255 if arr.dtype == np.uint8 else 1.0):
            alpha = _to_unit(arr[..., -1])
            gray = _to_unit(gray) * alpha + (1.0 - alpha)
        g = _shrink(gray, factor)
    probe = g[::2, ::2]  # statistics of the background need no more than this
    background = float(np.median(probe))
    # The background's grain (a photo's noise, JPEG artefacts), robustly; a drawn canvas has none.
    noise = 1.4826 * float(np.median(np.abs(probe - background)))
    dark_ink = background >= 0.5
    if noise < NOISE_FLAT:  # a canvas: one flat background
        ink = background - g if dark_ink else g - background
        return _check_ink(ink / max(background if dark_ink else 1.0 - background, 0.05))
    # A photo or scan: paper with uneven light. Ink is the relative darkening against the local paper.
    light = g if dark_ink else 1.0 - g
    paper = np.maximum(_paper(light), 0.05)
    ink = (paper - light) / paper
    # The grain is what is left of the background once its light is divided out (not the light's gradient).
    rest = ink[::2, ::2]
    grain = 1.4826 * float(np.median(np.abs(rest - np.median(rest))))
    return _check_ink(ink, noise=max(grain, NOISE_FLAT))


def _card_paper(alpha: np.ndarray, gray: np.ndarray) -> float | None:
    """The paper's luminance when the opaque part of a transparent image is a card with ink on it, else None.

    Strokes on a transparent layer are thin, and their colour is the pen's. A card is a solid shape (its
    mean thickness a good part of its size) whose inside holds pixels of another luminance: the ink.
    """
    solid = alpha > 0.5
    rows, cols = np.flatnonzero(solid.any(axis=1)), np.flatnonzero(solid.any(axis=0))
    if len(rows) < MIN_SIDE or len(cols) < MIN_SIDE:
        return None
    size = max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1
    if stroke_width(solid.astype(np.float32)) < CARD_THICKNESS * size:
        return None
    inside = solid.copy()  # away from the card's edge, where alpha blends its colour with whatever is behind
    for _ in range(2):
        inside[1:-1, 1:-1] &= inside[:-2, 1:-1] & inside[2:, 1:-1] & inside[1:-1, :-2] & inside[1:-1, 2:]
    lum = gray[inside]
    if lum.size == 0:
        return None
    paper = float(np.median(lum))
    if np.count_nonzero(np.abs(lum - paper) > 2 * BLANK_CONTRAST) < MIN_INK_PIXELS:
        return None
    return paper


def _to_unit(a: np.ndarray) -> np.ndarray:
    return a.astype(np.float32) / 255.0 if a.dtype == np.uint8 else a.astype(np.float32)


def _gray(arr: np.ndarray, sample: np.ndarray) -> np.ndarray:
    """One grey channel; a single channel when the image has no colour (fast path)."""
    if arr.shape[2] < 3:
        return arr[..., 0]
    rgb = sample[..., :3].astype(np.int16)
    if np.abs(rgb - rgb[..., :1]).max() <= 8:
        return arr[..., 1]
    if arr.dtype == np.uint8:
        return np.asarray(Image.fromarray(np.ascontiguousarray(arr[..., :3])).convert("L"))
    return arr[..., :3] @ np.array([0.299, 0.587, 0.114], dtype=np.float32)


def _shrink(channel: np.ndarray, factor: int) -> np.ndarray:
    """Area-average by an integer factor (fast in PIL); returns float32 in [0, 1]."""
    if channel.dtype == np.uint8:
        img = Image.fromarray(np.ascontiguousarray(channel))
        if factor > 1:
            img = img.reduce(factor)
        return np.asarray(img, dtype=np.float32) * np.float32(1 / 255)
    channel = channel.astype(np.float32)
    if factor > 1:
        img = Image.fromarray(np.ascontiguousarray(channel), mode="F").reduce(factor)
        channel = np.asarray(img, dtype=np.float32)
    return channel


def _paper(g: np.ndarray) -> np.ndarray:
    """The local paper brightness of a photo (dark ink on light): a coarse bright envelope, smoothed."""
    h, w = g.shape
    cell = max(4, min(h, w) // 8)
    gh, gw = -(-h // cell), -(-w // cell)
    padded = np.pad(g, ((0, gh * cell - h), (0, gw * cell - w)), mode="edge")
    blocks = padded.reshape(gh, cell, gw, cell).transpose(0, 2, 1, 3).reshape(gh, gw, -1)
    level = np.percentile(blocks, 90, axis=2).astype(np.float32)
    # Ink-heavy cells read too dark; the brightest neighbour is a better estimate.
    padded_level = np.pad(level, 1, mode="edge")
    level = np.max([padded_level[i : i + gh, j : j + gw] for i in range(3) for j in range(3)], axis=0)
    return np.asarray(Image.fromarray(level, mode="F").resize((w, h), Image.Resampling.BILINEAR), dtype=np.float32)


def _check_ink(ink: np.ndarray, noise: float = 0.0) -> np.ndarray:
    """Stretch the ink's contrast to [0, 1] and refuse a blank; ``noise`` > 0 marks a photo's grain."""
    peak = float(ink.max())
    if peak < max(BLANK_CONTRAST, 10 * noise):  # a photo's grain is heavy-tailed: demand clear ink
        raise BlankImageError(BLANK_MESSAGE)
    # The strongest strokes become 1; in a photo, grain and faint smudges below the floor are not ink.
    floor = max(PHOTO_FLOOR * peak, 5 * noise) if noise > 0 else 0.0
    ink = np.clip((ink - floor) / (peak - floor), 0.0, 1.0, dtype=np.float32)
    if np.count_nonzero(ink > 0.5) < MIN_INK_PIXELS:
        raise BlankImageError(BLANK_MESSAGE)
    return ink


# -- 4. cropping and stroke width -------------------------------------------------------


def _crop_to_ink(ink: np.ndarray) -> np.ndarray:
    """Crop to the bounding box of the ink."""
    rows = np.flatnonzero(ink.max(axis=1) > 0.1)
    cols = np.flatnonzero(ink.max(axis=0) > 0.1)
    return ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def stroke_width(ink: np.ndarray) -> float:
    """Mean stroke width in px of an ink map: twice the area over the perimeter."""
    mask = ink > 0.5
    area = np.count_nonzero(mask)
    if area == 0:
        return 0.0
    m = np.zeros((mask.shape[0] + 2, mask.shape[1] + 2), dtype=bool)  # padded by one (np.pad is slow here)
    m[1:-1, 1:-1] = mask
    # Counting edge crossings overestimates a curve's length by 4/pi on average.
    edges = np.count_nonzero(m[1:] != m[:-1]) + np.count_nonzero(m[:, 1:] != m[:, :-1])
    return float(2.0 * area / (edges * np.pi / 4))


def _normalise_stroke(ink: np.ndarray) -> np.ndarray:
    """Dilate thin strokes and erode thick ones so that, in the 20 px box, they are MNIST-wide."""
    width = stroke_width(ink)
    longer = max(ink.shape)
    final = width * BOX_SIZE / longer
    if STROKE_MIN <= final <= STROKE_MAX or width == 0:
        return ink
    target = STROKE_MIN if final < STROKE_MIN else STROKE_MAX
    # Growing the strokes by 2r also grows the box by 2r: solve (w + 2r) / (L + 2r) = t / 20.
    ratio = target / BOX_SIZE
    radius = (ratio * longer - width) / (2 * (1 - ratio))
    # Thick strokes: erode, but never so far that the thinnest parts disappear.
    reach = radius if radius > 0 else min(-radius, 0.35 * width)
    if reach > MAX_RADIUS:
        # Each px of radius is a pass over the image: do the same on a copy shrunk by an integer
        # factor. The box is scaled to 20 px next, so the finer detail would be lost anyway.
        return _normalise_stroke(_shrink(ink, int(np.ceil(reach / MAX_RADIUS))))
    if radius > 0:
        return _crop_to_ink(_morph(np.pad(ink, int(np.ceil(radius)) + 1), radius, np.maximum))
    eroded = _morph(ink, reach, np.minimum)
    return _crop_to_ink(eroded) if eroded.max() > 0.5 else ink


def _morph(ink: np.ndarray, radius: float, op) -> np.ndarray:
    """Grey dilation (op=np.maximum) or erosion (np.minimum) by a disc of fractional radius."""
    whole = int(radius)
    out = ink
    for step in range(whole + 1):
        prev = out
        out = _morph_step(out, op, square=step % 2 == 1)
        if step == whole:  # the fractional part blends the last step in
            frac = radius - whole
            out = prev + frac * (out - prev)
    return out


def _morph_step(a: np.ndarray, op, square: bool) -> np.ndarray:
    """One step of a 3x3 cross (or square) max/min filter; alternating them approximates a disc."""
    p = np.zeros((a.shape[0] + 2, a.shape[1] + 2), dtype=a.dtype)  # no ink beyond the edge
    p[1:-1, 1:-1] = a
    out = op(op(p[1:-1, 1:-1], p[:-2, 1:-1]), op(p[2:, 1:-1], op(p[1:-1, :-2], p[1:-1, 2:])))
    if square:
        out = op(op(out, p[:-2, :-2]), op(op(p[:-2, 2:], p[2:, :-2]), p[2:, 2:]))
    return out


# -- 5. the MNIST geometry ----------------------------------------------------------------


def _scale_to_box(ink: np.ndarray) -> np.ndarray:
    """Scale so the longer side is 20 px, keeping the aspect ratio (area-averaged)."""
    h, w = ink.shape
    s = BOX_SIZE / max(h, w)
    size = (max(1, round(w * s)), max(1, round(h * s)))
    img = Image.fromarray(np.ascontiguousarray(ink, dtype=np.float32), mode="F")
    out = np.asarray(img.resize(size, Image.Resampling.BOX if s < 1 else Image.Resampling.BILINEAR))
    out = np.clip(out, 0.0, 1.0)
    peak = out.max()
    # Area averaging dims a thin stroke; bring its strongest pixels back to full ink.
    return out / peak if 0 < peak < 0.8 else out


def _place_in_frame(box: np.ndarray) -> np.ndarray:
    """Put the box in the 32x32 input with its centre of mass at the centre of the 28x28 field."""
    h, w = box.shape
    total = box.sum()
    ys, xs = np.arange(h), np.arange(w)
    cy = float(box.sum(axis=1) @ ys / total)
    cx = float(box.sum(axis=0) @ xs / total)
    margin = (INPUT_SIZE - FRAME_SIZE) // 2
    centre = margin + FRAME_SIZE / 2  # where MNIST's centres of mass sit: (14, 14) in the field
    top = int(np.clip(round(centre - cy), margin, margin + FRAME_SIZE - h))
    left = int(np.clip(round(centre - cx), margin, margin + FRAME_SIZE - w))
    out = np.zeros((INPUT_SIZE, INPUT_SIZE), dtype=np.float32)
    out[top : top + h, left : left + w] = box
    return out
