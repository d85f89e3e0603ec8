"""Whole numbers: read_number on real pen strokes and on canvases, single digits as predict reads them, bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import lenet.number
from lenet import BlankImageError, Classifier, NumberReading, Prediction, strokes
from lenet.number import MAX_CANDIDATES, MAX_DIGITS, MAX_INK_PER_DIGIT, MAX_PIECES, PILED
from lenet.pen import PenDigits, compose_number, render

DATA = Path(__file__).resolve().parent / "data"
PX = 100.0  # composed numbers are in digit heights; the pad sends px


@pytest.fixture(scope="module")
def pen() -> PenDigits:
    return PenDigits.load(DATA / "pen_sample.npz")


@pytest.fixture(scope="module")
def readable(pen: PenDigits, clf: Classifier) -> dict[int, int]:
    """For each digit class, the first sample digit that predict reads right from its strokes."""
    found: dict[int, int] = {}
    for i in range(len(pen)):
        label = int(pen.labels[i])
        if label not in found and clf.predict(pen.strokes(i)).digit == label:
            found[label] = i
    return found


def write(pen: PenDigits, index: list[int], gap: float, seed: int = 0) -> tuple[list[list], list[tuple]]:
    """Digits of the sample written as a number, ``gap`` digit heights apart, as the pad sends it (px lists)."""
    strokes, boxes = compose_number([pen.strokes(i) for i in index], [gap] * len(index), np.random.default_rng(seed))
    return [(s * PX).tolist() for s in strokes], [tuple(v * PX for v in b) for b in boxes]


def number_of(readable: dict[int, int], text: str) -> list[int]:
    return [readable[int(c)] for c in text]


def assert_same_prediction(a: Prediction, b: Prediction) -> None:
    assert a.digit == b.digit and a.probabilities == b.probabilities
    np.testing.assert_array_equal(a.model_input, b.model_input)


# -- single digits ---------------------------------------------------------------------------------


@pytest.mark.parametrize("label", [4, 5, 7])
def test_digits_drawn_in_two_or_more_strokes_stay_one_digit(clf: Classifier, pen: PenDigits, label: int) -> None:
    several = [i for i in np.flatnonzero(pen.labels == label) if len(pen.strokes(int(i))) >= 2]
    assert several, f"the sample has a {label} in several strokes"
    for i in several:
        reading = clf.read_number([s.tolist() for s in pen.strokes(int(i))])
        assert len(reading.digits) == 1, f"#{i}, a {label} in {len(pen.strokes(int(i)))} strokes, read {reading.text}"


def test_a_single_digit_reads_exactly_as_predict(clf: Classifier, pen: PenDigits) -> None:
    for i in range(0, len(pen), 12):
        strokes = [(s * PX / 20).tolist() for s in pen.strokes(i)]  # a digit of ~100 px on a 500 px pad
        canvas = render(pen.strokes(i), canvas=300, style="rgb_white", rng=np.random.default_rng(i))
        for x in (strokes, {"strokes": strokes, "width": 500, "height": 400}, canvas):
            reading = clf.read_number(x)
            assert len(reading.digits) == 1
            assert_same_prediction(reading.digits[0], clf.predict(x))


def test_a_digit_with_a_full_stop_reads_exactly_as_predict(clf: Classifier, pen: PenDigits, readable: dict) -> None:
    """The dot is no digit, and the one digit's reading is predict's of the whole drawing, dot included."""
    seven = [(s * PX / 20).tolist() for s in pen.strokes(readable[7])]
    x1, y1 = np.concatenate(seven).max(0)
    stop = [[x1 + 10, y1 - 2], [x1 + 11, y1 - 1]]
    for x in (seven + [stop], [stop] + seven, {"strokes": seven + [stop], "width": 500, "height": 400}):
        reading = clf.read_number(x)
        assert reading.text == "7"
        assert_same_prediction(reading.digits[0], clf.predict(x))


def test_taps_far_apart_are_blank_for_predict_and_read_number(clf: Classifier) -> None:
    for taps in ([[[10, 10], [11, 11]], [[300, 200], [301, 201]]], [[[k * 50.0, 0.0]] for k in range(5)]):
        with pytest.raises(BlankImageError):
            clf.predict(taps)
        with pytest.raises(BlankImageError):
            clf.read_number(taps)


def test_an_image_of_specks_alone_reads_as_predict_reads_it(clf: Classifier, pen: PenDigits, readable: dict) -> None:
    """A dotted digit: every mark is a speck against the others, and both read the whole image."""
    ink = np.asarray(render(pen.strokes(readable[7]), canvas=200, brush=10, style="rgb_dark", height=0.8))[..., 0]
    dotted = np.zeros_like(ink)
    dotted[::9, ::9] = ink[::9, ::9]  # one pixel in 81 of the seven's ink: dots 1 px apart from nothing
    dotted = np.maximum(dotted, np.roll(dotted, 1, 0))
    reading = clf.read_number(dotted)
    assert len(reading.digits) == 1
    assert_same_prediction(reading.digits[0], clf.predict(dotted))


def test_maps_are_given_for_every_digit(clf: Classifier, pen: PenDigits, readable: dict[int, int]) -> None:
    strokes, _ = write(pen, number_of(readable, "42"), gap=0.3)
    reading = clf.read_number(strokes, maps=True)
    assert reading.text == "42"
    for p in reading.digits:
        assert p.maps is not None and {"C1", "S2", "C3", "S4"} <= set(p.maps)


# -- numbers from strokes --------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["42", "2026", "1971", "3580", "747"])
@pytest.mark.parametrize("gap", [0.3, 0.0, -0.05])
def test_numbers_written_digit_by_digit_are_read(
    clf: Classifier, pen: PenDigits, readable: dict[int, int], text: str, gap: float
) -> None:
    """Well spaced, touching boxes, and overlapping by 5% of the digit height: drawing order splits them."""
    strokes, boxes = write(pen, number_of(readable, text), gap)
    reading = clf.read_number({"strokes": strokes, "width": 1200, "height": 300})
    assert isinstance(reading, NumberReading) and reading.text == text
    assert len(reading.boxes) == len(text)
    np.testing.assert_allclose(np.array(reading.boxes), np.array(boxes), atol=1e-6)


def test_a_dot_is_not_a_digit(clf: Classifier, pen: PenDigits, readable: dict[int, int]) -> None:
    strokes, boxes = write(pen, number_of(readable, "42"), gap=0.3)
    x1, y1 = boxes[-1][2], boxes[-1][3]
    dot = [[x1 + 30, y1 - 2], [x1 + 31, y1 - 1], [x1 + 30, y1]]  # a full stop after the number
    inside = [[boxes[0][0] + 5, boxes[0][1] + 5], [boxes[0][0] + 6, boxes[0][1] + 6]]  # a tap inside the 4
    for extra in ([dot], [inside], [dot, inside]):
        assert clf.read_number(strokes + extra).text == "42"
        assert clf.read_number(extra + strokes).text == "42"


def test_only_dots_is_blank(clf: Classifier) -> None:
    for value in (
        [],
        [[[5, 5]]],
        {"strokes": [[[5, 5], [5, 6]]], "width": 400},
        {"strokes": [[[10, 10], [11, 11]], [[200, 10], [201, 10]]], "width": 400},
    ):
        with pytest.raises(BlankImageError):
            clf.read_number(value)


def test_more_digits_than_the_limit_are_refused(clf: Classifier, pen: PenDigits, readable: dict[int, int]) -> None:
    ok, _ = write(pen, number_of(readable, "2026202620"), gap=0.3)
    assert clf.read_number(ok).text == "2026202620"
    too_many, _ = write(pen, number_of(readable, "2" * (MAX_DIGITS + 1)), gap=0.3)
    with pytest.raises(ValueError, match=f"at most {MAX_DIGITS} digits"):
        clf.read_number(too_many)
    with pytest.raises(ValueError, match=f"at most {MAX_DIGITS} digits"):
        clf.read_number([[[k * 10, 0], [k * 10, 50]] for k in range(200)])  # 200 bars: refused before reading
    image = render([np.asarray(s) for s in too_many], canvas=800, brush=4, style="rgb_white", height=0.9)
    with pytest.raises(ValueError, match=f"at most {MAX_DIGITS} digits"):
        clf.read_number(image)


# -- the limits: checked on the strokes' boxes and lengths, before anything is drawn -----------------


@pytest.fixture()
def nothing_drawn(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if a stroke is drawn, or a speck compared with the marks (the O(specks x marks) pass)
    before the marks are counted: the payload must be refused before that."""

    def never(*args, **kwargs):
        raise AssertionError("drawn or compared before the limits were checked")

    monkeypatch.setattr(strokes, "draw", never)
    absorb = lenet.number._absorb_specks

    def counted_first(pieces, speck, height):
        assert np.count_nonzero(~speck) <= MAX_PIECES, "specks compared with more marks than a number has"
        return absorb(pieces, speck, height)

    monkeypatch.setattr(lenet.number, "_absorb_specks", counted_first)


