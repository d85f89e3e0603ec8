"""The command lines, run as users run them: python -m lenet.predict / lenet.evaluate / lenet.train."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lenet.pen import PenDigits, compose_number, render, render_digit
from lenet.predict import main as predict_main
from lenet.train import TrainConfig

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


def run(*args: str) -> subprocess.CompletedProcess:
    """Run ``python -m <args>`` from the repository root, with one thread to spare the shared CPU."""
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two drawn digits saved as PNG and JPEG, and a file that is not an image."""
    folder = tmp_path_factory.mktemp("images")
    pen = PenDigits.load(DATA / "pen_sample.npz")
    seven = int(np.flatnonzero(pen.labels == 7)[0])
    two = int(np.flatnonzero(pen.labels == 2)[0])
    paths = {"seven": folder / "seven.png", "two": folder / "two.jpg", "bad": folder / "notes.png"}
    render_digit(pen, seven, style="rgb_white")[0].save(paths["seven"])
    render_digit(pen, two, style="rgb_dark")[0].save(paths["two"])
    paths["bad"].write_text("this is not a picture")
    return paths


def test_predict_prints_digits_and_reports_unreadable_files(images: dict[str, Path], tmp_path: Path) -> None:
    missing = tmp_path / "missing.png"
    paths = [images["seven"], images["bad"], missing, images["two"]]
    result = run("lenet.predict", *map(str, paths))
    assert result.returncode == 1  # some files could not be read
    assert "Traceback" not in result.stderr
    seven, two = result.stdout.splitlines()
    assert re.fullmatch(rf"{re.escape(str(images['seven']))}: 7 \(\d+\.\d%\)", seven)
    assert re.fullmatch(rf"{re.escape(str(images['two']))}: 2 \(\d+\.\d%\)", two)
    assert re.search(rf"{re.escape(str(images['bad']))}: error: .*notes\.png", result.stderr)
    assert re.search(rf"{re.escape(str(missing))}: error: No file at {re.escape(str(missing))}", result.stderr)


def test_predict_json(images: dict[str, Path]) -> None:
    result = run("lenet.predict", "--json", "--top", "3", str(images["seven"]), str(images["bad"]), str(images["two"]))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    seven, bad, two = (json.loads(line) for line in result.stdout.splitlines())
    assert bad["file"] == str(images["bad"]) and "notes.png" in bad["error"] and "digit" not in bad
    assert seven["file"] == str(images["seven"]) and seven["digit"] == 7
    assert two["file"] == str(images["two"]) and two["digit"] == 2
    for answer in (seven, two):
        top = answer["top"]
        assert len(top) == 3 and top[0]["digit"] == answer["digit"]
        assert answer["confidence"] == top[0]["probability"]
        assert [t["probability"] for t in top] == sorted((t["probability"] for t in top), reverse=True)


def test_predict_exits_zero_when_every_image_is_read(images: dict[str, Path], capsys: pytest.CaptureFixture) -> None:
    # In-process, to spare a second start of torch: main() returns the exit code that __main__ exits with.
    assert predict_main([str(images["seven"]), str(images["two"])]) == 0
    assert [line.split(": ")[1][0] for line in capsys.readouterr().out.splitlines()] == ["7", "2"]


def test_evaluate_pen_digits_without_mnist() -> None:
    result = run(
        "lenet.evaluate", "--no-mnist", "--pen-digits", "tests/data/pen_sample.npz", "--workers", "1", "--json"
    )
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["mnist"] is None
    pen = figures["pen_digits"]
    assert pen["n"] == 60 and pen["accuracy"] >= 0.98  # calibration: 59 of 60 with the bundled weights
    assert set(pen["per_style"]) == {"rgba_transparent", "rgb_white", "rgb_dark"}
    assert len(pen["worst"]) == round(60 * (1 - pen["accuracy"]))


def test_evaluate_mnist(mnist_dir: Path) -> None:
    result = run("lenet.evaluate", "--limit", "200", "--data-dir", str(mnist_dir))
    assert result.returncode == 0, result.stderr
    found = re.search(r"MNIST test: (\d+\.\d+)% of 200", result.stdout)
    assert found, result.stdout
    assert float(found.group(1)) >= 99.5  # calibration: the bundled weights read all 200
    # It says which figure is fair for drawings: the cross-validation's, on unseen writers only.
    crossval = json.loads((ROOT / "weights" / "crossval.json").read_text())["pen_digits"]
    fair = result.stdout.strip().splitlines()[-1]
    assert "writers the weights never trained on, only" in fair and f"{crossval['accuracy']:.2%}" in fair


def test_train_help_gives_every_flag_a_default() -> None:
    result = run("lenet.train", "--help")
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stdout.split())  # argparse wraps the help text
    entries = re.split(r" (?=--?[a-z])", text[text.index("options:") :])[1:]
    flags = {entry.split()[0].rstrip(","): entry for entry in entries}
    expected = {"--" + name.replace("_", "-") for name in TrainConfig.__dataclass_fields__} | {"--dry-run"}
    assert expected <= set(flags)
    for flag in expected:
        assert "default" in flags[flag], f"{flag} does not state its default: {flags[flag]!r}"


