"""Drive a sketchpad in Debian's Chromium through Playwright: shared by tests/test_browser.py and tests/bench_app.py.

Digits are drawn from real pen strokes (tests/data/pen_strokes.json) with the mouse,
in small steps, one pen-down/pen-up per stroke, as a person draws them.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import numpy as np

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
DIGIT_HEIGHT = 0.55  # of the sketchpad's height: a digit drawn comfortably inside the canvas
STEP_PX = 10.0  # mouse moves at most this far between two pointer events, as a brisk hand at 60 Hz
# The Label's headline: the top digit, empty when the label is cleared.
LABEL_TEXT_JS = "() => { const h = document.querySelector('#prediction h2'); return h ? h.textContent.trim() : ''; }"


def pen_digits() -> dict[str, dict]:
    """The kept pen digits by name: {"label": int, "index": int, "strokes": [(k, 2) arrays in mm]}."""
    digits = json.loads((DATA / "pen_strokes.json").read_text())["digits"]
    return {
        name: {**d, "strokes": [np.asarray(s, dtype=np.float64) for s in d["strokes"]]} for name, d in digits.items()
    }


def free_port() -> int:
    """A TCP port on localhost that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch_chromium(playwright):
    """Debian's Chromium, headless (never a browser downloaded by ``playwright install``)."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def screen_strokes(strokes: list[np.ndarray], box: dict[str, float]) -> list[np.ndarray]:
    """Strokes in mm -> page coordinates: the digit DIGIT_HEIGHT of the box tall, centred, densified to STEP_PX."""
    allp = np.concatenate(strokes)
    lo, extent = allp.min(0), np.maximum(allp.max(0) - allp.min(0), 1e-6)
    scale = DIGIT_HEIGHT * min(box["height"], box["width"]) / max(extent)
    centre = np.array([box["x"] + box["width"] / 2, box["y"] + box["height"] / 2])
    out = []
    for s in strokes:
        pts = (s - lo - extent / 2) * scale + centre
        dense = [pts[0]]
        for a, b in zip(pts[:-1], pts[1:], strict=True):
            n = max(1, int(np.ceil(np.hypot(*(b - a)) / STEP_PX)))
            dense.extend(a + (b - a) * t for t in np.arange(1, n + 1) / n)
        out.append(np.array(dense))
    return out


def canvas_box(page) -> dict[str, float]:
    """The sketchpad's drawing canvas on the page."""
    box = page.locator("#sketchpad .pixi-target canvas").bounding_box()
    assert box, "the sketchpad canvas is not on the page"
    return box


def draw_stroke(page, points: np.ndarray) -> None:
    """One stroke: pen down at the first point, small moves through the rest, pen up."""
    page.mouse.move(*points[0])
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(x, y)
    page.mouse.up()


def draw_digit(page, strokes: list[np.ndarray], pause_ms: int = 150) -> None:
    """Draw a digit stroke by stroke in the middle of ``#sketchpad``, pausing between strokes as people do."""
    for i, points in enumerate(screen_strokes(strokes, canvas_box(page))):
        if i:
            page.wait_for_timeout(pause_ms)
        draw_stroke(page, points)


def pen_is_ready(page) -> bool:
    """Whether the sketchpad has a tool chosen (its Brush, Erase or Pan button highlighted)."""
    return page.locator("#sketchpad button.highlight").count() > 0


def clear_canvas(page) -> None:
    """Press the sketchpad's own "Clear canvas" button."""
    page.locator('#sketchpad button[aria-label="Clear canvas"]').click()


def label_text(page) -> str:
    """The digit the ``#prediction`` label shows, or "" when it is empty."""
    return page.evaluate(LABEL_TEXT_JS)
