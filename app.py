"""The Gradio app: draw a digit, or a whole number, and LeNet reads it while you draw, showing what it sees;
/predict, /read_strokes and /read_number serve it as an API.

UI only: every number and picture on the page comes from one ``lenet.Classifier`` call (``read_number``
on the pad, ``predict`` on an upload); this file builds the Blocks, wires the events and draws the
activation maps. The drawing pad, the digit strip and the inline output images are the app's own
components, in ``ui/``.

    python app.py   # serves on GRADIO_SERVER_NAME:GRADIO_SERVER_PORT (default 127.0.0.1:7860)

``import app`` builds ``demo`` without launching it. Its CSS, its upload limit, its request-body limit and its
bounds on concurrent readings are part of ``demo`` (see ``serving.py``), so they hold however it is served:
``python app.py``, ``app.launch()``, or ``gr.mount_gradio_app(FastAPI(), app.demo, "/")``.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path
from typing import Any

import gradio as gr
import numpy as np
import torch
from gradio.data_classes import ImageData
from gradio.utils import get_cache_folder, get_upload_folder, is_in_or_equal
from pydantic import model_validator

from lenet import BlankImageError, Classifier, NumberReading, Prediction, adapt, corrections, strokes
from serving import Lanes, Page, install_body_cap
from ui import DigitStrip, NetworkView, PixelImage, StrokePad, TeachRow
from ui.pad import BRUSH
from ui.strip import Pick, sure

ROOT = Path(__file__).resolve().parent
EXAMPLES_DIR = ROOT / "tests" / "data" / "examples"  # rendered from real pen strokes by make_examples.py
EXAMPLES = sorted([*EXAMPLES_DIR.glob("*.png"), *EXAMPLES_DIR.glob("*.jpg")])
MAX_FILE_SIZE = "10mb"  # a phone photo fits; lenet refuses more than 40 megapixels anyway
# Uploaded files read at once, by /predict and the Upload tab together. Reading a 40-megapixel upload
# takes ~450 MB, so two keep the server under 2 GB; more were no faster (tests/benchmark.py).
FILE_READERS = 2
QUEUE_SIZE = 64  # events waiting beyond this are told "Queue is full" at once
# Stroke readings at once, in the process: STROKE_READERS of usual drawings, and one of drawings holding more
# than HEAVY_STROKES strokes or HEAVY_POINTS points (a digit drawn on the pad has 1-4 strokes and at most
# ~1,000 points), so payloads crafted to be costly never hold up the usual ones (tests/bench_app.py --only
# hostile). The pad's readings and picks run off the queue, for latency, with lanes of their own
# (PAD_LANES, direct calls by fn_index included): each waits up to PAD_WAIT_S for a slot before it is told
# BUSY. /read_strokes (API_LANES) is queued, and waits up to API_WAIT_S.
STROKE_READERS = 2
HEAVY_STROKES, HEAVY_POINTS = 24, 2_000
PAD_WAIT_S, API_WAIT_S = 1.0, 30.0
BUSY = "The server is busy reading other drawings: try again in a moment (the pad sends its drawing again itself)."
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
# A request is one tiny forward pass: a second intra-op thread only waits for the first, and on a shared
# 2-core machine that wait costs ~50 ms instead of ~1 ms per call. Set at import, before any worker thread
# starts (each takes the setting when it starts), so it holds however the app is served.
torch.set_num_threads(1)
LOG = logging.getLogger("app")


def heavy_drawing(value: Any, *rest: Any) -> bool:
    """Whether a strokes payload holds more than a few digits' drawing (counted cheaply, before it is read)."""
    drawing = value.get("strokes") if isinstance(value, dict) else value
    if not isinstance(drawing, list):
        return False  # not strokes: refused at once
    if len(drawing) > HEAVY_STROKES:
        return True
    points = 0
    for stroke in drawing:
        points += len(stroke) if isinstance(stroke, list) else 1
        if points > HEAVY_POINTS:
            return True
    return False