def test_predict_number(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    pen = PenDigits.load(DATA / "pen_sample.npz")
    first = {d: int(np.flatnonzero(pen.labels == d)[0]) for d in (0, 2, 6)}
    strokes, _ = compose_number([pen.strokes(first[int(c)]) for c in "2026"], [0.3] * 3, np.random.default_rng(0))
    path = tmp_path / "year.png"
    render(strokes, canvas=600, brush=12, style="rgb_white", rng=np.random.default_rng(1)).save(path)
    assert predict_main(["--number", str(path)]) == 0
    assert re.fullmatch(rf"{re.escape(str(path))}: 2026 \(least sure digit \d+\.\d%\)", capsys.readouterr().out.strip())
    assert predict_main(["--number", "--json", str(path)]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["text"] == "2026" and [d["digit"] for d in answer["digits"]] == [2, 0, 2, 6]
    assert all(0 <= d["box"][0] < d["box"][2] <= 600 for d in answer["digits"])


def test_evaluate_numbers(clf, capsys: pytest.CaptureFixture) -> None:
    """In-process and small: every figure equals the one recomputed here, reading the same numbers one by one."""
    from lenet.evaluate import main as evaluate_main
    from lenet.evaluate_numbers import METHODS, SPACINGS, make_numbers, number_inputs, read_number_naive
    from lenet.evaluate_pen import assign_models

    args = ["--numbers", "--pen-digits", str(DATA / "pen_sample.npz"), "--number-count", "3", "--workers", "1"]
    figures = evaluate_main([*args, "--json"])["numbers"]
    # The bundled weights trained on every writer: the figure must say it is not a fair one.
    assert figures["numbers"] == 6 and figures["writers"] == "writers seen in training: not a fair figure"
    rows = {(f["method"], f["spacing"], f["input"], f["digits"]): f for f in figures["figures"]}
    assert len(rows) == len(figures["figures"]) == 2 * 2 * 5 * 2

    ds = PenDigits.load(DATA / "pen_sample.npz")
    numbers = make_numbers(ds, assign_models([clf], ds)[0], 3)
    read = {}  # (method, number index, input) -> the text read, "" when refused
    for k, number in enumerate(numbers):
        for name, x in number_inputs(ds, number)[1].items():
            for method in METHODS:
                try:
                    read[method, k, name] = (
                        clf.read_number(x).text if method == "read_number" else read_number_naive(clf, x)
                    )
                except ValueError:
                    read[method, k, name] = ""
    for (method, spacing, inp, digits), f in rows.items():
        lo, hi = map(int, digits.split("-"))
        pairs = [
            ("".join(str(int(ds.labels[i])) for i in n["digits"]), read[method, k, name])
            for k, n in enumerate(numbers)
            if n["spacing"] == spacing and lo <= len(n["digits"]) <= hi
            for name in ((inp,) if inp != "images" else ("rgba_transparent", "rgb_white", "rgb_dark"))
        ]
        counted = [(t, r) for t, r in pairs if len(t) == len(r)]
        assert f["n"] == len(pairs)
        assert f["whole"] == pytest.approx(sum(t == r for t, r in pairs) / max(len(pairs), 1))
        assert f["wrong_count"] == pytest.approx(1 - len(counted) / max(len(pairs), 1))
        right = sum(a == b for t, r in counted for a, b in zip(t, r, strict=True))
        assert f["per_digit"] == pytest.approx(right / max(sum(len(t) for t, _ in counted), 1))
    assert set(SPACINGS) == {n["spacing"] for n in numbers}
    # read_number's mistakes are listed (the first 50): here all of them.
    mistakes = {(m["text"], m["read"], m["input"]) for m in figures["mistakes"]}
    expected = {
        ("".join(str(int(ds.labels[i])) for i in n["digits"]), read["read_number", k, name], name)
        for k, n in enumerate(numbers)
        for name in ("strokes", "rgba_transparent", "rgb_white", "rgb_dark")
        if read["read_number", k, name] != "".join(str(int(ds.labels[i])) for i in n["digits"])
    }
    assert mistakes == expected


def test_evaluate_numbers_reads_the_bundled_pen_digits_by_default() -> None:
    # `python -m lenet.evaluate --numbers`, as the docs give it: no --pen-digits needed.
    from lenet.evaluate import main as evaluate_main

    figures = evaluate_main(["--numbers", "--number-count", "1", "--workers", "1", "--json"])["numbers"]
    assert figures["numbers"] == 2 and figures["writers"] == "writers seen in training: not a fair figure"


def test_evaluate_record_needs_something_to_record(capsys: pytest.CaptureFixture) -> None:
    from lenet.evaluate import main as evaluate_main

    with pytest.raises(SystemExit):
        evaluate_main(["--record", "out.json"])
    assert "--record needs --pen-digits or --numbers" in capsys.readouterr().err
