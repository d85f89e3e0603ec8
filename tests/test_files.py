"""Real image files: every format, alpha, frames, EXIF orientations and bit depths lenet reads, and files it refuses.

The files and their manifest are written by ``python tools/make_test_images.py``; each is read from disk
through ``Classifier.predict``, as the CLI and the app read an upload, and must give its digit, or be
refused with its message. No file may be left open (a ResourceWarning fails the test).
"""

from __future__ import annotations

import gc
import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageOps

from lenet import BlankImageError, Classifier

FILES = Path(__file__).resolve().parent / "data" / "files"
MANIFEST = json.loads((FILES / "manifest.json").read_text())["files"]
MAX_TOTAL = 400 * 1024  # bytes: the set stays small in the repository


@pytest.mark.parametrize("entry", MANIFEST, ids=[e["file"] for e in MANIFEST])
def test_each_file_is_read_right_or_refused_saying_why(clf: Classifier, entry: dict) -> None:
    path = FILES / entry["file"]
    with warnings.catch_warnings():
        warnings.simplefilter("error", ResourceWarning)
        if "digit" in entry:
            assert clf.predict(path).digit == entry["digit"]
        else:
            with pytest.raises(ValueError) as info:
                clf.predict(path)
            assert entry["message"] in str(info.value)
            # Only blank images are blank: a file that cannot be read is not an empty canvas.
            assert isinstance(info.value, BlankImageError) == ("blank" in entry["message"])
        gc.collect()  # an unclosed file warns when it is collected


def test_the_set_covers_what_it_claims_and_stays_small() -> None:
    names = {e["file"] for e in MANIFEST}
    assert names == {p.name for p in FILES.iterdir()} - {"manifest.json"}, "run python tools/make_test_images.py"
    suffixes = {Path(n).suffix for n in names}
    assert {".png", ".jpg", ".webp", ".gif", ".bmp", ".tif"} <= suffixes
    assert {f"exif-orientation-{o}.jpg" for o in range(2, 9)} <= names
    assert sum("digit" in e for e in MANIFEST) >= 40
    assert sum((FILES / n).stat().st_size for n in names) <= MAX_TOTAL


@pytest.mark.parametrize("orientation", range(2, 9))
def test_the_exif_files_are_stored_sideways(orientation: int) -> None:
    """Each EXIF file's pixels are stored turned or mirrored: read without its tag, the digit would be wrong."""
    with Image.open(FILES / f"exif-orientation-{orientation}.jpg") as img:
        assert img.getexif()[0x0112] == orientation
        stored, upright = np.asarray(img.convert("L")), np.asarray(ImageOps.exif_transpose(img).convert("L"))
    assert stored.shape != upright.shape or np.abs(stored.astype(int) - upright).mean() > 5
