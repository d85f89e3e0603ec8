"""Drive the stroke pad in Debian's Chromium through Playwright: shared by tests/test_browser.py and tests/bench_app.py.

Digits are drawn from real pen strokes (tests/data/pen_strokes.json) with the mouse or
with a finger (CDP touch events), in small steps, one pen-down/pen-up per stroke, as a
person draws them. ``clear_canvas`` also presses gr.Sketchpad's own "Clear canvas" button,
so the benchmark's reference sketchpad is driven the same way.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import numpy as np

from ui.pad import SIZE as PAD_SIZE  # the pad's units: the strokes' coordinates

DATA = Path(__file__).resolve().parent / "data"
CHROMIUM = Path("/usr/bin/chromium")
# No sandbox (CI runs as root), no GPU, and nothing the browser would fetch on its own.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
PAD_CANVAS = "#sketchpad canvas.ink"  # the pad's drawing canvas
DIGIT_HEIGHT = 0.55  # of the canvas's height: a digit drawn comfortably inside it
STEP_PX = 10.0  # the pointer moves at most this far between two events, as a brisk hand at 60 Hz
# The Label's headline: the top digit, empty when the label is cleared.
LABEL_TEXT_JS = "() => { const h = document.querySelector('#prediction h2'); return h ? h.textContent.trim() : ''; }"


def pen_digits() -> dict[str, dict]:
    """The kept pen digits by name: {"label": int, "index": int, "strokes": [(k, 2) arrays in mm]}."""
    digits = json.loads((DATA / "pen_strokes.json").read_text())["digits"]
    return {
        name: {**d, "strokes": [np.asarray(s, dtype=np.float64) for s in d["strokes"]]} for name, d in digits.items()
    }


def pad_value(strokes: list[np.ndarray], size: int = PAD_SIZE, fill: float = 0.6) -> dict:
    """What the pad sends: the strokes in pad units (their longer side ``fill`` of the pad, centred), and its size."""
    allp = np.concatenate(strokes)
    lo, extent = allp.min(0), allp.max(0) - allp.min(0)
    scale = fill * size / extent.max()
    offset = (size - extent * scale) / 2
    return {
        "strokes": [np.round((s - lo) * scale + offset, 1).tolist() for s in strokes],
        "width": size,
        "height": size,
    }


def free_port() -> int:
    """A TCP port on localhost that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch_chromium(playwright):
    """Debian's Chromium, headless (never a browser downloaded by ``playwright install``)."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def screen_strokes(strokes: list[np.ndarray], box: dict[str, float], step: float = STEP_PX) -> list[np.ndarray]:
    """Strokes in mm -> page coordinates: the digit DIGIT_HEIGHT of the box tall, centred, densified to ``step`` px."""
    allp = np.concatenate(strokes)
    lo, extent = allp.min(0), np.maximum(allp.max(0) - allp.min(0), 1e-6)
    scale = DIGIT_HEIGHT * min(box["height"], box["width"]) / max(extent)
    centre = np.array([box["x"] + box["width"] / 2, box["y"] + box["height"] / 2])
    out = []
    for s in strokes:
        pts = (s - lo - extent / 2) * scale + centre
        dense = [pts[0]]
        for a, b in zip(pts[:-1], pts[1:], strict=True):
            n = max(1, int(np.ceil(np.hypot(*(b - a)) / step)))
            dense.extend(a + (b - a) * t for t in np.arange(1, n + 1) / n)
        out.append(np.array(dense))
    return out


def canvas_box(page, selector: str = PAD_CANVAS) -> dict[str, float]:
    """The drawing canvas on the page (viewport coordinates)."""
    box = page.locator(selector).first.bounding_box()
    assert box, f"no {selector} on the page"
    return box


def draw_stroke(page, points: np.ndarray, step_ms: float = 0) -> None:
    """One mouse stroke: button down at the first point, small moves through the rest (``step_ms`` apart), up."""
    page.mouse.move(*points[0])
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(x, y)
        if step_ms:
            page.wait_for_timeout(step_ms)
    page.mouse.up()


def draw_digit(page, strokes: list[np.ndarray], pause_ms: int = 150, selector: str = PAD_CANVAS) -> None:
    """Draw a digit with the mouse, stroke by stroke, in the middle of the canvas, pausing between strokes."""
    for i, points in enumerate(screen_strokes(strokes, canvas_box(page, selector))):
        if i:
            page.wait_for_timeout(pause_ms)
        draw_stroke(page, points)


def touch_stroke(cdp, points: np.ndarray) -> None:
    """One finger stroke through CDP ``Input.dispatchTouchEvent``: touch down, moves, lift."""
    (x, y), rest = points[0], points[1:]
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y, "id": 1}]})
    for x, y in rest:
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y, "id": 1}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def touch_digit(page, cdp, strokes: list[np.ndarray], pause_ms: int = 150) -> None:
    """Draw a digit with a finger, stroke by stroke, in the middle of the pad."""
    for i, points in enumerate(screen_strokes(strokes, canvas_box(page))):
        if i:
            page.wait_for_timeout(pause_ms)
        touch_stroke(cdp, points)


def clear_canvas(page) -> None:
    """Press the "Clear canvas" button (the pad's, or gr.Sketchpad's own)."""
    page.locator('#sketchpad button[aria-label="Clear canvas"]').click()


def undo_stroke(page) -> None:
    """Press the pad's Undo button."""
    page.locator('#sketchpad button[aria-label="Undo last stroke"]').click()


def label_text(page) -> str:
    """The digit the ``#prediction`` label shows, or "" when it is empty."""
    return page.evaluate(LABEL_TEXT_JS)
