"""python -m lenet.calibrate: fit the temperature that makes "97% sure" mean right 97% of the time.

The recipe's label smoothing leaves the network too modest: on writers it never
saw, what it reads at 95% is right more often than that. One temperature T,
``softmax(logits / T)``, fixes that without changing any digit read (dividing
every score by the same positive number keeps their order). T is fitted on the
cross-validation fold models (``python -m lenet.train --cv 3``): each reads the
pen digits of the writers it never trained on, the logits are pooled, and T
minimises their negative log-likelihood. The fold models share the bundled
weights' recipe, so their T is the bundled weights' T.

The record (``weights/calibration.json``) holds T, the expected calibration error
(``ECE_BINS`` equal-width confidence bins) before and after, the same after with
T fitted on the other folds only (a figure on digits the fit never saw), and the
sha256 of the checkpoint it applies to: ``Classifier.load`` uses T for exactly
those bytes, so the bundled checkpoint stays what its training command writes.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np

from .card import same_recipe, write_model_card
from .evaluate_pen import assign_models
from .inference import (
    CALIBRATION_FILE,
    DEFAULT_WEIGHTS,
    TEMPERATURE_RANGE,
    Classifier,
    checksum_path,
    load_checkpoint,
    sha256_of,
)
from .pen import PEN_DIGITS_FILE, PenDigits, render_with_progress

ECE_BINS = 10  # equal-width confidence bins: [0, 0.1), ..., [0.9, 1.0]
FIT_STEPS = 100  # golden-section steps on log T: the bracket shrinks by 0.618 each step, far below float precision


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Probabilities (N, 10) of logits (N, 10) at a temperature, in float64."""
    z = np.asarray(logits, dtype=np.float64) / temperature
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def nll(logits: np.ndarray, labels: np.ndarray, temperature: float) -> float:
    """Mean negative log-likelihood of the labels under ``softmax(logits / temperature)``."""
    z = np.asarray(logits, dtype=np.float64) / temperature
    top = z.max(axis=1, keepdims=True)
    log_total = np.log(np.exp(z - top).sum(axis=1)) + top[:, 0]
    return float(np.mean(log_total - z[np.arange(len(z)), labels]))


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """The temperature in ``TEMPERATURE_RANGE`` that minimises the NLL (golden-section search on log T)."""
    # The NLL is convex in 1/T, so it has one minimum on the bracket and the search finds it.
    lo, hi = (math.log(t) for t in TEMPERATURE_RANGE)
    g = (math.sqrt(5) - 1) / 2
    a, b = hi - g * (hi - lo), lo + g * (hi - lo)
    fa, fb = nll(logits, labels, math.exp(a)), nll(logits, labels, math.exp(b))
    for _ in range(FIT_STEPS):
        if fa <= fb:
            hi, b, fb = b, a, fa
            a = hi - g * (hi - lo)
            fa = nll(logits, labels, math.exp(a))
        else:
            lo, a, fa = a, b, fb
            b = lo + g * (hi - lo)
            fb = nll(logits, labels, math.exp(b))
    return math.exp((lo + hi) / 2)


def reliability(confidence: np.ndarray, correct: np.ndarray, bins: int = ECE_BINS) -> list[dict]:
    """Per equal-width confidence bin: its range, how many readings, their mean confidence and how many were right."""
    confidence, correct = np.asarray(confidence, dtype=np.float64), np.asarray(correct, dtype=bool)
    which = np.minimum((confidence * bins).astype(int), bins - 1)  # a confidence of exactly 1 is in the top bin
    out = []
    for b in range(bins):
        mine = which == b
        n = int(mine.sum())
        out.append(
            {
                "range": [b / bins, (b + 1) / bins],
                "n": n,
                "mean_confidence": float(confidence[mine].mean()) if n else None,
                "accuracy": float(correct[mine].mean()) if n else None,
            }
        )
    return out


def ece(confidence: np.ndarray, correct: np.ndarray, bins: int = ECE_BINS) -> float:
    """Expected calibration error: the readings-weighted mean of |accuracy - mean confidence| over the bins."""
    total = len(confidence)
    gaps = [
        r["n"] / total * abs(r["accuracy"] - r["mean_confidence"])
        for r in reliability(confidence, correct, bins)
        if r["n"]
    ]
    return float(sum(gaps))


