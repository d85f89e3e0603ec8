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


def test_evaluate_numbers(capsys: pytest.CaptureFixture) -> None:
    """In-process and small: the table's rows are all there and the figures are fractions."""
    from lenet.evaluate import main as evaluate_main

    args = ["--numbers", "--pen-digits", str(DATA / "pen_sample.npz"), "--number-count", "3", "--workers", "1"]
    figures = evaluate_main([*args, "--json"])["numbers"]
    # The bundled weights trained on every writer: the figure must say it is not a fair one.
    assert figures["numbers"] == 6 and figures["writers"] == "writers seen in training: not a fair figure"
    rows = {(f["method"], f["spacing"], f["input"], f["digits"]) for f in figures["figures"]}
    assert len(rows) == 2 * 2 * 5 * 2
    assert all(0 <= f[k] <= 1 for f in figures["figures"] for k in ("whole", "per_digit", "wrong_count"))
    with pytest.raises(SystemExit, match="--pen-digits"):
        evaluate_main(["--numbers"])