def piled(n: int) -> list:
    """n short strokes through one point, in every direction: little ink, but every run of them is a candidate."""
    angles = np.linspace(0, np.pi, n, endpoint=False)
    return [[[50 + 10 * np.cos(a), 50 + 10 * np.sin(a)], [50 - 40 * np.cos(a), 50 - 40 * np.sin(a)]] for a in angles]


@pytest.mark.usefixtures("nothing_drawn")
@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("bars and specks", f"at most {MAX_DIGITS} digits"),
        ("overlapping scribbles", "more ink than"),
        ("slots of scribbles", "more ink than"),
        ("one long scribble", "more ink than"),
        ("piled strokes", "on top of one another"),
    ],
)
def test_hostile_strokes_are_refused_before_anything_is_drawn(clf: Classifier, name: str, message: str) -> None:
    rng = np.random.default_rng(0)
    payload = {
        # 250 bars and 250 specks: the specks are not compared with the bars before the bars are counted
        "bars and specks": [[[k * 10, 0], [k * 10, 50]] for k in range(250)]
        + [[[k * 10 + 3, 60], [k * 10 + 3.5, 60.5]] for k in range(250)],
        "overlapping scribbles": [rng.uniform(0, 100, (200, 2)).tolist() for _ in range(48)],
        "slots of scribbles": [
            (rng.uniform(0, 80, (200, 2)) + [k * 130, 0]).tolist() for k in range(12) for _ in range(4)
        ],
        "one long scribble": [rng.uniform(0, 100, (strokes.MAX_POINTS, 2)).tolist()],
        "piled strokes": piled(MAX_PIECES),
    }[name]
    with pytest.raises(ValueError, match=message) as info:
        clf.read_number(payload)
    assert not isinstance(info.value, BlankImageError)


