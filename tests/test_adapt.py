"""Teach it your handwriting (lenet.adapt): examples adapt the reading, none change nothing, bad ones are refused."""

from __future__ import annotations

import json
import sys

import gradio as gr
import numpy as np
import pytest
from benchmark import local_client, served
from browser_helpers import pad_value, pen_digits

import app
from lenet import Classifier, adapt, corrections
from lenet.pen import PenDigits


def flagged_one(rng: np.random.Generator) -> list[list[list[float]]]:
    """A 1 with a long flag, as some people write it (the issue's "flagged 1s read as 7"), in pad px, jittered."""
    top = np.array([150.0, 60.0]) + rng.normal(0, 3, 2)
    flag = top + np.array([-45.0, 30.0]) + rng.normal(0, 4, 2)
    foot = top + np.array([rng.normal(-8, 3), 150.0 + rng.normal(0, 5)])
    stroke = np.concatenate([np.linspace(flag, top, 12), np.linspace(top, foot, 30)[1:]])
    return [np.round(stroke + rng.normal(0, 0.6, stroke.shape), 1).tolist()]


def circle(rng: np.random.Generator) -> list[list[list[float]]]:
    """A round 0."""
    t = np.linspace(0, 2 * np.pi, 60)
    r = np.array([50.0, 70.0]) * (1 + rng.normal(0, 0.03, 2))
    return [np.round(np.stack([140 + r[0] * np.sin(t), 140 - r[1] * np.cos(t)], 1), 1).tolist()]


@pytest.fixture(scope="module")
def habit(clf: Classifier) -> dict:
    """A writer's flagged 1s: whatever the network reads them as, 1 or 7, the writer means the other."""
    rng = np.random.default_rng(16)
    ones = [flagged_one(rng) for _ in range(9)]
    read = [clf.predict(s).digit for s in ones]
    assert len(set(read)) == 1 and read[0] in (1, 7), f"the flagged 1s read as {read}"
    meant = 8 - read[0]  # 1 <-> 7
    zeros = [circle(rng) for _ in range(4)]
    examples = [{"strokes": adapt.compact(s), "digit": meant} for s in ones[:8]]
    examples += [{"strokes": adapt.compact(s), "digit": 0} for s in zeros[:3]]
    return {"query": ones[8], "network": read[0], "meant": meant, "examples": examples, "zero": zeros[3]}


def same_prediction(a, b) -> bool:
    return (a.digit, a.confidence, a.probabilities, a.network_digit) == (
        b.digit,
        b.confidence,
        b.probabilities,
        b.network_digit,
    ) and np.array_equal(a.model_input, b.model_input)


@pytest.mark.parametrize("empty", [None, []])
def test_no_examples_read_exactly_as_the_network_alone(clf: Classifier, habit: dict, empty) -> None:
    for drawing in (habit["query"], habit["zero"]):
        alone = clf.predict(drawing)
        assert same_prediction(clf.predict(drawing, examples=empty), alone) and alone.network_digit is None
        assert not alone.adapted
    value = pad_value(pen_digits()["seven"]["strokes"])
    alone, given = clf.read_number(value, maps=True), clf.read_number(value, maps=True, examples=empty)
    assert given.text == alone.text and given.boxes == alone.boxes
    assert all(same_prediction(a, b) for a, b in zip(given.digits, alone.digits, strict=True))


def test_a_writers_misread_digit_is_read_as_they_taught(clf: Classifier, habit: dict) -> None:
    assert clf.predict(habit["query"]).digit == habit["network"]
    taught = clf.predict(habit["query"], examples=habit["examples"])
    assert taught.digit == habit["meant"] and taught.network_digit == habit["network"] and taught.adapted
    assert sum(taught.probabilities) == pytest.approx(1.0) and taught.confidence == max(taught.probabilities)
    # Only what looks like the examples changes: the writer's 0 reads as the network reads it.
    zero = clf.predict(habit["zero"], examples=habit["examples"])
    assert zero.digit == clf.predict(habit["zero"]).digit == 0 and not zero.adapted
    # Numbers too: each digit read with the examples, the split into digits unchanged.
    number = [*habit["zero"], (np.array(habit["query"][0]) + [200, 0]).tolist()]
    alone, adapted = clf.read_number(number), clf.read_number(number, examples=habit["examples"])
    assert adapted.boxes == alone.boxes and len(adapted.digits) == 2
    assert adapted.text == f"0{habit['meant']}" and [p.network_digit for p in adapted.digits] == [0, habit["network"]]


