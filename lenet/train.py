"""python -m lenet.train: train LeNet on MNIST and the bundled pen digits; write the checkpoint, metrics and model card.

MNIST digits and the real pen-drawn digits bundled with the package
(``lenet/pen_digits.npz``, rendered as sketchpad canvases) go through the same
preprocessing as every drawing, then are augmented on the fly (random affine,
elastic distortion, stroke thickness) so the network also reads the thicker,
thinner, tilted and wobbly digits people draw. The run is seeded and
deterministic for a given thread count, and byte for byte the same on any
x86-64 CPU with AVX2: ``main`` pins torch's CPU kernels to AVX2 (``KERNEL_PINS``).
A run writes into ``runs/<timestamp>/`` unless ``--out`` says otherwise; the
bundled weights are replaced only by an explicit ``--out weights/lenet.pt``.
Functions return metrics; ``main`` prints them.

``--cv 3`` is the cross-validation by writer in one command: the fold models of
the bundled weights' recipe into ``runs/cv/<k>/``, each read on the writers it
never saw (``weights/crossval.json``), and the calibration fitted on those
readings (``weights/calibration.json``): each step the recorded command, run as
a subprocess.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import os
import platform
import shlex
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw
from tqdm import tqdm

from . import corrections
from .card import same_recipe, write_model_card
from .data import DEFAULT_DATA_DIR, DataError, ensure_mnist, md5_of, mnist_inputs, read_idx
from .evaluate_mnist import score
from .inference import CALIBRATION_FILE, Classifier, save_checkpoint, sha256_of
from .model import LeNet
from .pen import PEN_DIGITS_FILE, PenDigits, render_with_progress, split_writers
from .preprocess import MNIST_MEAN, MNIST_STD

ROOT = Path(__file__).resolve().parent.parent
# In the repository, runs/ beside weights/ (git ignores it); installed (pip install .), under the current folder.
RUNS_DIR = (ROOT if (ROOT / "pyproject.toml").is_file() else Path.cwd()) / "runs"


def default_out() -> Path:
    """A fresh run folder, ``runs/<timestamp>/lenet.pt``: a run never overwrites the bundled weights by accident."""
    return RUNS_DIR / time.strftime("%Y%m%d-%H%M%S") / "lenet.pt"


@dataclass
class TrainConfig:
    """Everything that determines a training run (the CLI's flags)."""

    data_dir: Path | None = None
    epochs: int = 20
    batch_size: int = 128
    lr: float = 3e-3
    weight_decay: float = 1e-4
    label_smoothing: float = 0.05
    ema: float = 0.999
    seed: int = 0
    limit: int | None = None
    slashed_zeros: float = 0.1
    pen_digits: Path | None = PEN_DIGITS_FILE
    pen_folds: int = 4
    pen_fold: int | None = None
    pen_repeats: int = 3
    threads: int | None = None
    corrections: Path | None = None
    out: Path = field(default_factory=default_out)


DEFAULTS = TrainConfig()
# Augmentation strengths: what people draw that MNIST lacks.
ROTATE_DEG = 12.0
SHEAR = 0.25
SCALE = (0.85, 1.1)
SHIFT_PX = 1.5
ELASTIC_PX = 1.5  # largest displacement of the elastic field, in input px
THICKNESS_P = 0.5  # chance of thinning or thickening a digit's strokes
TRAIN_CANVAS = (160, 400)  # pen digits for training are rendered small: the preprocessing makes size moot
DRY_RUN_LIMIT = 512  # --dry-run: this many MNIST training, MNIST test and pen digits, for one epoch
# ATen, oneDNN and MKL each pick their CPU kernels by instruction set, and kernels for different instruction sets
# round differently: on an AVX-512 CPU the same command gave other bytes. Pinned to AVX2, every x86-64 CPU with
# AVX2 runs the same kernels. The variables are read when torch loads, so main() starts a pinned process.
KERNEL_PINS = {"ATEN_CPU_CAPABILITY": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2", "MKL_CBWR": "AVX2"}
X86 = platform.machine().lower() in ("x86_64", "amd64")  # the pins name x86 instruction sets


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
    """Accuracy, per-digit accuracy and the confusion matrix of preprocessed (N, 32, 32) inputs."""
    return score(np.array([p.digit for p in Classifier(model).predict_inputs(inputs)]), labels)


def slash_zeros(images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Draw a slash through MNIST zeros (28x28, white on black), as many people write 0."""
    out = np.empty_like(images)
    for k, img in enumerate(images):
        ys, xs = np.nonzero(img > 64)
        top, bottom, left, right = ys.min(), ys.max(), xs.min(), xs.max()
        cx, cy = (left + right) / 2, (top + bottom) / 2
        half = (bottom - top) / 2 * rng.uniform(1.0, 1.35)  # from below-left to above-right, past the ring
        lean = rng.uniform(0.2, 0.8) * (right - left) / 2
        canvas = Image.new("L", (28 * 4, 28 * 4), 0)
        ImageDraw.Draw(canvas).line(
            [((cx - lean) * 4 + 2, (cy + half) * 4 + 2), ((cx + lean) * 4 + 2, (cy - half) * 4 + 2)],
            fill=255,
            width=int(rng.integers(7, 11)),
        )
        out[k] = np.maximum(img, np.asarray(canvas.reduce(4)))
    return out


def training_set(cfg: TrainConfig, raw: dict[str, np.ndarray], log=print) -> tuple[torch.Tensor, torch.Tensor, dict]:
    """Preprocessed training inputs (N, 1, 32, 32) and labels: MNIST, slashed zeros, optional pen digits."""
    rng = np.random.default_rng(cfg.seed)
    images, labels = raw["train-images"], raw["train-labels"]
    if cfg.limit:
        images, labels = images[: cfg.limit], labels[: cfg.limit]
    zeros = np.flatnonzero(labels == 0)
    chosen = rng.choice(zeros, size=round(len(zeros) * cfg.slashed_zeros), replace=False)
    parts = [mnist_inputs(images), mnist_inputs(slash_zeros(images[chosen], rng))]
    targets = [labels, labels[chosen]]
    info: dict = {"mnist": len(images), "slashed_zeros": len(chosen)}
    if cfg.pen_digits:
        ds = PenDigits.load(cfg.pen_digits)
        train_idx, held_idx = split_writers(ds, cfg.pen_folds, cfg.pen_fold, cfg.seed)
        train_idx = train_idx[: cfg.limit]
        log(f"rendering {len(train_idx)} pen digits x{cfg.pen_repeats}; {len(held_idx)} held out by writer")
        for r in range(cfg.pen_repeats):
            desc = f"pen digits {r + 1}/{cfg.pen_repeats}"
            pen_in, _ = render_with_progress(ds, train_idx, cfg.seed + 1000 + r, TRAIN_CANVAS, desc=desc)
            parts.append(pen_in)
            targets.append(ds.labels[train_idx])
        info["pen"] = {
            "file": _shown(cfg.pen_digits),
            "file_md5": md5_of(cfg.pen_digits),
            "train_digits": len(train_idx) * cfg.pen_repeats,
            "train_writers": sorted({ds.writer(int(i)) for i in train_idx}),
            "heldout_writers": sorted({ds.writer(int(i)) for i in held_idx}),
            "fold": None if cfg.pen_fold is None else f"{cfg.pen_fold} of {cfg.pen_folds}",
        }
    if cfg.corrections:  # users' corrections collected by the app (lenet.corrections)
        inputs, digits, info["corrections"] = corrections.training_inputs(cfg.corrections)
        log(f"{len(digits)} corrections from {cfg.corrections}")
        parts.append(inputs)
        targets.append(digits)
    x = torch.from_numpy(np.concatenate(parts))[:, None]
    y = torch.from_numpy(np.concatenate(targets).astype(np.int64))
    return x, y, info


def train(cfg: TrainConfig, log=print) -> tuple[LeNet, dict]:
    """Train a LeNet; return it and its metrics (MNIST test accuracy per epoch and final)."""
    started, cpu_started = time.time(), cpu_seconds()
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    torch.use_deterministic_algorithms(True)
    gen = torch.Generator().manual_seed(cfg.seed)
    paths = ensure_mnist(cfg.data_dir)
    raw = {key: read_idx(path) for key, path in paths.items()}
    test_x, test_y = raw["test-images"][: cfg.limit], raw["test-labels"][: cfg.limit]
    log("preprocessing the training and test digits")
    train_in, targets, data_info = training_set(cfg, raw, log)
    test_in = mnist_inputs(test_x)

    model = LeNet()
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    steps_per_epoch = math.ceil(len(train_in) / cfg.batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=cfg.lr, total_steps=cfg.epochs * steps_per_epoch, pct_start=0.15
    )
    ema = copy.deepcopy(model) if cfg.ema else None
    history = []
    for epoch in range(1, cfg.epochs + 1):
        model.train()
        order = torch.randperm(len(train_in), generator=gen)
        total_loss, seen = 0.0, 0
        bar = tqdm(range(steps_per_epoch), desc=f"epoch {epoch}/{cfg.epochs}", unit="batch", leave=False, disable=None)
        for step in bar:
            idx = order[step * cfg.batch_size : (step + 1) * cfg.batch_size]
            x = (augment(train_in[idx], gen) - MNIST_MEAN) / MNIST_STD
            loss = F.cross_entropy(model(x), targets[idx], label_smoothing=cfg.label_smoothing)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            if ema is not None:
                with torch.no_grad():
                    for e, q in zip(ema.parameters(), model.parameters(), strict=True):
                        e.lerp_(q, 1 - cfg.ema)
            total_loss += loss.item() * len(idx)
            seen += len(idx)
            if step % 20 == 0:
                bar.set_postfix(loss=f"{total_loss / seen:.4f}", refresh=False)
        bar.close()
        if ema is not None and epoch == cfg.epochs:
            model = ema
        model.eval()
        acc = evaluate(model, test_in, test_y)["accuracy"]
        history.append({"epoch": epoch, "loss": round(total_loss / seen, 5), "test_accuracy": acc})
        log(f"epoch {epoch}/{cfg.epochs}: loss {total_loss / seen:.4f}, MNIST test accuracy {acc:.4%}")

    config = recorded_config(cfg)
    metrics = {
        "mnist_test": evaluate(model, test_in, test_y),
        "history": history,
        "config": config,
        "seed": cfg.seed,
        "epochs": cfg.epochs,
        "threads_note": "torch intra-op threads used; results are deterministic for a given seed and thread count",
        "training_data": data_info,
        "data_md5": {key: md5_of(path) for key, path in paths.items()},
        "training_seconds": round(time.time() - started, 1),
        "training_cpu_seconds": round(cpu_seconds() - cpu_started, 1),
        "load_average": load_average(),  # at the end: how busy the machine was
        "torch_version": torch.__version__,
        "python_version": platform.python_version(),
        "threads": torch.get_num_threads(),
        "cpu_kernels": cpu_kernels(),
    }
    if cfg.pen_digits and cfg.pen_fold is not None:
        ds = PenDigits.load(cfg.pen_digits)
        held = np.flatnonzero([ds.writer(i) in set(data_info["pen"]["heldout_writers"]) for i in range(len(ds))])
        pen_in, _ = render_with_progress(ds, held, seed=0, desc="held-out pen digits")
        metrics["pen_heldout"] = evaluate(model, pen_in, ds.labels[held])
        log(
            f"pen digits of {len(data_info['pen']['heldout_writers'])} held-out writers: "
            f"{metrics['pen_heldout']['accuracy']:.4%}"
        )
    return model.eval(), metrics


def recorded_config(cfg: TrainConfig) -> dict:
    """The recipe as metrics.json records it: paths relative to the repository, no corrections key without them."""
    # A run without corrections records the recipe as before they existed, so recipes stay comparable.
    return {
        k: (_shown(v) if isinstance(v, Path) else v)
        for k, v in asdict(cfg).items()
        if k != "corrections" or v is not None
    }


def kernel_pins() -> dict[str, str]:
    """The environment that pins torch's CPU kernels to AVX2 (``KERNEL_PINS``), or {} on a CPU without AVX2."""
    # torch.cpu's flags come from the hardware (cpuinfo), whatever ATEN_CPU_CAPABILITY asks for.
    return dict(KERNEL_PINS) if X86 and torch.cpu._is_avx2_supported() else {}


def cpu_kernels() -> dict:
    """What this process's kernels were chosen for: the CPU, the instruction set ATen uses, and the pins in effect."""
    capability = torch.backends.cpu.get_cpu_capability()  # what ATen chose: "AVX2" when pinned
    environment = {k: os.environ.get(k) for k in KERNEL_PINS}
    pinned = bool(kernel_pins()) and environment == KERNEL_PINS and capability == "AVX2"
    if pinned:
        note = "kernels pinned to AVX2: the same command gives the same bytes on any x86-64 CPU with AVX2"
    elif not kernel_pins():
        note = "no AVX2 on this CPU, so no pins: the bytes are not expected to match a pinned run's, the accuracy is"
    else:
        note = "kernels not pinned (train() called without lenet.train's main): the bytes are this CPU's own"
    return {
        "machine": platform.machine(),
        "capability": capability,
        "avx2": bool(kernel_pins()),
        "avx512": X86 and torch.cpu._is_avx512_supported(),
        "environment": environment,
        "pinned": pinned,
        "note": note,
    }


def run_pinned(argv: list[str], pins: dict[str, str]) -> None:
    """Run ``python -m lenet.train argv`` again in a Python whose environment holds the pins; exit with its status."""
    # ATen, oneDNN and MKL read their variables when torch loads them, and `import lenet` loads torch before this
    # module runs, so setting them here would be too late: only a new process takes them. A child rather than
    # os.exec*: on Windows exec starts a new process and hands the prompt back at once.
    try:
        code = subprocess.run([sys.executable, "-m", "lenet.train", *argv], env={**os.environ, **pins}).returncode
    except KeyboardInterrupt:
        code = 130
    raise SystemExit(code)


def cpu_seconds() -> float:
    """CPU time (user + system) of this process and of its finished children (the rendering workers)."""
    t = os.times()  # the children's part is 0 on Windows
    return t.user + t.system + t.children_user + t.children_system


def load_average() -> list[float] | None:
    """The machine's load average over 1, 5 and 15 min (None where the system has none, as on Windows)."""
    return [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None


def _shown(path: Path) -> str:
    """A path as metrics.json records it: relative to the repository when inside it, so no machine's layout leaks."""
    path = Path(path).resolve()
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def write_outputs(model: LeNet, metrics: dict, out: Path, command: str) -> dict:
    """Write the checkpoint, metrics.json and the model card (with crossval.json's figures if present) beside it."""
    out = Path(out)
    meta = {
        "mnist_test_accuracy": metrics["mnist_test"]["accuracy"],
        "seed": metrics["seed"],
        "pen_training": metrics["training_data"].get("pen", {}),
    }
    metrics["checkpoint"] = out.name
    metrics["checkpoint_sha256"] = save_checkpoint(model, out, meta)
    metrics["checkpoint_bytes"] = out.stat().st_size
    metrics["command"] = command
    (out.parent / "metrics.json").write_text(json.dumps(metrics, indent=1) + "\n")
    write_model_card(out.parent)
    return metrics


FLAG_HELP = {
    "data_dir": f"folder with the MNIST files, downloaded there if missing (default: {DEFAULT_DATA_DIR})",
    "epochs": "training epochs",
    "batch_size": "batch size",
    "lr": "peak learning rate of the one-cycle schedule",
    "weight_decay": "AdamW weight decay",
    "label_smoothing": "label smoothing of the cross-entropy loss",
    "ema": "decay of an exponential moving average of the weights, which is what gets saved (0: off)",
    "seed": "random seed: the same seed gives the same weights",
    "limit": "use only the first N MNIST training and test digits and N pen digits, for smoke runs",
    "slashed_zeros": "fraction of MNIST zeros added again with a slash through them",
    "pen_digits": "pen-digit .npz whose digits (but a held-out fold's) join the training data, rendered as "
    "canvases (default: the set bundled in the package, lenet/pen_digits.npz)",
    "pen_folds": "pen-digit writers fall into this many folds, for cross-validation by writer",
    "pen_fold": "hold this fold's writers out of training, to measure accuracy on unseen writers (default: none)",
    "threads": "torch CPU threads (default: torch's choice, the number of cores)",
    "pen_repeats": "how many differently rendered canvases of each training pen digit",
    "corrections": "a folder of users' corrections (the app's LENET_CORRECTIONS_DIR) to train on too, checked and "
    "deduplicated; metrics.json records their count and checksum (default: none)",
    "out": "checkpoint path; metrics.json and README.md go beside it (default: a new runs/<timestamp>/lenet.pt: "
    "the bundled weights are replaced only when this names weights/lenet.pt)",
}


def parse_args(argv: list[str] | None = None) -> TrainConfig:
    """The CLI's flags -> a TrainConfig."""
    p = argparse.ArgumentParser(prog="python -m lenet.train", description=__doc__.splitlines()[0])
    for name in TrainConfig.__dataclass_fields__:
        default = getattr(DEFAULTS, name)
        ints = ("epochs", "batch_size", "seed", "limit", "pen_repeats", "pen_folds", "pen_fold", "threads")
        kind = int if name in ints else None
        kind = kind or (Path if name in ("data_dir", "pen_digits", "corrections", "out") else float)
        shown = "all" if name == "limit" else ("none" if default is None else default)
        help_text = FLAG_HELP[name] + ("" if "(default" in FLAG_HELP[name] else f" (default: {shown})")
        p.add_argument("--" + name.replace("_", "-"), type=kind, default=default, help=help_text)
    p.add_argument(
        "--mnist-only", action="store_true", help="train on MNIST alone, without the pen digits (default: off)"
    )
    p.add_argument(
        "--cv",
        type=int,
        metavar="K",
        help="instead of one model, the cross-validation by writer with the bundled weights' recipe: train K fold "
        "models into runs/cv/, evaluate them into weights/crossval.json and fit the calibration into "
        "weights/calibration.json; `--cv 3 --help` lists its flags (default: off)",
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help=f"a quick smoke run: 1 epoch on the first {DRY_RUN_LIMIT} MNIST training digits (and their slashed "
        f"zeros) and {DRY_RUN_LIMIT} pen digits (each drawn pen-repeats times), tested on the first {DRY_RUN_LIMIT} "
        "MNIST test digits; an explicit limit wins (default: off)",
    )
    args = vars(p.parse_args(argv))
    if args.pop("cv") is not None:
        p.error("--cv takes only its own flags: see `python -m lenet.train --cv 3 --help`")
    if args["pen_folds"] < 2:
        p.error(f"--pen-folds must be at least 2 (got {args['pen_folds']})")
    fold = args["pen_fold"]
    if fold is not None and not 0 <= fold < args["pen_folds"]:
        p.error(
            f"--pen-fold must be one of 0..{args['pen_folds'] - 1} for --pen-folds {args['pen_folds']} (got {fold}): "
            "fold numbers count from 0"
        )
    if args.pop("mnist_only"):
        args["pen_digits"] = None
    if args.pop("dry_run"):
        args["epochs"], args["limit"] = 1, args["limit"] or DRY_RUN_LIMIT
    return TrainConfig(**args)


def main(argv: list[str] | None = None) -> dict:
    """The training CLI: train, write the checkpoint, metrics and model card, print the figures.

    Where the CPU has AVX2 but the environment lacks ``KERNEL_PINS`` (or asks for other kernels), it runs the same
    command in a pinned process instead and exits with that process's status.
    """
    argv = sys.argv[1:] if argv is None else argv
    if any(a == "--cv" or a.startswith("--cv=") for a in argv):
        return cross_validate_main(argv)
    cfg = parse_args(argv)  # --help and bad flags are answered here, before any second process
    pins = kernel_pins()
    if any(os.environ.get(k) != v for k, v in pins.items()):
        run_pinned(argv, pins)
    try:
        model, metrics = train(cfg)
    except DataError as e:
        raise SystemExit(f"error: {e}") from None
    metrics = write_outputs(model, metrics, cfg.out, " ".join(["python -m lenet.train", *argv]))
    print(f"MNIST test accuracy: {metrics['mnist_test']['accuracy']:.4%}")
    print("per digit: " + "  ".join(f"{d}:{a:.2%}" for d, a in metrics["mnist_test"]["per_digit"].items()))
    if "pen_heldout" in metrics:
        print(f"pen digits, held-out writers: {metrics['pen_heldout']['accuracy']:.4%}")
    print(f"wrote {cfg.out} ({metrics['checkpoint_bytes']:,} bytes, sha256 {metrics['checkpoint_sha256'][:12]}...)")
    return metrics


# -- python -m lenet.train --cv K -------------------------------------------------------------------

CV_JOBS = 2  # fold trainings at once, one torch thread each: one per core of a 2-core machine


def fold_command(k: int, folds: int) -> str:
    """The training command of cross-validation fold ``k`` of ``folds``: the bundled recipe, writers of fold k out."""
    return f"python -m lenet.train --pen-folds {folds} --pen-fold {k} --threads 1 --out runs/cv/{k}/lenet.pt"


def cv_commands(folds: int) -> dict[str, list[str] | str]:
    """Every command of ``--cv``: the fold trainings, the evaluation and the calibration, as recorded."""
    weights = " ".join(f"--weights runs/cv/{k}/lenet.pt" for k in range(folds))
    return {
        "folds": [fold_command(k, folds) for k in range(folds)],
        "evaluate": f"python -m lenet.evaluate --no-mnist --pen-digits {weights} --record weights/crossval.json",
        "calibrate": f"python -m lenet.calibrate {weights}",
    }


def check_recipe(folds: int, weights_dir: Path) -> None:
    """Refuse fold commands whose recipe is not the bundled weights' (their metrics.json) but for the writers."""
    beside = weights_dir / "metrics.json"
    if not beside.is_file():
        raise SystemExit(f"error: no {beside}: --cv compares the folds' recipe with the bundled weights' recipe there.")
    shipped = json.loads(beside.read_text())["config"]
    for command in cv_commands(folds)["folds"]:
        fold = recorded_config(parse_args(shlex.split(command)[3:]))
        if not same_recipe(shipped, fold):
            differ = sorted(k for k in set(shipped) | set(fold) if shipped.get(k) != fold.get(k))
            raise SystemExit(
                f"error: `{command}` would not train with the recipe of {beside} (they differ in "
                f"{', '.join(differ)}): the cross-validation must measure the bundled recipe."
            )


def run_commands(commands: list[tuple[str, Path]], jobs: int, cwd: Path) -> list[int]:
    """Run ``python -m ...`` commands as subprocesses, at most ``jobs`` at once, each's output into its log file;
    return their exit codes in order."""
    env = {**os.environ, **kernel_pins()}  # pinned already: a training need not start a second process
    pending, running, codes = list(enumerate(commands)), {}, [0] * len(commands)
    try:
        while pending or running:
            while pending and len(running) < jobs:
                i, (command, log) = pending.pop(0)
                log.parent.mkdir(parents=True, exist_ok=True)
                out = open(log, "w")  # closed when its process ends
                argv = [sys.executable, *shlex.split(command)[1:]]
                running[i] = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT), out
                print(f"  started: {command} (log: {_shown(log)})", flush=True)
            time.sleep(0.5)
            for i, (proc, out) in list(running.items()):
                if proc.poll() is not None:
                    out.close()
                    codes[i] = proc.returncode
                    del running[i]
    finally:
        for proc, out in running.values():  # interrupted: stop what this started
            proc.terminate()
            proc.wait()
            out.close()
    return codes


def cross_validate(
    folds: int,
    reuse: bool = False,
    jobs: int = CV_JOBS,
    root: Path | None = None,
    runner=run_commands,
    command: str = "python -m lenet.train --cv 3",
) -> dict:
    """Train the fold models, evaluate them on their unseen writers and fit the calibration; return the timings.

    ``root`` is the repository (runs/ and weights/ in it); ``runner`` runs a list of (command, log) as
    ``run_commands`` does (tests replace it).
    """
    root = Path(root or ROOT)
    weights_dir = root / "weights"
    check_recipe(folds, weights_dir)
    commands = cv_commands(folds)
    recorded_path = weights_dir / "crossval.json"
    recorded = json.loads(recorded_path.read_text()) if recorded_path.is_file() else {}
    # Each fold's recorded bytes, by the fold it held out (the bytes, not how the path was spelled, are what count).
    recorded_sha = {
        (m.get("config") or {}).get("pen_fold"): m.get("checkpoint_sha256") for m in recorded.get("models", [])
    }
    started = time.time()
    todo, reused = [], []
    for k in range(folds):
        checkpoint = root / "runs" / "cv" / str(k) / "lenet.pt"
        if reuse and checkpoint.is_file() and recorded_sha.get(k) == sha256_of(checkpoint):
            reused.append(k)
            print(f"fold {k}: kept {_shown(checkpoint)} (its sha256 is the one weights/crossval.json records)")
        else:
            todo.append(k)
    if todo:
        print(f"training {len(todo)} fold model(s), {min(jobs, len(todo))} at a time, one thread each:", flush=True)
    codes = runner([(commands["folds"][k], root / "runs" / "cv" / str(k) / "train.log") for k in todo], jobs, root)
    failed = [k for k, code in zip(todo, codes, strict=True) if code]
    if failed:
        raise SystemExit(f"error: fold(s) {failed} failed: see runs/cv/<k>/train.log")
    trained = time.time()
    print(f"evaluating the fold models on their unseen writers and fitting the calibration ({min(jobs, 2)} at once):")
    logs = root / "runs" / "cv"
    steps = [(commands["evaluate"], logs / "evaluate.log"), (commands["calibrate"], logs / "calibrate.log")]
    codes = runner(steps, min(jobs, 2), root)
    if any(codes):
        raise SystemExit(f"error: `{steps[codes.index(max(codes))][0]}` failed: see its log in runs/cv/")
    checkpoints = [root / "runs" / "cv" / str(k) / "lenet.pt" for k in range(folds)]
    shas = [sha256_of(c) if c.is_file() else None for c in checkpoints]
    run = {
        "command": command,
        "wall_seconds": round(time.time() - started, 1),
        "training_seconds": round(trained - started, 1),
        "evaluation_seconds": round(time.time() - trained, 1),
        "trained": todo,
        "reused": reused,
        "same_as_recorded": [recorded_sha.get(k) == sha for k, sha in enumerate(shas)],
        "jobs": jobs,
        "cpu_count": os.cpu_count(),
        "load_average": load_average(),  # at the end: how busy the machine was
    }
    if recorded_path.is_file():  # how this crossval.json was made: by this command, in this time
        written = json.loads(recorded_path.read_text())
        recorded_path.write_text(json.dumps({**written, "cv_run": run}, indent=1) + "\n")
    if (weights_dir / "metrics.json").is_file():
        write_model_card(weights_dir)  # with both records, whichever of the two finished last
    return run


def cross_validate_main(argv: list[str]) -> dict:
    """``python -m lenet.train --cv K``: its own flags, the run, the figures and the wall time."""
    p = argparse.ArgumentParser(
        prog="python -m lenet.train --cv K",
        description="Cross-validation by writer with the bundled weights' recipe, in one command: "
        + "; then ".join(["the fold trainings", "their evaluation", "the calibration"])
        + ". Each step runs its recorded command; `python -m lenet.train --cv 3` shows them.",
    )
    p.add_argument("--cv", type=int, required=True, metavar="K", help="number of folds of writers (the record: 3)")
    p.add_argument(
        "--reuse",
        action="store_true",
        help="keep a fold checkpoint that exists and has the sha256 weights/crossval.json records for its command, "
        "instead of training it again (default: off)",
    )
    p.add_argument(
        "--jobs", type=int, default=CV_JOBS, help=f"fold trainings at once, one thread each (default: {CV_JOBS})"
    )
    args = p.parse_args(argv)
    if args.cv < 2:
        p.error(f"--cv must be at least 2 (got {args.cv})")
    if args.jobs < 1:
        p.error(f"--jobs must be at least 1 (got {args.jobs})")
    if not (ROOT / "pyproject.toml").is_file():
        p.error("--cv runs in a clone of the repository: it writes runs/cv/ and weights/ there")
    result = cross_validate(args.cv, args.reuse, args.jobs, command=" ".join(["python -m lenet.train", *argv]))
    crossval = json.loads((ROOT / "weights" / "crossval.json").read_text())
    pen = crossval["pen_digits"]
    folds = [m["accuracy"] for m in pen.get("per_model", [])]
    print(
        f"unseen writers, {args.cv} folds pooled: {pen['accuracy']:.2%} of {pen['n']:,}"
        + (f" (folds {min(folds):.2%}-{max(folds):.2%})" if folds else "")
    )
    calibration = json.loads((ROOT / "weights" / CALIBRATION_FILE).read_text())
    print(
        f"calibration: T = {calibration['temperature']:.3f}, expected calibration error "
        f"{calibration['ece_before']:.2%} -> {calibration['ece_after']:.2%}"
    )
    reused = f", {len(result['reused'])} fold(s) reused" if result["reused"] else ""
    print(
        f"wall time {result['wall_seconds'] / 60:.1f} min (training {result['training_seconds'] / 60:.1f} min, "
        f"evaluation and calibration {result['evaluation_seconds'] / 60:.1f} min{reused})"
    )
    return result


if __name__ == "__main__":
    main()
