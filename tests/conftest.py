"""Shared fixtures: the bundled classifier, the app served in-process, data locations, and skip-or-fail.

The pen-digit set ships inside the package (``lenet/pen_digits.npz``). Tests
that need MNIST or a browser skip with a reason when those are missing; with
LENET_REQUIRE_ALL=1 (set by CI) such a skip fails instead.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lenet import Classifier
from lenet.pen import PEN_DIGITS_FILE

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SHARED = ROOT.parent / "shared" / "data"
MNIST_DIR = Path(os.environ.get("LENET_MNIST_DIR", os.environ.get("LENET_DATA_DIR", SHARED / "mnist")))
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
    """A folder with the four MNIST files, or skip."""
    if not (MNIST_DIR / "t10k-images-idx3-ubyte.gz").exists() and not (MNIST_DIR / "t10k-images-idx3-ubyte").exists():
        skip_or_fail(f"MNIST not found in {MNIST_DIR} (set LENET_MNIST_DIR or LENET_DATA_DIR)")
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
