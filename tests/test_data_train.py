"""MNIST files (IDX reading, checksums), the bundled pen digits, training data, augmentation and a smoke run."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from lenet import Classifier, to_model_input
from lenet.data import FILES, TEST_FILES, DataError, ensure_mnist, load_mnist, md5_of, mnist_inputs, read_idx
from lenet.inference import DEFAULT_WEIGHTS, WEIGHTS_DIR, checksum_path, sha256_of
from lenet.pen import PEN_DIGITS_FILE, PenDigits
from lenet.train import RUNS_DIR, TrainConfig, augment, parse_args, slash_zeros, training_set

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="module")
def mnist() -> dict[str, np.ndarray]:
    with np.load(DATA / "mnist_sample.npz") as z:
        return {k: z[k] for k in z.files}


def idx_bytes(array: np.ndarray) -> bytes:
    """An unsigned-byte IDX file: magic 0x00000800 + ndim, big-endian dimensions, then the data."""
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


@pytest.fixture
def fake_mnist(tmp_path: Path, mnist: dict[str, np.ndarray]) -> Path:
    """A folder with the four MNIST file names (gzip IDX) holding the sample: well-formed, wrong checksums."""
    folder = tmp_path / "mnist"
    folder.mkdir()
    for key, (stem, _) in FILES.items():
        array = mnist["images"] if key.endswith("images") else mnist["labels"]
        (folder / f"{stem}.gz").write_bytes(gzip.compress(idx_bytes(array)))
    return folder


# -- IDX files and checksums ---------------------------------------------------------------------------


def test_read_idx_reads_raw_and_gzip(tmp_path: Path, mnist: dict[str, np.ndarray]) -> None:
    for name, array in (("images", mnist["images"]), ("labels", mnist["labels"])):
        raw = tmp_path / f"{name}-idx-ubyte"
        raw.write_bytes(idx_bytes(array))
        gz = tmp_path / f"{name}-idx-ubyte.gz"
        gz.write_bytes(gzip.compress(idx_bytes(array)))
        for path in (raw, gz):
            got = read_idx(path)
            assert got.dtype == np.uint8
            np.testing.assert_array_equal(got, array)


def test_read_idx_refuses_other_files(tmp_path: Path, mnist: dict[str, np.ndarray]) -> None:
    not_idx = tmp_path / "notes.txt"
    not_idx.write_text("hello, world")
    truncated = tmp_path / "truncated-idx3-ubyte"
    truncated.write_bytes(idx_bytes(mnist["images"])[:-100])
    floats = tmp_path / "floats-idx3-ubyte"  # type code 0x0D: float32, not unsigned bytes
    floats.write_bytes(bytes([0, 0, 0x0D, 1]) + (4).to_bytes(4, "big") + np.zeros(4, ">f4").tobytes())
    for path in (not_idx, truncated, floats):
        with pytest.raises(DataError, match=path.name):
            read_idx(path)


def test_md5_is_of_the_decompressed_bytes(tmp_path: Path, mnist: dict[str, np.ndarray]) -> None:
    payload = idx_bytes(mnist["labels"])
    raw, gz = tmp_path / "labels", tmp_path / "labels.gz"
    raw.write_bytes(payload)
    gz.write_bytes(gzip.compress(payload))
    assert md5_of(raw) == md5_of(gz) == hashlib.md5(payload).hexdigest()


def test_ensure_mnist_refuses_files_with_the_wrong_checksum(fake_mnist: Path) -> None:
    with pytest.raises(DataError, match=r"(?s)train-images-idx3-ubyte\.gz.*MD5.*corrupt"):
        ensure_mnist(fake_mnist, download=False)


def test_ensure_mnist_without_the_files_and_no_download(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=str(tmp_path)):
        ensure_mnist(tmp_path, download=False)


def test_ensure_mnist_finds_a_corrupt_copy_among_good_ones(tmp_path: Path, mnist_dir: Path) -> None:
    stems = {stem for stem, _ in FILES.values()}
    for path in mnist_dir.iterdir():
        if path.name.removesuffix(".gz") in stems:
            (tmp_path / path.name).symlink_to(path)
    labels = tmp_path / "t10k-labels-idx1-ubyte"
    good = read_idx(mnist_dir / "t10k-labels-idx1-ubyte.gz")
    for old in tmp_path.glob("t10k-labels*"):
        old.unlink()
    flipped = good.copy()
    flipped[123] = (flipped[123] + 1) % 10  # one label changed: a well-formed file, the wrong data
    labels.write_bytes(idx_bytes(flipped))
    with pytest.raises(DataError, match=r"t10k-labels-idx1-ubyte.*corrupt"):
        ensure_mnist(tmp_path, download=False)
    labels.write_bytes(idx_bytes(good))  # a raw (not gzipped) copy of the right data verifies
    assert set(ensure_mnist(tmp_path, download=False)) == set(FILES)


def test_data_command_verifies_mnist_where_it_lies(mnist_dir: Path, capsys: pytest.CaptureFixture) -> None:
    from lenet.data import main

    main(["--data-dir", str(mnist_dir)])  # all four files present: verified, nothing downloaded
    assert capsys.readouterr().out.strip() == f"MNIST verified in {mnist_dir}"


# -- the bundled pen digits ------------------------------------------------------------------------------


def test_bundled_pen_digits_match_the_checksum_the_weights_were_trained_on() -> None:
    metrics = json.loads((WEIGHTS_DIR / "metrics.json").read_text())
    pen = metrics["training_data"]["pen"]
    assert pen["file"] == "lenet/pen_digits.npz"
    assert md5_of(PEN_DIGITS_FILE) == pen["file_md5"]
    ds = PenDigits.load()
    assert len(ds) == 9121 and len({ds.writer(i) for i in range(len(ds))}) == 140
    assert len(pen["train_writers"]) == 140 and pen["heldout_writers"] == []
    assert (PEN_DIGITS_FILE.parent / "pen_digits.LICENSE.md").read_text().count("CC BY 4.0") >= 1


def test_default_training_configuration_finds_the_pen_digits_without_a_path() -> None:
    for cfg in (TrainConfig(), parse_args([])):
        assert cfg.pen_digits == PEN_DIGITS_FILE and cfg.pen_digits.is_file()
        assert cfg.out.parent.parent == RUNS_DIR  # runs/<timestamp>/lenet.pt: never the bundled weights
    assert parse_args(["--mnist-only"]).pen_digits is None
    assert parse_args(["--out", "weights/lenet.pt"]).out == Path("weights/lenet.pt")


def test_pen_fold_must_be_one_of_the_folds(capsys: pytest.CaptureFixture) -> None:
    assert parse_args(["--pen-folds", "3", "--pen-fold", "2"]).pen_fold == 2
    for argv in (["--pen-folds", "3", "--pen-fold", "3"], ["--pen-fold", "-1"], ["--pen-folds", "1"]):
        with pytest.raises(SystemExit):
            parse_args(argv)
        assert "--pen-fold" in capsys.readouterr().err


def test_ensure_mnist_fetches_only_the_files_asked_for(tmp_path: Path, mnist_dir: Path) -> None:
    # A test-set figure needs the test files only: with no training files present, it is still found.
    for key in TEST_FILES:
        stem = FILES[key][0]
        source = next(p for p in (mnist_dir / stem, mnist_dir / f"{stem}.gz") if p.is_file())
        (tmp_path / source.name).symlink_to(source)
    assert set(ensure_mnist(tmp_path, download=False, keys=TEST_FILES)) == set(TEST_FILES)
    with pytest.raises(DataError, match="train-images"):
        ensure_mnist(tmp_path, download=False)


# -- training data and augmentation -----------------------------------------------------------------------


def test_mnist_inputs_preprocess_like_any_drawing(mnist: dict[str, np.ndarray]) -> None:
    images = mnist["images"][:5]
    inputs = mnist_inputs(images)
    assert inputs.shape == (5, 32, 32) and inputs.dtype == np.float32
    for x, image in zip(inputs, images, strict=True):
        np.testing.assert_array_equal(x, to_model_input(image))


def test_training_set_adds_slashed_zeros(mnist: dict[str, np.ndarray]) -> None:
    raw = {"train-images": mnist["images"], "train-labels": mnist["labels"]}
    x, y, info = training_set(TrainConfig(slashed_zeros=0.5, seed=3, pen_digits=None), raw, log=lambda _: None)
    zeros = int((mnist["labels"] == 0).sum())
    assert info == {"mnist": 300, "slashed_zeros": round(zeros * 0.5)}
    assert x.shape == (300 + info["slashed_zeros"], 1, 32, 32) and y.shape == (len(x),)
    assert y.dtype == torch.int64 and (y[300:] == 0).all()
    assert 0 <= float(x.min()) and float(x.max()) <= 1


def test_training_set_adds_pen_digits_of_the_training_writers_only(mnist: dict[str, np.ndarray]) -> None:
    raw = {"train-images": mnist["images"][:50], "train-labels": mnist["labels"][:50]}
    cfg = TrainConfig(slashed_zeros=0, pen_digits=DATA / "pen_sample.npz", pen_folds=3, pen_fold=1, pen_repeats=2)
    x, y, info = training_set(cfg, raw, log=lambda _: None)
    pen, ds = info["pen"], PenDigits.load(DATA / "pen_sample.npz")
    assert not set(pen["train_writers"]) & set(pen["heldout_writers"]) and pen["fold"] == "1 of 3"
    trained = [i for i in range(len(ds)) if ds.writer(i) in set(pen["train_writers"])]
    assert 0 < len(trained) < len(ds) and pen["train_digits"] == 2 * len(trained) == len(x) - 50
    assert y[50:].tolist() == 2 * ds.labels[trained].tolist()
    assert not torch.equal(x[50 : 50 + len(trained)], x[50 + len(trained) :])  # each repeat drawn anew


def test_slash_zeros_only_adds_ink(mnist: dict[str, np.ndarray]) -> None:
    zeros = mnist["images"][mnist["labels"] == 0][:5]
    slashed = slash_zeros(zeros, np.random.default_rng(0))
    assert slashed.shape == zeros.shape and slashed.dtype == np.uint8
    assert (slashed >= zeros).all()
    # A slash crosses the ring's hole: ink appears in the middle of every zero.
    assert all(
        (s[10:18, 10:18] > 128).sum() > (z[10:18, 10:18] > 128).sum() for s, z in zip(slashed, zeros, strict=True)
    )


def test_augment_keeps_shape_and_range_and_is_seeded(mnist: dict[str, np.ndarray], clf: Classifier) -> None:
    x = torch.from_numpy(mnist_inputs(mnist["images"]))[:, None]
    a = augment(x, torch.Generator().manual_seed(0))
    assert a.shape == x.shape and float(a.min()) >= 0 and float(a.max()) <= 1
    assert torch.equal(a, augment(x, torch.Generator().manual_seed(0)))
    assert not torch.equal(a, augment(x, torch.Generator().manual_seed(1)))
    assert not torch.equal(a, x)
    # Distorted, not destroyed. Calibration (seeds 0-3): every digit keeps >= 23 % of its ink
    # (median 95 %), and the bundled weights still read 98.3-99 % of them.
    assert (a.sum(dim=(1, 2, 3)) > 0.15 * x.sum(dim=(1, 2, 3))).all()
    digits = np.array([p.digit for p in clf.predict_inputs(a[:, 0].numpy())])
    assert (digits == mnist["labels"]).mean() >= 0.98


# -- a training run ----------------------------------------------------------------------------------------


@pytest.mark.slow
def test_training_smoke_run_writes_a_loadable_checkpoint(tmp_path: Path, mnist_dir: Path) -> None:
    # lenet.train accepts only MNIST files with the canonical checksums, so this needs the real data
    # (where lenet.data looks: LENET_DATA_DIR); the pen digits are the ones bundled in the package.
    bundled = sha256_of(DEFAULT_WEIGHTS)
    out = tmp_path / "run" / "lenet.pt"
    args = ["--data-dir", str(mnist_dir), "--limit", "256", "--epochs", "1", "--pen-repeats", "1", "--out", str(out)]
    result = subprocess.run(
        [sys.executable, "-m", "lenet.train", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    assert result.returncode == 0, result.stderr
    assert "MNIST test accuracy" in result.stdout
    clf = Classifier.load(out)
    assert clf.meta["seed"] == 0 and "command" not in clf.meta  # so the same run gives the same bytes
    metrics = json.loads((out.parent / "metrics.json").read_text())
    assert metrics["mnist_test"]["n"] == 256 and "--limit 256" in metrics["command"]
    # The saved checkpoint is the model that was scored: it reads the 256 test digits exactly as recorded.
    test = load_mnist(mnist_dir, TEST_FILES, download=False)
    digits = np.array([p.digit for p in clf.predict_inputs(mnist_inputs(test["test-images"][:256]))])
    labels = test["test-labels"][:256]
    assert metrics["mnist_test"]["accuracy"] == float((digits == labels).mean())
    confusion = np.zeros((10, 10), int)
    np.add.at(confusion, (labels, digits), 1)
    assert metrics["mnist_test"]["confusion_matrix"] == confusion.tolist()
    assert metrics["training_cpu_seconds"] > 0 and len(metrics["load_average"]) == 3  # Linux has one
    assert metrics["checkpoint_sha256"] == checksum_path(out).read_text().split()[0] == sha256_of(out)
    assert metrics["data_md5"] == {key: md5 for key, (_, md5) in FILES.items()}
    pen = metrics["training_data"]["pen"]
    assert pen["file"] == "lenet/pen_digits.npz" and pen["file_md5"] == md5_of(PEN_DIGITS_FILE)
    assert pen["train_digits"] == 256
    assert "--limit 256" in (out.parent / "README.md").read_text()
    assert sha256_of(DEFAULT_WEIGHTS) == bundled, "the smoke run touched the bundled weights"
