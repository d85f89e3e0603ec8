"""The network view in a real browser: every stage shows and follows the drawing, any unit explains its value with
the arithmetic PyTorch did, code and stages light each other up, and a phone never scrolls sideways.

The inspector's numbers are checked against the model itself: for a unit of C1, C3, S4 and F6 the test reads the
inputs, weights and bias the inspector shows, recomputes the unit, and compares it with the activation PyTorch
computes for the exact input the page holds.
"""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest
import torch
from browser_helpers import PAD_CANVAS, clear_canvas, draw_digit, pen_digits, touch_digit
from test_browser import ANSWER_MS, browser, page_url, wait_for_label  # noqa: F401 (fixtures)

from lenet import Classifier
from lenet.preprocess import MNIST_MEAN, MNIST_STD

pytestmark = pytest.mark.browser

READY_JS = "() => document.querySelector('#network .net')?.dataset.ready === '1'"
STAGES = ("#input-map", "#c1-maps", "#s2-maps", "#c3-maps", "#s4-maps", "#f5-units", "#f6-units", "#output-scores")
# Each stage's picture (canvases as data URLs, the scores as text): what the eye sees.
PICTURES_JS = """(ids) => ids.map((id) => {
  const c = document.querySelector(id + ' canvas');
  return c ? c.toDataURL() : document.querySelector(id + ' ol').textContent;
})"""
TOLERANCE = 1e-4


@pytest.fixture(scope="module")
def net_page(browser, page_url: str):  # noqa: F811
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(page_url)
    page.wait_for_selector(PAD_CANVAS, timeout=ANSWER_MS)
    yield page
    page.close()


def draw_and_wait(page, name: str) -> None:
    digit = pen_digits()[name]
    draw_digit(page, digit["strokes"])
    wait_for_label(page, str(digit["label"]))
    page.wait_for_function(f"() => document.querySelector('#network .net').dataset.digit === '{digit['label']}'")


def page_stages(page) -> dict[str, np.ndarray]:
    """The model's own activations for the exact input the page holds (network.js's packed input)."""
    raw = base64.b64decode(page.evaluate("() => document.querySelector('#network .net').dataset.input"))
    mask = np.unpackbits(np.frombuffer(raw[:128], dtype=np.uint8), bitorder="little").astype(bool)
    x = np.full(1024, (0 - MNIST_MEAN) / MNIST_STD, dtype=np.float32)
    x[mask] = np.frombuffer(raw[128:], dtype="<f4")
    with torch.inference_mode():
        _, stages = Classifier.load().model.forward_with_maps(torch.from_numpy(x.reshape(1, 1, 32, 32)))
    return {k: v[0].numpy() for k, v in stages.items()}


def tap_map_unit(page, stage_id: str, k: int, i: int, j: int) -> dict:
    """Tap unit (i, j) of map k of a stage; the inspector's record of what it shows."""
    canvas = page.locator(f"{stage_id} canvas")
    canvas.scroll_into_view_if_needed()
    cells = json.loads(canvas.get_attribute("data-cells"))
    cell = next(c for c in cells if c["k"] == k)
    box = canvas.bounding_box()
    width = page.evaluate(f"() => document.querySelector('{stage_id} canvas').width")
    ratio = box["width"] / width
    x = (cell["x"] + (j + 0.5) * cell["scale"]) * ratio
    y = (cell["y"] + (i + 0.5) * cell["scale"]) * ratio
    canvas.click(position={"x": x, "y": y})
    return inspected(page)


