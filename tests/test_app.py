"""The Gradio app: its handlers in-process, its page's wiring, and its API on a real localhost server."""

from __future__ import annotations

import ast
import base64
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import gradio as gr
import httpx
import numpy as np
import pytest
from browser_helpers import free_port, pad_value, pen_digits
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image

import app
from lenet import NumberReading, adapt
from lenet.pen import compose_number, render
from ui import DigitStrip, NetworkView, PixelImage, StrokePad, TeachRow
from ui.pixels import png_data_uri
from ui.strip import Pick, sure

# Read when pytest collects this module, before any test launches app.demo (the browser tests do, in-process).
STATE_AT_IMPORT = (app.demo.is_running, app.demo.local_url)

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES_DIR = ROOT / "tests" / "data" / "examples"
EXAMPLES = {p.name: int(p.stem[-1]) for p in EXAMPLES_DIR.iterdir()}
PAD = StrokePad().size


def number_strokes(digits: dict[str, dict], names: list[str], gap: float = 0.3) -> list[np.ndarray]:
    """Real pen digits written one after the other as a number, ``gap`` digit heights apart (digit heights)."""
    strokes, _ = compose_number([digits[n]["strokes"] for n in names], [gap] * len(names), np.random.default_rng(0))
    return strokes


def number_value(digits: dict[str, dict], names: list[str], size: int = PAD) -> dict:
    """What the pad sends for a number written across it: the strokes fitted to 85% of its width."""
    return pad_value(number_strokes(digits, names), size, fill=0.85)


def file_data(path: Path | str) -> dict:
    """The unprocessed FileData dict an event with preprocess=False receives."""
    return {"path": str(path), "orig_name": Path(path).name, "meta": {"_type": "gradio.FileData"}}


def assert_cleared(outputs: tuple, message_part: str) -> None:
    label, network_input, network, status = outputs[:4]
    assert (label, network_input, network) == (None, None, None), "a guess was shown"
    assert message_part in status
    if len(outputs) > 4:  # the Draw tab's: no strip, no boxes
        assert outputs[4:6] == (None, StrokePad.show_boxes([]))
        assert outputs[6:] == (TeachRow.show([], -1),)  # nothing for the correction row to correct


@pytest.fixture(scope="module")
def digits() -> dict[str, dict]:
    return pen_digits()


@pytest.fixture()
def bad_files(tmp_path: Path) -> dict[str, Path]:
    """Files a user might upload that hold no readable digit."""
    files = {
        "garbage.png": b"this is not a png at all" * 10,
        "empty.jpg": b"",
        "truncated.png": (ROOT / "tests" / "data" / "examples" / "scan_4.png").read_bytes()[:200],
    }
    out = {}
    for name, data in files.items():
        out[name] = tmp_path / name
        out[name].write_bytes(data)
    out["tiny.png"] = tmp_path / "tiny.png"
    Image.new("L", (4, 4), 255).save(out["tiny.png"])
    out["blank.png"] = tmp_path / "blank.png"
    Image.new("RGB", (200, 200), "white").save(out["blank.png"])
    return out


@pytest.fixture()
def upload_dir():
    """A fresh folder inside gradio's upload folder, as an upload gets one; removed afterwards."""
    import shutil
    import tempfile

    root = Path(gr.utils.get_upload_folder())
    root.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(dir=root))
    yield folder
    shutil.rmtree(folder)


def as_upload(upload_dir: Path, path: Path) -> dict:
    """``path`` copied into ``upload_dir`` as gradio stores an upload: the FileData the handlers receive for it."""
    copy = upload_dir / path.name
    copy.write_bytes(path.read_bytes())
    return file_data(copy)


# -- the handlers, in-process ------------------------------------------------------------------


def test_import_builds_demo_without_launching() -> None:
    assert isinstance(app.demo, gr.Blocks)
    assert STATE_AT_IMPORT == (False, None)


@pytest.mark.parametrize("name", ["seven", "three", "two", "eight"])
def test_a_drawing_is_read_with_its_network_input_and_maps(digits: dict, name: str) -> None:
    label, network_input, network, status, strip, boxes, row = app.read_pad(pad_value(digits[name]["strokes"]))
    assert (strip, boxes) == (None, StrokePad.show_boxes([]))  # one digit: no strip, no box
    digit = str(digits[name]["label"])
    assert max(label, key=label.get) == digit
    assert set(label) == {str(d) for d in range(10)} and sum(label.values()) == pytest.approx(1, abs=1e-5)
    assert network_input.shape == (32, 32) and network_input.dtype == np.uint8
    assert network_input.max() == 255 and network_input[0].max() == 0  # white ink on black, margins empty
    assert network["digit"] == int(digit) and {"x", "F5", "F6", "OUTPUT"} <= set(network)  # every stage, one reading
    assert f"**{digit}**" in status