def heldout_logits(
    clfs: list[Classifier], ds: PenDigits, seed: int = 0, workers: int = 2
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each pen digit's logits by the fold model that never saw its writer (the canvases of ``evaluate_pen``);
    with the labels and which model read each."""
    owner, writers = assign_models(clfs, ds)
    if writers != "writers unseen in training":
        raise ValueError(
            f"These checkpoints read {writers}: calibrate on fold models trained with --pen-fold, e.g. "
            "`python -m lenet.train --cv 3`."
        )
    index = np.flatnonzero(owner >= 0)
    inputs, _ = render_with_progress(ds, index, seed=seed, workers=workers, desc="held-out pen digits")
    logits = np.zeros((len(index), 10), dtype=np.float32)
    for k, clf in enumerate(clfs):
        mine = np.flatnonzero(owner[index] == k)
        if len(mine):
            logits[mine] = clf.logits(inputs[mine]).numpy()
    return logits, ds.labels[index].astype(np.int64), owner[index]


def figures(logits: np.ndarray, labels: np.ndarray, temperature: float) -> dict:
    """Accuracy, mean confidence, ECE and the reliability bins of logits read at a temperature."""
    probs = softmax(logits, temperature)
    confidence, correct = probs.max(axis=1), probs.argmax(axis=1) == labels
    return {
        "accuracy": float(correct.mean()),
        "mean_confidence": float(confidence.mean()),
        "ece": ece(confidence, correct),
        "nll": nll(logits, labels, temperature),
        "bins": reliability(confidence, correct),
    }


def calibrate(logits: np.ndarray, labels: np.ndarray, folds: np.ndarray) -> dict:
    """Fit T on all the pooled logits; measure before and after, and after with T fitted on the other folds only."""
    temperature = fit_temperature(logits, labels)
    cross = np.zeros(len(labels), dtype=np.float64)  # each digit's confidence with a T its own fold did not fit
    cross_t = []
    for k in np.unique(folds):
        mine = folds == k
        t = fit_temperature(logits[~mine], labels[~mine])
        cross[mine] = softmax(logits[mine], t).max(axis=1)
        cross_t.append(t)
    correct = logits.argmax(axis=1) == labels
    before, after = figures(logits, labels, 1.0), figures(logits, labels, temperature)
    return {
        "temperature": temperature,
        "ece_before": before["ece"],
        "ece_after": after["ece"],
        "ece_after_cross_fitted": ece(cross, correct),
        "cross_fitted_temperatures": cross_t,
        "accuracy": before["accuracy"],
        "n": int(len(labels)),
        "bins": ECE_BINS,
        "before": before,
        "after": after,
    }


def parser() -> argparse.ArgumentParser:
    """The CLI's flags."""
    p = argparse.ArgumentParser(prog="python -m lenet.calibrate", description=__doc__.splitlines()[0])
    p.add_argument(
        "--weights",
        type=Path,
        action="append",
        required=True,
        help="a cross-validation fold checkpoint (trained with --pen-fold); give each fold's once (required)",
    )
    p.add_argument(
        "--apply-to",
        type=Path,
        default=DEFAULT_WEIGHTS,
        help=f"the checkpoint the temperature is for; the record goes beside it as {CALIBRATION_FILE}, naming its "
        f"sha256 (default: {DEFAULT_WEIGHTS})",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the pen-digit rendering (default: 0)")
    p.add_argument("--workers", type=int, default=2, help="processes rendering pen digits (default: 2)")
    return p


def main(argv: list[str] | None = None) -> dict:
    """The calibration CLI: fit T on the folds' unseen writers, write the record beside ``--apply-to``."""
    argv = sys.argv[1:] if argv is None else argv
    p = parser()
    args = p.parse_args(argv)
    clfs = [Classifier.load(w) for w in args.weights]  # their logits: the raw scores, whatever their temperature
    load_checkpoint(args.apply_to)  # the weights the record names exist and match their recorded sha256
    shipped = _config(args.apply_to)
    if not shipped or not all((c := _config(w)) and same_recipe(shipped, c) for w in args.weights):
        p.error(
            f"the fold checkpoints were not all trained with the recipe of {args.apply_to} (see the metrics.json "
            "beside each): train them with `python -m lenet.train --cv 3`"
        )
    try:
        logits, labels, folds = heldout_logits(clfs, PenDigits.load(PEN_DIGITS_FILE), args.seed, args.workers)
    except ValueError as e:
        p.error(str(e))
    result = calibrate(logits, labels, folds)
    record = {
        "temperature": result["temperature"],
        "ece_before": result["ece_before"],
        "ece_after": result["ece_after"],
        "ece_after_cross_fitted": result["ece_after_cross_fitted"],
        "accuracy": result["accuracy"],
        "n": result["n"],
        "bins": result["bins"],
        "weights_sha256": (checksum_path(args.apply_to).read_text().split() or [""])[0],
        "fold_checkpoints": [sha256_of(w) for w in args.weights],
        "command": " ".join(["python -m lenet.calibrate", *argv]),
        "cross_fitted_temperatures": result["cross_fitted_temperatures"],
        "before": result["before"],
        "after": result["after"],
    }
    out = args.apply_to.parent / CALIBRATION_FILE
    out.write_text(json.dumps(record, indent=1) + "\n")
    write_model_card(args.apply_to.parent)  # metrics.json is there: the recipe check read it
    print(f"temperature {record['temperature']:.4f}, fitted on {record['n']:,} pen digits of unseen writers")
    print(
        f"expected calibration error ({ECE_BINS} bins): {record['ece_before']:.2%} before, "
        f"{record['ece_after']:.2%} after ({record['ece_after_cross_fitted']:.2%} with T fitted on the other folds)"
    )
    print(
        f"mean confidence {result['before']['mean_confidence']:.2%} -> {result['after']['mean_confidence']:.2%}, "
        f"accuracy {record['accuracy']:.2%}"
    )
    print(f"wrote {out}")
    return record


def _config(checkpoint: Path) -> dict | None:
    """The training config that the metrics.json beside a checkpoint records, if any."""
    beside = Path(checkpoint).parent / "metrics.json"
    return json.loads(beside.read_text()).get("config") if beside.is_file() else None


if __name__ == "__main__":
    main()
