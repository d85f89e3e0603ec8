"""Teach it your handwriting, in a real browser: one tap corrects a reading, the next drawings of that writer adapt,
the examples survive a reload (they live in the browser's localStorage, never on the server), and Forget empties them.

The writer is a real one from the bundled pen digits whose flagged 1s the bundled weights read as 7.
"""

from __future__ import annotations

import numpy as np
import pytest
from browser_helpers import PAD_CANVAS, clear_canvas, draw_digit
from test_browser import ANSWER_MS, browser, page_url, wait_for_hint, wait_for_label  # noqa: F401 (fixtures)

from lenet.pen import PenDigits
from ui.teach import STORAGE_KEY

pytestmark = pytest.mark.browser

# Two 1s by one writer (uqb/re_3828) that the bundled weights read as 7: the first is taught, the second adapts.
TAUGHT, NEXT = 5129, 1667
COUNT_JS = "() => Number(document.querySelector('#teach .teach').dataset.count)"
STORED_JS = f"() => JSON.parse(localStorage.getItem('{STORAGE_KEY}') || '[]').length"
STATUS_JS = "() => document.querySelector('#status').textContent"


def strokes(i: int) -> list[np.ndarray]:
    pen = PenDigits.load()
    assert pen.writer(i) == "uqb/re_3828" and pen.labels[i] == 1
    return [np.asarray(s, dtype=np.float64) for s in pen.strokes(i)]


def test_correct_once_and_the_writers_next_one_is_read_right(browser, page_url: str) -> None:  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.goto(page_url)
    page.wait_for_selector(PAD_CANVAS, timeout=ANSWER_MS)
    assert page.evaluate(COUNT_JS) == 0 and page.evaluate(STORED_JS) == 0

    draw_digit(page, strokes(TAUGHT))
    wait_for_label(page, "7")  # the network alone misreads this writer's 1
    page.locator('#teach button[data-digit="1"]').click()  # one tap
    wait_for_label(page, "1")
    assert "Taught" in page.evaluate(STATUS_JS) and "alone reads 7" in page.evaluate(STATUS_JS)
    assert page.evaluate(COUNT_JS) == page.evaluate(STORED_JS) == 1

    clear_canvas(page)
    wait_for_hint(page)
    draw_digit(page, strokes(NEXT))  # another 1 of the same writer, never taught
    wait_for_label(page, "1")
    assert "Taught: from your earlier 1s; the network alone reads 7" in page.evaluate(STATUS_JS)
    assert page.evaluate("() => document.querySelector('#network .net').dataset.digit") == "1"
    clear_canvas(page)  # accepted as read: it becomes an example too
    wait_for_hint(page)
    page.wait_for_function(f"() => ({COUNT_JS})() === 2", timeout=ANSWER_MS)

    page.reload()  # the examples live in this browser, and survive a reload
    page.wait_for_selector(PAD_CANVAS, timeout=ANSWER_MS)
    page.wait_for_function(f"() => ({COUNT_JS})() === 2", timeout=ANSWER_MS)
    draw_digit(page, strokes(NEXT))
    wait_for_label(page, "1")

    page.locator("#teach button.forget").click()  # Forget my handwriting: the reading is the network's again
    wait_for_label(page, "7")
    assert page.evaluate(COUNT_JS) == page.evaluate(STORED_JS) == 0
    assert "Taught" not in page.evaluate(STATUS_JS)
    context.close()
