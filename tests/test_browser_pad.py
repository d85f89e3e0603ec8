"""The stroke pad's robustness in a real browser (Debian's Chromium through Playwright): a pointer it loses, a
touch the system cancels, a second finger, a new pixel ratio, a theme switch, a reading that never comes back,
a pick overtaken by a newer reading; the tabs' outputs; the strip's percentages readable in both themes.
"""

from __future__ import annotations

import re

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
)
from conftest import skip_or_fail

pytestmark = pytest.mark.browser

ANSWER_MS = 30_000  # generous: CI shares two cores with whatever else runs
SETTLE_MS = 600  # after a label shows, any later reading would have replaced it by then
STATUS_JS = "() => document.querySelector('#status').textContent"
# The pad's root element (js_on_load's `element`): it carries data-ink, and data-waiting while a final
# reading is unanswered.
PAD_ROOT_JS = "document.querySelector('#sketchpad canvas.ink').closest('[data-ink]')"
WAITING_JS = f"() => {PAD_ROOT_JS}.dataset.waiting || ''"
NOTICE_JS = "() => { const n = document.querySelector('#sketchpad .notice'); return n.hidden ? '' : n.textContent; }"
# Pixels of the pad's canvas unlike its paper (the top-left pixel) inside a box given as fractions of its size.
INK_IN_JS = f"""([x0, y0, x1, y1]) => {{
  const c = document.querySelector('{PAD_CANVAS}');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let y = Math.floor(y0 * c.height); y < Math.floor(y1 * c.height); y++)
    for (let x = Math.floor(x0 * c.width); x < Math.floor(x1 * c.width); x++) {{
      const i = 4 * (y * c.width + x);
      n += Math.abs(d[i] - d[0]) + Math.abs(d[i + 1] - d[1]) + Math.abs(d[i + 2] - d[2]) > 60;
    }}
  return n;
}}"""
WHOLE = [0, 0, 1, 1]
PAPER_JS = f"() => Array.from(document.querySelector('{PAD_CANVAS}').getContext('2d').getImageData(0, 0, 1, 1).data)"


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


def open_page(browser, url: str, **context):
    """A fresh page of the app (its own session, so no reading is shared with another test)."""
    ctx = browser.new_context(**({"viewport": {"width": 1280, "height": 1000}} | context))
    page = ctx.new_page()
    page.goto(url)
    page.wait_for_selector(PAD_CANVAS, timeout=ANSWER_MS)
    return page


@pytest.fixture()
def page(browser, page_url: str):
    """A desktop page of the app."""
    p = open_page(browser, page_url)
    yield p
    p.context.close()


@pytest.fixture()
def phone(browser, page_url: str):
    """A phone page of the app and a CDP session to touch it with."""
    p = open_page(
        browser, page_url, viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True, device_scale_factor=2
    )
    p.evaluate("() => window.scrollTo(0, 0)")
    yield p, p.context.new_cdp_session(p)
    p.context.close()


def wait_for_label(page, digit: str) -> None:
    """The label shows ``digit``, and still does once any reading still on its way has arrived."""
    from playwright.sync_api import TimeoutError as Timeout

    try:
        page.wait_for_function(f"() => ({LABEL_TEXT_JS})() === {digit!r}", timeout=ANSWER_MS)
    except Timeout:
        pass  # said below, with what the page shows instead
    page.wait_for_timeout(SETTLE_MS)
    assert label_text(page) == digit, f"{page.evaluate(STATUS_JS)!r}, {ink(page)} ink pixels"


def wait_for_hint(page) -> None:
    page.wait_for_function(
        f"() => ({LABEL_TEXT_JS})() === '' && ({STATUS_JS})().includes('Draw a digit')", timeout=ANSWER_MS
    )


def ink(page, box: list[float] = WHOLE) -> int:
    return page.evaluate(INK_IN_JS, box)


def touch(cdp, kind: str, points: dict[int, tuple[float, float]]) -> None:
    """One CDP touch event: ``points`` are the fingers on the screen after it, by id."""
    touch_points = [{"x": float(x), "y": float(y), "id": i} for i, (x, y) in points.items()]
    cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": touch_points})


