"""The model card of a weights folder (``README.md``): its ``metrics.json``, ``crossval.json``, ``calibration.json``.

``python -m lenet.train`` writes ``metrics.json`` and the card; ``python -m
lenet.train --cv 3`` writes the cross-validation by writer (``python -m
lenet.evaluate --record <folder>/crossval.json``) and the calibration (``python
-m lenet.calibrate``) and rewrites the card, so every figure in it comes from
one of those commands.
"""

from __future__ import annotations

import json
from pathlib import Path

from .model import LeNet

# Flags that differ between the cross-validation runs and the shipped run by design: which writers are held out
# (the split into folds does nothing in a run that holds out nobody) and where the checkpoint goes.
PER_RUN = ("pen_folds", "pen_fold", "out")


def same_recipe(shipped: dict, fold: dict) -> bool:
    """Whether a cross-validation run's config is the shipped run's but for the held-out writers and the output."""
    return {k: v for k, v in shipped.items() if k not in PER_RUN} == {k: v for k, v in fold.items() if k not in PER_RUN}


def parameter_count() -> int:
    """The number of trainable parameters of ``LeNet``, counted from the model itself."""
    return sum(p.numel() for p in LeNet().parameters())


def training_time(metrics: dict) -> str:
    """How long the recorded run took, as ``metrics.json`` says (wall time; CPU time and load when recorded)."""
    text = f"{metrics['training_seconds']:.0f} s of wall time"
    extra = []
    if "training_cpu_seconds" in metrics:
        extra.append(f"{metrics['training_cpu_seconds']:.0f} s of CPU time")
    if metrics.get("load_average"):
        extra.append(f"load average {metrics['load_average'][0]:.1f} at the end")
    return text + (f" ({', '.join(extra)})" if extra else "")


def byte_scope(metrics: dict) -> str:
    """Where the command gives the same bytes, and whether this run's kernels were pinned (when recorded)."""
    text = (
        "Byte for byte on x86-64 CPUs with AVX2 (`lenet.train` pins its kernels to AVX2, whatever the environment "
        "asks for); other architectures, such as ARM, reproduce the accuracy, not the bytes."
    )
    kernels = metrics.get("cpu_kernels")  # absent from runs recorded before the pins
    if kernels and not kernels["pinned"]:
        text += (
            f" This run's kernels were not pinned ({kernels['machine']}, ATen's {kernels['capability']} kernels), "
            "so its bytes are its CPU's own."
        )
    return text


def model_card(metrics: dict, crossval: dict | None = None, calibration: dict | None = None) -> str:
    """A short model card for the weights folder."""
    test = metrics["mnist_test"]
    pen = metrics["training_data"].get("pen")
    data = (
        f" and on {pen['train_digits']:,} canvases rendered from the real pen-drawn digits of "
        f"{len(pen['train_writers'])} writers (`{pen['file']}`: UNIPEN, CC BY 4.0)"
        if pen
        else ""
    )
    lines = [
        "# LeNet weights",
        "",
        f"`{metrics['checkpoint']}` is the PyTorch tutorial's LeNet ({parameter_count():,} parameters, "
        f"{metrics['checkpoint_bytes']:,} bytes), trained on MNIST's {metrics['training_data']['mnist']:,} training "
        f"digits (plus {metrics['training_data']['slashed_zeros']} zeros given a slash){data}, all through the same "
        "preprocessing that every drawing goes through, with random affine, elastic and stroke-thickness augmentation.",
        "",
        f"- MNIST test accuracy ({test['n']:,} digits, through `Classifier`): **{test['accuracy']:.2%}**",
    ]
    held = metrics.get("pen_heldout")
    if held:
        lines.append(
            f"- Real pen-drawn digits of the {len(pen['heldout_writers'])} writers held out of training "
            f"({held['n']:,} digits, rendered as sketchpad canvases): **{held['accuracy']:.2%}**"
        )
    lines += [
        f"- sha256: `{metrics['checkpoint_sha256']}` (also in `{metrics['checkpoint']}.sha256`, checked at every load)",
        f"- Trained in {training_time(metrics)} with {metrics['threads']} torch thread(s), torch "
        f"{metrics['torch_version']}, seed {metrics['seed']}, {metrics['epochs']} epochs, by the command below "
        "(the time is that run's, on a machine it may have shared with other jobs).",
        "",
        "Reproduce exactly, byte for byte, with (MNIST is downloaded and checksum-verified, or read from the folder "
        "that `LENET_DATA_DIR` names):",
        "",
        "```bash",
        metrics["command"],
        "```",
        "",
        "`metrics.json` holds the per-digit accuracy, the confusion matrix, the per-epoch history, the data "
        "checksums and the writers used. The thread count is part of the command: another count gives other bytes. "
        + byte_scope(metrics),
    ]
    if crossval:
        lines += ["", *crossval_section(metrics, crossval)]
    if calibration and calibration.get("weights_sha256") == metrics["checkpoint_sha256"]:
        lines += ["", *calibration_section(calibration)]
    return "\n".join(lines) + "\n"


