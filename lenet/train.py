"""python -m lenet.train: train LeNet on MNIST and write the checkpoint, metrics and model card.

MNIST digits go through the same preprocessing as every drawing, then are
augmented on the fly (random affine, elastic distortion, stroke thickness) so
the network also reads the thicker, thinner, tilted and wobbly digits people
draw. The run is seeded and deterministic. Functions return metrics; ``main``
prints them.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from .data import DEFAULT_DATA_DIR, ensure_mnist, md5_of, mnist_inputs, read_idx
from .inference import WEIGHTS_DIR, Classifier, save_checkpoint
from .model import LeNet
from .preprocess import MNIST_MEAN, MNIST_STD

DEFAULTS = {
    "epochs": 14,
    "batch_size": 128,
    "lr": 3e-3,
    "weight_decay": 1e-4,
    "seed": 0,
    "out": WEIGHTS_DIR / "lenet.pt",
}
# Augmentation strengths: what people draw that MNIST lacks.
ROTATE_DEG = 12.0
SHEAR = 0.25
SCALE = (0.85, 1.1)
SHIFT_PX = 1.5
ELASTIC_PX = 1.5  # largest displacement of the elastic field, in input px
THICKNESS_P = 0.5  # chance of thinning or thickening a digit's strokes


def augment(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Random affine + elastic warp + stroke thickness on a batch (N, 1, 32, 32) in [0, 1]."""
    n = x.shape[0]

    def uniform(lo: float, hi: float, *shape: int) -> torch.Tensor:
        return lo + (hi - lo) * torch.rand(*(shape or (n,)), generator=gen)

    angle = uniform(-ROTATE_DEG, ROTATE_DEG) * math.pi / 180
    shear = uniform(-SHEAR, SHEAR)
    scale = uniform(*SCALE)
    aspect = uniform(0.9, 1.1)
    cos, sin = torch.cos(angle), torch.sin(angle)
    # The output->input map of affine_grid: rotation @ shear, divided by the scale.
    a = torch.stack([cos, -sin + cos * shear, sin, cos + sin * shear], 1).view(n, 2, 2)
    a = a / torch.stack([scale * aspect, scale], 1).view(n, 1, 2)
    shift = uniform(-SHIFT_PX, SHIFT_PX, n, 2) * 2 / x.shape[-1]
    theta = torch.cat([a, shift.view(n, 2, 1)], 2)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    # Elastic: a smooth random field, from a coarse 4x4 grid of displacements.
    coarse = uniform(-1, 1, n, 2, 4, 4) * (ELASTIC_PX * 2 / x.shape[-1])
    field = F.interpolate(coarse, size=x.shape[-2:], mode="bicubic", align_corners=True)
    grid = grid + field.permute(0, 2, 3, 1)
    out = F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    # Stroke thickness: blend towards a 3x3 dilation or erosion by a random amount.
    dilated = F.max_pool2d(out, 3, 1, 1)
    eroded = -F.max_pool2d(-out, 3, 1, 1)
    amount = uniform(-1, 1).view(n, 1, 1, 1) * (torch.rand(n, 1, 1, 1, generator=gen) < THICKNESS_P)
    thick = torch.where(amount > 0, out + amount * (dilated - out), out + (-amount) * 0.7 * (eroded - out))
    return thick.clamp_(0, 1)


def evaluate(model: LeNet, inputs: np.ndarray, labels: np.ndarray) -> dict:
    """Accuracy, per-class accuracy and the confusion matrix of preprocessed inputs."""
    preds = np.array([p.digit for p in Classifier(model).predict_inputs(inputs)])
    confusion = np.zeros((10, 10), dtype=np.int64)
    np.add.at(confusion, (labels.astype(np.int64), preds), 1)
    per_class = confusion.diagonal() / np.maximum(confusion.sum(1), 1)
    return {
        "accuracy": float((preds == labels).mean()),
        "per_class_accuracy": [round(float(a), 5) for a in per_class],
        "confusion_matrix": confusion.tolist(),
        "n": int(len(labels)),
    }


