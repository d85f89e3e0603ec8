"""The package installs (``pip install .``) and reads digits with its bundled weights outside the repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from conftest import skip_or_fail

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
# What the build reads: a copy of these is built, so the build leaves nothing behind in the repository.
BUILD_INPUTS = ["pyproject.toml", "LICENSE", "lenet", "weights", PYPROJECT["project"]["readme"]]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package as ``pip install .`` installs it (its dependencies aside), in a folder of its own."""
    source, target = tmp_path_factory.mktemp("source"), tmp_path_factory.mktemp("site")
    for name in BUILD_INPUTS:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, source / name)
    command = [sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--no-index"]
    result = subprocess.run(
        [*command, "--target", str(target), str(source)], capture_output=True, text=True, timeout=300
    )
    if result.returncode != 0:
        if "No module named" in result.stderr and "setuptools" in result.stderr:
            skip_or_fail(f"setuptools is not installed, so the package cannot be built offline: {result.stderr[-300:]}")
        pytest.fail(f"pip install . failed:\n{result.stderr[-2000:]}")
    return target


def run_outside(installed: Path, tmp_path: Path, code: str) -> subprocess.CompletedProcess:
    """Python code run from an empty folder, with only the installed package (and the venv's libraries)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "LENET_WEIGHTS")}
    env["PYTHONPATH"] = str(installed)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )


def test_installed_package_reads_a_digit_with_its_bundled_weights(installed: Path, tmp_path: Path) -> None:
    code = """
import lenet
from lenet import Classifier
from lenet.inference import DEFAULT_WEIGHTS, sha256_of
seven = [[[90, 70], [190, 70], [120, 210]], [[110, 140], [170, 140]]]
print(lenet.__file__)
print(DEFAULT_WEIGHTS)
print(sha256_of(DEFAULT_WEIGHTS))
print(Classifier.load().predict(seven).digit)
"""
    result = run_outside(installed, tmp_path, code)
    assert result.returncode == 0, result.stderr
    module, weights, digest, digit = result.stdout.split()
    assert Path(module).is_relative_to(installed) and Path(weights).is_relative_to(installed)
    assert digest == (ROOT / "weights" / "lenet.pt.sha256").read_text().split()[0]
    assert digit == "7"


def test_installed_package_carries_the_pen_digits_and_their_licence(installed: Path) -> None:
    package = installed / "lenet"
    assert (package / "pen_digits.npz").read_bytes() == (ROOT / "lenet" / "pen_digits.npz").read_bytes()
    assert "CC BY 4.0" in (package / "pen_digits.LICENSE.md").read_text()
    for name in ("lenet.pt", "lenet.pt.sha256", "metrics.json", "calibration.json"):  # the last: its temperature
        assert (package / "weights" / name).read_bytes() == (ROOT / "weights" / name).read_bytes()
    licences = {p.name for p in installed.glob("*.dist-info/**/*") if p.is_file()}
    assert {"LICENSE", "pen_digits.LICENSE.md"} <= licences


def test_repository_keeps_one_copy_of_the_weights() -> None:
    # The wheel maps weights/ into the package; the repository must not hold a second copy in lenet/.
    assert not (ROOT / "lenet" / "weights").exists()
    assert PYPROJECT["tool"]["setuptools"]["package-dir"] == {"lenet.weights": "weights"}


def test_package_dependencies_are_the_requirements_pins() -> None:
    pins = {line.split("#")[0].strip() for line in (ROOT / "requirements.txt").read_text().splitlines()}
    assert set(PYPROJECT["project"]["dependencies"]) <= pins


def test_licence_is_mit_as_the_space_says_and_names_the_pen_digits() -> None:
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License") and "LeNet digit sketchpad authors" in text
    assert "CC BY 4.0" in text and "lenet/pen_digits.LICENSE.md" in text
    assert PYPROJECT["project"]["license"] == "MIT"
    assert PYPROJECT["project"]["license-files"] == ["LICENSE", "lenet/pen_digits.LICENSE.md"]