# -- the pad never dies ---------------------------------------------------------------------------------------


def test_a_lost_pointer_capture_ends_the_stroke_and_the_pad_keeps_drawing(page) -> None:
    digits = pen_digits()
    box = canvas_box(page)
    (points,) = screen_strokes(digits["zero"]["strokes"], box)
    page.mouse.move(*points[0])
    page.mouse.down()
    for x, y in points[1:20]:
        page.mouse.move(x, y)
    # The browser takes the capture away (no pointerup on the pad), and the button comes up off the pad.
    page.evaluate(f"() => document.querySelector('{PAD_CANVAS}').releasePointerCapture(1)")
    page.mouse.move(box["x"] + box["width"] + 200, box["y"] - 50)
    page.mouse.up()
    kept = ink(page)
    assert kept > 0  # the stroke ended as drawn
    clear_canvas(page)
    wait_for_hint(page)
    draw_digit(page, digits["seven"]["strokes"])  # the next pointer draws
    wait_for_label(page, "7")


def test_a_pointer_that_cannot_be_captured_still_draws(page) -> None:
    page.evaluate(
        "() => { HTMLCanvasElement.prototype.setPointerCapture = () => {"
        " throw new DOMException('No active pointer', 'NotFoundError'); }; }"
    )
    draw_digit(page, pen_digits()["seven"]["strokes"])
    wait_for_label(page, "7")
    clear_canvas(page)
    wait_for_hint(page)
    draw_digit(page, pen_digits()["three"]["strokes"])
    wait_for_label(page, "3")


def test_a_cancelled_touch_is_no_ink_and_is_not_read(phone) -> None:
    page, cdp = phone
    digits = pen_digits()
    (points,) = screen_strokes(digits["three"]["strokes"], canvas_box(page))
    touch(cdp, "touchStart", {1: points[0]})
    for p in points[1:]:  # slowly: live readings of the stroke go out while it is drawn
        touch(cdp, "touchMove", {1: p})
        page.wait_for_timeout(15)
    page.wait_for_function(f"() => ({LABEL_TEXT_JS})() !== ''", timeout=ANSWER_MS)  # a live reading showed
    touch(cdp, "touchCancel", {})  # the system takes the touch: a palm, a gesture
    wait_for_hint(page)  # the drawing without that stroke was read again: nothing
    assert ink(page) == 0
    page.wait_for_timeout(SETTLE_MS)
    assert label_text(page) == "" and ink(page) == 0
    touch_digit(page, cdp, digits["four"]["strokes"])  # and the pad draws on
    wait_for_label(page, "4")


def test_a_second_finger_while_drawing_is_ignored(phone) -> None:
    page, cdp = phone
    digits = pen_digits()
    box = canvas_box(page)
    (stroke,) = screen_strokes(digits["three"]["strokes"], box)
    corner = [0.02, 0.86, 0.16, 0.98]  # far from the digit, which fills the middle of the pad
    x0, y0 = box["x"] + corner[0] * box["width"], box["y"] + corner[1] * box["height"]
    scribble = [(x0 + 6 + 3 * k, y0 + 6 + (k % 5) * 4) for k in range(len(stroke))]
    half = len(stroke) // 2
    touch(cdp, "touchStart", {1: stroke[0]})
    for p in stroke[1:half]:
        touch(cdp, "touchMove", {1: p})
    touch(cdp, "touchStart", {1: stroke[half - 1], 2: scribble[0]})  # a second finger lands
    for k, p in enumerate(stroke[half:], start=1):
        touch(cdp, "touchMove", {1: p, 2: scribble[k]})
    touch(cdp, "touchEnd", {1: stroke[-1]})  # the second finger lifts first
    touch(cdp, "touchEnd", {})
    wait_for_label(page, "3")
    assert ink(page) > 0 and ink(page, corner) == 0  # only the first finger drew
    clear_canvas(page)
    wait_for_hint(page)
    touch_digit(page, cdp, digits["seven"]["strokes"])
    wait_for_label(page, "7")


