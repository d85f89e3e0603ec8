"""The Gradio app: draw a digit, or a whole number, and LeNet reads it while you draw, showing what it sees;
/predict, /read_strokes and /read_number serve it as an API.

UI only: every number and picture on the page comes from one ``lenet.Classifier`` call (``read_number``
on the pad, ``predict`` on an upload); this file builds the Blocks, wires the events and draws the
activation maps. The drawing pad, the digit strip and the inline output images are the app's own
components, in ``ui/``.

    python app.py   # serves on GRADIO_SERVER_NAME:GRADIO_SERVER_PORT (default 127.0.0.1:7860)

``import app`` builds ``demo`` without launching it; ``app.launch()`` launches it with the
page's CSS and the upload limit, as ``python app.py`` does.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import gradio as gr
import numpy as np
import torch
from gradio.data_classes import ImageData
from gradio.utils import get_cache_folder, get_upload_folder, is_in_or_equal
from pydantic import model_validator

from lenet import BlankImageError, Classifier, NumberReading, Prediction, corrections, strokes
from ui import DigitStrip, PixelImage, StrokePad
from ui.pad import BRUSH

ROOT = Path(__file__).resolve().parent
EXAMPLES_DIR = ROOT / "tests" / "data" / "examples"  # rendered from real pen strokes by make_examples.py
EXAMPLES = sorted([*EXAMPLES_DIR.glob("*.png"), *EXAMPLES_DIR.glob("*.jpg")])
MAX_FILE_SIZE = "10mb"  # a phone photo fits; lenet refuses more than 40 megapixels anyway
# Uploaded files read at once, by /predict and the Upload tab together. Reading a 40-megapixel upload
# takes ~450 MB, so two keep the server under 2 GB; more were no faster (tests/benchmark.py).
FILE_READERS = 2
QUEUE_SIZE = 64  # events waiting beyond this are told "Queue is full" at once
# The input and the maps travel at their own resolution, inline (ui.PixelImage), and the browser
# scales them up with crisp pixels: one map pixel of gap between maps shows as a few px.
MAP_COLUMNS = {"C1": 3, "C3": 4}  # C1: 3x2 grid of 30x30 maps, C3: 4x4 grid of 13x13 maps
MAP_GAP = 1  # px of grey between maps
MAP_GAP_COLOUR = 205
DRAW_HINT = (
    "✍️ **Draw a digit**, or a number one digit after the other, on the pad: the network reads it while you draw."
)
NO_STROKES = f"No strokes were sent: {strokes.STROKES_HELP}."
# Gradio's queue rebuilds a pandas summary of up to 10,000 past events after every event, for its
# monitoring page (off here): ~9 ms per event once 10,000 are recorded, and a client that reads
# while someone draws (/read_strokes) makes that many in a busy hour. Summarise rarely, over few
# events (tests/bench_app.py --only soak). The queue reads these when demo.queue() builds it; a
# value set in the environment wins.
QUEUE_ANALYTICS = {"GRADIO_ANALYTICS_CACHE_FREQUENCY": "1000000", "GRADIO_ANALYTICS_MAX_EVENTS": "1000"}
UPLOAD_HINT = "📷 **Upload a photo or scan** of one handwritten digit, dark ink on light paper, or click an example."
NO_IMAGE = "No image was given: send a PNG or JPEG of one handwritten digit as a file (gradio_client: handle_file)."
NOT_UPLOADED = "Only images uploaded to this server are read: upload the file first (gradio_client: handle_file)."

CLASSIFIER = Classifier.load()


def _palette() -> np.ndarray:
    """A (256, 3) uint8 colour map for activations: near-white at zero to dark blue at the layer's peak."""
    stops = np.array([[250, 250, 250], [254, 224, 144], [244, 109, 67], [165, 0, 38], [49, 54, 149]], dtype=float)
    x = np.linspace(0, len(stops) - 1, 256)
    return np.stack([np.interp(x, np.arange(len(stops)), stops[:, c]) for c in range(3)], axis=1).astype(np.uint8)


PALETTE = _palette()