def train(
    data_dir: Path | None = None,
    epochs: int = DEFAULTS["epochs"],
    batch_size: int = DEFAULTS["batch_size"],
    lr: float = DEFAULTS["lr"],
    weight_decay: float = DEFAULTS["weight_decay"],
    seed: int = DEFAULTS["seed"],
    limit: int | None = None,
    log=print,
) -> tuple[LeNet, dict]:
    """Train a LeNet on MNIST; return it and its metrics (test accuracy per epoch and final)."""
    started = time.time()
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    gen = torch.Generator().manual_seed(seed)
    paths = ensure_mnist(data_dir)
    raw = {key: read_idx(path) for key, path in paths.items()}
    train_x, train_y = raw["train-images"], raw["train-labels"]
    test_x, test_y = raw["test-images"], raw["test-labels"]
    if limit:
        train_x, train_y, test_x, test_y = train_x[:limit], train_y[:limit], test_x[:limit], test_y[:limit]
    log(f"preprocessing {len(train_x)} training and {len(test_x)} test digits")
    train_in = torch.from_numpy(mnist_inputs(train_x))[:, None]
    test_in = mnist_inputs(test_x)
    targets = torch.from_numpy(train_y.astype(np.int64))

    model = LeNet()
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    steps_per_epoch = math.ceil(len(train_in) / batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=epochs * steps_per_epoch, pct_start=0.15)
    history = []
    for epoch in range(1, epochs + 1):
        model.train()
        order = torch.randperm(len(train_in), generator=gen)
        total_loss, seen = 0.0, 0
        for step in range(steps_per_epoch):
            idx = order[step * batch_size : (step + 1) * batch_size]
            x = augment(train_in[idx], gen)
            x = (x - MNIST_MEAN) / MNIST_STD
            loss = F.cross_entropy(model(x), targets[idx], label_smoothing=0.05)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total_loss += loss.item() * len(idx)
            seen += len(idx)
            _progress(epoch, epochs, step + 1, steps_per_epoch, total_loss / seen)
        model.eval()
        acc = evaluate(model, test_in, test_y)["accuracy"]
        history.append({"epoch": epoch, "loss": round(total_loss / seen, 5), "test_accuracy": acc})
        log(f"epoch {epoch}/{epochs}: loss {total_loss / seen:.4f}, MNIST test accuracy {acc:.4%}")

    metrics = {
        "mnist_test": evaluate(model, test_in, test_y),
        "history": history,
        "epochs": epochs,
        "batch_size": batch_size,
        "lr": lr,
        "weight_decay": weight_decay,
        "seed": seed,
        "limit": limit,
        "train_size": int(len(train_x)),
        "data_md5": {key: md5_of(path) for key, path in paths.items()},
        "training_seconds": round(time.time() - started, 1),
        "torch_version": torch.__version__,
        "python_version": platform.python_version(),
        "threads": torch.get_num_threads(),
    }
    return model.eval(), metrics


def _progress(epoch: int, epochs: int, step: int, steps: int, loss: float) -> None:
    if not sys.stderr.isatty() and step != steps:
        return
    width = 30
    done = int(width * step / steps)
    bar = "#" * done + "." * (width - done)
    end = "\n" if step == steps else ""
    print(f"\repoch {epoch}/{epochs} [{bar}] {step}/{steps} loss {loss:.4f}", end=end, file=sys.stderr)


def write_outputs(model: LeNet, metrics: dict, out: Path, command: str) -> dict:
    """Write the checkpoint, metrics.json and the model card beside it; return the metrics."""
    out = Path(out)
    meta = {"mnist_test_accuracy": metrics["mnist_test"]["accuracy"], "seed": metrics["seed"], "command": command}
    metrics["checkpoint"] = out.name
    metrics["checkpoint_sha256"] = save_checkpoint(model, out, meta)
    metrics["checkpoint_bytes"] = out.stat().st_size
    metrics["command"] = command
    (out.parent / "metrics.json").write_text(json.dumps(metrics, indent=1) + "\n")
    (out.parent / "README.md").write_text(model_card(metrics))
    return metrics


