"""The page in a real browser: Debian's Chromium, driven by Playwright, drawing real pen strokes on the stroke pad
with the mouse and with a finger (CDP touch events on a phone viewport), in the light and the dark theme.

Nothing is ever clicked before drawing: the pen must be ready on load and after a clear.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from browser_helpers import (
    CHROMIUM,
    LABEL_TEXT_JS,
    PAD_CANVAS,
    canvas_box,
    clear_canvas,
    draw_digit,
    draw_stroke,
    free_port,
    label_text,
    launch_chromium,
    pen_digits,
    screen_strokes,
    touch_digit,
    undo_stroke,
)
from conftest import skip_or_fail
from PIL import Image

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
ANSWER_MS = 30_000  # generous: CI shares two cores with whatever else runs
SETTLE_MS = 600  # after a label shows, any later reading would have replaced it by then
# Pixels of the pad's canvas that differ from its paper (the top-left pixel): the ink drawn.
INK_PIXELS_JS = f"""() => {{
  const c = document.querySelector('{PAD_CANVAS}');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4)
    n += Math.abs(d[i] - d[0]) + Math.abs(d[i + 1] - d[1]) + Math.abs(d[i + 2] - d[2]) > 60;
  return n;
}}"""
NETWORK_INPUT_SRC_JS = "() => document.querySelector('#network-input img')?.getAttribute('src') || ''"
NETWORK_DIGIT_JS = "() => document.querySelector('#network .net').dataset.digit"  # the view's reading
BOXES_JS = "() => Number(document.querySelector('#sketchpad canvas.overlay').dataset.boxes || 0)"  # boxes drawn
STATUS_JS = "() => document.querySelector('#status').textContent"


@pytest.fixture(scope="module")
def page_url():
    """The app, launched in-process on a free localhost port the way ``python app.py`` launches it."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        skip_or_fail("the playwright package is not installed (pip install -r requirements-dev.txt)")
    if not CHROMIUM.is_file():
        skip_or_fail(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    import app

    _, url, _ = app.launch(prevent_thread_lock=True, server_port=free_port(), quiet=True)
    yield url
    app.demo.close()


@pytest.fixture(scope="module")
def browser(page_url: str):
    """One headless Chromium for the module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = launch_chromium(pw)
        yield b
        b.close()


@pytest.fixture(scope="module")
def browser_page(browser, page_url: str):
    """A desktop page of the app, with every request the page makes recorded."""
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.requests = []
    page.on("request", lambda r: page.requests.append(r.url))
    page.goto(page_url)
    page.wait_for_selector(PAD_CANVAS, timeout=ANSWER_MS)
    yield page
    page.close()


def wait_for_label(page, digit: str) -> None:
    """The label shows ``digit``, and still does once any reading still on its way has arrived."""
    page.wait_for_function(f"() => ({LABEL_TEXT_JS})() === {digit!r}", timeout=ANSWER_MS)
    page.wait_for_timeout(SETTLE_MS)
    assert label_text(page) == digit


def wait_for_hint(page) -> None:
    page.wait_for_function(
        f"() => ({LABEL_TEXT_JS})() === '' && document.querySelector('#status').textContent.includes('Draw a digit')",
        timeout=ANSWER_MS,
    )


def draw_number(page, names: list[str], pause_ms: int = 150) -> None:
    """Write real pen digits side by side with the mouse, left to right, each in its own slot across the pad."""
    digits, box = pen_digits(), canvas_box(page)
    width = box["width"] / len(names)
    for k, name in enumerate(names):
        slot = {**box, "x": box["x"] + k * width, "width": width}
        for points in screen_strokes(digits[name]["strokes"], slot):
            draw_stroke(page, points)
            page.wait_for_timeout(pause_ms)


def gradio_calls(page) -> int:
    """The requests the page has sent to the app's API so far (readings and picks)."""
    return sum("/gradio_api/" in u for u in page.requests)


def wait_for_call_after(page, calls: int) -> None:
    """Wait until the page has sent the app a request beyond the first ``calls``."""
    for _ in range(ANSWER_MS // 50):
        if gradio_calls(page) > calls:
            return
        page.wait_for_timeout(50)
    raise AssertionError("the page sent no request")


def wait_for_number(page, text: str) -> None:
    """The status reads the number ``text``, and still does once any reading on its way has arrived."""
    page.wait_for_function(f"() => ({STATUS_JS})().includes('reads {text}.')", timeout=ANSWER_MS)
    page.wait_for_timeout(SETTLE_MS)
    assert f"reads {text}." in page.evaluate(STATUS_JS)


def test_draw_digits_with_the_mouse_each_is_read_with_its_views(browser_page) -> None:
    page = browser_page
    digits = pen_digits()
    assert label_text(page) == "" and "Draw a digit" in page.locator("#status").inner_text()
    assert page.locator(f"{PAD_CANVAS}").count() == 1
    before = len(page.requests)
    for name in ["seven", "three", "four", "five", "zero"]:
        draw_digit(page, digits[name]["strokes"])
        digit = str(digits[name]["label"])
        wait_for_label(page, digit)
        status = page.locator("#status").inner_text()
        assert "**" not in status and digit in status
        assert page.evaluate(BOXES_JS) == 0 and page.locator("#digits button").count() == 0  # one digit: as before
        assert page.locator("#network-input img").get_attribute("src").startswith("data:image/png;base64,")
        assert page.evaluate(NETWORK_DIGIT_JS) == digit  # the network view shows the same reading
        clear_canvas(page)
        wait_for_hint(page)
        assert page.locator("#network-input img").count() == 0
        assert page.evaluate(NETWORK_DIGIT_JS) == ""
        assert page.evaluate(INK_PIXELS_JS) == 0
    # Every reading came inside its event's answer: no output image was fetched as a file.
    fetched = [u for u in page.requests[before:] if "/file=" in u or "/file/" in u]
    assert fetched == []


@pytest.mark.parametrize("names, text", [(["four", "two"], "42"), (["two", "zero", "two", "six"], "2026")])
def test_write_a_number_and_it_is_read_with_a_box_per_digit(browser_page, names: list[str], text: str) -> None:
    page = browser_page
    wait_for_hint(page)
    draw_number(page, names)
    wait_for_number(page, text)
    assert page.evaluate(BOXES_JS) == len(text)
    # The strip: each digit's input, digit and confidence; the last one drawn is the one shown.
    strip = page.locator("#digits button")
    assert strip.count() == len(text)
    assert [strip.nth(k).locator(".read").inner_text() for k in range(len(text))] == list(text)
    assert all(strip.nth(k).locator("img").get_attribute("src").startswith("data:image/png") for k in range(len(text)))
    assert page.locator("#digits button.selected").count() == 1
    assert strip.nth(len(text) - 1).get_attribute("aria-pressed") == "true"
    assert label_text(page) == text[-1] and f"digit {len(text)} of {len(text)}" in page.evaluate(STATUS_JS)
    assert page.evaluate(NETWORK_DIGIT_JS) == text[-1]  # the network view shows the digit the label shows
    # Drawing the boxes leaves the strokes alone and starts no new reading.
    ink, calls = page.evaluate(INK_PIXELS_JS), gradio_calls(page)
    page.wait_for_timeout(SETTLE_MS)
    assert gradio_calls(page) == calls and page.evaluate(INK_PIXELS_JS) == ink > 0

    # Picking the first digit shows its top 3 and maps; the number, its boxes and the strokes stay.
    strip.nth(0).click()
    wait_for_label(page, text[0])
    status = page.evaluate(STATUS_JS)
    assert f"reads {text}." in status and f"digit 1 of {len(text)}" in status and "picked" in status
    assert strip.nth(0).get_attribute("aria-pressed") == "true" and page.locator("#digits button.selected").count() == 1
    assert page.evaluate(BOXES_JS) == len(text) and page.evaluate(INK_PIXELS_JS) == ink
    page.wait_for_function(f"() => ({NETWORK_DIGIT_JS})() === {text[0]!r}", timeout=ANSWER_MS)  # the view follows

    # A speck far below the digits is no digit; undoing it leaves the boxes as they were (the same boxes again).
    box = canvas_box(page)
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] * 0.92
    calls = gradio_calls(page)
    draw_stroke(page, np.array([[x, y], [x + 2, y + 1]]))
    wait_for_call_after(page, calls)
    page.wait_for_timeout(SETTLE_MS)
    calls = gradio_calls(page)
    undo_stroke(page)
    wait_for_call_after(page, calls)
    page.wait_for_timeout(SETTLE_MS)
    assert page.evaluate(BOXES_JS) == len(text) and f"reads {text}." in page.evaluate(STATUS_JS)

    # Undo takes the last digit's last stroke back: the pad kept every stroke through the readings and boxes.
    undo_stroke(page)
    left = text[:-1]  # one digit left shows as a single digit always did: no box
    page.wait_for_function(f"() => ({BOXES_JS})() === {len(left) if len(left) > 1 else 0}", timeout=ANSWER_MS)
    page.wait_for_timeout(SETTLE_MS)
    assert f"reads {left}" in page.evaluate(STATUS_JS) and label_text(page) == left[-1]
    clear_canvas(page)
    wait_for_hint(page)
    assert page.evaluate(BOXES_JS) == 0 and page.locator("#digits button").count() == 0


def test_a_reading_appears_before_pen_up_on_a_slow_stroke(browser_page) -> None:
    page = browser_page
    wait_for_hint(page)
    points = screen_strokes(pen_digits()["three"]["strokes"], canvas_box(page))[0]
    page.mouse.move(*points[0])
    page.mouse.down()
    for x, y in points[1:]:  # about 2 s of drawing
        page.mouse.move(x, y)
        page.wait_for_timeout(2000 / len(points))
    page.wait_for_function(f"() => ({LABEL_TEXT_JS})() !== ''", timeout=ANSWER_MS)  # the pen is still down
    readings_before_pen_up = page.locator("#network-input img").count()
    page.mouse.up()
    assert readings_before_pen_up == 1
    wait_for_label(page, "3")
    clear_canvas(page)
    wait_for_hint(page)


def test_undo_takes_back_the_last_stroke_and_clear_returns_to_the_hint(browser_page) -> None:
    page = browser_page
    wait_for_hint(page)
    draw_digit(page, pen_digits()["seven"]["strokes"])  # two strokes: the bar and the stem
    wait_for_label(page, "7")
    both_ink, both_input = page.evaluate(INK_PIXELS_JS), page.evaluate(NETWORK_INPUT_SRC_JS)

    undo_stroke(page)
    page.wait_for_function(f"() => ({NETWORK_INPUT_SRC_JS})() !== {both_input!r}", timeout=ANSWER_MS)
    one_ink = page.evaluate(INK_PIXELS_JS)
    assert 0 < one_ink < both_ink  # the second stroke is gone from the canvas, and was read without it

    undo_stroke(page)
    wait_for_hint(page)
    assert page.evaluate(INK_PIXELS_JS) == 0

    draw_digit(page, pen_digits()["eight"]["strokes"])  # the pen works at once after all that
    wait_for_label(page, "8")
    clear_canvas(page)
    wait_for_hint(page)
    assert page.evaluate(INK_PIXELS_JS) == 0


def test_draw_with_a_finger_on_a_phone(browser, page_url: str) -> None:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True, device_scale_factor=2
    )
    page = context.new_page()
    page.goto(page_url)
    page.wait_for_selector(PAD_CANVAS, timeout=ANSWER_MS)
    page.evaluate("() => window.scrollTo(0, 0)")
    box = canvas_box(page)
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box  # the pad fits the phone's width
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    assert page.evaluate("() => document.documentElement.scrollHeight") > 844  # the page could scroll
    cdp = context.new_cdp_session(page)
    digits = pen_digits()
    for name in ["three", "nine", "four"]:
        touch_digit(page, cdp, digits[name]["strokes"])
        wait_for_label(page, str(digits[name]["label"]))
        assert page.evaluate("() => window.scrollY") == 0  # the finger drew; the page did not scroll
        clear_canvas(page)
        wait_for_hint(page)

    page.set_viewport_size({"width": 360, "height": 740})  # the narrowest common phone
    page.wait_for_timeout(300)
    box = canvas_box(page)
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360 and box["width"] >= 250, box
    context.close()