# -- the pad follows the screen and the theme ------------------------------------------------------------------


# Every MediaQueryList the page makes, kept so a test can fire its change as a real zoom would: headless
# Chromium updates what the queries match under a CDP pixel-ratio override, but tells no listener.
KEEP_MEDIA_QUERIES_JS = """
window.__queries = [];
const realMatchMedia = window.matchMedia.bind(window);
window.matchMedia = (q) => { const m = realMatchMedia(q); window.__queries.push(m); return m; };
"""
FIRE_RESOLUTION_CHANGE_JS = """() => window.__queries.filter((m) => m.media.includes('resolution') && !m.matches)
  .forEach((m) => m.dispatchEvent(new Event('change')))"""
SIZE_JS = f"""() => {{
  const c = document.querySelector('{PAD_CANVAS}');
  return [c.width, Math.round(c.getBoundingClientRect().width * devicePixelRatio)];
}}"""


def set_pixel_ratio(page, cdp, ratio: float) -> None:
    """The screen's pixel ratio becomes ``ratio`` (a zoom, another monitor), and the resolution queries say so."""
    metrics = {"width": 1280, "height": 1000, "deviceScaleFactor": ratio, "mobile": False}
    cdp.send("Emulation.setDeviceMetricsOverride", metrics)
    page.wait_for_function(f"() => devicePixelRatio === {ratio}", timeout=ANSWER_MS)
    page.evaluate(FIRE_RESOLUTION_CHANGE_JS)


def test_a_new_pixel_ratio_resizes_the_backing_store(browser, page_url: str) -> None:
    ctx = browser.new_context(viewport={"width": 1280, "height": 1000})
    ctx.add_init_script(KEEP_MEDIA_QUERIES_JS)
    page = ctx.new_page()
    try:
        page.goto(page_url)
        page.wait_for_selector(PAD_CANVAS, timeout=ANSWER_MS)
        draw_digit(page, pen_digits()["seven"]["strokes"])
        wait_for_label(page, "7")
        width, wanted = page.evaluate(SIZE_JS)
        assert width == wanted  # ratio 1
        cdp = ctx.new_cdp_session(page)
        set_pixel_ratio(page, cdp, 2)
        page.wait_for_function(f"() => ({SIZE_JS})()[0] === ({SIZE_JS})()[1]", timeout=ANSWER_MS)
        assert page.evaluate(SIZE_JS)[0] == 2 * width and ink(page) > 0  # sharp, and the ink redrawn
        set_pixel_ratio(page, cdp, 3)  # and again: the pad listens for the ratio after the last one too
        page.wait_for_function(f"() => ({SIZE_JS})()[0] === ({SIZE_JS})()[1]", timeout=ANSWER_MS)
        assert page.evaluate(SIZE_JS)[0] == 3 * width and ink(page) > 0
        # A change no query reported is caught when the pen next touches the pad.
        cdp.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": 1280, "height": 1000, "deviceScaleFactor": 1.5, "mobile": False},
        )
        page.wait_for_function("() => devicePixelRatio === 1.5", timeout=ANSWER_MS)
        clear_canvas(page)
        draw_digit(page, pen_digits()["four"]["strokes"])
        assert page.evaluate(SIZE_JS)[0] == page.evaluate(SIZE_JS)[1] == round(1.5 * width)
        wait_for_label(page, "4")
    finally:
        ctx.close()


def luminance(rgb) -> float:
    """WCAG relative luminance of an sRGB colour in 0-255."""
    c = np.asarray(rgb[:3], dtype=float) / 255
    c = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return float(c @ [0.2126, 0.7152, 0.0722])


