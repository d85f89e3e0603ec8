"""Calibration (lenet.calibrate): the temperature scales what is shown, never what is read; its record holds."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from test_number import number_of, write

from lenet import CheckpointError, Classifier, adapt, calibrate
from lenet.inference import CALIBRATION_FILE, DEFAULT_WEIGHTS, TEMPERATURE_RANGE, checksum_path, sha256_of
from lenet.pen import PenDigits, render_with_progress
from lenet.preprocess import to_model_input

DATA = Path(__file__).resolve().parent / "data"
RECORD = DEFAULT_WEIGHTS.parent / CALIBRATION_FILE
CROSSVAL = DEFAULT_WEIGHTS.parent / "crossval.json"


@pytest.fixture(scope="module")
def record() -> dict:
    if not RECORD.is_file():
        pytest.fail(f"no {RECORD}: `python -m lenet.train --cv 3` writes it")
    return json.loads(RECORD.read_text())


@pytest.fixture(scope="module")
def pen() -> PenDigits:
    return PenDigits.load(DATA / "pen_sample.npz")


@pytest.fixture(scope="module")
def inputs(pen: PenDigits) -> np.ndarray:
    """Every sample pen digit as the network reads it, and MNIST sample digits, and some noise: (N, 32, 32)."""
    drawn, _ = render_with_progress(pen, np.arange(len(pen)), seed=3, workers=1)
    with np.load(DATA / "mnist_sample.npz") as z:
        mnist = np.stack([to_model_input(im) for im in z["images"][:100]])
    noise = np.random.default_rng(0).random((50, 32, 32), dtype=np.float32)
    return np.concatenate([drawn, mnist, noise]).astype(np.float32)


@pytest.fixture(scope="module")
def raw(clf: Classifier) -> Classifier:
    """The bundled network read at T = 1."""
    return Classifier(clf.model, clf.meta)


# -- the bundled weights read with the recorded temperature -------------------------------------------------------


def test_the_bundled_weights_load_with_the_recorded_temperature(clf: Classifier, record: dict) -> None:
    assert record["weights_sha256"] == checksum_path(DEFAULT_WEIGHTS).read_text().split()[0]
    assert clf.temperature == record["temperature"] != 1.0
    assert TEMPERATURE_RANGE[0] <= clf.temperature <= TEMPERATURE_RANGE[1]


def test_probabilities_are_the_softmax_of_the_logits_over_t_and_no_digit_changes(
    clf: Classifier, raw: Classifier, inputs: np.ndarray
) -> None:
    logits = clf.logits(inputs).double()
    want = torch.softmax(logits / clf.temperature, dim=1).numpy()
    calibrated, plain = clf.predict_inputs(inputs), raw.predict_inputs(inputs)
    np.testing.assert_allclose([p.probabilities for p in calibrated], want, atol=1e-6)
    digits = [p.digit for p in calibrated]
    assert digits == [p.digit for p in plain] == logits.argmax(dim=1).tolist()
    # T < 1 sharpens: a confident reading shows more confidence, and it changes for most inputs.
    sharper = [c.confidence >= p.confidence - 1e-7 for c, p in zip(calibrated, plain, strict=True)]
    assert (clf.temperature < 1) == all(sharper)
    assert sum(c.confidence != p.confidence for c, p in zip(calibrated, plain, strict=True)) > len(inputs) // 2
    # One input at a time, with maps, reads the same; its probabilities are the softmax of OUTPUT / T.
    for x, c in zip(inputs[::40], calibrated[::40], strict=True):
        one = clf.classify_input(x, maps=True)
        assert one.digit == c.digit and one.temperature == clf.temperature
        z = torch.from_numpy(one.maps["OUTPUT"]).double() / clf.temperature
        np.testing.assert_allclose(one.probabilities, torch.softmax(z, 0).numpy(), atol=1e-6)


def test_number_readings_split_and_read_as_at_t_1(
    clf: Classifier, raw: Classifier, pen: PenDigits, readable: dict[int, int]
) -> None:
    # The split scores are the network's raw confidences: the text and the boxes cannot depend on T.
    for text in ("2026", "1971", "3580"):
        for gap in (0.3, -0.05):
            strokes, _ = write(pen, number_of(readable, text), gap)
            value = {"strokes": strokes, "width": 1200, "height": 300}
            a, b = clf.read_number(value), raw.read_number(value)
            assert (a.text, a.boxes) == (b.text, b.boxes)
            assert [p.digit for p in a.digits] == [p.digit for p in b.digits]
            for p, q in zip(a.digits, b.digits, strict=True):
                np.testing.assert_array_equal(p.model_input, q.model_input)
                z = torch.log(torch.tensor(q.probabilities, dtype=torch.float64)) / clf.temperature
                np.testing.assert_allclose(p.probabilities, torch.softmax(z, 0).numpy(), atol=1e-5)


@pytest.fixture(scope="module")
def readable(pen: PenDigits, raw: Classifier) -> dict[int, int]:
    found: dict[int, int] = {}
    for i in range(len(pen)):
        label = int(pen.labels[i])
        if label not in found and raw.predict(pen.strokes(i)).digit == label:
            found[label] = i
    return found


def test_adapted_readings_keep_their_digit_and_show_calibrated_probabilities(
    clf: Classifier, raw: Classifier, pen: PenDigits
) -> None:
    # A writer who means each digit as the next one (their examples: the first two of each digit, so labelled),
    # and every sample digit read with those examples, with and without T.
    firsts = [i for d in range(10) for i in np.flatnonzero(pen.labels == d)[:2]]
    examples = [
        {"strokes": [s.tolist() for s in pen.strokes(int(i))], "digit": (int(pen.labels[i]) + 1) % 10} for i in firsts
    ]
    changed = 0
    for i in range(0, len(pen), 3):
        strokes = [s.tolist() for s in pen.strokes(i)]
        a, b = clf.predict(strokes, examples=examples), raw.predict(strokes, examples=examples)
        assert (a.digit, a.network_digit) == (b.digit, b.network_digit)
        logits, f6 = adapt.features(clf.model, a.model_input)
        memory = adapt.memory_of(clf, examples)
        want = adapt.combine(logits, adapt.unit(f6), *memory, temperature=clf.temperature)
        assert a.probabilities == tuple(float(p) for p in want)
        changed += a.adapted
    assert changed  # the examples did change some readings, and T changed none of them


def test_other_weights_read_at_t_1(tmp_path: Path, record: dict) -> None:
    custom = tmp_path / "lenet.pt"
    shutil.copy(DEFAULT_WEIGHTS, custom)
    shutil.copy(checksum_path(DEFAULT_WEIGHTS), checksum_path(custom))
    assert Classifier.load(custom).temperature == 1.0  # no record beside it
    beside = tmp_path / CALIBRATION_FILE
    beside.write_text(json.dumps({**record, "weights_sha256": "0" * 64}))
    assert Classifier.load(custom).temperature == 1.0  # a record for other bytes
    beside.write_text(json.dumps(record))
    assert Classifier.load(custom).temperature == record["temperature"]  # the same bytes, the same record
    for bad in ("not json", json.dumps({**record, "temperature": 0}), json.dumps({**record, "temperature": "1"})):
        beside.write_text(bad)
        with pytest.raises(CheckpointError, match="lenet.calibrate"):
            Classifier.load(custom)


# -- the record -----------------------------------------------------------------------------------------------


def test_the_record_says_the_calibration_got_better_on_unseen_writers(record: dict) -> None:
    assert record["ece_after"] < record["ece_before"]
    assert record["ece_after_cross_fitted"] < record["ece_before"]  # T fitted on the other folds only
    # Its figures are those of its own reliability bins, and its digits are the cross-validation's.
    for when in ("before", "after"):
        bins = record[when]["bins"]
        assert sum(b["n"] for b in bins) == record["n"] and len(bins) == record["bins"] == calibrate.ECE_BINS
        ece = sum(b["n"] / record["n"] * abs(b["accuracy"] - b["mean_confidence"]) for b in bins if b["n"])
        assert ece == pytest.approx(record[f"ece_{when}"], abs=1e-12)
        assert record[when]["accuracy"] == record["accuracy"]
    crossval = json.loads(CROSSVAL.read_text())
    assert record["fold_checkpoints"] == [m["checkpoint_sha256"] for m in crossval["models"]]
    assert (record["n"], record["accuracy"]) == (crossval["pen_digits"]["n"], crossval["pen_digits"]["accuracy"])


# -- the fit and the error, against references -------------------------------------------------------------------


def test_the_fit_finds_the_temperature_that_made_the_labels() -> None:
    rng = np.random.default_rng(0)
    scores = rng.normal(0, 2.5, (8_000, 10))
    truth = 0.6  # labels drawn from softmax(scores / 0.6): the fit must find about 0.6
    p = calibrate.softmax(scores, truth)
    labels = (p.cumsum(1) > rng.random((len(p), 1))).argmax(1)
    fitted = calibrate.fit_temperature(scores, labels)
    assert fitted == pytest.approx(truth, rel=0.05)
    assert calibrate.nll(scores, labels, fitted) <= min(calibrate.nll(scores, labels, fitted * f) for f in (0.98, 1.02))
    # Calibrated by construction: a small error at the true T, a large one far from it.
    assert calibrate.figures(scores, labels, truth)["ece"] < 0.01 < calibrate.figures(scores, labels, 2.0)["ece"]


def test_ece_by_hand() -> None:
    confidence = np.array([0.95, 0.95, 0.92, 0.55, 0.51, 1.0])
    correct = np.array([1, 1, 0, 1, 0, 1], bool)
    # Bin 0.9-1.0: 4 readings, mean confidence 0.955, 3 right; bin 0.5-0.6: 2 readings, mean 0.53, 1 right.
    assert calibrate.ece(confidence, correct) == pytest.approx(4 / 6 * abs(0.75 - 0.955) + 2 / 6 * abs(0.5 - 0.53))


def test_calibrate_refuses_weights_that_saw_every_writer(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    target = tmp_path / "lenet.pt"
    for name in ("lenet.pt", "lenet.pt.sha256", "metrics.json"):
        shutil.copy(DEFAULT_WEIGHTS.parent / name, tmp_path / name)
    with pytest.raises(SystemExit) as e:
        calibrate.main(["--weights", str(DEFAULT_WEIGHTS), "--apply-to", str(target)])
    assert e.value.code == 2 and "--cv 3" in capsys.readouterr().err
    assert not (tmp_path / CALIBRATION_FILE).exists() and sha256_of(target) == sha256_of(DEFAULT_WEIGHTS)
