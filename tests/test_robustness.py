"""Reliability: every bad input gets a clear error, in-process and over the API; the server survives them all
under 2 GB; 16 users at once get right answers; a full queue says so at once; long thin images and files in
formats the app does not accept are refused unread, and cost the other users nothing.

Bad strokes (issue 8) are tried on ``/read_strokes`` the same way: in-process, through gradio_client, and
as raw JSON for what gradio_client cannot send (NaN and infinities), each followed by a good drawing.

Each bad input of issue 5 is tried on ``Classifier.predict`` (a ``ValueError`` subclass) and on ``/predict``
through gradio_client (an ``AppError`` carrying the same kind of message). Over the API an image is a
file, so the arrays travel as the files that hold them (a 0x0 PNG header, a 7-sample TIFF, a float TIFF
of NaN), and None, the sketchpad dict and the string as the JSON a client would send.
"""

from __future__ import annotations

import json
import re
import struct
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, NamedTuple

import gradio as gr
import httpx
import numpy as np
import pytest
from benchmark import (
    LONG_THIN,
    USERS,
    digit_files,
    load_test,
    local_client,
    served,
    write_largest_png,
    write_long_thin_png,
    write_png,
)
from browser_helpers import pad_value, pen_digits
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image, ImageFile

import app
from lenet import BlankImageError, Classifier

ROOT = Path(__file__).resolve().parent.parent
HUGE_SIDE = 12_000  # 144 megapixels: 168 KB on disk, 144 MB (grey) to 576 MB (RGBA) decoded
MAX_RSS_KB = 2 * 1024 * 1024  # the server's peak resident memory must stay under 2 GB
# A clear message names the problem and says what to do about it.
ADVICE = re.compile(r"\b(draw|upload|send|use|pass|shrink|crop)\b", re.IGNORECASE)


# -- files written byte by byte, so nothing huge is ever held in memory (more in benchmark.py) --------


def write_tiff(path: Path, width: int, height: int, samples: int) -> Path:
    """An uncompressed 8-bit TIFF with ``samples`` channels per pixel (PIL reads at most 4 or so)."""
    pixels = bytes(width * height * samples)
    tags = [(256, width), (257, height), (258, 8), (259, 1), (262, 1), (273, 0), (277, samples), (278, height)]
    tags += [(279, len(pixels)), (284, 1)]
    data_at = 8 + 2 + 12 * len(tags) + 4
    ifd = struct.pack("<H", len(tags))
    for tag, value in tags:
        value = data_at if tag == 273 else value
        ifd += struct.pack("<HHII", tag, 4, 1, value)  # every value as one LONG
    path.write_bytes(b"II*\x00" + struct.pack("<I", 8) + ifd + struct.pack("<I", 0) + pixels)
    return path


# What the app does not decode, whatever the file is called: PostScript (Pillow would hand it to Ghostscript),
# PDF and SVG.
EPS = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 64 64\n%%EndComments\n"
EPS += b"0 setgray 28 8 8 48 rectfill\nshowpage\n%%EOF\n"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
PDF += b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64">'
SVG += b'<path d="M32 8v48" stroke="black" stroke-width="8"/></svg>'
OTHER_FORMATS = {"digit.eps": EPS, "digit.pdf": PDF, "digit.svg": SVG}

BAD_FILES = ["0x0.png", "7-channels.tiff", "nan.tiff", "white.png", "transparent.png", "black.png", "notes.png"]
BAD_FILES += ["truncated.png", "empty.png", "1-pixel.png", "huge.png", *LONG_THIN, *OTHER_FORMATS]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The issue's bad files, and the files that hold its bad arrays (for the API), by name."""
    d = tmp_path_factory.mktemp("bad")
    f = {p.name: p for p in map(d.joinpath, BAD_FILES)}
    write_png(f["0x0.png"], 0, 0, lambda y: b"")
    write_tiff(f["7-channels.tiff"], 64, 64, 7)
    Image.fromarray(np.full((64, 64), np.nan, np.float32)).save(f["nan.tiff"])
    Image.new("RGB", (280, 280), "white").save(f["white.png"])
    Image.new("RGBA", (280, 280), (0, 0, 0, 0)).save(f["transparent.png"])
    Image.new("RGB", (280, 280), "black").save(f["black.png"])
    f["notes.png"].write_text("Shopping list: eggs, milk.\n")
    Image.new("L", (64, 64), 255).save(f["truncated.png"])
    f["truncated.png"].write_bytes(f["truncated.png"].read_bytes()[:60])
    f["empty.png"].write_bytes(b"")
    Image.new("L", (1, 1), 0).save(f["1-pixel.png"])
    white_row = b"\xff" * HUGE_SIDE
    write_png(f["huge.png"], HUGE_SIDE, HUGE_SIDE, lambda y: white_row)
    for name, (width, height) in LONG_THIN.items():
        write_long_thin_png(f[name], width, height)
    for name, data in OTHER_FORMATS.items():
        f[name].write_bytes(data)
    return f


