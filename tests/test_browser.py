"""The page in a real browser: Debian's Chromium, driven by Playwright, drawing real pen strokes with the mouse.

No tool is ever clicked before drawing: the pen must be ready on load and after a clear.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from browser_helpers import (
    CHROMIUM,
    LABEL_TEXT_JS,
    clear_canvas,
    draw_digit,
    free_port,
    label_text,
    launch_chromium,
    pen_digits,
    pen_is_ready,
)
from conftest import skip_or_fail

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
ANSWER_MS = 30_000  # generous: CI shares two cores with whatever else runs


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
def browser_page(page_url: str):
    """One page of the app in headless Chromium, with every request the page makes recorded."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.requests = []
        page.on("request", lambda r: page.requests.append(r.url))
        page.goto(page_url)
        page.wait_for_selector("#sketchpad .pixi-target canvas", timeout=ANSWER_MS)
        yield page
        browser.close()


def wait_for_label(page, digit: str) -> None:
    page.wait_for_function(f"() => ({LABEL_TEXT_JS})() === {digit!r}", timeout=ANSWER_MS)


def wait_for_hint(page) -> None:
    page.wait_for_function(
        f"() => ({LABEL_TEXT_JS})() === '' && document.querySelector('#status').textContent.includes('Draw a digit')",
        timeout=ANSWER_MS,
    )


def test_draw_a_seven_clear_and_draw_a_three(browser_page) -> None:
    page = browser_page
    digits = pen_digits()
    page.wait_for_function("() => document.querySelector('#sketchpad button.highlight') !== null", timeout=ANSWER_MS)
    assert "select the draw tool" not in page.locator("#sketchpad").inner_text()
    assert label_text(page) == ""

    draw_digit(page, digits["seven"]["strokes"])  # two strokes: the bar and the stem
    wait_for_label(page, "7")
    assert "**" not in page.locator("#status").inner_text() and "7" in page.locator("#status").inner_text()
    assert page.locator("#network-input img").count() == 1
    assert page.locator("#c1-maps img").count() == 1 and page.locator("#c3-maps img").count() == 1

    clear_canvas(page)
    wait_for_hint(page)  # outputs cleared, hint shown, no guess
    assert page.locator("#network-input img").count() == 0
    page.wait_for_function("() => document.querySelector('#sketchpad button.highlight') !== null", timeout=ANSWER_MS)
    assert pen_is_ready(page)

    draw_digit(page, digits["three"]["strokes"])
    wait_for_label(page, "3")


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


def test_the_page_fetches_nothing_from_outside(browser_page) -> None:
    outside = [u for u in browser_page.requests if not u.startswith(("http://127.0.0.1", "data:", "blob:"))]
    assert browser_page.requests and outside == []
