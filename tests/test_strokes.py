"""Stroke input: the checks on it, the renderer it shares with the pen-digit canvases, and reading real pen strokes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from lenet import BlankImageError, Classifier, strokes
from lenet.pen import PenDigits

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="module")
def pen() -> PenDigits:
    return PenDigits.load(DATA / "pen_sample.npz")


def as_lists(ds: PenDigits, i: int) -> list[list[list[float]]]:
    """Digit i as the pad sends it: plain lists of [x, y]."""
    return [s.tolist() for s in ds.strokes(i)]


def test_real_pen_strokes_are_read(clf: Classifier, pen: PenDigits) -> None:
    wrong = [i for i in range(len(pen)) if clf.predict(as_lists(pen, i)).digit != pen.labels[i]]
    assert not wrong, f"{len(wrong)} of {len(pen)} real pen digits read wrong from their strokes: {wrong}"


def test_browser_test_strokes_are_read(clf: Classifier) -> None:
    digits = json.loads((DATA / "pen_strokes.json").read_text())["digits"]
    for name, d in digits.items():
        assert clf.predict(d["strokes"]).digit == d["label"], name


def test_any_coordinate_scale_and_offset_reads_the_same(clf: Classifier, pen: PenDigits) -> None:
    base = [np.asarray(s) for s in pen.strokes(0)]
    ref = clf.predict([s.tolist() for s in base]).model_input
    for scale, shift in ((1000.0, 0.0), (0.01, 5.0), (3.0, -700.0)):
        moved = clf.predict([(s * scale + shift).tolist() for s in base]).model_input
        np.testing.assert_allclose(moved, ref, atol=0.02)


def test_pad_payload_with_canvas_size(clf: Classifier, pen: PenDigits) -> None:
    px = [(np.asarray(s) * 40 + 30).tolist() for s in pen.strokes(3)]  # mm -> pad px: a digit ~100 px tall
    payload = {"strokes": px, "width": 280, "height": 280, "extra": "ignored"}
    assert clf.predict(payload).digit == clf.predict(px).digit == pen.labels[3]


@pytest.mark.parametrize(
    "value",
    [
        [],
        [[]],
        [[[5, 5]]],  # a tap
        [[[5, 5], [5, 5], [5, 5]]],
        {"strokes": [[[100, 100], [102, 101], [101, 103]]], "width": 280, "height": 280},  # a speck on the pad
    ],
)
def test_nothing_or_a_dot_is_blank(clf: Classifier, value) -> None:
    with pytest.raises(BlankImageError):
        clf.predict(value)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"width": 280}, '"strokes" key'),
        ({"strokes": "1,2,3"}, "not a list"),
        ([["a", "b"]], "other than"),
        ([[[1, "a"], [2, 3]]], "other than"),
        ([[[1, [2]], [2, 3]]], "other than"),
        ([[[1, 2, 3], [4, 5, 6]]], "pairs"),
        ([[{"x": 1}]], "other than"),
        ([7], "not a list of points"),
        ([[[float("nan"), 1], [2, 2]]], "finite"),
        ([[[float("inf"), 1], [2, 2]]], "finite"),
        ([[[1e300, 1], [2, 2]]], "finite"),
        ([[[-1e300, 1], [2, 2]]], "finite"),
        ([[[0, 0]] * 200_000], "points"),
        ([[[0, 0], [1, 1]]] * 5_000, "strokes"),
        ({"strokes": [[[0, 0], [9, 9]]], "width": -3}, "width"),
        ({"strokes": [[[0, 0], [9, 9]]], "width": "big"}, "width"),
        ([[["1", "2"], ["3", "4"]]], "other than"),  # numeric strings are not numbers
        ([["12", "34"]], "other than"),
        ([[[True, False], [1, 2]]], "other than"),  # nor are booleans
        ([[[np.bool_(True), 1], [1, 2]]], "other than"),
        ([np.array([[True, False], [True, True]])], "other than"),
        ([np.array(5.0)], "not a list of points"),  # a 0-d array
        ([[[1, 2], [3]]], "pairs"),
        ([[[10**400, 1], [2, 2]]], "finite"),
    ],
)
def test_bad_strokes_are_refused_saying_what_to_send(value, message: str) -> None:
    with pytest.raises(ValueError, match=message) as info:
        strokes.parse(value)
    assert not isinstance(info.value, BlankImageError)
    assert any(word in str(info.value) for word in ("send", "canvas size"))


def test_a_parsed_drawing_is_taken_as_it_is(clf: Classifier, pen: PenDigits, monkeypatch: pytest.MonkeyPatch) -> None:
    """Callers that check a payload first (the app's /read_strokes) parse it once: nothing parses it again."""
    payload = as_lists(pen, 4)
    drawing = strokes.parse(payload)
    expected, number = clf.predict(payload), clf.read_number(payload)

    def again(*args):
        raise AssertionError("a parsed drawing was parsed again")

    monkeypatch.setattr(strokes, "_stroke", again)
    assert strokes.parse(drawing) is drawing
    assert clf.predict(drawing).probabilities == expected.probabilities
    assert clf.read_number(drawing).digits[0].probabilities == number.digits[0].probabilities


def test_limits_are_far_above_a_real_drawing(pen: PenDigits) -> None:
    most_points = max(sum(len(s) for s in pen.strokes(i)) for i in range(len(pen)))
    most_strokes = max(len(pen.strokes(i)) for i in range(len(pen)))
    assert strokes.MAX_POINTS >= 20 * most_points and strokes.MAX_STROKES >= 50 * most_strokes


def test_hostile_drawing_renders_on_a_bounded_canvas() -> None:
    rng = np.random.default_rng(0)
    wild = [rng.uniform(-1e6, 1e6, (strokes.MAX_POINTS // 10, 2)) for _ in range(10)]
    ink = strokes.rasterize(strokes.parse(wild))
    assert ink is not None and max(ink.shape) <= strokes.DRAWING_PX * 2


def test_renderer_is_the_pen_digit_renderer(pen: PenDigits, monkeypatch: pytest.MonkeyPatch) -> None:
    """pen.render (training and evaluation canvases) draws its ink with strokes.draw, as rasterize does."""
    import lenet.pen

    drawn = []

    def spy(*args, **kwargs):
        drawn.append(strokes.draw(*args, **kwargs))
        return drawn[-1]

    monkeypatch.setattr(lenet.pen, "draw", spy)
    img = lenet.pen.render([np.asarray(s) for s in pen.strokes(5)], canvas=200, style="rgb_dark")
    assert len(drawn) == 1
    np.testing.assert_array_equal(np.asarray(img)[..., 0], drawn[0])
