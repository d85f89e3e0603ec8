"""The repository's contracts: the Spaces front matter, the pins, the README's test command in CI, the weights' size."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


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