@pytest.mark.parametrize("seq", [1, 41])
def test_a_reading_answers_the_pads_send_by_its_seq(digits: dict, seq: int) -> None:
    value = {**number_value(digits, ["four", "two"]), "seq": seq}
    *_, pad, _ = app.read_pad(value)
    kept = app.CLASSIFIER.read_number(value)
    assert pad == {**StrokePad.show_boxes(app.drawing_boxes(kept)), "ack": seq}  # the boxes, and no value
    assert app.read_pad({"strokes": [], "seq": seq})[5] == {**StrokePad.show_boxes([]), "ack": seq}  # Clear too
    # Without a usable seq (an API caller, an old page), no answer is made up.
    for bad in (None, 0, -3, True, "7"):
        assert "ack" not in app.read_pad({**value, "seq": bad})[5]


def test_the_network_input_shown_is_the_one_the_classifier_used(digits: dict) -> None:
    value = pad_value(digits["seven"]["strokes"])
    _, network_input, *_ = app.read_pad(value)
    expected = app.CLASSIFIER.predict(value).model_input
    np.testing.assert_allclose(network_input.astype(np.float32) / 255, expected, atol=1 / 255)


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",  # the pad's value before the first stroke
        {"strokes": [], "width": PAD, "height": PAD},  # after Clear, or Undo of the only stroke
        {"strokes": [[[140, 140]]], "width": PAD, "height": PAD},  # a tap: a dot
        {"strokes": [[[140, 140], [143, 144]], [[145, 142]]], "width": PAD, "height": PAD},  # a speck
    ],
    ids=["none", "empty", "cleared", "dot", "speck"],
)
def test_a_blank_pad_clears_the_outputs_and_shows_the_hint(value) -> None:
    outputs = app.read_pad(value)
    assert_cleared(outputs, "Draw a digit")
    assert outputs[3] == app.DRAW_HINT


@pytest.mark.parametrize(
    "value, message",
    [
        ({"strokes": "seven"}, "not a list"),
        ({"strokes": [[["a", "b"]]]}, "other than"),
        (str(ROOT / "tests" / "data" / "examples" / "scan_4.png"), "not a list"),  # never read as a file path
        (7, "not a list"),
    ],
)
def test_a_bad_pad_value_gets_a_message_not_a_guess(value, message: str) -> None:
    outputs = app.read_pad(value)
    assert_cleared(outputs, message)
    assert outputs[3].startswith("⚠️") and "send" in outputs[3]


def assert_same_outputs(got: tuple, expected: tuple) -> None:
    assert len(got) == len(expected)
    for a, b in zip(got, expected, strict=True):
        if isinstance(b, np.ndarray):
            np.testing.assert_array_equal(a, b)
        else:
            assert a == b


@pytest.mark.parametrize("name", ["seven", "four", "eight"])  # 2, 2 and 1 strokes
def test_a_single_digit_shows_exactly_as_before(digits: dict, name: str) -> None:
    value = pad_value(digits[name]["strokes"])
    outputs = app.read_pad(value)
    assert_same_outputs(outputs[:4], app.shown(app.CLASSIFIER.predict(value, maps=True)))  # what the page showed
    assert outputs[3] == f"The network reads **{digits[name]['label']}** ({sure(max(outputs[0].values()))} sure)."
    assert outputs[4:6] == (None, StrokePad.show_boxes([]))
    # The correction row gets the drawing to turn into an example: all its strokes, compacted, and the digit read.
    row = outputs[6]
    assert row["selected"] == 0 and [p["digit"] for p in row["pending"]] == [digits[name]["label"]]
    assert row["pending"][0]["strokes"] == adapt.compact(value["strokes"])