def relative_luminance(rgb: np.ndarray) -> np.ndarray:
    """WCAG relative luminance of sRGB colours in 0-255."""
    c = rgb / 255.0
    c = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return c @ np.array([0.2126, 0.7152, 0.0722])


def test_strokes_stand_out_in_the_dark_theme(browser, page_url: str, tmp_path: Path) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(page_url.rstrip("/") + "/?__theme=dark")
    page.wait_for_selector(PAD_CANVAS, timeout=ANSWER_MS)
    draw_digit(page, pen_digits()["two"]["strokes"])
    wait_for_label(page, "2")
    shot = tmp_path / "pad.png"
    page.locator(PAD_CANVAS).screenshot(path=str(shot))  # what the eye sees, CSS and all
    page.close()
    pixels = np.asarray(Image.open(shot).convert("RGB"), dtype=np.float64).reshape(-1, 3)
    lum = relative_luminance(pixels)
    paper = np.median(lum)
    ink = np.percentile(lum, 99) if paper < 0.5 else np.percentile(lum, 1)
    contrast = (max(ink, paper) + 0.05) / (min(ink, paper) + 0.05)
    assert paper < 0.1, "the pad is not dark in the dark theme"
    assert contrast >= 7, f"ink/paper contrast {contrast:.1f}:1"
    assert (np.abs(lum - paper) > 0.3).mean() > 0.01  # and there is a real amount of ink


def test_uploads_and_examples_in_the_page(browser_page, tmp_path: Path) -> None:
    page = browser_page
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n" + b"not really a png" * 20)
    page.get_by_role("tab", name="Upload").click()
    page.locator("#upload input[type=file]").set_input_files(str(broken))
    page.wait_for_function(
        "() => document.querySelector('#status').textContent.includes('Cannot read broken.png')", timeout=ANSWER_MS
    )
    assert label_text(page) == ""
    assert "Traceback" not in page.content()
    assert page.locator(".toast-body.error").count() == 0  # no error popup

    page.locator("#upload input[type=file]").set_input_files(str(ROOT / "tests" / "data" / "examples" / "photo_9.jpg"))
    wait_for_label(page, "9")
    page.locator(".gallery-item", has=page.locator("img[src$='scan_4.png']")).click()  # an example
    wait_for_label(page, "4")
    page.get_by_role("tab", name="Draw").click()


def test_the_page_fetches_nothing_from_outside(browser_page) -> None:
    outside = [u for u in browser_page.requests if not u.startswith(("http://127.0.0.1", "data:", "blob:"))]
    assert browser_page.requests and outside == []