PAD_LANES = Lanes(STROKE_READERS, 1, PAD_WAIT_S, BUSY, heavy_drawing)  # one for every page built in the process
API_LANES = Lanes(STROKE_READERS, 1, API_WAIT_S, BUSY, heavy_drawing)


def label_value(pred: Prediction) -> dict[str, float]:
    """The ten digits' probabilities as a gr.Label value."""
    return {str(d): p for d, p in enumerate(pred.probabilities)}


def taught(pred: Prediction) -> str:
    """What the writer's examples did to a reading, for the status line ("" when they changed nothing)."""
    if not pred.adapted:
        return ""
    return f" Taught: from your earlier {pred.digit}s; the network alone reads {pred.network_digit}."


def shown(pred: Prediction) -> tuple[Any, ...]:
    """The outputs for one prediction made with maps=True: label, network input, network view, status."""
    network_input = (pred.model_input * 255).round().astype(np.uint8)  # (32, 32), ink = white, as MNIST
    status = f"The network reads **{pred.digit}** ({sure(pred.confidence)} sure).{taught(pred)}"
    return label_value(pred), network_input, NetworkView.value_of(pred), status


def cleared(message: str) -> tuple[Any, ...]:
    """Empty outputs with a message in the status line: no guess, no popup."""
    return None, None, None, message


def number_status(reading: NumberReading, shown_index: int, picked: bool) -> str:
    """The status line for a number: what it reads, and which digit the top 3 and the maps show."""
    pred = reading.digits[shown_index]
    which = "picked" if picked else "the last drawn: pick another below the pad"
    return (
        f"The network reads **{reading.text}**. The top 3 and the maps show digit {shown_index + 1} of "
        f"{len(reading.digits)}, a **{pred.digit}** ({sure(pred.confidence)} sure; {which}).{taught(pred)}"
    )


def shown_digit(reading: NumberReading, index: int, picked: bool = False) -> tuple[Any, ...]:
    """The outputs for one digit of a number read with maps=True: label, network input, network view, status."""
    return (*shown(reading.digits[index])[:3], number_status(reading, index, picked))


def drawing_boxes(reading: NumberReading) -> list[tuple[float, float, float, float]]:
    """Each digit's box around its ink (the strokes' boxes widened by half the brush), in pad units."""
    r = BRUSH / 2
    return [(x0 - r, y0 - r, x1 + r, y1 + r) for x0, y0, x1, y1 in reading.boxes]


def reading_key(reading: NumberReading) -> str:
    """A short key naming one reading (its text, boxes and confidences): a strip pick names the reading it was
    made on, so a pick that a newer reading has overtaken is ignored."""
    parts = (reading.text, [tuple(map(float, b)) for b in reading.boxes], [p.confidence for p in reading.digits])
    return hashlib.sha1(repr(parts).encode()).hexdigest()[:16]


def read_drawing(reading: NumberReading) -> tuple[Any, ...]:
    """A reading of the pad -> the page: label, input, network view, status, the strip and the pad's boxes.

    One digit shows exactly as ``predict`` would: no strip, no box. A number shows its last drawn digit
    (the last in drawing order; read_number keeps a number's digits in the order they were drawn).
    """
    if len(reading.digits) == 1:
        return (*shown(reading.digits[0]), None, StrokePad.show_boxes([]))
    last = len(reading.digits) - 1
    strip = DigitStrip.value_of(
        [(p.digit, p.confidence, (p.model_input * 255).round().astype(np.uint8)) for p in reading.digits],
        last,
        reading_key(reading),
    )
    return (*shown_digit(reading, last), strip, StrokePad.show_boxes(drawing_boxes(reading)))


def cleared_drawing(message: str) -> tuple[Any, ...]:
    """The Draw tab's outputs emptied, with a message in the status line: no strip, no boxes."""
    return (*cleared(message), None, StrokePad.show_boxes([]))


def upload_folders() -> list[Path]:
    """Where gradio keeps the files users send: its upload folder (uploads, and the copies of the examples
    it serves) and its examples cache. Read when called, as gradio does, so GRADIO_TEMP_DIR is honoured."""
    return [Path(get_upload_folder()), get_cache_folder()]