def tap_unit(page, stage_id: str, u: int) -> dict:
    """Tap unit u of a fully connected stage drawn as a grid of squares."""
    canvas = page.locator(f"{stage_id} canvas")
    canvas.scroll_into_view_if_needed()
    cols, cell = int(canvas.get_attribute("data-cols")), int(canvas.get_attribute("data-cell"))
    ratio = canvas.bounding_box()["width"] / page.evaluate(f"() => document.querySelector('{stage_id} canvas').width")
    canvas.click(position={"x": ((u % cols) + 0.5) * cell * ratio, "y": ((u // cols) + 0.5) * cell * ratio})
    return inspected(page)


def inspected(page) -> dict:
    unit = page.evaluate("() => document.querySelector('#inspector').dataset.unit")
    assert unit, "the inspector shows nothing"
    return json.loads(unit)


def recompute(shown: dict) -> float:
    """The unit's value from what the inspector shows: inputs x weights + bias, then ReLU; or the max of a window."""
    if shown.get("pool"):
        return float(max(shown["inputs"]))
    s = float(np.dot(np.float64(shown["inputs"]), np.float64(shown["weights"])) + shown["bias"])
    assert abs(s - shown["sum"]) < TOLERANCE, "the sum shown is not the sum of the terms shown"
    return max(s, 0.0) if shown["relu"] else s


def strongest(a: np.ndarray) -> tuple[int, ...]:
    return tuple(int(v) for v in np.unravel_index(int(np.argmax(a)), a.shape))


def test_all_seven_stages_show_and_follow_the_drawing(net_page) -> None:
    page = net_page
    draw_and_wait(page, "seven")
    for stage in STAGES:
        assert page.locator(stage).is_visible(), stage
        header = page.locator(f"{stage} header").inner_text()
        assert header.split()[0] in ("Input", "C1", "S2", "C3", "S4", "F5", "F6", "OUTPUT")
        assert page.locator(f"{stage} .what").inner_text().strip(), f"{stage} does not say what it does"
    before = page.evaluate(PICTURES_JS, list(STAGES))
    clear_canvas(page)
    draw_and_wait(page, "three")
    after = page.evaluate(PICTURES_JS, list(STAGES))
    changed = [s for s, a, b in zip(STAGES, before, after, strict=True) if a != b]
    assert changed == list(STAGES)
    # The view's output is PyTorch's: its best score is the label's digit.
    assert page.locator("#output-scores li.best .d").inner_text() == "3"


def test_tapped_units_recompute_to_the_models_activation(net_page) -> None:
    page = net_page
    clear_canvas(page)
    draw_and_wait(page, "four")
    model = page_stages(page)
    for stage, name in (("#c1-maps", "C1"), ("#c3-maps", "C3"), ("#s4-maps", "S4")):
        k, i, j = strongest(model[name])
        shown = tap_map_unit(page, stage, k, i, j)
        assert shown["stage"] == name and shown["unit"] == [k, i, j]
        assert model[name][k, i, j] > 0
        assert abs(recompute(shown) - model[name][k, i, j]) < TOLERANCE, name
        assert page.evaluate("() => Number(document.querySelector('#inspector').dataset.ms)") < 1000
    # A unit that ReLU sets to zero explains itself too.
    k, i, j = (int(v) for v in np.argwhere(model["C3"] == 0)[0])
    shown = tap_map_unit(page, "#c3-maps", k, i, j)
    assert shown["sum"] <= 0 and recompute(shown) == 0 == model["C3"][k, i, j]
    u = int(np.argmax(model["F6"]))
    shown = tap_unit(page, "#f6-units", u)
    assert shown["stage"] == "F6" and shown["unit"] == [u] and len(shown["inputs"]) == 120
    assert abs(recompute(shown) - model["F6"][u]) < TOLERANCE
    assert "PyTorch" in page.locator("#inspector").inner_text()


def test_a_line_of_code_lights_up_its_stage(net_page) -> None:
    page = net_page
    for stage, card in (("C3", "#c3-maps"), ("F6", "#f6-units")):
        line = page.locator(f"#model-code .ln.runs[data-stage='{stage}']")
        assert line.count() == 1
        line.click()
        assert "lit" in page.locator(card).get_attribute("class")
        assert page.locator("#network .stage.lit").count() == 1
        assert page.locator(f"{card} code.line").inner_text().strip() in line.inner_text()


def test_on_a_phone_the_stages_stack_without_sideways_scroll(browser, page_url: str) -> None:  # noqa: F811
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True, device_scale_factor=2
    )
    page = context.new_page()
    page.goto(page_url.rstrip("/") + "/?__theme=dark")
    page.wait_for_selector(PAD_CANVAS, timeout=ANSWER_MS)
    touch_digit(page, context.new_cdp_session(page), pen_digits()["nine"]["strokes"])
    wait_for_label(page, "9")
    page.wait_for_function(READY_JS, timeout=ANSWER_MS)
    for stage in STAGES + ("#inspector", "#model-code"):
        box = page.locator(stage).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, (stage, box)
    tops = [page.locator(stage).bounding_box()["y"] for stage in STAGES]
    assert len(set(tops)) > 1  # the flow wraps onto several rows
    page.locator("#output-scores li").nth(9).tap()  # a finger inspects too
    assert inspected(page)["unit"] == [9]
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    context.close()