def test_a_theme_switch_repaints_and_moves_read_no_styles(page) -> None:
    count_js = """() => {
      window.__styleReads = 0;
      const real = window.getComputedStyle;
      window.getComputedStyle = function (el, ...rest) {
        if (el && el.closest && el.closest('#sketchpad')) window.__styleReads++;
        return real.call(this, el, ...rest);
      };
    }"""
    page.evaluate(count_js)
    draw_digit(page, pen_digits()["two"]["strokes"])  # dozens of pointer moves
    assert page.evaluate("() => window.__styleReads") == 0  # the colours were read once, before
    wait_for_label(page, "2")
    light_paper, light_ink = page.evaluate(PAPER_JS), page.evaluate(f"() => {PAD_ROOT_JS}.dataset.ink")
    assert luminance(light_paper) > 0.8
    page.evaluate("() => document.body.classList.add('dark')")  # what Gradio does on a switch to dark
    page.wait_for_function(f"() => ({PAPER_JS})()[0] < 80", timeout=ANSWER_MS)
    assert page.evaluate(f"() => {PAD_ROOT_JS}.dataset.ink") != light_ink
    assert luminance(page.evaluate(PAPER_JS)) < 0.1 and ink(page) > 0  # the strokes repainted on dark paper
    page.evaluate("() => document.body.classList.remove('dark')")
    page.wait_for_function(f"() => ({PAPER_JS})()[0] > 200", timeout=ANSWER_MS)


# -- a reading that does not come back, a pick that a newer reading overtook ---------------------------------------


def test_an_unanswered_reading_is_sent_again_with_a_notice(page) -> None:
    failing = {"on": True, "failed": 0}

    def flaky(route) -> None:
        # A proxy's error, not a dropped connection: on a network error Gradio's page reloads itself.
        if failing["on"]:
            failing["failed"] += 1
            route.fulfill(status=502, body="Bad Gateway")
        else:
            route.continue_()

    page.route(re.compile(r".*/gradio_api/run/.*"), flaky)
    draw_digit(page, pen_digits()["seven"]["strokes"])
    page.wait_for_function(f"() => ({WAITING_JS})() !== ''", timeout=ANSWER_MS)  # waiting for its answer
    page.wait_for_function(f"() => ({NOTICE_JS})() !== ''", timeout=ANSWER_MS)  # none came: it says so, and resends
    assert "No answer" in page.evaluate(NOTICE_JS) and label_text(page) == ""
    assert failing["failed"] >= 2  # the reading and its first resend
    failing["on"] = False  # the connection is back
    wait_for_label(page, "7")  # the next resend is read
    assert page.evaluate(WAITING_JS) == "" and page.evaluate(NOTICE_JS) == ""
    page.unroute(re.compile(r".*/gradio_api/run/.*"))


def draw_number(page, names: list[str], slots: int) -> None:
    """Real pen digits written with the mouse, each in its own slot of ``slots`` across the pad, left to right."""
    digits, box = pen_digits(), canvas_box(page)
    width = box["width"] / slots
    for k, name in enumerate(names):
        slot = {**box, "x": box["x"] + k * width, "width": width}
        for points in screen_strokes(digits[name]["strokes"], slot):
            draw_stroke(page, points)
            page.wait_for_timeout(150)