def uploaded_path(file: Any) -> str:
    """The path of an uploaded image file (a FileData dict) inside ``upload_folders()``; anything else raises
    a ValueError saying what to send."""
    path = file.get("path") if isinstance(file, dict) else None
    if not isinstance(path, str) or not path:
        raise ValueError(NO_IMAGE)
    # With preprocess=False gradio checks a payload's path only when it is marked as FileData, and only
    # once launched (never when mounted with gr.mount_gradio_app): read nothing but uploads, however the
    # app is served. Symlinks and ".." are resolved first; whether the path exists does not change the answer.
    if not any(is_in_or_equal(path, folder) for folder in upload_folders()):
        raise ValueError(NOT_UPLOADED)
    return path


def read_pad(value: Any, examples: Any = None) -> tuple[Any, ...]:
    """While drawing and at pen-up: the pad's strokes, and the writer's examples the page keeps (``TeachRow``),
    -> all the Draw tab's outputs (see ``read_drawing``); a blank pad clears them and shows the hint. The pad's
    update tells it which send was answered; the correction row's, what the reading is made of."""
    examples, refused = usable_examples(examples)
    # A reading while the pen moves: the correction row waits for the pen-up's (a half-drawn stroke is never
    # corrected), and the page is spared copying the digits' strokes a few times a second.
    live = isinstance(value, dict) and value.get("final") is False
    *outputs, pad, row = pad_outputs(value, examples, row=not live)
    if refused:
        outputs[3] += f" ⚠️ Your saved handwriting was refused ({refused}): tap Forget my handwriting."
    return (*outputs, StrokePad.acknowledge(pad, value), row)


def usable_examples(examples: Any) -> tuple[Any, str]:
    """The page's examples, or None with the reason when they are refused (junk in the page's storage: the
    drawing is read without them)."""
    try:
        adapt.memory_of(CLASSIFIER, examples or None)  # checked and described once; the reading looks them up
    except ValueError as e:
        return None, str(e)
    return examples, ""


def pad_outputs(value: Any, examples: Any = None, row: bool = True) -> tuple[Any, ...]:
    """The pad's strokes -> the Draw tab's outputs and the correction row's update (``read_pad`` without the
    answer to the pad); without ``row``, the row is left as it is (``gr.skip()``)."""
    nothing = TeachRow.show([], -1) if row else gr.skip()
    if not value or (isinstance(value, dict) and not value.get("strokes")):
        return (*cleared_drawing(DRAW_HINT), nothing)  # nothing drawn yet, or Clear
    try:
        drawing = strokes.parse(value)  # once; anything but strokes raises, saying what to send
        reading = CLASSIFIER.read_number(drawing, maps=True, examples=examples or None)
        return (*read_drawing(reading), teach_update(drawing, reading) if row else nothing)
    except BlankImageError:
        return (*cleared_drawing(DRAW_HINT), nothing)
    except ValueError as e:
        return (*cleared_drawing(f"⚠️ {e}"), nothing)


def teach_update(drawing: strokes.Drawing, reading: NumberReading) -> dict[str, Any]:
    """What the correction row needs to turn this reading into examples: each digit's strokes (compact) and the
    digit read, the last drawn selected. Nothing is stored here: the page keeps what it is sent."""
    drawn = drawing.strokes
    boxes = drawing.boxes()
    centres = (boxes[:, :2] + boxes[:, 2:]) / 2
    pending = []
    for pred, (x0, y0, x1, y1) in zip(reading.digits, reading.boxes, strict=True):
        inside = [s for s, (cx, cy) in zip(drawn, centres, strict=True) if x0 <= cx <= x1 and y0 <= cy <= y1]
        pending.append({"strokes": adapt.compact(inside or drawn), "digit": pred.digit, "adapted": pred.adapted})
    return TeachRow.show(pending, len(pending) - 1)


