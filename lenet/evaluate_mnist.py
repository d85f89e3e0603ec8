"""MNIST test accuracy through ``Classifier``, and ``score``: the accuracy figures every evaluation reports.

Only the test files are read (and, when missing, downloaded): a test-set figure needs no training images.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from tqdm import tqdm

from .data import TEST_FILES, load_mnist
from .inference import Classifier

CHUNK = 1000  # MNIST test digits per predict_batch call


def score(preds: np.ndarray, labels: np.ndarray) -> dict:
    """Accuracy, per-digit accuracy and the confusion matrix (rows: true digit, columns: read as)."""
    labels = np.asarray(labels).astype(np.int64)
    confusion = np.zeros((10, 10), dtype=np.int64)
    np.add.at(confusion, (labels, np.asarray(preds).astype(np.int64)), 1)
    counts = confusion.sum(1)
    return {
        "n": int(len(labels)),
        "accuracy": float(confusion.trace() / max(len(labels), 1)),
        "per_digit": {d: float(confusion[d, d] / counts[d]) for d in range(10) if counts[d]},
        "confusion_matrix": confusion.tolist(),
    }


def evaluate_mnist(clf: Classifier, data_dir: Path | None = None, limit: int | None = None) -> dict:
    """MNIST test accuracy, overall, per digit and as a confusion matrix, through ``predict_batch``."""
    data = load_mnist(data_dir, TEST_FILES)
    images, labels = data["test-images"][:limit], data["test-labels"][:limit]
    preds = []
    for i in tqdm(range(0, len(images), CHUNK), desc="MNIST test", leave=False, disable=None):
        preds.extend(p.digit for p in clf.predict_batch(images[i : i + CHUNK]))
    return score(np.array(preds), labels)
