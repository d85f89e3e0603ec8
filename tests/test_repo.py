"""The repository's contracts: Spaces front matter, pins, the README's test command in CI, its figures, the weights."""

from __future__ import annotations

import json
import re
from pathlib import Path

from lenet.card import model_card, same_recipe
from lenet.train import cv_commands

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
WEIGHTS = ROOT / "weights"


def front_matter() -> dict[str, str]:
    """The YAML front matter at the very top of README.md, as flat key -> value strings."""
    text = README.read_text(encoding="utf-8")
    assert text.startswith("---\n"), "README.md must begin with the Spaces front matter (---)"
    block = text[4 : text.index("\n---\n", 4)]
    fields = {}
    for line in block.splitlines():
        key, _, value = line.partition(":")
        fields[key.strip()] = value.strip().strip("\"'")
    return fields


def requirement_lines(name: str) -> list[str]:
    lines = (ROOT / name).read_text().splitlines()
    return [line.split("#")[0].strip() for line in lines if line.split("#")[0].strip()]


def bash_blocks() -> list[str]:
    return re.findall(r"```bash\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_readme_front_matter_is_a_gradio_space() -> None:
    fields = front_matter()
    assert fields["sdk"] == "gradio"
    assert fields["sdk_version"] == "6.31.0"
    assert fields["app_file"] == "app.py"
    assert fields["title"]
    assert 0 < len(fields["short_description"]) <= 60, fields["short_description"]


def test_requirements_pin_torch_and_gradio_exactly() -> None:
    lines = requirement_lines("requirements.txt")
    assert "torch==2.13.0" in lines
    assert "gradio==6.31.0" in lines
    # No second, looser line for either (a range would let pip pick a multi-GB CUDA build).
    assert [line for line in lines if re.match(r"torch\b", line)] == ["torch==2.13.0"]
    assert [line for line in lines if re.match(r"gradio\b", line)] == ["gradio==6.31.0"]


def test_requirements_without_a_windows_build_are_marked() -> None:
    # uvloop publishes no Windows wheel: unmarked, `pip install -r requirements.txt` fails there.
    assert [line for line in requirement_lines("requirements.txt") if line.startswith("uvloop")] == [
        'uvloop==0.23.0; sys_platform != "win32"'
    ]


def test_gradio_version_agrees_between_readme_and_requirements() -> None:
    assert f"gradio=={front_matter()['sdk_version']}" in requirement_lines("requirements.txt")


def test_dev_requirements_include_the_runtime() -> None:
    assert "-r requirements.txt" in requirement_lines("requirements-dev.txt")


def test_ci_runs_the_readmes_test_command_verbatim() -> None:
    blocks = bash_blocks()
    assert len(blocks) >= 2
    command = blocks[1].strip()
    assert "pytest" in command
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert command in ci_lines


def test_bundled_weights_are_small() -> None:
    assert (ROOT / "weights" / "lenet.pt").stat().st_size < 1_000_000


def accuracy_section() -> str:
    """docs/accuracy.md, where the accuracy table and the commands behind it live."""
    return (ROOT / "docs" / "accuracy.md").read_text(encoding="utf-8")


def table_row(section: str, start: str) -> str:
    rows = [line for line in section.splitlines() if line.startswith("| " + start)]
    assert len(rows) == 1, f"one accuracy-table row should start with {start!r}"
    return rows[0]


def test_accuracy_figures_come_from_the_recorded_commands() -> None:
    # Every figure in the accuracy table is one that a command shown beside it recorded (tests/test_docs.py
    # checks that the table is rendered from the records; this, that the records are what they claim).
    section = accuracy_section()
    metrics = json.loads((WEIGHTS / "metrics.json").read_text())
    crossval = json.loads((WEIGHTS / "crossval.json").read_text())
    baseline = json.loads((WEIGHTS / "whole-canvas.json").read_text())

    bundled = table_row(section, "**bundled weights**")
    assert f"**{metrics['mnist_test']['accuracy']:.2%}**" in bundled
    assert f"all {len(metrics['training_data']['pen']['train_writers'])} writers" in bundled
    assert metrics["command"] in section

    pen = crossval["pen_digits"]
    cv = table_row(section, "the same recipe")
    fold_mnist = [m["mnist_test_accuracy"] for m in crossval["models"]]
    weakest = min(pen["per_digit"], key=pen["per_digit"].get)
    assert f"{len(crossval['models'])}-fold" in cv
    assert f"**{pen['accuracy']:.2%}**" in cv and f"{pen['n']:,}" in cv
    assert f"{min(fold_mnist):.2%}–{max(fold_mnist):.2%}" in cv
    assert f"weakest digit {weakest}: {pen['per_digit'][weakest]:.2%}" in cv
    assert f"every style ≥ {min(pen['per_style'].values()):.2%}" in cv
    # The page shows the one command that runs the recorded ones: the fold trainings and the evaluation.
    commands = cv_commands(len(crossval["models"]))
    assert f"python -m lenet.train --cv {len(crossval['models'])}" in section
    assert crossval["command"] == commands["evaluate"]
    for k, model in enumerate(crossval["models"]):
        assert same_recipe(metrics["config"], model["config"]), f"fold {k} was trained with another recipe"
        assert model["command"] == commands["folds"][k]
    assert sum(m["heldout_writers"] for m in crossval["models"]) == 140 and pen["n"] == 9121
    assert crossval["common_mistakes"] in section

    whole = table_row(section, "whole-canvas resize")
    assert baseline["pen_digits"]["pipeline"] == "whole-canvas resize"
    assert f"{baseline['pen_digits']['accuracy']:.2%}" in whole and baseline["command"] in section


def test_model_card_shows_the_exact_command_and_the_cross_validation() -> None:
    metrics = json.loads((WEIGHTS / "metrics.json").read_text())
    crossval = json.loads((WEIGHTS / "crossval.json").read_text())
    calibration = json.loads((WEIGHTS / "calibration.json").read_text())
    assert (WEIGHTS / "README.md").read_text() == model_card(metrics, crossval, calibration)
    assert calibration["command"] in (WEIGHTS / "README.md").read_text()
    assert metrics["config"]["out"] == "weights/lenet.pt" and "--out weights/lenet.pt" in metrics["command"]
    assert metrics["checkpoint_sha256"] == (WEIGHTS / "lenet.pt.sha256").read_text().split()[0]
    assert "../shared" not in metrics["command"] and "--data-dir" not in metrics["command"]