@pytest.mark.parametrize("names, text", [(["four", "two"], "42"), (["two", "zero", "two", "six"], "2026")])
def test_a_number_reads_in_the_status_with_its_strip_and_boxes(digits: dict, names: list[str], text: str) -> None:
    value = number_value(digits, names)
    label, network_input, network, status, strip, boxes, row = app.read_pad(value)
    assert [p["digit"] for p in row["pending"]] == [int(c) for c in text] and row["selected"] == len(text) - 1
    kept = app.CLASSIFIER.read_number(value, maps=True)
    assert isinstance(kept, NumberReading) and kept.text == text
    assert f"**{text}**" in status and f"digit {len(text)} of {len(text)}" in status and "last drawn" in status
    # The label and the maps follow the last digit drawn, the rightmost here.
    last = kept.digits[-1]
    assert max(label, key=label.get) == text[-1] and f"a **{text[-1]}**" in status
    assert_same_outputs((label, network_input, network), app.shown(last)[:3])
    # The strip: every digit's input, digit and confidence, the last one marked as shown.
    assert strip["selected"] == len(text) - 1
    assert [d["digit"] for d in strip["digits"]] == [int(c) for c in text]
    assert [d["selected"] for d in strip["digits"]] == [False] * (len(text) - 1) + [True]
    for shown_digit, pred in zip(strip["digits"], kept.digits, strict=True):
        assert shown_digit["sure"] == sure(pred.confidence)
        decoded = np.asarray(Image.open(io.BytesIO(base64.b64decode(shown_digit["src"].split(",", 1)[1]))))
        np.testing.assert_array_equal(decoded, (pred.model_input * 255).round().astype(np.uint8))
    json.dumps(strip)  # it travels as JSON
    # One box per digit, left to right, around the ink (the brush's half width beyond the strokes).
    assert boxes == StrokePad.show_boxes(app.drawing_boxes(kept))
    sent = boxes["boxes"]
    assert len(sent) == len(text) and [b[0] for b in sent] == sorted(b[0] for b in sent)
    assert "value" not in boxes  # an update of the boxes only: the pad's strokes stay as drawn
    for (x0, y0, x1, y1), stroke_box in zip(sent, kept.boxes, strict=True):
        assert (x0, y0) == pytest.approx(np.array(stroke_box[:2]) - app.BRUSH / 2)
        assert (x1, y1) == pytest.approx(np.array(stroke_box[2:]) + app.BRUSH / 2)


def test_picking_a_digit_in_the_strip_reads_the_drawing_again_and_shows_that_digit(digits: dict) -> None:
    value = number_value(digits, ["two", "zero", "two", "six"])
    *_, strip, _, _ = app.read_pad(value)
    picked = {**strip, "selected": 1}  # what strip.js sends after a click on the second digit
    # The pick comes with the pad's strokes and the examples, as the page sends them: nothing was kept here.
    label, network_input, network, status, row = app.pick_digit(value, None, DigitStrip().preprocess(picked))
    assert row == gr.update(selected=1)  # the correction row now corrects the picked digit
    assert max(label, key=label.get) == "0"
    assert "**2026**" in status and "digit 2 of 4, a **0**" in status and "picked" in status
    kept = app.CLASSIFIER.read_number(value, maps=True)
    assert_same_outputs((label, network_input, network), app.shown(kept.digits[1])[:3])
    assert network["digit"] == 0  # the network view follows the pick
    # A pick that does not fit the drawing's reading, or no pick, or no drawing: nothing changes.
    key = strip["reading"]
    assert key == app.reading_key(kept)
    misfits = [(value, Pick(4, key)), (value, None), (None, Pick(0, key)), ("junk", Pick(0, key))]
    misfits.append((value, Pick(1, None)))
    for v, pick in misfits:
        assert app.pick_digit(v, None, pick) == (gr.skip(),) * 5
    assert not any(isinstance(b, gr.State) for b in app.demo.blocks.values())  # no reading kept per user


def test_a_pick_made_on_a_strip_a_newer_reading_replaced_is_ignored(digits: dict) -> None:
    old_value = number_value(digits, ["two", "zero", "two", "six"])
    new_value = number_value(digits, ["four", "two", "seven"])
    *_, old_strip, _, _ = app.read_pad(old_value)
    *_, new_strip, _, _ = app.read_pad(new_value)
    assert old_strip["reading"] != new_strip["reading"]
    # The click landed on the old strip after the pad's drawing changed: the pick comes with the new drawing.
    stale = DigitStrip().preprocess({**old_strip, "selected": 1})
    assert app.pick_digit(new_value, None, stale) == (gr.skip(),) * 5  # not the new reading's digit 2
    fresh = DigitStrip().preprocess({**new_strip, "selected": 1})
    assert "digit 2 of 3" in app.pick_digit(new_value, None, fresh)[3]


@pytest.mark.parametrize(
    "payload, pick",
    [
        ({"selected": 2, "reading": "ab12"}, Pick(2, "ab12")),
        ({"selected": 2}, Pick(2, None)),
        ({"selected": 2, "reading": 7}, Pick(2, None)),
        ({"selected": -1, "reading": "ab12"}, None),
        ({"selected": "2"}, None),
        ({"selected": True}, None),
        (None, None),
        ("2", None),
    ],
)
def test_the_strip_hands_python_the_picked_index_and_its_reading_only(payload, pick) -> None:
    assert DigitStrip().preprocess(payload) == pick


def test_more_than_twelve_digits_get_lenets_message_in_the_status(digits: dict) -> None:
    names = ["two", "zero", "two", "six", "seven", "three", "four", "five", "eight", "nine", "zero", "two", "six"]
    outputs = app.read_pad(number_value(digits, names))
    assert_cleared(outputs, "more than 12 digits")
    assert outputs[3].startswith("⚠️")