def test_the_limits_accept_every_real_number(clf: Classifier, pen: PenDigits, readable: dict[int, int]) -> None:
    """The longest and tightest numbers a writer makes pass every limit, and are read."""
    text = "".join(str(d % 10) for d in range(MAX_DIGITS))
    for gap in (0.3, 0.0, -0.05):
        strokes_, _ = write(pen, number_of(readable, text), gap)
        assert clf.read_number(strokes_).text == text
    ink = max(
        sum(float(np.hypot(*np.diff(s, axis=0).T).sum()) for s in pen.strokes(i))
        / np.ptp(np.concatenate(pen.strokes(i))[:, 1])
        for i in range(len(pen))
    )
    assert ink < MAX_INK_PER_DIGIT / 1.5, f"a sample digit has {ink:.1f} digit heights of ink"


def test_strokes_piled_up_are_read_while_few(clf: Classifier) -> None:
    """A few strokes through one point are one digit (a star reads as something); many are refused."""
    few = piled(4)
    assert len(clf.read_number(few).digits) == 1
    with pytest.raises(ValueError, match=PILED.split(":")[0]):
        clf.read_number(piled((MAX_CANDIDATES + 6) // lenet.number.MAX_GROUP + 1))  # runs: 4 per stroke, less 6


# -- numbers from images ---------------------------------------------------------------------------


@pytest.mark.parametrize("style", ["rgb_white", "rgba_transparent", "rgb_dark"])
def test_a_spaced_number_is_read_from_a_canvas(
    clf: Classifier, pen: PenDigits, readable: dict[int, int], style: str
) -> None:
    strokes, _ = write(pen, number_of(readable, "2026"), gap=0.3)
    image = render([np.asarray(s) for s in strokes], canvas=600, brush=12, style=style, rng=np.random.default_rng(1))
    reading = clf.read_number(image)
    assert reading.text == "2026"
    x0s = [b[0] for b in reading.boxes]
    assert x0s == sorted(x0s) and all(0 <= b[0] < b[2] <= 600 and 0 <= b[1] < b[3] <= 600 for b in reading.boxes)


def test_touching_digits_on_a_canvas_are_cut_apart(clf: Classifier, pen: PenDigits, readable: dict[int, int]) -> None:
    strokes, _ = write(pen, number_of(readable, "42"), gap=-0.03)
    image = render(
        [np.asarray(s) for s in strokes], canvas=400, brush=14, style="rgb_white", rng=np.random.default_rng(2)
    )
    assert clf.read_number(image).text == "42"


def test_two_tiny_digits_in_opposite_corners_of_a_huge_canvas(
    clf: Classifier, pen: PenDigits, readable: dict[int, int]
) -> None:
    canvas = np.full((3000, 3000, 3), 255, dtype=np.uint8)
    for k, (top, left) in enumerate(((40, 40), (2860, 2880))):
        digit = render(pen.strokes(readable[7 - 4 * k]), canvas=100, brush=8, style="rgb_white", height=0.8)
        canvas[top : top + 100, left : left + 100] = np.asarray(digit)
    reading = clf.read_number(Image.fromarray(canvas))
    # Read at the canvas's working resolution (3000 px shrink 16-fold), each digit is ~6 px tall.
    assert reading.text == "73"
    assert reading.boxes[0][2] < 200 and reading.boxes[1][0] > 2800


def test_a_speck_on_a_canvas_is_not_a_digit(clf: Classifier, pen: PenDigits, readable: dict[int, int]) -> None:
    strokes, boxes = write(pen, number_of(readable, "42"), gap=0.3)
    dot = [[boxes[-1][2] + 25, boxes[-1][3] - 1], [boxes[-1][2] + 26, boxes[-1][3]]]
    image = render([np.asarray(s) for s in [*strokes, dot]], canvas=500, brush=12, rng=np.random.default_rng(3))
    assert clf.read_number(image).text == "42"


def test_a_blank_canvas_is_blank(clf: Classifier) -> None:
    with pytest.raises(BlankImageError):
        clf.read_number(np.full((300, 300, 3), 255, dtype=np.uint8))


def test_the_number_reader_does_not_import_the_classifier() -> None:
    """One direction of import: lenet.inference uses lenet.number (to split), never the reverse."""
    import ast

    tree = ast.parse(Path(lenet.number.__file__).read_text())
    modules = {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    modules |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert not [m for m in modules if "inference" in m], modules