def crossval_section(metrics: dict, crossval: dict) -> list[str]:
    """The card's lines about the cross-validation by writer (``crossval.json``)."""
    pen = crossval["pen_digits"]
    runs = crossval["models"]
    same = all(r["config"] and same_recipe(metrics["config"], r["config"]) for r in runs)
    weakest = min(pen["per_digit"], key=lambda d: pen["per_digit"][d])
    mnist = [r["mnist_test_accuracy"] for r in runs]
    each = [m["accuracy"] for m in pen.get("per_model", [])]
    spread = f" (folds {min(each):.2%}–{max(each):.2%})" if each else ""
    lines = [
        "## Accuracy on writers it never saw",
        "",
        f"The shipped weights saw every writer, so the unseen-writer figure comes from {len(runs)}-fold "
        "cross-validation by writer with "
        + ("the identical recipe" if same else "**a different recipe** (see `crossval.json`)")
        + f": each fold's model reads the pen digits of the writers it never trained on, {pen['n']:,} digits "
        "in all.",
        "",
        f"- Real pen-drawn digits, unseen writers: **{pen['accuracy']:.2%}**{spread}; weakest digit {weakest}: "
        f"{pen['per_digit'][weakest]:.2%}",
        "- Per style: " + ", ".join(f"{s} {a:.2%}" for s, a in pen["per_style"].items()),
        f"- MNIST test accuracy of the fold models: {min(mnist):.2%}–{max(mnist):.2%}",
        f"- {crossval['common_mistakes']}",
        "",
        f"`python -m lenet.train --cv {len(runs)}` runs these commands (the fold trainings two at a time), then the "
        "calibration below:",
        "",
        "```bash",
        *[r["command"] for r in runs],
        crossval["command"],
        "```",
    ]
    return lines


def calibration_section(calibration: dict) -> list[str]:
    """The card's lines about the confidence's calibration (``calibration.json``)."""
    return [
        "## Confidence",
        "",
        f"`Classifier` shows softmax(logits / T) with T = {calibration['temperature']:.3f}, fitted on the "
        f"fold models' readings of the {calibration['n']:,} pen digits of writers they never saw, so that a reading "
        f"shown at 95% is right about 95% of the time: the expected calibration error ({calibration['bins']} bins) "
        f"falls from {calibration['ece_before']:.2%} to {calibration['ece_after']:.2%} "
        f"({calibration['ece_after_cross_fitted']:.2%} with T fitted on the other folds only). T never changes the "
        "digit read. It applies to these exact bytes (`calibration.json` names their sha256); other weights read "
        "with T = 1.",
        "",
        "```bash",
        calibration["command"],
        "```",
    ]


def write_model_card(folder: Path) -> Path:
    """(Re)write ``folder/README.md`` from the ``metrics.json`` and, if present, ``crossval.json`` there."""
    folder = Path(folder)
    metrics = json.loads((folder / "metrics.json").read_text())
    records = [folder / "crossval.json", folder / "calibration.json"]
    crossval, calibration = (json.loads(r.read_text()) if r.is_file() else None for r in records)
    card = folder / "README.md"
    card.write_text(model_card(metrics, crossval, calibration))
    return card
