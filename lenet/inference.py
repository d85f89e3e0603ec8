"""Classifier: load a checkpoint safely and classify drawings and photos.

Every caller (the app, the CLI, the evaluation, the tests) goes through
``Classifier``: image -> ``preprocess.to_model_input`` -> ``LeNet`` -> ``Prediction``.
Checkpoints hold tensors and primitives only; they load with ``weights_only=True``
and ``strict=True``, and the bundled one is checked against its recorded sha256.

Every probability shown is ``softmax(logits / T)``. The temperature T comes from
the ``calibration.json`` that ``python -m lenet.calibrate`` writes beside a
checkpoint, and only when its recorded sha256 is the loaded file's: the bundled
weights stay byte for byte what their training command gives, and any other
checkpoint reads with T = 1. A temperature never changes which digit wins; the
number reader splits a drawing on the network's raw confidences
(``Classifier.raw_confidences``), so its readings do not depend on T either.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from . import adapt, number
from .model import ARCH, LeNet
from .preprocess import BOX_SIZE, FRAME_SIZE, INPUT_SIZE, MNIST_MEAN, MNIST_STD, normalize, to_model_input

# The bundled weights: inside the package when installed (the wheel maps the repository's weights/ to
# lenet/weights), else the repository's top-level weights/ folder, their one copy.
_PACKAGED_WEIGHTS = Path(__file__).resolve().parent / "weights"
WEIGHTS_DIR = _PACKAGED_WEIGHTS if _PACKAGED_WEIGHTS.is_dir() else Path(__file__).resolve().parent.parent / "weights"
DEFAULT_WEIGHTS = WEIGHTS_DIR / "lenet.pt"
WEIGHTS_ENV = "LENET_WEIGHTS"  # a checkpoint to load instead of the bundled one (the app's too)
CHECKPOINT_FORMAT = "lenet-checkpoint/1"
CALIBRATION_FILE = "calibration.json"  # beside a checkpoint: its temperature (python -m lenet.calibrate)
TEMPERATURE_RANGE = (0.05, 20.0)  # a recorded temperature outside this is refused, as a damaged record
# The preprocessing a checkpoint was trained with; a checkpoint that disagrees is refused.
GEOMETRY = {"input_size": INPUT_SIZE, "frame_size": FRAME_SIZE, "box_size": BOX_SIZE}
NORMALIZATION = {"mean": MNIST_MEAN, "std": MNIST_STD}


class CheckpointError(ValueError):
    """A weights file that is missing, corrupt, tampered with or not a LeNet checkpoint."""


@dataclass(frozen=True)
class Prediction:
    """What the network made of one image."""

    digit: int
    confidence: float
    probabilities: tuple[float, ...]
    model_input: np.ndarray = field(repr=False)  # (32, 32) in [0, 1], ink = 1: what the network saw
    maps: dict[str, np.ndarray] | None = field(default=None, repr=False)  # every stage, C1..OUTPUT, when asked
    network_digit: int | None = None  # read with a writer's examples: what the network alone reads (lenet.adapt)
    temperature: float = 1.0  # the probabilities are softmax(logits / temperature) (lenet.calibrate)

    @property
    def adapted(self) -> bool:
        """Whether the writer's examples changed the digit from the network's own reading."""
        return self.network_digit is not None and self.network_digit != self.digit

    def top(self, k: int = 3) -> list[tuple[int, float]]:
        """The k most probable digits with their probabilities, best first."""
        order = np.argsort(self.probabilities)[::-1][:k]
        return [(int(d), float(self.probabilities[d])) for d in order]


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def checksum_path(path: Path) -> Path:
    """Where a checkpoint's recorded sha256 lives: beside it, as ``<name>.sha256``."""
    return path.with_name(path.name + ".sha256")