def test_read_strokes_answers_with_digit_confidence_and_probabilities(digits: dict) -> None:
    for name, d in digits.items():
        answer = app.read_strokes(pad_value(d["strokes"]))
        assert answer["digit"] == d["label"], name
        assert len(answer["probabilities"]) == 10 and sum(answer["probabilities"]) == pytest.approx(1, abs=1e-5)
        assert answer["confidence"] == max(answer["probabilities"])
    # The bare list of strokes works too, in any units (here the pen set's millimetres).
    assert app.read_strokes([s.tolist() for s in digits["three"]["strokes"]])["digit"] == 3


def test_read_strokes_of_one_digit_gives_predicts_reading_and_its_text(digits: dict) -> None:
    value = pad_value(digits["seven"]["strokes"])
    answer, pred = app.read_strokes(value), app.CLASSIFIER.predict(value)
    assert answer["text"] == "7"
    assert (answer["digit"], answer["confidence"], answer["probabilities"]) == (
        7,
        pred.confidence,
        list(pred.probabilities),
    )
    (digit,) = answer["digits"]
    assert digit["digit"] == 7 and digit["confidence"] == pred.confidence and len(digit["box"]) == 4


def test_read_strokes_reads_a_number_with_each_digits_box(digits: dict) -> None:
    value = number_value(digits, ["two", "zero", "two", "six"])
    answer = app.read_strokes(value)
    reading = app.CLASSIFIER.read_number(value)
    assert answer["text"] == "2026" == reading.text
    assert [d["digit"] for d in answer["digits"]] == [2, 0, 2, 6]
    assert [tuple(d["box"]) for d in answer["digits"]] == list(reading.boxes)  # the strokes' boxes, pad units
    assert [d["confidence"] for d in answer["digits"]] == [p.confidence for p in reading.digits]
    # The top level describes the last digit drawn, as the page's label does.
    assert answer["digit"] == 6 and answer["probabilities"] == list(reading.digits[-1].probabilities)
    assert answer["confidence"] == answer["digits"][-1]["confidence"]
    json.dumps(answer)


def test_the_docs_read_strokes_example_reads_42() -> None:
    lines = (ROOT / "docs" / "api.md").read_text().splitlines()
    four, two = (
        ast.literal_eval(next(t for t in lines if t.startswith(f"{name} = ")).split("=", 1)[1].split("#")[0].strip())
        for name in ("four", "two")
    )
    answer = app.read_strokes({"strokes": four + two, "width": 280, "height": 280})
    assert answer["text"] == "42" and answer["digit"] == 2


def test_read_strokes_refuses_more_than_twelve_digits(digits: dict) -> None:
    with pytest.raises(gr.Error, match="more than 12 digits"):
        app.read_strokes([[[k * 10, 0], [k * 10, 50]] for k in range(60)])  # 60 bars: refused before reading


@pytest.mark.parametrize(
    "payload, message",
    [
        ([], "No strokes were sent"),
        ({"strokes": []}, "No strokes were sent"),
        ({"points": [[[0, 0], [9, 9]]]}, 'No "strokes" key'),
        ({"strokes": [[[5, 5]]]}, "blank"),
        ("seven", "not a list"),
    ],
)
def test_read_strokes_refuses_with_a_clear_gr_error(payload, message: str) -> None:
    with pytest.raises(gr.Error, match=message):
        app.read_strokes(payload)


@pytest.fixture(scope="module")
def number_image(tmp_path_factory, digits: dict) -> Path:
    """A PNG of "2026" written with real pen strokes, black on white."""
    strokes = number_strokes(digits, ["two", "zero", "two", "six"])
    path = tmp_path_factory.mktemp("number") / "2026.png"
    render(strokes, canvas=600, brush=12, style="rgb_white", rng=np.random.default_rng(1)).save(path)
    return path


def test_read_number_reads_an_image_file(number_image: Path, upload_dir: Path) -> None:
    answer = app.read_number(as_upload(upload_dir, number_image))
    assert answer["text"] == "2026" and [d["digit"] for d in answer["digits"]] == [2, 0, 2, 6]
    width, height = Image.open(number_image).size
    x0s = []
    for d in answer["digits"]:
        x0, y0, x1, y1 = d["box"]  # in the image's pixels
        assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height and 0.5 < d["confidence"] <= 1
        x0s.append(x0)
    assert x0s == sorted(x0s)
    json.dumps(answer)