def pick_digit(value: Any, examples: Any, pick: Pick | None) -> tuple[Any, ...]:
    """A digit picked in the strip -> its label, input, network view and status, and the correction row now
    corrects that digit. The server keeps nothing between requests: the pad's strokes and the writer's examples
    come with the pick and are read again, and the pick counts only if that reading is the one its strip showed."""
    skip = (gr.skip(),) * 5  # a pick from a strip a newer reading has replaced: nothing to change
    if pick is None:
        return skip
    try:
        reading = CLASSIFIER.read_number(strokes.parse(value), maps=True, examples=usable_examples(examples)[0] or None)
    except ValueError:
        return skip
    if pick.reading != reading_key(reading) or pick.index >= len(reading.digits):
        return skip
    return (*shown_digit(reading, pick.index, picked=True), gr.update(selected=pick.index))


def digits_json(reading: NumberReading) -> list[dict[str, Any]]:
    """Each digit of a reading as JSON: its digit, confidence and box (x0, y0, x1, y1), left to right."""
    return [
        {"digit": p.digit, "confidence": p.confidence, "box": [float(v) for v in box]}
        for p, box in zip(reading.digits, reading.boxes, strict=True)
    ]


def refused(error: ValueError) -> gr.Error:
    """A user's unusable input -> the gr.Error that tells them what to send; the server logs one line for it,
    not a traceback (an expected refusal, not a fault)."""
    LOG.warning("refused: %s", error)
    return gr.Error(str(error), print_exception=False)


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
        reading = CLASSIFIER.read_number(drawing, examples=examples)  # parsed once
    except ValueError as e:
        raise refused(e) from e
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


def read_upload(file: dict | None) -> tuple[Any, ...]:
    """An uploaded file (unprocessed FileData, so lenet reads and checks it) -> all outputs, or a message."""
    if file is None:
        return cleared(UPLOAD_HINT)
    try:
        return shown(CLASSIFIER.predict(uploaded_path(file), maps=True))
    except ValueError as e:
        return cleared(f"⚠️ {e}")


def predict(file: dict | None) -> dict[str, float]:
    """/predict: one image file -> the ten digits' probabilities (a gr.Label value); unusable images raise gr.Error."""
    try:
        return label_value(CLASSIFIER.predict(uploaded_path(file)))
    except ValueError as e:
        raise refused(e) from e


def read_number(file: dict | None) -> dict[str, Any]:
    """/read_number: one image file -> {"text", "digits"} (each digit's digit, confidence and box in the image's
    pixels); unusable images raise gr.Error."""
    try:
        reading = CLASSIFIER.read_number(uploaded_path(file))
    except ValueError as e:
        raise refused(e) from e
    return {"text": reading.text, "digits": digits_json(reading)}


def show_draw_tab(value: Any, examples: Any = None) -> tuple[Any, ...]:
    """The Draw tab shown again: the outputs show the pad's reading again (the upload's was there), or its hint."""
    return read_pad(value, examples)


def show_upload_tab(file: dict | None) -> tuple[Any, ...]:
    """The Upload tab shown again: the outputs show the upload's reading again, or the upload hint."""
    return read_upload(file)


class ApiImageData(ImageData):
    """/predict's payload. Anything but a file (a string, a list, a sketchpad dict) passes as "no file", so
    predict() answers it with NO_IMAGE instead of gradio failing validation with a bare "Error"."""

    @model_validator(mode="before")
    @classmethod
    def _anything_else_is_no_file(cls, value: Any) -> Any:
        return value if isinstance(value, dict) and isinstance(value.get("path"), (str, type(None))) else {}