def save_checkpoint(model: LeNet, path: Path, meta: dict[str, Any] | None = None) -> str:
    """Write model weights with their architecture and preprocessing; record and return the sha256."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "format": CHECKPOINT_FORMAT,
        "arch": ARCH,
        "geometry": GEOMETRY,
        "normalization": NORMALIZATION,
        "meta": meta or {},
        "state_dict": {k: v.detach().cpu().clone() for k, v in model.state_dict().items()},
    }
    torch.save(payload, path)
    digest = sha256_of(path)
    checksum_path(path).write_text(f"{digest}  {path.name}\n")
    return digest


def load_checkpoint(path: Path | str, verify: bool = True) -> tuple[LeNet, dict[str, Any]]:
    """Load a checkpoint into a LeNet in eval mode; refuse anything doubtful with CheckpointError."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"No weights file at {path}: train one with `python -m lenet.train`.")
    recorded = checksum_path(path)
    if verify:
        if not recorded.is_file():
            raise CheckpointError(
                f"{path} has no recorded sha256 beside it ({recorded.name}): checkpoints written by "
                "`python -m lenet.train` have one. Restore it, or retrain."
            )
        expected = (recorded.read_text().split() or [""])[0]
        actual = sha256_of(path)
        if actual != expected:
            raise CheckpointError(
                f"{path} does not match its recorded sha256 ({recorded.name}): the file is corrupt or was "
                "changed. Restore it from the repository or retrain with `python -m lenet.train`."
            )
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # torch raises many types for a damaged or unsafe file
        raise CheckpointError(
            f"{path} is not a loadable LeNet checkpoint ({type(e).__name__}): restore it or retrain."
        ) from e
    if not isinstance(payload, dict) or payload.get("format") != CHECKPOINT_FORMAT:
        raise CheckpointError(f"{path} is not a {CHECKPOINT_FORMAT} file.")
    for key, want in (("arch", ARCH), ("geometry", GEOMETRY), ("normalization", NORMALIZATION)):
        if payload.get(key) != want:
            raise CheckpointError(f"{path} was made for another {key} ({payload.get(key)!r}), not {want!r}.")
    model = LeNet()
    try:
        model.load_state_dict(payload["state_dict"], strict=True)
    except (RuntimeError, KeyError, TypeError) as e:
        raise CheckpointError(f"{path} does not hold LeNet weights: {e}") from e
    if not all(torch.isfinite(p).all() for p in model.parameters()):
        raise CheckpointError(f"{path} holds non-finite weights: retrain it.")
    meta = payload.get("meta", {})
    if not isinstance(meta, dict):
        raise CheckpointError(f"{path} has malformed metadata ({type(meta).__name__}): restore it or retrain.")
    return model.eval(), meta


def calibrated_temperature(path: Path | str, sha256: str) -> float:
    """The temperature that ``calibration.json`` beside a checkpoint records for exactly these bytes, else 1."""
    record = Path(path).with_name(CALIBRATION_FILE)
    if not record.is_file():
        return 1.0
    try:
        data = json.loads(record.read_text())
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise CheckpointError(
            f"{record} is not readable JSON ({type(e).__name__}): restore it, or write it again with "
            "`python -m lenet.calibrate`."
        ) from e
    if not isinstance(data, dict) or data.get("weights_sha256") != sha256:
        return 1.0  # the record is another checkpoint's: these weights are not calibrated
    t = data.get("temperature")
    lo, hi = TEMPERATURE_RANGE
    if isinstance(t, bool) or not isinstance(t, (int, float)) or not math.isfinite(t) or not lo <= t <= hi:
        raise CheckpointError(
            f"{record} records a temperature of {t!r}, not a number in [{lo}, {hi}]: restore it, or write it again "
            "with `python -m lenet.calibrate`."
        )
    return float(t)