class Case(NamedTuple):
    """One bad input: what Classifier.predict gets and what its error says; what /predict gets and says.

    ``value`` and ``payload`` are names in ``files`` (a file) or the value itself; ``payload`` defaults to
    ``value`` and ``api_message`` to ``message``.
    """

    value: Any
    message: str
    payload: Any = None
    api_message: str | None = None

    def resolve(self, files: dict[str, Path]) -> tuple[Any, Any, str]:
        """(in-process value, API payload, API message) with file names turned into paths."""

        def as_file(v: Any) -> Any:
            return files[v] if isinstance(v, str) and v in files else v

        payload = self.value if self.payload is None else self.payload
        return as_file(self.value), as_file(payload), self.api_message or self.message


SKETCHPAD_CLEARED = {"background": None, "layers": [], "composite": None}  # the sketchpad after "Clear canvas"
CASES = {
    "none": Case(None, "No image was given"),
    "sketchpad-composite-none": Case(SKETCHPAD_CLEARED, "blank", SKETCHPAD_CLEARED, "No image was given"),
    "0x0-array": Case(np.zeros((0, 0), np.uint8), "0x0 px, too small", "0x0.png", "Cannot read 0x0.png"),
    "7-channels": Case(np.zeros((64, 64, 7), np.uint8), r"shape \(64, 64, 7\)", "7-channels.tiff", "Cannot read 7-"),
    "nan-array": Case(np.full((64, 64), np.nan, np.float32), "NaN", "nan.tiff"),
    "string": Case("seven", "Cannot read seven as an image", "seven", "No image was given"),
    "blank-white": Case(np.full((280, 280, 3), 255, np.uint8), "blank", "white.png"),
    "blank-transparent": Case(np.zeros((280, 280, 4), np.uint8), "blank", "transparent.png"),
    "all-black": Case(np.zeros((280, 280, 3), np.uint8), "blank", "black.png"),
    "text-named-png": Case("notes.png", "Cannot read notes.png"),
    "truncated-png": Case("truncated.png", "Cannot read truncated.png"),
    "empty-file": Case("empty.png", "Cannot read empty.png as an image"),
    "1-pixel": Case("1-pixel.png", "1x1 px, too small"),
    "12000x12000-png": Case("huge.png", "12000x12000 px, too large"),
    **{name[:-4]: Case(name, f"{name[:-4]} px, too long and thin") for name in LONG_THIN},
    **{name: Case(name, f"Cannot read {name} as an image: upload a PNG or JPEG") for name in OTHER_FORMATS},
}
BLANK = {"sketchpad-composite-none", "blank-white", "blank-transparent", "all-black"}


def assert_clear(message: str, expected: str, where: str = "") -> None:
    """The message says what is wrong (``expected``) and what to do, in words, not as a traceback."""
    assert re.search(expected, message), f"{where}: {message!r} does not say {expected!r}"
    assert ADVICE.search(message), f"{where}: {message!r} does not say what to do"
    assert "Traceback" not in message and message.strip() != "Error"


def send(client: Client, payload: Any) -> dict:
    """One /predict call: a Path goes as an uploaded file, anything else as the raw JSON value."""
    return client.predict(handle_file(str(payload)) if isinstance(payload, Path) else payload, api_name="/predict")


# -- in-process ------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_in_process_is_a_clear_value_error(clf: Classifier, files: dict, case: str) -> None:
    value, _, _ = CASES[case].resolve(files)
    with pytest.raises(ValueError) as info:
        clf.predict(value)
    assert_clear(str(info.value), CASES[case].message)
    assert isinstance(info.value, BlankImageError) == (case in BLANK)