def test_a_pick_a_newer_reading_overtook_is_ignored(page) -> None:
    import app

    draw_number(page, ["four", "two"], slots=3)
    page.wait_for_function(f"() => ({STATUS_JS})().includes('reads 42.')", timeout=ANSWER_MS)
    page.wait_for_timeout(SETTLE_MS)
    pick_id = next(k for k, fn in app.demo.fns.items() if fn.name == "pick_digit")
    held, releasing = [], []

    def hold_the_new_reading(route) -> None:
        """The server reads the drawing; the page hears the readings up to the new number's, then nothing."""
        body = route.request.post_data_json or {}
        if body.get("fn_index") == pick_id or releasing:
            return route.continue_()
        response = route.fetch()
        if held or "reads **423**" in response.text():
            held.append((route, response))
        else:
            route.fulfill(response=response)

    page.route(re.compile(r".*/gradio_api/run/.*"), hold_the_new_reading)
    box = canvas_box(page)
    third = {**box, "x": box["x"] + 2 * box["width"] / 3, "width": box["width"] / 3}
    (points,) = screen_strokes(pen_digits()["three"]["strokes"], third)  # one stroke: its first reading is "423"
    draw_stroke(page, points)
    for _ in range(ANSWER_MS // 50):
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "no reading was sent"
    # The server keeps the reading of 423; the page still shows an older one. A pick on the old strip:
    with page.expect_response(lambda r: "/gradio_api/run/" in r.url and f'"fn_index":{pick_id}' in r.request.post_data):
        page.locator("#digits button").nth(0).click()
    page.wait_for_timeout(SETTLE_MS)
    status = page.evaluate(STATUS_JS)
    assert "picked" not in status and "reads 423." not in status  # the stale pick changed nothing
    releasing.append(True)
    for route, response in held:
        route.fulfill(response=response)
    # Once the pen-up reading is answered (the pad waits for no answer), the strip is the reading kept.
    page.wait_for_function(
        f"() => ({STATUS_JS})().includes('reads 423.') && ({WAITING_JS})() === ''", timeout=ANSWER_MS
    )
    page.wait_for_timeout(SETTLE_MS)
    page.locator("#digits button").nth(0).click()  # a pick on the strip of the reading kept works
    page.wait_for_function(f"() => ({STATUS_JS})().includes('picked')", timeout=ANSWER_MS)
    wait_for_label(page, "4")
    page.unroute(re.compile(r".*/gradio_api/run/.*"))


# -- the tabs and the strip ------------------------------------------------------------------------------------------


def test_each_tab_shows_its_own_reading(page) -> None:
    import app

    draw_digit(page, pen_digits()["seven"]["strokes"])
    wait_for_label(page, "7")
    page.get_by_role("tab", name="Upload").click()
    page.wait_for_function(f"() => ({STATUS_JS})().includes('Upload a photo')", timeout=ANSWER_MS)
    assert label_text(page) == ""  # the drawing's reading is not shown as the upload's
    page.locator(".gallery-item", has=page.locator("img[src$='photo_9.jpg']")).click()
    wait_for_label(page, "9")
    page.get_by_role("tab", name="Draw").click()
    wait_for_label(page, "7")  # the pad's 7, not the upload's 9
    assert "reads 7" in page.evaluate(STATUS_JS) and ink(page) > 0
    page.get_by_role("tab", name="Upload").click()
    wait_for_label(page, "9")
    assert app.UPLOAD_HINT not in page.evaluate(STATUS_JS) and "reads 9" in page.evaluate(STATUS_JS)
    page.get_by_role("tab", name="Draw").click()
    clear_canvas(page)
    wait_for_hint(page)
    page.get_by_role("tab", name="Upload").click()
    wait_for_label(page, "9")
    page.get_by_role("tab", name="Draw").click()
    wait_for_hint(page)


def css_rgb(value: str) -> list[float]:
    """An rgb()/rgba() CSS colour -> its numbers."""
    return [float(v) for v in re.findall(r"[\d.]+", value)]


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_strips_percentages_are_readable(browser, page_url: str, theme: str) -> None:
    page = open_page(browser, page_url.rstrip("/") + f"/?__theme={theme}")
    try:
        draw_number(page, ["four", "two"], slots=2)
        page.wait_for_function(f"() => ({STATUS_JS})().includes('reads 42.')", timeout=ANSWER_MS)
        sure = page.locator("#digits button .sure")
        assert sure.count() == 2 and re.fullmatch(r"(>99|\d{1,2})%", sure.first.inner_text())  # never "100%"
        style = sure.first.evaluate(
            "(el) => { const s = getComputedStyle(el), b = getComputedStyle(el.closest('button'));"
            " return [s.fontSize, s.color, b.backgroundColor]; }"
        )
        size, colour, background = float(style[0].removesuffix("px")), css_rgb(style[1]), css_rgb(style[2])
        assert size >= 12
        assert len(background) == 3 or background[3] == 1, f"a see-through button: {style[2]}"
        lo, hi = sorted([luminance(colour), luminance(background)])
        contrast = (hi + 0.05) / (lo + 0.05)
        assert contrast >= 4.5, f"{theme}: {style[1]} on {style[2]} is {contrast:.1f}:1"
    finally:
        page.context.close()