def test_read_number_refuses_a_blank_image_and_anything_not_uploaded(
    bad_files: dict, number_image: Path, upload_dir: Path
) -> None:
    with pytest.raises(gr.Error, match="blank"):
        app.read_number(as_upload(upload_dir, bad_files["blank.png"]))
    with pytest.raises(gr.Error, match="Cannot read garbage.png"):
        app.read_number(as_upload(upload_dir, bad_files["garbage.png"]))
    with pytest.raises(gr.Error) as info:
        app.read_number(file_data(number_image))  # a real image, but not an upload
    assert info.value.message == app.NOT_UPLOADED
    for payload in (None, "/etc/passwd", {"strokes": []}):
        with pytest.raises(gr.Error, match="No image"):
            app.read_number(payload)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_the_upload_examples_are_read_as_their_digit(name: str, upload_dir: Path) -> None:
    label, network_input, network, status = app.read_upload(as_upload(upload_dir, EXAMPLES_DIR / name))
    assert max(label, key=label.get) == str(EXAMPLES[name])
    assert network_input is not None and network["digit"] == EXAMPLES[name]


def test_a_cleared_upload_shows_the_upload_hint() -> None:
    assert_cleared(app.read_upload(None), "Upload a photo")


@pytest.mark.parametrize(
    "name, message",
    [
        ("garbage.png", "Cannot read garbage.png"),
        ("empty.jpg", "Cannot read empty.jpg"),
        ("truncated.png", "Cannot read truncated.png"),
        ("tiny.png", "too small"),
        ("blank.png", "blank"),
    ],
)
def test_an_unusable_upload_gets_a_message_not_a_traceback(
    bad_files: dict, upload_dir: Path, name: str, message: str
) -> None:
    outputs = app.read_upload(as_upload(upload_dir, bad_files[name]))
    assert_cleared(outputs, message)
    assert "Traceback" not in outputs[-1] and outputs[-1].startswith("⚠️")


def test_predict_returns_all_ten_probabilities(upload_dir: Path) -> None:
    probs = app.predict(as_upload(upload_dir, EXAMPLES_DIR / "scan_5.png"))
    assert max(probs, key=probs.get) == "5"
    assert sorted(probs) == [str(d) for d in range(10)]


@pytest.mark.parametrize("name, message", [("garbage.png", "Cannot read"), ("blank.png", "blank")])
def test_predict_raises_a_clear_gr_error(bad_files: dict, upload_dir: Path, name: str, message: str) -> None:
    with pytest.raises(gr.Error, match=message):
        app.predict(as_upload(upload_dir, bad_files[name]))
    with pytest.raises(gr.Error, match="No image"):
        app.predict(None)


# -- which files the handlers read --------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/etc/passwd", "/no/such/file.png", str(EXAMPLES_DIR / "scan_4.png")])
def test_the_handlers_read_only_uploads_even_in_process(path: str) -> None:
    # Not launched, as when mounted with gr.mount_gradio_app: the check holds all the same.
    assert not app.demo.is_running
    with pytest.raises(gr.Error) as info:
        app.predict(file_data(path))
    assert info.value.message == app.NOT_UPLOADED
    assert_cleared(app.read_upload(file_data(path)), app.NOT_UPLOADED)


def test_the_handlers_read_uploads_and_examples_but_no_link_out_of_them(upload_dir: Path) -> None:
    copy = upload_dir / "scan_4.png"
    copy.write_bytes((EXAMPLES_DIR / "scan_4.png").read_bytes())
    probs = app.predict(file_data(copy))
    assert max(probs, key=probs.get) == "4"
    cache = gr.utils.get_cache_folder().resolve()
    assert [Path(p).resolve() for p in app.upload_folders()] == [Path(gr.utils.get_upload_folder()).resolve(), cache]
    link = upload_dir / "digit.png"
    link.symlink_to(EXAMPLES_DIR / "scan_4.png")
    with pytest.raises(gr.Error, match=re.escape(app.NOT_UPLOADED)):
        app.predict(file_data(link))
    with pytest.raises(gr.Error, match=re.escape(app.NOT_UPLOADED)):
        app.predict(file_data(f"{upload_dir}/../../../etc/passwd"))


def test_a_missing_upload_and_a_non_image_get_the_same_message(upload_dir: Path) -> None:
    (upload_dir / "a").mkdir()
    (upload_dir / "b").mkdir()
    (upload_dir / "b" / "digit.png").write_text("root:x:0:0:root:/root:/bin/bash\n")
    messages = []
    for folder in ("a", "b"):
        with pytest.raises(gr.Error) as info:
            app.predict(file_data(upload_dir / folder / "digit.png"))
        messages.append(info.value.message)
    assert messages[0] == messages[1]
    assert "upload a PNG or JPEG" in messages[0]