HOW_IT_WORKS = """
### Inside the network
Above are the network's seven stages in the order it computes them, with the names of the PyTorch
tutorial (after LeCun et al., 1998): **C1** and **C3** are convolutions, **S2** and **S4** keep the
strongest value of each 2×2 patch, **F5**, **F6** and **OUTPUT** are fully connected. Every stage
changes as you draw. **Hover or tap any unit**, a pixel of a map or a square of F5 and F6 or a digit of
OUTPUT, to see where its value comes from: the inputs it reads (boxed, down to the 32×32 input), the
weights it multiplies them by, and the sum. **Tap a line of code** to light up the stage it computes.
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
    """The page: draw or upload on the left, the reading and the network's input on the right, every stage below."""
    outputs_progress = "hidden"  # no spinner flickering over the outputs on every stroke
    page = Page(css=CSS, max_file_size=MAX_FILE_SIZE, title="LeNet digit sketchpad", analytics_enabled=False)
    with page as demo:
        gr.Markdown(
            "# LeNet digit sketchpad\nDraw a digit, or a number: the PyTorch tutorial's LeNet reads it while you draw."
        )
        with gr.Row():
            with gr.Column(scale=3):
                with gr.Tabs():
                    with gr.Tab("Draw") as draw_tab:
                        pad = StrokePad(elem_id="sketchpad", label="Your digit")
                        strip = DigitStrip(elem_id="digits", label="The digits read", show_label=False)
                    with gr.Tab("Upload") as upload_tab:
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
                # The writer's examples, kept in the browser only, go with every reading of the pad.
                teach = TeachRow(elem_id="teach")
                network_input = pixel_image("What the network sees: 32×32 input", "network-input")
        network = NetworkView(CLASSIFIER.model, elem_id="network", label="Inside the network")
        gr.Markdown(HOW_IT_WORKS)

        outputs = [label, network_input, network, status]
        # Readings while drawing: the pad sends a few a second, always_last keeps one in flight and
        # only the latest waiting. Off the queue: one HTTP request per reading instead of a queue
        # join plus an event stream, which is what a remote user's round trips are made of.
        # The pad's own boxes are among the outputs: an update of its `boxes` only, never its value,
        # so its strokes stay and no new reading is triggered.
        drawn = [*outputs, strip, pad, teach]
        pad.input(
            PAD_LANES(read_pad),
            [pad, teach],
            drawn,
            trigger_mode="always_last",
            show_progress=outputs_progress,
            api_visibility="private",
            queue=False,
        )
        # A correction tapped, or Forget: the same drawing read again with the examples as they now are.
        teach.input(
            PAD_LANES(read_pad),
            [pad, teach],
            drawn,
            trigger_mode="always_last",
            show_progress=outputs_progress,
            api_visibility="private",
            queue=False,
        )
        # A digit picked in the strip: the drawing read again (the server keeps no reading), that digit shown.
        strip.input(
            PAD_LANES(pick_digit),
            [pad, teach, strip],
            [*outputs, teach],
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
        # The outputs are the two tabs' in turn: a tab shown again shows its own reading again (the pad's
        # strokes read afresh, cheap; the upload read again, as a file reader), or its hint.
        draw_tab.select(
            PAD_LANES(show_draw_tab),
            [pad, teach],
            drawn,
            show_progress=outputs_progress,
            api_visibility="private",
            queue=False,
        )
        upload_tab.select(
            show_upload_tab,
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
        # API_LANES bound it, in two lanes: the queue's own limit would let costly payloads hold up the rest.
        gr.Button(visible=False).click(
            API_LANES(read_strokes), api_strokes, api_reading, api_name="read_strokes", concurrency_limit=None
        )
        # /correct: a user's correction, kept only when the host collects them (off by default).
        api_correction, api_recorded = gr.JSON(visible=False), gr.JSON(visible=False)
        gr.Button(visible=False).click(correct, api_correction, api_recorded, api_name="correct")
    for name, value in QUEUE_ANALYTICS.items():
        os.environ.setdefault(name, value)
    # api_open=False: no queued event runs from a direct POST to /run/ or /api/, so the queue's limits hold
    # for every caller (Gradio opens those routes by default when not on Spaces).
    demo.queue(default_concurrency_limit=4, max_size=QUEUE_SIZE, api_open=False)
    return demo


install_body_cap()
demo = build()


def launch(**kwargs: Any) -> Any:
    """Launch ``demo``; ``kwargs`` go to ``demo.launch``. Its limits and CSS are the Blocks' own (see ``Page``)."""
    return demo.launch(**kwargs)


if __name__ == "__main__":
    launch()