class Classifier:
    """A LeNet with its preprocessing: ``predict`` and ``predict_batch`` on any image."""

    def __init__(self, model: LeNet, meta: dict[str, Any] | None = None, temperature: float = 1.0) -> None:
        self.model = model.eval()
        self.meta = meta or {}
        self.temperature = float(temperature)  # probabilities are softmax(logits / temperature)

    @classmethod
    def load(cls, path: Path | str | None = None) -> Classifier:
        """The checkpoint at ``path``, else the one $LENET_WEIGHTS names, else the bundled weights."""
        from_env = path is None and bool(os.environ.get(WEIGHTS_ENV))
        if path is None:
            path = os.environ[WEIGHTS_ENV] if from_env else DEFAULT_WEIGHTS
        try:
            model, meta = load_checkpoint(path)
        except CheckpointError as e:
            if not from_env:
                raise
            raise CheckpointError(f"{e} ({WEIGHTS_ENV} names it: fix it, or unset it for the bundled weights.)") from e
        # load_checkpoint checked the file against its recorded sha256, so the record names these bytes.
        sha256 = (checksum_path(Path(path)).read_text().split() or [""])[0]
        return cls(model, meta, calibrated_temperature(path, sha256))

    def predict(self, image: Any, maps: bool = False, examples: Any = None) -> Prediction:
        """Classify one image; with ``maps=True`` also return every stage's activations (C1..OUTPUT); ``examples``,
        the writer's own digits ``[{"strokes": [...], "digit": 4}, ...]``, adapt the reading (``lenet.adapt``)."""
        memory = adapt.memory_of(self, examples)
        pred = self.classify_input(to_model_input(image), maps)
        return pred if memory is None else adapt.adapt_prediction(self.model, pred, *memory)

    def classify_input(self, x: np.ndarray, maps: bool = False) -> Prediction:
        """Classify one already-preprocessed (32, 32) input in [0, 1], as ``predict`` does after preprocessing."""
        batch = torch.from_numpy(normalize(x))[None, None]
        with torch.inference_mode():
            if maps:
                logits, acts = self.model.forward_with_maps(batch)
                found = {k: v[0].numpy() for k, v in acts.items()}
            else:
                logits, found = self.model(batch), None
            probs = torch.softmax(logits / self.temperature, dim=1)[0].numpy()
        return _prediction(probs, x, found, self.temperature)

    def read_number(self, image: Any, maps: bool = False, examples: Any = None) -> NumberReading:
        """Read a whole number (digits left to right) from anything ``predict`` takes; see ``lenet.number``.

        One digit found reads exactly as ``predict`` reads the whole input (the same model input). ``examples``
        adapt each digit's reading as in ``predict``; the split into digits stays the network's.
        """
        memory = adapt.memory_of(self, examples)
        found = number.split(image, self.raw_confidences, memory is not None)
        if maps:
            digits = tuple(self.classify_input(x, maps) for x in found.inputs)
        else:  # one forward pass for all the digits, as for one
            digits = tuple(self.predict_inputs(np.stack(found.inputs)))
        reading = NumberReading("".join(str(p.digit) for p in digits), digits, found.boxes)
        return reading if memory is None else adapt.adapt_reading(self, reading, memory)

    def predict_batch(self, images: Sequence[Any]) -> list[Prediction]:
        """Classify many images in one forward pass; any bad image raises, naming its index."""
        inputs = []
        for i, image in enumerate(images):
            try:
                inputs.append(to_model_input(image))
            except ValueError as e:
                raise type(e)(f"image {i}: {e}") from e
        return self.predict_inputs(np.stack(inputs)) if inputs else []

    def logits(self, inputs: np.ndarray) -> torch.Tensor:
        """The network's scores (N, 10) of already-preprocessed (N, 32, 32) inputs in [0, 1], before any softmax."""
        with torch.inference_mode():
            return self.model(torch.from_numpy(normalize(inputs))[:, None])

    def raw_confidences(self, inputs: np.ndarray) -> np.ndarray:
        """The network's own top probability (T = 1) of each of (N, 32, 32) inputs: the number reader's split
        scores, so that how a drawing splits into digits does not depend on the calibration."""
        with torch.inference_mode():
            return torch.softmax(self.logits(inputs), dim=1).max(dim=1).values.numpy()

    def predict_inputs(self, inputs: np.ndarray) -> list[Prediction]:
        """Classify already-preprocessed (N, 32, 32) inputs in [0, 1] in one forward pass."""
        with torch.inference_mode():
            probs = torch.softmax(self.logits(inputs) / self.temperature, dim=1).numpy()
        return [_prediction(p, x, None, self.temperature) for p, x in zip(probs, inputs, strict=True)]


@dataclass(frozen=True)
class NumberReading:
    """A number read from a drawing: its text, one Prediction per digit and each digit's box, left to right."""

    text: str
    digits: tuple[Prediction, ...]
    boxes: tuple[tuple[float, float, float, float], ...]  # (x0, y0, x1, y1) in the input's coordinates


def _prediction(probs: np.ndarray, x: np.ndarray, maps: dict[str, np.ndarray] | None, temperature: float) -> Prediction:
    digit = int(np.argmax(probs))
    return Prediction(digit, float(probs[digit]), tuple(float(p) for p in probs), x, maps, temperature=temperature)