def model_card(metrics: dict) -> str:
    """A short model card for the weights folder."""
    test = metrics["mnist_test"]
    pen = metrics.get("pen_digits")
    pen_line = (
        f"- Real pen-drawn digits (UNIPEN dev set, {pen['n']} digits rendered as sketchpad canvases): "
        f"**{pen['accuracy']:.2%}**\n"
        if pen
        else ""
    )
    return f"""# LeNet weights

`{metrics["checkpoint"]}` is the PyTorch tutorial's LeNet (81,194 parameters, {metrics["checkpoint_bytes"]:,} bytes),
trained on MNIST's 60,000 training digits after the same preprocessing that every drawing goes through,
with random affine, elastic and stroke-thickness augmentation.

- MNIST test accuracy ({test["n"]:,} digits, through `Classifier`): **{test["accuracy"]:.2%}**
{pen_line}- sha256: `{metrics["checkpoint_sha256"]}` (also in `{metrics["checkpoint"]}.sha256`, checked at every load)
- Trained in {metrics["training_seconds"]:.0f} s on {metrics["threads"]} CPU threads with torch
  {metrics["torch_version"]}, seed {metrics["seed"]}, {metrics["epochs"]} epochs.

Reproduce exactly with:

```bash
{metrics["command"]}
```

Without `--data-dir` the command downloads MNIST and verifies its checksums. `metrics.json` holds the
per-class accuracy, the confusion matrix, the per-epoch history and the data checksums.
"""


def main(argv: list[str] | None = None) -> dict:
    """The training CLI."""
    p = argparse.ArgumentParser(prog="python -m lenet.train", description=__doc__.splitlines()[0])
    p.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help=f"folder with the MNIST files, downloaded there if missing (default: {DEFAULT_DATA_DIR})",
    )
    p.add_argument("--epochs", type=int, default=DEFAULTS["epochs"], help=f"epochs (default: {DEFAULTS['epochs']})")
    p.add_argument(
        "--batch-size", type=int, default=DEFAULTS["batch_size"], help=f"batch size (default: {DEFAULTS['batch_size']})"
    )
    p.add_argument("--lr", type=float, default=DEFAULTS["lr"], help=f"peak learning rate (default: {DEFAULTS['lr']})")
    p.add_argument(
        "--weight-decay",
        type=float,
        default=DEFAULTS["weight_decay"],
        help=f"AdamW weight decay (default: {DEFAULTS['weight_decay']})",
    )
    p.add_argument("--seed", type=int, default=DEFAULTS["seed"], help=f"random seed (default: {DEFAULTS['seed']})")
    p.add_argument(
        "--out",
        type=Path,
        default=DEFAULTS["out"],
        help="checkpoint path; metrics.json and README.md go beside it (default: weights/lenet.pt)",
    )
    p.add_argument(
        "--limit",
        type=int,
        default=None,
        help="use only the first N training and test digits, for smoke runs (default: all)",
    )
    p.add_argument("--dry-run", action="store_true", help="a quick smoke run: 1 epoch on 512 digits (default: off)")
    args = p.parse_args(argv)
    if args.dry_run:
        args.epochs, args.limit = 1, args.limit or 512
    command = "python -m lenet.train" + "".join(f" {a}" for a in (argv if argv is not None else sys.argv[1:]))
    model, metrics = train(
        args.data_dir, args.epochs, args.batch_size, args.lr, args.weight_decay, args.seed, args.limit
    )
    metrics = write_outputs(model, metrics, args.out, command)
    print(f"MNIST test accuracy: {metrics['mnist_test']['accuracy']:.4%}")
    print("per class: " + "  ".join(f"{d}:{a:.2%}" for d, a in enumerate(metrics["mnist_test"]["per_class_accuracy"])))
    print(f"wrote {args.out} ({metrics['checkpoint_bytes']:,} bytes, sha256 {metrics['checkpoint_sha256'][:12]}…)")
    return metrics


if __name__ == "__main__":
    main()