def test_a_mounted_app_reads_only_uploads() -> None:
    """Served inside another FastAPI app, where gradio never sets is_running: uploads are read, /etc/passwd is not."""
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    server = gr.mount_gradio_app(FastAPI(), app.build(), path="/digits")
    answers = {}
    with TestClient(server) as http:
        with open(EXAMPLES_DIR / "scan_4.png", "rb") as f:
            uploaded = http.post("/digits/gradio_api/upload", files={"files": ("digit.png", f, "image/png")}).json()
        for name, payload in [("upload", {"path": uploaded[0]}), ("passwd", {"path": "/etc/passwd"})]:
            call = http.post("/digits/gradio_api/call/predict", json={"data": [payload]}).json()
            answers[name] = http.get(f"/digits/gradio_api/call/predict/{call['event_id']}").text
    assert "event: complete" in answers["upload"] and '"label": "4"' in answers["upload"]
    assert "event: error" in answers["passwd"] and app.NOT_UPLOADED in answers["passwd"].replace('\\"', '"')
    assert "root:" not in answers["passwd"]


def test_the_page_is_wired_as_the_issue_asks() -> None:
    fns = {fn.name: fn for fn in app.demo.fns.values()}
    pad = next(b for b in app.demo.blocks.values() if isinstance(b, StrokePad))
    teach = next(b for b in app.demo.blocks.values() if isinstance(b, TeachRow))
    readings = {fn.targets[0][0]: fn for fn in app.demo.fns.values() if fn.name == "read_pad"}
    reading, teaching = readings[pad._id], readings[teach._id]
    assert pad.elem_id == "sketchpad" and reading.inputs == teaching.inputs == [pad, teach]
    # A correction or Forget reads the same drawing again, with the same outputs; the row is one of them.
    assert teaching.outputs == reading.outputs and reading.outputs[6] is teach and teaching.queue is False
    assert [t[1] for t in reading.targets] == ["input"]  # the pad's own trigger("input"), once per send
    assert reading.trigger_mode == "always_last" and reading.show_progress == "hidden"
    assert reading.queue is False  # one HTTP request per reading
    assert reading.api_visibility == "private" and fns["read_upload"].api_visibility == "private"
    assert fns["predict"].api_name == "predict" and fns["predict"].api_visibility == "public"
    assert [c.get_block_name() for c in fns["predict"].outputs] == ["label"]  # no images on the API path
    assert fns["read_strokes"].api_name == "read_strokes" and fns["read_strokes"].api_visibility == "public"
    assert [c.get_block_name() for c in fns["read_strokes"].outputs] == ["json"]
    number = fns["read_number"]
    assert number.api_name == "read_number" and number.api_visibility == "public"
    assert [c.get_block_name() for c in number.outputs] == ["json"] and number.preprocess is False
    assert number.concurrency_id == fns["predict"].concurrency_id == "read_file"
    assert number.concurrency_limit == app.FILE_READERS
    # The Draw tab: the reading also fills the strip and boxes the digits on the pad; nothing is kept for a pick.
    strip = reading.outputs[4]
    assert isinstance(strip, DigitStrip) and strip.elem_id == "digits" and reading.outputs[5] is pad
    picking = fns["pick_digit"]
    assert picking.inputs == [pad, teach, strip] and picking.outputs == [*reading.outputs[:4], teach]
    assert [t[1] for t in picking.targets] == ["input"] and picking.queue is False
    assert picking.api_visibility == "private" and picking.show_progress == "hidden"
    ids = {getattr(b, "elem_id", None): b for b in app.demo.blocks.values()}
    assert {"sketchpad", "prediction", "network-input", "network", "upload", "status", "digits"} <= set(ids)
    assert isinstance(ids["network-input"], PixelImage) and isinstance(ids["network"], NetworkView)
    assert reading.outputs[2] is ids["network"] and fns["read_upload"].outputs[2] is ids["network"]
    assert not any(isinstance(b, gr.Sketchpad) for b in app.demo.blocks.values())


def test_each_tab_shows_its_own_reading_and_every_reading_is_bounded(digits: dict, upload_dir: Path) -> None:
    import inspect

    fns = {fn.name: fn for fn in app.demo.fns.values()}
    draw, upload = fns["show_draw_tab"], fns["show_upload_tab"]
    assert [t[1] for t in draw.targets] == [t[1] for t in upload.targets] == ["select"]
    assert draw.inputs == fns["read_pad"].inputs and draw.outputs == fns["read_pad"].outputs and draw.queue is False
    assert upload.outputs == fns["read_upload"].outputs and upload.concurrency_id == "read_file"
    assert draw.api_visibility == upload.api_visibility == "private"
    # The functions off the queue, and /read_strokes, run through the lanes (an async wrapper); REST is closed.
    for name in ("read_pad", "pick_digit", "show_draw_tab", "read_strokes"):
        assert inspect.iscoroutinefunction(fns[name].fn), name
    assert fns["read_strokes"].concurrency_limit is None and app.demo.api_open is False
    value = number_value(digits, ["four", "two"])
    got, expected = app.show_draw_tab(value), app.read_pad(value)
    assert_same_outputs(got[:5], expected[:5])
    assert got[4]["reading"] == expected[4]["reading"] == app.reading_key(app.CLASSIFIER.read_number(value, maps=True))
    assert_cleared(app.show_upload_tab(None), "Upload a photo")
    label, *_ = app.show_upload_tab(as_upload(upload_dir, EXAMPLES_DIR / "photo_9.jpg"))
    assert max(label, key=label.get) == "9"