def test_an_eps_file_is_never_handed_to_pillows_postscript_reader(clf: Classifier, files: dict) -> None:
    # The control: Pillow itself would take the file for PostScript (and render it with Ghostscript if installed).
    with Image.open(files["digit.eps"]) as im:
        assert im.format == "EPS"
    with pytest.raises(ValueError, match="upload a PNG or JPEG"):
        clf.predict(files["digit.eps"])


def test_the_huge_png_is_refused_before_its_pixels_are_decoded(
    clf: Classifier, files: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    decoded, load = [], ImageFile.ImageFile.load

    def spy(im: ImageFile.ImageFile):
        decoded.append(im.size)
        return load(im)

    monkeypatch.setattr(ImageFile.ImageFile, "load", spy)
    with pytest.raises(ValueError, match="too large"):
        clf.predict(files["huge.png"])
    assert decoded == []
    for name in LONG_THIN:
        with pytest.raises(ValueError, match="too long and thin"):
            clf.predict(files[name])
    assert decoded == []
    # The control: an image of acceptable size is decoded through that same method.
    with pytest.raises(ValueError):
        clf.predict(files["white.png"])
    assert set(decoded) == {(280, 280)}


# -- over the API, app.demo in-process ---------------------------------------------------------------


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_over_the_api_is_a_clear_gr_error(client: Client, files: dict, case: str) -> None:
    _, payload, expected = CASES[case].resolve(files)
    with pytest.raises(AppError) as info:
        send(client, payload)
    assert_clear(str(info.value), expected)


def call_raw(server_url: str, payload: Any) -> str:
    """/predict through plain HTTP with any JSON payload; the event stream's text."""
    with httpx.Client(base_url=server_url, timeout=30) as http:
        call = http.post("/gradio_api/call/predict", json={"data": [payload]})
        call.raise_for_status()
        return http.get(f"/gradio_api/call/predict/{call.json()['event_id']}").text


@pytest.mark.parametrize(
    "payload, expected",
    [
        pytest.param([[0, 255], [255, 0]], app.NO_IMAGE, id="an-array-as-json"),
        pytest.param(7, app.NO_IMAGE, id="a-number"),
        pytest.param({"path": 7}, app.NO_IMAGE, id="a-path-that-is-not-a-string"),
        # Not marked as FileData, so gradio does not check it: the app must not read a file it was not sent.
        pytest.param({"path": str(ROOT / "tests" / "data" / "examples" / "scan_4.png")}, app.NOT_UPLOADED, id="a-path"),
        pytest.param({"path": "/etc/passwd"}, app.NOT_UPLOADED, id="etc-passwd"),
        pytest.param({"path": "/no/such/file.png"}, app.NOT_UPLOADED, id="a-missing-path"),
        # Marked as FileData, a launched app's gradio refuses it itself (with no message) before the app sees it.
        pytest.param({"path": "/etc/passwd", "meta": {"_type": "gradio.FileData"}}, "", id="as-file-data"),
    ],
)
def test_a_payload_that_is_not_an_uploaded_file_gets_a_clear_error(server_url: str, payload, expected: str) -> None:
    stream = call_raw(server_url, payload)
    assert "event: error" in stream
    assert expected in stream.replace('\\"', '"')
    assert "root:" not in stream


def test_long_thin_uploads_cost_a_normal_predict_nothing(
    client: Client, files: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two long thin uploads sent at once with a normal /predict: they are refused from the header, so the
    file readers never decode their pixels, and the normal call gets its answer (tests/benchmark.py
    --worst-case times it against its unloaded latency)."""
    decoded, load = [], ImageFile.ImageFile.load

    def spy(im: ImageFile.ImageFile):
        decoded.append(im.size)
        return load(im)

    digit = ROOT / "tests" / "data" / "examples" / "scan_5.png"
    with Image.open(digit) as im:
        digit_size = im.size
    monkeypatch.setattr(ImageFile.ImageFile, "load", spy)
    thin = [client.submit(handle_file(str(files[name])), api_name="/predict") for name in list(LONG_THIN)[-2:]]
    normal = client.submit(handle_file(str(digit)), api_name="/predict")
    assert normal.result(timeout=60)["label"] == "5"
    for job in thin:
        with pytest.raises(AppError, match="too long and thin"):
            job.result(timeout=60)
    assert set(decoded) == {digit_size}


def test_a_full_queue_is_refused_at_once_and_the_queue_drains(
    client: Client, files: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hold the file readers busy and fill the queue: the next call hears "Queue is full" instead of waiting."""
    real = app.CLASSIFIER
    started, release = threading.Semaphore(0), threading.Event()

    class Held:
        def predict(self, image: Any, **kwargs: Any):
            started.release()
            release.wait(timeout=60)  # never hangs the suite, even if the test fails early
            return real.predict(image, **kwargs)

    queue, waiting = app.demo._queue, 2
    monkeypatch.setattr(app, "CLASSIFIER", Held())
    monkeypatch.setattr(queue, "max_size", waiting)
    digit = handle_file(str(ROOT / "tests" / "data" / "examples" / "scan_4.png"))
    jobs = []
    try:
        for _ in range(app.FILE_READERS):
            jobs.append(client.submit(digit, api_name="/predict"))
        for _ in range(app.FILE_READERS):
            assert started.acquire(timeout=30), "the file readers did not start"
        for k in range(waiting):
            jobs.append(client.submit(digit, api_name="/predict"))
            for _ in range(600):
                if len(queue) == k + 1:
                    break
                time.sleep(0.05)
        assert len(queue) == waiting
        with pytest.raises(Exception, match="(?i)queue is full") as info:
            client.submit(digit, api_name="/predict").result(timeout=30)
        assert "try again" in str(info.value)
    finally:
        release.set()
    assert [job.result(timeout=60)["label"] for job in jobs] == ["4"] * len(jobs)


# -- bad strokes on /read_strokes -------------------------------------------------------------------


BAD_STROKES = {
    "a-number": (7, "not a list"),
    "a-string": ("seven", "not a list"),
    "null": (None, "not a list"),
    "strokes-a-string": ({"strokes": "1,2 3,4"}, "not a list"),
    "strings-for-numbers": ({"strokes": [[["a", "b"], ["c", "d"]]]}, r"other than \[x, y\] numbers"),
    "nested-junk": ({"strokes": [[[[1, 2], [3, 4]], [[5, 6], [7, 8]]]]}, r"must be \[x, y\] pairs"),
    "ragged-junk": ({"strokes": [[[1, [2, 3]], [4, 5]]]}, r"other than \[x, y\] numbers"),
    "objects-for-points": ({"strokes": [[{"x": 1, "y": 2}, {"x": 3, "y": 4}]]}, r"\[x, y\]"),
    "numbers-for-strokes": ({"strokes": [1, 2, 3]}, "not a list of points"),
    "1e300": ({"strokes": [[[1e300, 0], [1, 1]]]}, "finite numbers"),
    "-1e300": ({"strokes": [[[0, 0], [-1e300, 1]]]}, "finite numbers"),
    "empty-list": ([], "No strokes were sent"),
    "empty-strokes": ({"strokes": [], "width": 280, "height": 280}, "No strokes were sent"),
    "missing-strokes-key": ({"points": [[[0, 0], [50, 90]]], "width": 280}, 'No "strokes" key'),
    "200000-points-in-one-stroke": ({"strokes": [[[i % 97, i % 89] for i in range(200_000)]]}, "more than 10,000"),
    "5000-strokes": ({"strokes": [[[0, 0], [3, 4]]] * 5000}, "5,000 strokes are more than 500"),
    "a-dot": ({"strokes": [[[140, 140]]], "width": 280, "height": 280}, "blank"),
}
# JSON that gradio_client refuses to write, sent as raw text.
NON_FINITE = ["NaN", "Infinity", "-Infinity"]


def good_drawing() -> tuple[list, int]:
    """A real pen digit as the pad sends it, and its label."""
    seven = pen_digits()["seven"]
    return [s.tolist() for s in seven["strokes"]], seven["label"]


@pytest.mark.parametrize("case", list(BAD_STROKES))
def test_bad_strokes_in_process_are_a_clear_gr_error(case: str) -> None:
    payload, expected = BAD_STROKES[case]
    with pytest.raises(gr.Error) as info:
        app.read_strokes(payload)
    assert_clear(str(info.value), expected, case)


def assert_refused_over_the_api(client: Client, payload: Any, expected: str, case: str) -> None:
    """/read_strokes refuses ``payload`` with a clear error; one over the body cap never reaches the app: 413."""
    from serving import MAX_BODY

    if len(json.dumps(payload)) > MAX_BODY:
        with pytest.raises(httpx.HTTPStatusError, match="413"):
            client.predict(payload, api_name="/read_strokes")
        return
    with pytest.raises(AppError) as info:
        client.predict(payload, api_name="/read_strokes")
    assert_clear(str(info.value), expected, case)


def test_bad_strokes_over_the_api_are_refused_and_the_server_answers_the_next_call(client: Client) -> None:
    strokes, label = good_drawing()
    for case, (payload, expected) in BAD_STROKES.items():
        assert_refused_over_the_api(client, payload, expected, case)
        assert client.predict({"strokes": strokes}, api_name="/read_strokes")["digit"] == label, f"after {case}"


def call_read_strokes_raw(server_url: str, body: str) -> str:
    """/read_strokes through plain HTTP with a raw JSON body; the event stream's text."""
    with httpx.Client(base_url=server_url, timeout=60) as http:
        call = http.post("/gradio_api/call/read_strokes", content=body, headers={"Content-Type": "application/json"})
        call.raise_for_status()
        return http.get(f"/gradio_api/call/read_strokes/{call.json()['event_id']}").text


@pytest.mark.parametrize("literal", NON_FINITE)
def test_non_finite_coordinates_are_refused(client: Client, server_url: str, literal: str) -> None:
    stream = call_read_strokes_raw(server_url, f'{{"data": [{{"strokes": [[[{literal}, 1], [20, 30]]]}}]}}')
    assert "event: error" in stream
    error = json.loads(stream.split("event: error\ndata:", 1)[1].strip().splitlines()[0])["error"]
    assert_clear(error, "finite numbers", literal)
    number = float(literal.lower().replace("infinity", "inf"))
    with pytest.raises(ValueError):  # gradio_client will not even send them
        client.predict({"strokes": [[[number, 1], [20, 30]]]}, api_name="/read_strokes")
    strokes, label = good_drawing()
    assert client.predict({"strokes": strokes}, api_name="/read_strokes")["digit"] == label


# -- the real server: python app.py in a subprocess -------------------------------------------------------


@pytest.fixture(scope="module")
def served_app():
    """``python app.py`` on a free port, cwd the repository; terminated however the tests end."""
    with served([sys.executable, "app.py"]) as (proc, url):
        yield proc, url


def peak_rss_kb(pid: int) -> int:
    """The process's peak resident memory so far (VmHWM), in kB."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE).group(1))


@pytest.mark.slow
def test_16_users_at_once_get_right_answers(served_app, clf: Classifier, tmp_path: Path) -> None:
    _, url = served_app
    digits, labels = digit_files(tmp_path, clf)
    result = load_test(url, digits, labels)
    assert result.errors == []
    assert result.wrong == []
    assert len(result.latencies) == USERS * 15


@pytest.mark.slow
def test_the_server_survives_every_bad_input_under_2_gb(served_app, files: dict, tmp_path: Path) -> None:
    proc, url = served_app
    client = local_client(url)
    try:
        for case in CASES:
            _, payload, expected = CASES[case].resolve(files)
            with pytest.raises(AppError) as info:
                send(client, payload)
            assert_clear(str(info.value), expected, case)
        for payload, expected in [([[0, 255]], app.NO_IMAGE), ({"path": "/etc/hostname"}, app.NOT_UPLOADED)]:
            assert expected in call_raw(url, payload).replace('\\"', '"')
        # The upload cap, at the server (gradio_client would refuse the file before sending it).
        with httpx.Client(base_url=url, timeout=60) as http:
            big = http.post("/gradio_api/upload", files={"files": ("big.png", b"\x89PNG" + bytes(11 << 20))})
        assert big.status_code == 413 and "size" in big.text

        # The largest image read (~450 MB while it is read), sent by more users at once than there are
        # file readers: the number of readers bounds the memory.
        largest = handle_file(str(write_largest_png(tmp_path / "largest.png")))
        users = app.FILE_READERS + 1
        with ThreadPoolExecutor(users) as pool:
            answers = list(pool.map(lambda c: c.predict(largest, api_name="/predict"), [client] * users))
        assert [a["label"] for a in answers] == ["1"] * users

        good = send(client, ROOT / "tests" / "data" / "examples" / "scan_5.png")
        assert good["label"] == "5"

        for case, (payload, expected) in BAD_STROKES.items():
            assert_refused_over_the_api(client, payload, expected, case)
        strokes, label = good_drawing()
        assert client.predict({"strokes": strokes}, api_name="/read_strokes")["digit"] == label
    finally:
        client.close()
    assert proc.poll() is None, "the server died"
    peak = peak_rss_kb(proc.pid)
    print(f"server peak RSS (VmHWM): {peak / 1024:.0f} MB")
    assert peak < MAX_RSS_KB


# -- no way around the limits: direct REST calls, fn_index, a mounted app, big bodies ----------------------------


class Gauge:
    """Wraps the app's classifier: every call sleeps ``delay`` s, and the gauge records how many ran at once
    and how many torch threads each had."""

    def __init__(self, real: Classifier, delay: float) -> None:
        self.real, self.delay = real, delay
        self.lock = threading.Lock()
        self.running = self.peak = self.calls = 0
        self.threads: set[int] = set()

    def _timed(self, method: str, *args: Any, **kwargs: Any) -> Any:
        import torch

        with self.lock:
            self.running += 1
            self.calls += 1
            self.peak = max(self.peak, self.running)
            self.threads.add(torch.get_num_threads())
        try:
            time.sleep(self.delay)
            return getattr(self.real, method)(*args, **kwargs)
        finally:
            with self.lock:
                self.running -= 1

    def predict(self, *args: Any, **kwargs: Any) -> Any:
        return self._timed("predict", *args, **kwargs)

    def read_number(self, *args: Any, **kwargs: Any) -> Any:
        return self._timed("read_number", *args, **kwargs)


@pytest.fixture()
def gauge(monkeypatch: pytest.MonkeyPatch) -> Gauge:
    g = Gauge(app.CLASSIFIER, delay=0.25)
    monkeypatch.setattr(app, "CLASSIFIER", g)
    return g


def at_once(n: int, call) -> list:
    """``call(k)`` for k in range(n), all at once from threads; their results in order."""
    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(call, range(n)))


def post_at_once(http: httpx.Client, n: int, path: str, body: dict) -> list[httpx.Response]:
    """``n`` identical POSTs of ``body`` to ``path``, all at once."""
    return at_once(n, lambda k: http.post(path, json=body))


def fn_index(demo: gr.Blocks, name: str) -> int:
    """The id Gradio gives the first event function ``name`` (what the page sends as fn_index): for read_pad,
    the pad's own (the correction row's runs the same function through the same lanes)."""
    return min(k for k, fn in demo.fns.items() if fn.name == name)


def upload(http: httpx.Client, path: Path) -> dict:
    """``path`` uploaded to the server: the FileData payload to send for it."""
    with open(path, "rb") as f:
        (stored,) = http.post("/gradio_api/upload", files={"files": (path.name, f, "image/png")}).json()
    return {"path": stored, "meta": {"_type": "gradio.FileData"}}


DIRECT_ROUTES = ["/gradio_api/run/{name}", "/gradio_api/api/{name}", "/gradio_api/run/{name}/"]
CALLS = 6  # more than any limit


def assert_no_way_around(url: str, demo: gr.Blocks, gauge: Gauge) -> None:
    """Direct REST calls and fn_index calls never run more at once than the queue or the pad's bound allows."""
    digit = ROOT / "tests" / "data" / "examples" / "scan_4.png"
    strokes, _ = good_drawing()
    with httpx.Client(base_url=url, timeout=60) as http:
        file = upload(http, digit)
        payloads = {"predict": file, "read_number": file, "read_strokes": {"strokes": strokes}}
        # The queued events, by name on every direct route, and by fn_index: refused unrun.
        for name, payload in payloads.items():
            for route in DIRECT_ROUTES:
                answers = post_at_once(http, CALLS, route.format(name=name), {"data": [payload]})
                assert {a.status_code for a in answers} == {404}, (route, name, answers[0].text)
                assert "join the queue" in answers[0].text
            body = {"data": [payload], "fn_index": fn_index(demo, name), "session_hash": "direct"}
            answers = post_at_once(http, CALLS, "/gradio_api/run/predict", body)
            assert {a.status_code for a in answers} == {404}, name
        assert gauge.calls == 0 and gauge.peak == 0

        # Through the queue, the file readers' limit holds: CALLS at once, FILE_READERS at a time.
        def queued(k: int) -> str:
            event = http.post("/gradio_api/call/predict", json={"data": [file]}).json()["event_id"]
            return http.get(f"/gradio_api/call/predict/{event}").text

        assert all("event: complete" in s for s in at_once(CALLS, queued))
        assert gauge.calls == CALLS and gauge.peak == app.FILE_READERS

        # The pad's readings run off the queue, for latency, but bounded: by fn_index, CALLS at once.
        gauge.calls = gauge.peak = 0
        value = {"strokes": strokes, "width": 280, "height": 280, "seq": 1}
        answers = at_once(
            CALLS,
            lambda k: http.post(
                "/gradio_api/run/predict",
                json={"data": [value, None], "fn_index": fn_index(demo, "read_pad"), "session_hash": f"pad-{k}"},
            ),
        )
        assert gauge.peak == app.STROKE_READERS  # never more; and the bound was reached
        for a in answers:  # each one read, or told the server is busy: never left hanging
            assert a.status_code == 200 or (a.status_code == 500 and a.json()["error"] == app.BUSY), a.text
        assert sum(a.status_code == 200 for a in answers) == gauge.calls >= app.STROKE_READERS
    assert gauge.threads == {1}  # one torch thread in every handler, however served


def test_no_call_skips_the_limits_of_a_launched_app(server_url: str, gauge: Gauge) -> None:
    assert_no_way_around(server_url, app.demo, gauge)


@pytest.fixture(scope="module")
def mounted():
    """A fresh page mounted at "/" in a plain FastAPI app, served by uvicorn in a thread on a free port."""
    import uvicorn
    from browser_helpers import free_port
    from fastapi import FastAPI

    demo = app.build()
    server = uvicorn.Server(
        uvicorn.Config(gr.mount_gradio_app(FastAPI(), demo, "/"), port=free_port(), log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(600):
        if server.started:
            break
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{server.config.port}", demo
    server.should_exit = True
    thread.join(timeout=30)


def test_no_call_skips_the_limits_of_a_mounted_app(mounted, gauge: Gauge) -> None:
    url, demo = mounted
    assert_no_way_around(url, demo, gauge)


def test_a_mounted_app_keeps_the_upload_cap_the_body_cap_and_the_css(mounted) -> None:
    url, demo = mounted
    with httpx.Client(base_url=url, timeout=60) as http:
        config = http.get("/config").json()
        assert config["max_file_size"] == demo.max_file_size == 10 << 20
        assert app.CSS.strip() in config["css"]
        big = http.post("/gradio_api/upload", files={"files": ("big.png", b"\x89PNG" + bytes(11 << 20))})
        assert big.status_code == 413 and "File size exceeds this server's limit" in big.json()["detail"]
        assert_big_bodies_are_refused(http)
    # A server's own settings never loosen the page's: a larger cap is not taken, a smaller one is.
    demo.max_file_size = 50 << 20
    assert demo.max_file_size == 10 << 20
    demo.max_file_size = 1 << 20
    assert demo.max_file_size == 1 << 20
    demo.css = "body { margin: 0 }"
    assert demo.css.startswith(app.CSS) and demo.css.endswith("body { margin: 0 }")


def assert_big_bodies_are_refused(http: httpx.Client) -> None:
    """A JSON body over serving.MAX_BODY is refused with 413 and a message saying what to send, whether it
    declares its length or comes chunked; one just under the cap gets through to the app."""
    from serving import MAX_BODY

    points = [[i % 97, i % 89] for i in range(200_000)]  # ~2.4 MB as JSON
    body = json.dumps({"data": [{"strokes": [points]}]}).encode()
    assert len(body) > MAX_BODY
    for content in (body, iter([body[:100_000], body[100_000:]])):  # with a Content-Length, then chunked
        answer = http.post(
            "/gradio_api/call/read_strokes", content=content, headers={"Content-Type": "application/json"}
        )
        assert answer.status_code == 413
        message = answer.json()["detail"]
        assert f"{MAX_BODY:,}" in message
        assert_clear(message, "more than this server's", "big body")
    under = json.dumps({"data": [{"strokes": "x" * (MAX_BODY - 100)}]}).encode()  # refused by the app, quickly
    assert len(under) <= MAX_BODY
    answer = http.post("/gradio_api/call/read_strokes", content=under, headers={"Content-Type": "application/json"})
    assert answer.status_code == 200
    assert "not a list" in http.get(f"/gradio_api/call/read_strokes/{answer.json()['event_id']}").text


def test_big_bodies_are_refused_before_gradio_reads_them(server_url: str) -> None:
    with httpx.Client(base_url=server_url, timeout=60) as http:
        assert_big_bodies_are_refused(http)
        strokes, label = good_drawing()  # and the server answers the next call
        event = http.post("/gradio_api/call/read_strokes", json={"data": [{"strokes": strokes}]}).json()["event_id"]
        assert f'"digit": {label}' in http.get(f"/gradio_api/call/read_strokes/{event}").text


def test_a_user_error_logs_one_line_not_a_traceback(client: Client, files: dict, capfd, caplog) -> None:
    capfd.readouterr()
    with caplog.at_level("WARNING", logger="app"):
        with pytest.raises(AppError, match="blank"):
            client.predict(handle_file(str(files["white.png"])), api_name="/predict")
        with pytest.raises(AppError, match="No strokes were sent"):
            client.predict({"strokes": []}, api_name="/read_strokes")
    assert "Traceback" not in capfd.readouterr().err
    messages = [r.getMessage() for r in caplog.records if r.name == "app"]
    assert len(messages) == 2 and all(m.startswith("refused: ") and "\n" not in m for m in messages)
    assert "blank" in messages[0] and messages[1] == f"refused: {app.NO_STROKES}"


def test_costly_readings_never_hold_up_the_usual_ones() -> None:
    """Lanes: however many heavy calls are sent, light calls run in their own slots; past the wait or the
    number waiting, a call hears the busy message."""
    import asyncio

    from serving import Lanes

    lanes = Lanes(2, 1, wait_s=10, busy="busy", is_heavy=lambda kind: kind == "heavy")
    release, lock = threading.Event(), threading.Lock()
    running = {"heavy": 0, "light": 0}
    peak = dict(running)

    def work(kind: str) -> str:
        with lock:
            running[kind] += 1
            peak[kind] = max(peak[kind], running[kind])
        if kind == "heavy":
            release.wait(10)
        else:
            time.sleep(0.05)
        with lock:
            running[kind] -= 1
        return kind

    bounded = lanes(work)
    assert bounded.__name__ == "work"

    async def scenario() -> None:
        heavy = [asyncio.create_task(bounded("heavy")) for _ in range(6)]
        await asyncio.sleep(0.2)
        light = await asyncio.wait_for(asyncio.gather(*(bounded("light") for _ in range(6))), 5)
        assert light == ["light"] * 6 and running["heavy"] == 1  # done while the heavy ones are stuck
        release.set()
        assert await asyncio.gather(*heavy) == ["heavy"] * 6

    asyncio.run(scenario())
    assert peak == {"heavy": 1, "light": 2}

    impatient = Lanes(1, 1, wait_s=0.2, busy="busy now", max_waiting=1)
    release.clear()
    held = impatient(lambda: release.wait(10))

    async def crowded() -> list:
        first = asyncio.create_task(held())
        await asyncio.sleep(0.1)
        waits = await asyncio.gather(held(), held(), return_exceptions=True)  # one waits, one finds the lane full
        release.set()
        await first
        return waits

    waits = asyncio.run(crowded())
    assert [isinstance(w, gr.Error) and w.message == "busy now" for w in waits] == [True, True]


def test_only_drawings_that_hold_more_than_a_few_digits_are_heavy() -> None:
    digits = pen_digits()
    for d in digits.values():
        assert not app.heavy_drawing(pad_value(d["strokes"]))
    assert not app.heavy_drawing(pad_value([s for d in digits.values() for s in d["strokes"]][:20]))
    assert app.heavy_drawing({"strokes": [[[0, 0], [3, 4]]] * (app.HEAVY_STROKES + 1)})
    assert app.heavy_drawing([[[k, k]] * 100 for k in range(app.HEAVY_POINTS // 100 + 1)])
    for junk in (None, "strokes", 7, {"strokes": "x" * 10_000}, app.CLASSIFIER):
        assert not app.heavy_drawing(junk)
