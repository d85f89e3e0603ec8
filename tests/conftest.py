"""Shared fixtures: the bundled classifier, the app served in-process, data locations, and skip-or-fail.

The pen-digit set ships inside the package (``lenet/pen_digits.npz``). MNIST is
read where ``lenet.data`` looks for it: the folder ``LENET_DATA_DIR`` names, else
``~/.cache/lenet/mnist``. Tests that need MNIST or a browser skip with a reason
when those are missing; with LENET_REQUIRE_ALL=1 (set by CI) such a skip fails instead.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lenet import Classifier
from lenet.data import DATA_DIR_ENV, DEFAULT_DATA_DIR, FILES
from lenet.pen import PEN_DIGITS_FILE

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
MNIST_DIR = DEFAULT_DATA_DIR  # lenet.data's one place: $LENET_DATA_DIR, else ~/.cache/lenet/mnist
PEN_DIGITS = Path(os.environ.get("LENET_PEN_DIGITS", PEN_DIGITS_FILE))
REQUIRE_ALL = os.environ.get("LENET_REQUIRE_ALL") == "1"


def skip_or_fail(reason: str) -> None:
    """Skip the test, or fail it when LENET_REQUIRE_ALL=1 asks for everything to run."""
    if REQUIRE_ALL:
        pytest.fail(f"LENET_REQUIRE_ALL=1 but: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def clf() -> Classifier:
    """The bundled weights, loaded once."""
    return Classifier.load()


@pytest.fixture(scope="module")
def server_url():
    """``app.demo`` launched the way ``python app.py`` launches it, on a free localhost port, for one test module.

    Its handlers read only files uploaded to it (see ``app.uploaded_path``), as they do however the app is served.
    """
    from browser_helpers import free_port

    import app

    _, url, _ = app.launch(prevent_thread_lock=True, server_port=free_port(), quiet=True)
    yield url.rstrip("/")
    app.demo.close()


@pytest.fixture(scope="module")
def client(server_url: str):
    """A gradio_client connected to ``server_url`` (``benchmark.local_client``)."""
    from benchmark import local_client

    c = local_client(server_url)
    yield c
    c.close()


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """The folder with the four MNIST files (where lenet.data looks), or skip: tests never download."""
    missing = [stem for stem, _ in FILES.values() if not any((MNIST_DIR / n).is_file() for n in (stem, stem + ".gz"))]
    if missing:
        skip_or_fail(
            f"MNIST not found in {MNIST_DIR} (missing {', '.join(missing)}): set {DATA_DIR_ENV} to a folder with "
            f"the four MNIST files, or run `python -m lenet.data` to download them there"
        )
    return MNIST_DIR


@pytest.fixture(scope="session")
def pen_digits_path() -> Path:
    """The full pen-digit set: the one bundled in the package unless LENET_PEN_DIGITS names another, or skip."""
    if not PEN_DIGITS.is_file():
        skip_or_fail(f"pen-digit set not found at {PEN_DIGITS} (set LENET_PEN_DIGITS)")
    return PEN_DIGITS


def pytest_configure(config: pytest.Config) -> None:
    """Register the markers (the project keeps no pytest.ini at the top level)."""
    config.addinivalue_line("markers", "browser: drives a real Chromium through Playwright (skips without one)")
    config.addinivalue_line("markers", "slow: takes more than a few seconds")