def test_the_queue_keeps_no_costly_analytics() -> None:
    queue = app.demo._queue
    assert queue.ANALYTICS_MAX_EVENTS == int(app.QUEUE_ANALYTICS["GRADIO_ANALYTICS_MAX_EVENTS"])
    assert queue.ANAYLTICS_CACHE_FREQUENCY == int(app.QUEUE_ANALYTICS["GRADIO_ANALYTICS_CACHE_FREQUENCY"])


def test_the_pad_carries_its_own_js_and_css_and_the_boxes_hook() -> None:
    pad = StrokePad()
    config = pad.get_config()
    ui = ROOT / "ui"
    assert config["js_on_load"] == (ui / "pad.js").read_text()
    assert config["css_template"] == (ui / "pad.css").read_text()
    assert "touch-action: none" in config["css_template"]
    assert 'aria-label="Clear canvas"' in config["html_template"] and "<canvas" in config["html_template"]
    assert config["props"]["boxes"] == [] and config["props"]["size"] == PAD
    update = StrokePad.show_boxes([(10, 20, 110, 200), np.array([120, 20, 250, 210])])
    sent = gr.blocks.postprocess_update_dict(pad, dict(update))
    assert sent["props"]["boxes"] == [[10.0, 20.0, 110.0, 200.0], [120.0, 20.0, 250.0, 210.0]]
    json.dumps(sent)  # it travels as JSON
    with pytest.raises(ValueError, match="x0, y0, x1, y1"):
        StrokePad.show_boxes([(1, 2, 3)])


def test_pixel_images_travel_inline_as_the_same_pixels() -> None:
    grid = (np.random.default_rng(0).random((30, 90, 3)) * 255).astype(np.uint8)
    html = PixelImage(label="C1", elem_id="x").postprocess(grid)
    src = html.split('src="', 1)[1].split('"', 1)[0]
    assert src == png_data_uri(grid) and src.startswith("data:image/png;base64,")
    decoded = np.asarray(Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1]))))
    np.testing.assert_array_equal(decoded, grid)
    assert PixelImage(label="C1", elem_id="y").postprocess(None) == ""


# -- a real server on localhost ----------------------------------------------------------------------


# server_url and client (tests/conftest.py): this module's own launch of app.demo.


def test_predict_through_gradio_client(client: Client) -> None:
    result = client.predict(handle_file(str(ROOT / "tests" / "data" / "examples" / "photo_7.jpg")), api_name="/predict")
    assert result["label"] == "7"
    assert len(result["confidences"]) == 10
    assert result["confidences"][0]["label"] == "7" and result["confidences"][0]["confidence"] > 0.5


@pytest.mark.parametrize("name, message", [("blank.png", "blank"), ("garbage.png", "Cannot read")])
def test_predict_through_gradio_client_reports_unusable_images(
    client: Client, bad_files: dict, name: str, message: str
) -> None:
    with pytest.raises(AppError, match=message):
        client.predict(handle_file(str(bad_files[name])), api_name="/predict")


def test_the_api_lists_predict_and_read_strokes_and_hides_the_ui_events(client: Client) -> None:
    endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert {"/predict", "/read_strokes", "/read_number"} <= set(endpoints)
    assert not {"/read_pad", "/read_upload", "/pick_digit"} & set(endpoints)


def test_read_number_through_gradio_client(client: Client, number_image: Path, bad_files: dict) -> None:
    result = client.predict(handle_file(str(number_image)), api_name="/read_number")  # as the README shows
    assert result["text"] == "2026" and [d["digit"] for d in result["digits"]] == [2, 0, 2, 6]
    with pytest.raises(AppError, match="blank"):
        client.predict(handle_file(str(bad_files["blank.png"])), api_name="/read_number")


def test_read_strokes_through_gradio_client(client: Client, digits: dict) -> None:
    for name, d in digits.items():
        answer = client.predict(pad_value(d["strokes"]), api_name="/read_strokes")
        assert answer["digit"] == d["label"], name
        assert len(answer["probabilities"]) == 10 and 0.5 < answer["confidence"] <= 1
    answer = client.predict(number_value(digits, ["four", "two"]), api_name="/read_strokes")
    assert answer["text"] == "42" and [d["digit"] for d in answer["digits"]] == [4, 2]


