"""MNIST on disk: the IDX reader, a checksum-verified download, and training tensors.

The MD5s are those of the decompressed files, so a re-gzipped copy verifies too.
``load_mnist`` returns uint8 arrays; ``mnist_inputs`` runs them through the same
preprocessing that every drawing goes through, so training and inference agree.

MNIST lives in one place: the folder ``LENET_DATA_DIR`` names, else
``~/.cache/lenet/mnist`` (a ``--data-dir`` flag overrides both for one run).
``python -m lenet.data`` downloads and verifies the four files there.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import os
import urllib.error
import urllib.request
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from .preprocess import INPUT_SIZE, to_model_input

FILES = {
    "train-images": ("train-images-idx3-ubyte", "6bbc9ace898e44ae57da46a324031adb"),
    "train-labels": ("train-labels-idx1-ubyte", "a25bea736e30d166cdddb491f175f624"),
    "test-images": ("t10k-images-idx3-ubyte", "2646ac647ad5339dbf082846283269ea"),
    "test-labels": ("t10k-labels-idx1-ubyte", "27ae3e4e09519cfbb04c329615203637"),
}
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
TEST_FILES = ("test-images", "test-labels")  # all a test-set figure needs
DATA_DIR_ENV = "LENET_DATA_DIR"  # the folder holding (or to hold) the MNIST files
DEFAULT_DATA_DIR = Path(os.environ.get(DATA_DIR_ENV) or Path.home() / ".cache" / "lenet" / "mnist")


class DataError(RuntimeError):
    """MNIST is missing, corrupt or cannot be downloaded."""


def read_idx(path: Path) -> np.ndarray:
    """Read an IDX file (raw or .gz) into a numpy array."""
    raw = _read_bytes(path)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise DataError(f"{path} is not an unsigned-byte IDX file.")
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    start = 4 + 4 * ndim
    if len(raw) != start + int(np.prod(dims)):
        raise DataError(f"{path} is truncated: expected {dims} bytes of data.")
    return np.frombuffer(raw, dtype=np.uint8, offset=start).reshape(dims)


def _read_bytes(path: Path) -> bytes:
    with open(path, "rb") as f:
        head = f.read(2)
    opener = gzip.open if head == b"\x1f\x8b" else open
    with opener(path, "rb") as f:
        return f.read()


def _find(data_dir: Path, stem: str) -> Path | None:
    for name in (stem, stem + ".gz"):
        if (data_dir / name).is_file():
            return data_dir / name
    return None


def md5_of(path: Path) -> str:
    """MD5 of the decompressed contents of a (possibly gzipped) file."""
    return hashlib.md5(_read_bytes(path)).hexdigest()


def ensure_mnist(
    data_dir: Path | str | None = None, download: bool = True, keys: Iterable[str] = tuple(FILES)
) -> dict[str, Path]:
    """The paths of the MNIST files ``keys`` names (default: all four), downloading missing ones; all verified."""
    data_dir = Path(data_dir) if data_dir is not None else DEFAULT_DATA_DIR
    paths = {}
    for key in keys:
        stem, md5 = FILES[key]
        path = _find(data_dir, stem)
        if path is None:
            if not download:
                raise DataError(f"MNIST file {stem}(.gz) is not in {data_dir}.")
            path = _download(data_dir, stem, md5)
        got = md5_of(path)
        if got != md5:
            raise DataError(
                f"{path} has MD5 {got}, expected {md5}: the file is corrupt. Delete it and run again to re-download."
            )
        paths[key] = path
    return paths


def _download(data_dir: Path, stem: str, md5: str) -> Path:
    data_dir.mkdir(parents=True, exist_ok=True)
    target = data_dir / (stem + ".gz")
    errors = []
    for mirror in MIRRORS:
        url = mirror + stem + ".gz"
        try:
            print(f"downloading {url}")
            with urllib.request.urlopen(url, timeout=60) as r:
                payload = r.read()
        except (urllib.error.URLError, OSError) as e:
            errors.append(f"{url}: {e}")
            continue
        if hashlib.md5(gzip.decompress(payload)).hexdigest() != md5:
            errors.append(f"{url}: checksum mismatch")
            continue
        tmp = target.with_suffix(".part")
        tmp.write_bytes(payload)
        tmp.replace(target)
        return target
    raise DataError(
        f"Could not download MNIST ({stem}): " + "; ".join(errors) + ". If you are offline, copy the four MNIST "
        f"files (.gz or raw) into a folder and name it with {DATA_DIR_ENV} (or --data-dir)."
    )


def load_mnist(
    data_dir: Path | str | None = None, keys: Iterable[str] = tuple(FILES), download: bool = True
) -> dict[str, np.ndarray]:
    """The MNIST arrays ``keys`` names (default: all four): images (N, 28, 28) uint8 and labels (N,) uint8."""
    return {key: read_idx(path) for key, path in ensure_mnist(data_dir, download, keys).items()}


def mnist_inputs(images: np.ndarray) -> np.ndarray:
    """Preprocess MNIST digits into (N, 32, 32) float32 model inputs, as any drawing is."""
    out = np.empty((len(images), INPUT_SIZE, INPUT_SIZE), dtype=np.float32)
    for i, img in enumerate(images):
        out[i] = to_model_input(img)
    return out


def main(argv: list[str] | None = None) -> None:
    """python -m lenet.data: download (if missing) and verify the four MNIST files."""
    p = argparse.ArgumentParser(prog="python -m lenet.data", description=main.__doc__.split(": ", 1)[1])
    p.add_argument(
        "--data-dir", type=Path, default=None, help=f"folder for the MNIST files (default: {DEFAULT_DATA_DIR})"
    )
    args = p.parse_args(argv)
    try:
        paths = ensure_mnist(args.data_dir)
    except DataError as e:
        raise SystemExit(f"error: {e}") from None
    print(f"MNIST verified in {next(iter(paths.values())).parent}")


if __name__ == "__main__":
    main()