def test_examples_are_read_alike_cached_or_not(clf: Classifier, habit: dict) -> None:
    warm = clf.predict(habit["query"], examples=habit["examples"])
    adapt.clear_caches()
    assert same_prediction(clf.predict(habit["query"], examples=habit["examples"]), warm)


GOOD = {"strokes": [[[0, 0], [10, 40]]], "digit": 1}


@pytest.mark.parametrize(
    "examples, message",
    [
        ("4", "not a list"),
        ({"strokes": [], "digit": 4}, "not a list"),
        ([GOOD] * (adapt.MAX_EXAMPLES + 1), "more than 100"),
        ([GOOD, GOOD, GOOD, 7], r"examples\[3\] is a int, not an object"),
        ([{**GOOD, "digit": "4"}], r"examples\[0\]\.digit must be an integer 0-9"),
        ([{**GOOD, "digit": 10}], r"examples\[0\]\.digit must be an integer 0-9"),
        ([{**GOOD, "digit": -1}], r"examples\[0\]\.digit must be an integer 0-9"),
        ([{**GOOD, "digit": True}], r"examples\[0\]\.digit must be an integer 0-9"),
        ([{**GOOD, "digit": 4.0}], r"examples\[0\]\.digit must be an integer 0-9"),
        ([{"strokes": GOOD["strokes"]}], r"examples\[0\]\.digit must be an integer 0-9"),
        ([{**GOOD, "user": "alice"}], r"examples\[0\] has unknown keys \(user\)"),
        ([{"digit": 3}], r"examples\[0\]\.strokes is a NoneType"),
        ([{**GOOD, "strokes": "M0 0L10 40"}], r"examples\[0\]\.strokes is a str"),
        ([{**GOOD, "strokes": [[[0, 0], [1, 1]]] * 9}], r"examples\[0\] has 9 strokes"),
        ([{**GOOD, "strokes": [[[0, 0]] * 2001]}], r"examples\[0\] has 2,001 points"),
        ([{**GOOD, "strokes": [[[k, k] for k in range(1500)]]}] * 14, "more than 20,000 points together"),
        ([{**GOOD, "strokes": [[[0, 0], [float("nan"), 1]]]}], r"examples\[0\]\.strokes: Stroke coordinates"),
        ([{**GOOD, "strokes": [[[0, 0], [1e300, 1]]]}], r"examples\[0\]\.strokes: Stroke coordinates"),
        (
            [{**GOOD, "strokes": [[[0, 0, 0], [1, 1, 1]]]}],
            r"examples\[0\]\.strokes: A stroke.+s points must be \[x, y\] pairs",
        ),
        ([{**GOOD, "strokes": [[["a", "b"]]]}], r"examples\[0\]\.strokes: A stroke holds"),
        ([{**GOOD, "strokes": [7]}], r"examples\[0\]\.strokes: A stroke is a int"),
        ([{**GOOD, "strokes": [[[5, 5]]]}], r"examples\[0\] is blank"),
        ([{**GOOD, "strokes": []}], r"examples\[0\] is blank"),
    ],
)
def test_bad_examples_are_refused_with_a_clear_message(clf: Classifier, examples, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        clf.predict(GOOD["strokes"], examples=examples)
    with pytest.raises(ValueError, match=message):
        clf.read_number(GOOD["strokes"], examples=examples)
    with pytest.raises(gr.Error, match=message):
        app.read_strokes({"strokes": GOOD["strokes"], "examples": examples})


def test_compact_keeps_a_digit_in_few_small_integers() -> None:
    ds = PenDigits.load()
    from lenet.evaluate_adapt import pad_strokes

    rng = np.random.default_rng(0)
    examples = []
    for i in rng.choice(len(ds), adapt.MAX_EXAMPLES, replace=False):
        strokes = adapt.compact(pad_strokes(ds, int(i)))
        points = np.concatenate([np.array(s) for s in strokes])
        assert points.dtype.kind == "i" and points.min() >= 0 and points.max() <= adapt.COMPACT_GRID
        assert all(len(s) <= adapt.COMPACT_POINTS for s in strokes)
        examples.append({"strokes": strokes, "digit": int(ds.labels[i])})
    assert len(adapt.parse_examples(examples)) == adapt.MAX_EXAMPLES
    request = {"strokes": pad_strokes(ds, 0), "width": 280, "height": 280, "examples": examples}
    assert len(json.dumps(request, separators=(",", ":"))) <= 16_384  # the bar for 100 examples
    # Rounding is half up, as JavaScript's Math.round (Python's round would give 0): a stroke 2 grids long
    # and another of one point, repeated, which becomes one point.
    g = adapt.COMPACT_GRID
    assert adapt.compact([[[0, 0], [1, 0]], [[0, 2 * g], [0, 2 * g]]]) == [[[0, 0], [1, 0]], [[0, g]]]


def test_read_strokes_without_examples_is_todays_reply(habit: dict) -> None:
    value = pad_value(pen_digits()["four"]["strokes"])
    reply = app.read_strokes(value)
    assert app.read_strokes({**value, "examples": []}) == reply
    reading = app.CLASSIFIER.read_number(value)
    last = reading.digits[-1]
    assert (reply["text"], reply["digit"], reply["confidence"], reply["probabilities"]) == (
        reading.text,
        last.digit,
        last.confidence,
        list(last.probabilities),
    )
    assert reply["adapted"] is False
    assert reply["digits"] == [{**d, "network_digit": d["digit"]} for d in app.digits_json(reading)]


def test_read_strokes_with_examples_reads_as_taught(habit: dict) -> None:
    value = {"strokes": habit["query"], "width": 280, "height": 280}
    reply = app.read_strokes({**value, "examples": habit["examples"]})
    assert reply["adapted"] is True and reply["text"] == str(habit["meant"]) == str(reply["digit"])
    assert reply["digits"][0]["network_digit"] == habit["network"] == app.read_strokes(value)["digit"]
    json.dumps(reply)


def test_read_strokes_refuses_bad_examples_before_reading(monkeypatch) -> None:
    def no_reading(*args, **kwargs):
        raise AssertionError("read although the examples are bad")

    monkeypatch.setattr(app.CLASSIFIER, "classify_input", no_reading)
    with pytest.raises(gr.Error, match=r"examples\[1\]\.digit must be an integer 0-9"):
        app.read_strokes({"strokes": GOOD["strokes"], "examples": [GOOD, {**GOOD, "digit": 12}]})


@pytest.mark.slow
def test_two_app_processes_read_the_same_examples_alike(habit: dict) -> None:
    payload = {"strokes": habit["query"], "width": 280, "height": 280, "examples": habit["examples"]}
    with served([sys.executable, "app.py"]) as (_, one), served([sys.executable, "app.py"]) as (_, two):
        replies = []
        for url in (one, two, one):
            client = local_client(url)
            try:
                replies.append(client.predict(payload, api_name="/read_strokes"))
            finally:
                client.close()
    assert replies[0] == replies[1] == replies[2]
    assert replies[0]["adapted"] and replies[0]["digit"] == habit["meant"]


# -- collecting corrections (off by default) -------------------------------------------------------


def test_corrections_are_recorded_only_when_the_host_asks(tmp_path, monkeypatch, habit: dict) -> None:
    monkeypatch.delenv(corrections.DIR_ENV, raising=False)
    payload = {"strokes": habit["query"], "digit": habit["meant"], "network_digit": habit["network"]}
    assert app.correct(payload) == {"recorded": False}
    assert list(tmp_path.iterdir()) == []
    monkeypatch.setenv(corrections.DIR_ENV, str(tmp_path))
    assert app.correct(payload) == {"recorded": True}
    (entry,) = corrections.read(tmp_path)
    assert sorted(entry) == ["digit", "network_digit", "strokes", "time"]
    assert entry["strokes"] == adapt.compact(habit["query"]) and entry["digit"] == habit["meant"]
    for bad, message in [
        ({**payload, "digit": 11}, "digit must be an integer 0-9"),
        ({**payload, "network_digit": None}, "network_digit must be an integer 0-9"),
        ({**payload, "user": "x"}, "exactly three keys"),
        ({**payload, "strokes": [[[5, 5]]]}, "blank"),
        ([1, 2], "exactly three keys"),
    ]:
        with pytest.raises(gr.Error, match=message):
            app.correct(bad)
    assert len(list(corrections.read(tmp_path))) == 1


def test_corrections_stop_at_the_cap_and_survive_a_torn_line(tmp_path, monkeypatch, caplog, habit: dict) -> None:
    monkeypatch.setenv(corrections.DIR_ENV, str(tmp_path))
    path = tmp_path / corrections.FILE_NAME
    path.write_bytes(b'{"strokes": [[[0, 0], [1')  # a crash in the middle of a line
    assert corrections.record(habit["query"], 1, 7)
    assert [e["digit"] for e in corrections.read(tmp_path)] == [1]
    size = path.stat().st_size
    monkeypatch.setenv(corrections.MAX_BYTES_ENV, str(size + 10))
    with caplog.at_level("WARNING", logger="lenet.corrections"):
        assert not corrections.record(habit["query"], 1, 7)
        assert not corrections.record(habit["query"], 1, 7)
    assert path.stat().st_size == size
    assert sum("no longer recorded" in r.getMessage() for r in caplog.records) == 1


def test_concurrent_corrections_never_tear_a_line(tmp_path, monkeypatch, habit: dict) -> None:
    from concurrent.futures import ThreadPoolExecutor

    monkeypatch.setenv(corrections.DIR_ENV, str(tmp_path))
    with ThreadPoolExecutor(8) as pool:
        done = list(pool.map(lambda k: corrections.record(habit["query"], k % 10, 7), range(200)))
    assert all(done)
    lines = (tmp_path / corrections.FILE_NAME).read_bytes().splitlines()
    assert len(lines) == 200 and all(json.loads(line)["network_digit"] == 7 for line in lines)
    assert sorted(json.loads(line)["digit"] for line in lines) == sorted(k % 10 for k in range(200))


def test_training_takes_corrections_checked_and_deduplicated(tmp_path, monkeypatch, habit: dict) -> None:
    from lenet.train import parse_args

    monkeypatch.setenv(corrections.DIR_ENV, str(tmp_path))
    zero = habit["zero"]
    for strokes, digit in [(habit["query"], 7), (habit["query"], 7), (zero, 0), (zero, 6)]:  # a repeat, a conflict
        corrections.record(strokes, digit, 1)
    with open(tmp_path / corrections.FILE_NAME, "ab") as f:
        f.write(b'{"strokes": "nonsense", "digit": 3, "network_digit": 3, "time": 0}\n')
    inputs, labels, info = corrections.training_inputs(tmp_path)
    assert inputs.shape == (1, 32, 32) and labels.tolist() == [7]
    assert (info["lines_read"], info["count"], info["conflicting"]) == (4, 1, 1) and len(info["sha256"]) == 64
    assert parse_args(["--corrections", str(tmp_path)]).corrections == tmp_path
    with pytest.raises(ValueError, match="No corrections.jsonl"):
        corrections.training_inputs(tmp_path / "elsewhere")


def test_examples_may_be_numpy_arrays_in_python(clf: Classifier, habit: dict) -> None:
    arrays = [{"strokes": [np.array(s) for s in ex["strokes"]], "digit": ex["digit"]} for ex in habit["examples"]]
    given = clf.predict(habit["query"], examples=arrays)
    assert same_prediction(given, clf.predict(habit["query"], examples=habit["examples"]))


def test_the_benchmark_reads_its_streams_as_classifier_predict_does(clf: Classifier) -> None:
    from lenet.evaluate_adapt import evaluate_adapt

    result = evaluate_adapt([clf], PenDigits.load(), workers=1, limit=2)
    checks = result["checks"]
    assert checks["network_digit_as_predict"] and checks["steps_read_through_predict"] > 20
    assert checks["agree_to_the_bit"] == checks["steps_read_through_predict"]
    streams = result["careful"]["streams"]
    assert streams["digits"] == sum(np.isin(PenDigits.load().writers, [0, 1]))
    assert streams["adapted_errors"] == streams["weights_alone_errors"] - streams["fixed"] + streams["broken"]
    assert 0 < result["timing"]["request_bytes"] <= 16_384