def test_predict_with_the_readmes_curl_flow(server_url: str) -> None:
    """Upload, POST /gradio_api/call/predict, then read the event stream, as the README's curl example does."""
    with httpx.Client(base_url=server_url, timeout=30) as http:
        with open(ROOT / "tests" / "data" / "examples" / "scan_4.png", "rb") as f:
            uploaded = http.post("/gradio_api/upload", files={"files": ("digit.png", f, "image/png")}).json()
        call = http.post("/gradio_api/call/predict", json={"data": [{"path": uploaded[0]}]}).json()
        stream = http.get(f"/gradio_api/call/predict/{call['event_id']}").text
    assert "event: complete" in stream
    data = json.loads(stream.split("event: complete\ndata:", 1)[1].strip().splitlines()[0])
    assert data[0]["label"] == "4"


def test_uploads_above_the_limit_are_refused(client: Client, tmp_path: Path) -> None:
    assert app.demo.max_file_size == 10 * 1024 * 1024
    big = tmp_path / "big.png"
    big.write_bytes(b"\x89PNG" + bytes(11 * 1024 * 1024))
    # gradio_client reads the cap from the page's config and refuses before sending ...
    with pytest.raises(ValueError, match=f"exceeds the maximum file size of {10 * 1024 * 1024} bytes"):
        client.predict(handle_file(str(big)), api_name="/predict")
    # ... and the server refuses it too (413) when something sends it anyway.
    with httpx.Client(base_url=client.src, timeout=60) as http:
        answer = http.post("/gradio_api/upload", files={"files": ("big.png", big.read_bytes())})
    assert answer.status_code == 413 and "File size exceeds this server's limit" in answer.json()["detail"]


NO_OUTBOUND = """
import json, sys, time, urllib.request
outbound = []
LOCAL = {"127.0.0.1", "::1", "localhost", "0.0.0.0", None}
def hook(event, args):
    if event == "socket.connect" and isinstance(args[1], tuple) and args[1][0] not in LOCAL:
        outbound.append(str(args[1]))
    elif event == "socket.getaddrinfo" and args[0] not in LOCAL:
        outbound.append(str(args[0]))
sys.addaudithook(hook)
sys.path.insert(0, sys.argv[1])
import app
_, url, _ = app.launch(prevent_thread_lock=True, quiet=True)
urllib.request.urlopen(url + "config").read()
time.sleep(1.0)  # let any background thread (version check, telemetry) try its luck
print(json.dumps({"outbound": outbound, "server_name": app.demo.server_name, "url": url}))
app.demo.close()
"""


@pytest.mark.slow
def test_python_app_makes_no_outbound_connection_and_listens_on_localhost() -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRADIO_", "HF_"))}
    env["GRADIO_SERVER_PORT"] = str(port)
    done = subprocess.run(
        [sys.executable, "-c", NO_OUTBOUND, str(ROOT)], env=env, capture_output=True, text=True, timeout=240
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(next(line for line in done.stdout.splitlines() if line.startswith("{")))
    assert report["outbound"] == []
    assert report["server_name"] == "127.0.0.1"
    assert report["url"] == f"http://127.0.0.1:{port}/"


def test_the_page_sends_strokes_and_examples_as_json_strings_and_python_reads_them_as_lists(digits: dict) -> None:
    value = pad_value(digits["seven"]["strokes"])
    sent = {**value, "strokes": json.dumps(value["strokes"])}  # what pad.js sends
    assert StrokePad().preprocess(sent) == value
    assert StrokePad().preprocess(value) == value  # an API caller's list passes as it is
    example = {"strokes": adapt.compact(value["strokes"]), "digit": 7}
    assert TeachRow().preprocess({"examples": json.dumps([example])}) == [example]
    assert TeachRow().preprocess({"examples": [example]}) == [example]
    # Junk stays junk, and the reading refuses it with its message: never a crash, never a guess.
    for junk in ("[[[1, 2]", "[" * 100_000 + "]" * 100_000):
        assert StrokePad().preprocess({"strokes": junk})["strokes"] == junk
        assert TeachRow().preprocess({"examples": junk}) == junk
        assert app.read_pad({"strokes": junk})[3].startswith("⚠️")
        assert "refused" in app.read_pad(value, junk)[3]


def test_a_reading_while_the_pen_moves_leaves_the_correction_row_for_the_pen_ups(digits: dict) -> None:
    value = pad_value(digits["seven"]["strokes"])
    final = app.read_pad({**value, "final": True})
    live = app.read_pad({**value, "final": False})
    assert final[6]["pending"] and live[6] == gr.skip()
    assert_same_outputs(live[:4], final[:4])  # the reading itself is the same
    assert app.read_pad(value)[6] == final[6]  # an API caller without the flag gets the row, as at pen-up


def test_a_confidence_is_never_shown_as_100_percent() -> None:
    assert [sure(c) for c in (0.5, 0.994, 0.995, 0.9999, 1.0)] == ["50%", "99%", ">99%", ">99%", ">99%"]