def tile_maps(maps: np.ndarray, columns: int, scale: int) -> np.ndarray:
    """(n, h, w) activations -> one (H, W, 3) uint8 grid, each map upscaled by ``scale``, coloured by PALETTE."""
    n, h, w = maps.shape
    peak = float(maps.max())
    # One scale for the whole layer, so a weak map looks weak next to a strong one.
    level = np.clip(maps / peak if peak > 0 else maps, 0.0, 1.0)
    coloured = PALETTE[(level * 255).astype(np.uint8)]  # (n, h, w, 3)
    coloured = coloured.repeat(scale, axis=1).repeat(scale, axis=2)  # (n, h*s, w*s, 3)
    rows = -(-n // columns)
    sh, sw = h * scale, w * scale
    shape = (rows * (sh + MAP_GAP) - MAP_GAP, columns * (sw + MAP_GAP) - MAP_GAP, 3)
    grid = np.full(shape, MAP_GAP_COLOUR, dtype=np.uint8)
    for i in range(n):
        r, c = divmod(i, columns)
        grid[r * (sh + MAP_GAP) : r * (sh + MAP_GAP) + sh, c * (sw + MAP_GAP) : c * (sw + MAP_GAP) + sw] = coloured[i]
    return grid


def label_value(pred: Prediction) -> dict[str, float]:
    """The ten digits' probabilities as a gr.Label value."""
    return {str(d): p for d, p in enumerate(pred.probabilities)}


def shown(pred: Prediction) -> tuple[Any, ...]:
    """The outputs for one prediction made with maps=True: label, network input, C1, C3, status."""
    network_input = (pred.model_input * 255).round().astype(np.uint8)  # (32, 32), ink = white, as MNIST
    assert pred.maps is not None, "predict with maps=True"
    c1 = tile_maps(pred.maps["C1"], MAP_COLUMNS["C1"], 1)
    c3 = tile_maps(pred.maps["C3"], MAP_COLUMNS["C3"], 1)
    status = f"The network reads **{pred.digit}** ({pred.confidence:.0%} sure)."
    return label_value(pred), network_input, c1, c3, status


def cleared(message: str) -> tuple[Any, ...]:
    """Empty outputs with a message in the status line: no guess, no popup."""
    return None, None, None, None, message


def number_status(reading: NumberReading, shown_index: int, picked: bool) -> str:
    """The status line for a number: what it reads, and which digit the top 3 and the maps show."""
    pred = reading.digits[shown_index]
    which = "picked" if picked else "the last drawn: pick another below the pad"
    return (
        f"The network reads **{reading.text}**. The top 3 and the maps show digit {shown_index + 1} of "
        f"{len(reading.digits)}, a **{pred.digit}** ({pred.confidence:.0%} sure; {which})."
    )


def shown_digit(reading: NumberReading, index: int, picked: bool = False) -> tuple[Any, ...]:
    """The outputs for one digit of a number read with maps=True: label, network input, C1, C3, status."""
    return (*shown(reading.digits[index])[:4], number_status(reading, index, picked))


def drawing_boxes(reading: NumberReading) -> list[tuple[float, float, float, float]]:
    """Each digit's box around its ink (the strokes' boxes widened by half the brush), in pad units."""
    r = BRUSH / 2
    return [(x0 - r, y0 - r, x1 + r, y1 + r) for x0, y0, x1, y1 in reading.boxes]


def read_drawing(reading: NumberReading) -> tuple[Any, ...]:
    """A reading of the pad -> the page: label, input, C1, C3, status, the strip, the pad's boxes, the reading.

    One digit shows exactly as ``predict`` would: no strip, no box. A number shows its last drawn digit
    (the last in drawing order; read_number keeps a number's digits in the order they were drawn).
    """
    if len(reading.digits) == 1:
        return (*shown(reading.digits[0]), None, StrokePad.show_boxes([]), None)
    last = len(reading.digits) - 1
    strip = DigitStrip.value_of(
        [(p.digit, p.confidence, (p.model_input * 255).round().astype(np.uint8)) for p in reading.digits], last
    )
    return (*shown_digit(reading, last), strip, StrokePad.show_boxes(drawing_boxes(reading)), reading)


def cleared_drawing(message: str) -> tuple[Any, ...]:
    """The Draw tab's outputs emptied, with a message in the status line: no strip, no boxes, no reading kept."""
    return (*cleared(message), None, StrokePad.show_boxes([]), None)


def upload_folders() -> list[Path]:
    """Where gradio keeps the files users send: its upload folder (uploads, and the copies of the examples
    it serves) and its examples cache. Read when called, as gradio does, so GRADIO_TEMP_DIR is honoured."""
    return [Path(get_upload_folder()), get_cache_folder()]


def uploaded_path(file: Any, trusted: Sequence[Path] = ()) -> str:
    """The path of an uploaded image file (a FileData dict) inside ``upload_folders()`` or a ``trusted``
    folder; anything else raises a ValueError saying what to send."""
    path = file.get("path") if isinstance(file, dict) else None
    if not isinstance(path, str) or not path:
        raise ValueError(NO_IMAGE)
    # With preprocess=False gradio checks a payload's path only when it is marked as FileData, and only
    # once launched (never when mounted with gr.mount_gradio_app): read nothing but uploads, however the
    # app is served. Symlinks and ".." are resolved first; whether the path exists does not change the answer.
    if not any(is_in_or_equal(path, folder) for folder in [*upload_folders(), *trusted]):
        raise ValueError(NOT_UPLOADED)
    return path


def read_pad(value: Any) -> tuple[Any, ...]:
    """While drawing and at pen-up: the pad's strokes -> all the Draw tab's outputs (see ``read_drawing``);
    a blank pad clears them and shows the hint."""
    if not value or (isinstance(value, dict) and not value.get("strokes")):
        return cleared_drawing(DRAW_HINT)  # nothing drawn yet, or Clear
    try:
        if not strokes.is_strokes(value):
            strokes.parse(value)  # raises, saying what to send (a string must never be read as a file path)
        return read_drawing(CLASSIFIER.read_number(value, maps=True))
    except BlankImageError:
        return cleared_drawing(DRAW_HINT)
    except ValueError as e:
        return cleared_drawing(f"⚠️ {e}")


def pick_digit(index: int | None, reading: NumberReading | None) -> tuple[Any, ...]:
    """A digit picked in the strip -> its label, input, C1, C3 and status, from the reading kept: no new reading."""
    if reading is None or index is None or not 0 <= index < len(reading.digits):
        return (gr.skip(),) * 5  # a pick from a strip a newer reading has replaced: nothing to change
    return shown_digit(reading, index, picked=True)


def digits_json(reading: NumberReading) -> list[dict[str, Any]]:
    """Each digit of a reading as JSON: its digit, confidence and box (x0, y0, x1, y1), left to right."""
    return [
        {"digit": p.digit, "confidence": p.confidence, "box": [float(v) for v in box]}
        for p, box in zip(reading.digits, reading.boxes, strict=True)
    ]


def read_strokes(payload: Any) -> dict[str, Any]:
    """/read_strokes: the pad's JSON -> {"text", "digits", "digit", "confidence", "probabilities", "adapted"};
    unusable strokes raise gr.Error. ``digit``, ``confidence`` and ``probabilities`` are the last drawn digit's:
    for one digit, exactly what ``predict`` says. An optional ``"examples"`` field, the writer's own digits
    (``lenet.adapt``), adapts the reading; each digit's ``network_digit`` is what the network alone reads, and
    ``adapted`` says whether the examples changed any digit. Without examples every other field is as before."""
    examples = None
    if isinstance(payload, dict) and "examples" in payload:
        payload = dict(payload)
        examples = payload.pop("examples")
    try:
        drawing = strokes.parse(payload)  # refuses anything but strokes, quickly, saying what to send
        if not drawing.strokes:
            raise ValueError(NO_STROKES)
        reading = CLASSIFIER.read_number(payload, examples=examples)
    except ValueError as e:
        raise gr.Error(str(e)) from e
    last = reading.digits[-1]
    digits = digits_json(reading)
    for d, p in zip(digits, reading.digits, strict=True):
        d["network_digit"] = p.digit if p.network_digit is None else p.network_digit
    return {
        "text": reading.text,
        "digits": digits,
        "digit": last.digit,
        "confidence": last.confidence,
        "probabilities": list(last.probabilities),
        "adapted": any(p.adapted for p in reading.digits),
    }


CORRECTION_HELP = 'send {"strokes": [[[x, y], ...], ...], "digit": 0-9, "network_digit": 0-9}'


def correct(payload: Any) -> dict[str, bool]:
    """/correct: a user's correction {"strokes", "digit", "network_digit"} -> {"recorded": true/false}. Recorded
    only when the host set LENET_CORRECTIONS_DIR (``lenet.corrections``); bad corrections raise gr.Error."""
    if not isinstance(payload, dict) or set(payload) != {"strokes", "digit", "network_digit"}:
        raise gr.Error(f"A correction is an object with exactly three keys: {CORRECTION_HELP}.")
    try:
        return {"recorded": corrections.record(payload["strokes"], payload["digit"], payload["network_digit"])}
    except ValueError as e:
        raise gr.Error(str(e)) from e


def read_upload(file: dict | None, *, trusted: Sequence[Path] = ()) -> tuple[Any, ...]:
    """An uploaded file (unprocessed FileData, so lenet reads and checks it) -> all outputs, or a message.

    ``trusted``: folders read besides the upload folders, for callers in-process (tests); gradio never passes it.
    """
    if file is None:
        return cleared(UPLOAD_HINT)
    try:
        return shown(CLASSIFIER.predict(uploaded_path(file, trusted), maps=True))
    except ValueError as e:
        return cleared(f"⚠️ {e}")


def predict(file: dict | None, *, trusted: Sequence[Path] = ()) -> dict[str, float]:
    """/predict: one image file -> the ten digits' probabilities (a gr.Label value); unusable images raise gr.Error.

    ``trusted``: folders read besides the upload folders, for callers in-process (tests); gradio never passes it.
    """
    try:
        return label_value(CLASSIFIER.predict(uploaded_path(file, trusted)))
    except ValueError as e:
        raise gr.Error(str(e)) from e


def read_number(file: dict | None, *, trusted: Sequence[Path] = ()) -> dict[str, Any]:
    """/read_number: one image file -> {"text", "digits"} (each digit's digit, confidence and box in the image's
    pixels); unusable images raise gr.Error.

    ``trusted``: folders read besides the upload folders, for callers in-process (tests); gradio never passes it.
    """
    try:
        reading = CLASSIFIER.read_number(uploaded_path(file, trusted))
    except ValueError as e:
        raise gr.Error(str(e)) from e
    return {"text": reading.text, "digits": digits_json(reading)}


class ApiImageData(ImageData):
    """/predict's payload. Anything but a file (a string, a list, a sketchpad dict) passes as "no file", so
    predict() answers it with NO_IMAGE instead of gradio failing validation with a bare "Error"."""

    @model_validator(mode="before")
    @classmethod
    def _anything_else_is_no_file(cls, value: Any) -> Any:
        return value if isinstance(value, dict) and isinstance(value.get("path"), (str, type(None))) else {}


HOW_IT_WORKS = """
### How it works
The pictures on this page are the network's layers, in the order it computes them
(the names are the PyTorch tutorial's, after LeCun et al., 1998):

1. **Input, 32×32.** Your digit is cropped to its ink, scaled so its longer side is 20 px
   and centred, as the MNIST digits the network learned from were. That small picture is all it ever sees.
2. **C1, convolution: 6 maps, 30×30.** Six 3×3 filters slide over the input. Each finds one kind of
   stroke (an edge, a slant, an end) and lights up where it is: dark red and blue are strong.
3. **S2, pooling.** Keeps the strongest response in each 2×2 patch: the maps halve to 15×15,
   so a stroke that moves by a pixel still counts.
4. **C3, convolution: 16 maps, 13×13.** Sixteen filters combine C1's strokes into bigger parts:
   curves, corners, loops. **S4** pooling halves them again to 6×6.
5. **F5, F6 and the output, fully connected.** 576 numbers go through 120 and 84 units to ten scores:
   the layers that decide. The bars show the top 3 of the ten probabilities.
"""

CSS = """
#status { min-height: 3em; }
#digits:not(:has(button)) { display: none; }  /* no strip for one digit: the page looks as it always did */
"""


def pixel_image(label: str, elem_id: str) -> PixelImage:
    """An output image drawn with crisp pixels, sent inline: the network's input and its activation maps."""
    return PixelImage(label=label, elem_id=elem_id)


def file_endpoint(fn: Any, output: gr.Component, api_name: str) -> None:
    """An API endpoint reading one uploaded image file with ``fn``; file readers are shared (FILE_READERS)."""
    image = gr.Image(type="filepath", visible=False)
    image.data_model = ApiImageData  # same schema for the API docs; see ApiImageData
    gr.Button(visible=False).click(
        fn,
        image,
        output,
        preprocess=False,
        api_name=api_name,
        concurrency_limit=FILE_READERS,
        concurrency_id="read_file",
    )


def build() -> gr.Blocks:
    """The page: draw or upload on the left, the reading and the network's view on the right, the maps below."""
    outputs_progress = "hidden"  # no spinner flickering over the outputs on every stroke
    with gr.Blocks(title="LeNet digit sketchpad", analytics_enabled=False) as demo:
        gr.Markdown(
            "# LeNet digit sketchpad\nDraw a digit, or a number: the PyTorch tutorial's LeNet reads it while you draw."
        )
        with gr.Row():
            with gr.Column(scale=3):
                with gr.Tabs():
                    with gr.Tab("Draw"):
                        pad = StrokePad(elem_id="sketchpad", label="Your digit")
                        strip = DigitStrip(elem_id="digits", label="The digits read", show_label=False)
                        reading = gr.State(None)  # the last reading of the pad, for picking a digit in the strip
                    with gr.Tab("Upload"):
                        upload = gr.Image(
                            elem_id="upload",
                            label="Photo or scan of a handwritten digit",
                            type="filepath",
                            sources=["upload", "clipboard"],
                        )
                        if EXAMPLES:
                            gr.Examples([[str(p)] for p in EXAMPLES], inputs=[upload], label="Examples: click one")
            with gr.Column(scale=2):
                status = gr.Markdown(DRAW_HINT, elem_id="status")
                label = gr.Label(num_top_classes=3, label="Top 3", elem_id="prediction")
                network_input = pixel_image("What the network sees: 32×32 input", "network-input")
        with gr.Row():
            c1 = pixel_image("C1: 6 feature maps, 30×30 (convolution)", "c1-maps")
            c3 = pixel_image("C3: 16 feature maps, 13×13 (convolution)", "c3-maps")
        gr.Markdown(HOW_IT_WORKS)

        outputs = [label, network_input, c1, c3, status]
        # Readings while drawing: the pad sends a few a second, always_last keeps one in flight and
        # only the latest waiting. Off the queue: one HTTP request per reading instead of a queue
        # join plus an event stream, which is what a remote user's round trips are made of.
        # The pad's own boxes are among the outputs: an update of its `boxes` only, never its value,
        # so its strokes stay and no new reading is triggered.
        pad.input(
            read_pad,
            pad,
            [*outputs, strip, pad, reading],
            trigger_mode="always_last",
            show_progress=outputs_progress,
            api_visibility="private",
            queue=False,
        )
        # A digit picked in the strip: its views from the reading kept, without reading again.
        strip.input(
            pick_digit,
            [strip, reading],
            outputs,
            trigger_mode="always_last",
            show_progress=outputs_progress,
            api_visibility="private",
            queue=False,
        )
        upload.change(
            read_upload,
            upload,
            outputs,
            preprocess=False,
            show_progress="minimal",
            api_visibility="private",
            concurrency_limit=FILE_READERS,
            concurrency_id="read_file",
        )

        # The API: each endpoint its own event on hidden components, so calls carry no images back.
        file_endpoint(predict, gr.Label(visible=False), "predict")
        file_endpoint(read_number, gr.JSON(visible=False), "read_number")
        # /read_strokes: the pad's JSON in, the reading out as JSON.
        api_strokes, api_reading = gr.JSON(visible=False), gr.JSON(visible=False)
        gr.Button(visible=False).click(read_strokes, api_strokes, api_reading, api_name="read_strokes")
        # /correct: a user's correction, kept only when the host collects them (off by default).
        api_correction, api_recorded = gr.JSON(visible=False), gr.JSON(visible=False)
        gr.Button(visible=False).click(correct, api_correction, api_recorded, api_name="correct")
    for name, value in QUEUE_ANALYTICS.items():
        os.environ.setdefault(name, value)
    demo.queue(default_concurrency_limit=4, max_size=QUEUE_SIZE)
    return demo


demo = build()


def launch(**kwargs: Any) -> Any:
    """Launch ``demo`` with the page's CSS and upload limit; ``kwargs`` go to ``demo.launch``."""
    # A request is one tiny forward pass: a second intra-op thread only waits for the first,
    # and on a shared 2-core machine that wait costs ~50 ms instead of ~1 ms per call.
    torch.set_num_threads(1)
    return demo.launch(css=CSS, max_file_size=MAX_FILE_SIZE, **kwargs)


if __name__ == "__main__":
    launch()
