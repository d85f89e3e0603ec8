"""Teach it your handwriting: a writer's own examples adapt how their next drawings are read.

An example is one digit's strokes and the digit it is: a reading the writer
corrected, or one they accepted. The examples travel with each request (the
server keeps nothing about the writer), at most ``MAX_EXAMPLES`` of them, and
the bundled weights never change. The method is a memory over the network's own
features:

- every example is drawn and preprocessed exactly as a drawing is read
  (``preprocess.to_model_input`` of its strokes), and the network's F6 layer (84
  units, before the output layer) describes it;
- a digit to read is described the same way; the two closest examples of each
  digit vote for it with weights that fall off with the distance between the
  descriptions, so only examples that look alike to the network count;
- the votes are added to the network's own logits (``combine``): a digit the
  writer has shown in this very shape wins, anything else reads as the network
  alone reads it. The calibration's temperature divides the sum only after, so
  it scales the probabilities shown and never changes the digit read.

With no examples every function returns its input unchanged, so the reading is
the network's to the bit. Each example's features depend only on the model and
the example's strokes, so a small process-wide cache keyed by a hash of the
strokes (a pure function cache, no per-writer state) spares redrawing the same
examples on every reading; two processes given the same examples answer alike.

``compact`` is the wire form of an example: its strokes on a small integer grid
with the points a straight line would not miss dropped, so a request carrying
``MAX_EXAMPLES`` examples stays small (``python -m lenet.evaluate --adapt``
measures it, and how much the method helps).
"""

from __future__ import annotations

import hashlib
import json
import marshal
import threading
import weakref
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
import torch.nn.functional as F

from . import strokes as strokes_
from .preprocess import normalize, to_model_input

if TYPE_CHECKING:
    from .inference import Classifier, Prediction
    from .model import LeNet
    from .number import NumberReading

MAX_EXAMPLES = 100  # the page keeps a writer's latest this many
MAX_EXAMPLE_STROKES = 8  # a pen digit has at most 3 strokes
MAX_EXAMPLE_POINTS = 2_000  # in one example; the page sends about 20 (``compact``)
MAX_TOTAL_POINTS = 20_000  # over all examples of one request
EXAMPLE_KEYS = ("strokes", "digit")
EXAMPLES_HELP = 'send "examples": [{"strokes": [[[x, y], ...], ...], "digit": 0-9}, ...], each the strokes of one digit'
# The wire form (``compact``): the example's longer side spans COMPACT_GRID integer steps, and each
# stroke keeps the points that a straight line through its neighbours would miss by more than
# COMPACT_TOLERANCE steps (Ramer-Douglas-Peucker), at most COMPACT_POINTS of them.
COMPACT_GRID = 40
COMPACT_TOLERANCE = 0.8
COMPACT_POINTS = 16
# The memory (``combine``), set on the streams of the unseen writers of cross-validation folds 0 and 1 (the fold
# models of the shipped recipe; fold 2's writers were kept out of the choice), from a grid read with
# ``evaluate_adapt.run_streams``: VOTE 4-24, REACH 0.02-0.2, the closest 1, 2 or all examples of each digit.
# The choice sits inside a plateau (VOTE 8 or 12 gave the same). python -m lenet.evaluate --adapt measures it
# on all three folds.
VOTE = 10.0  # logits an example adds to its digit when it looks exactly like the drawing
REACH = 0.1  # its vote falls by e for every REACH of cosine distance between their F6 features
VOTERS = 2  # the closest examples of each digit that vote: two look-alikes of a digit count more than one
CACHE_SIZE = 4096  # examples' features kept per model
MEMORIES_SIZE = 128  # whole example lists (writers reading at once) kept per model: 70 KB each


@dataclass(frozen=True)
class Example:
    """One checked example: its strokes (as sent), the digit it is, and a digest of the strokes."""

    strokes: Any
    digit: int
    key: bytes  # what the features depend on, besides the model

    def drawing(self) -> strokes_.Drawing:
        """The strokes, parsed."""
        return strokes_.parse(self.strokes)


def _key(strokes: Any) -> tuple[bytes, bool]:
    """A digest of some strokes, and whether it is of their JSON text (else of the parsed points: numpy input)."""
    try:
        return hashlib.sha256(
            b"j" + json.dumps(strokes, separators=(",", ":"), allow_nan=False).encode()
        ).digest(), True
    except (TypeError, ValueError, RecursionError):  # numpy arrays, NaN: parse says what is wrong, if anything
        h = hashlib.sha256(b"a")
        for s in strokes_.parse(strokes).strokes:
            h.update(len(s).to_bytes(4, "little") + s.tobytes())
        return h.digest(), False


_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # model -> OrderedDict(key -> unit F6)
_LOCK = threading.Lock()
_MEMORIES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # model -> OrderedDict(digest -> memory)
_VALID: OrderedDict = OrderedDict()  # digests of JSON strokes already checked and found to be a digit


def parse_examples(value: Any) -> tuple[Example, ...]:
    """Check the examples field; refuse anything malformed or oversized with a ValueError saying what to send."""
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"The examples are a {type(value).__name__}, not a list: {EXAMPLES_HELP}.")
    if len(value) > MAX_EXAMPLES:
        raise ValueError(
            f"{len(value):,} examples are more than {MAX_EXAMPLES}: send the writer's latest {MAX_EXAMPLES}."
        )
    out, total = [], 0
    for i, ex in enumerate(value):
        where = f"examples[{i}]"
        if not isinstance(ex, Mapping):
            raise ValueError(f"{where} is a {type(ex).__name__}, not an object: {EXAMPLES_HELP}.")
        unknown = sorted(str(k)[:40] for k in ex if k not in EXAMPLE_KEYS)
        if unknown:
            raise ValueError(f"{where} has unknown keys ({', '.join(unknown)}): {EXAMPLES_HELP}.")
        digit, strokes = ex.get("digit"), ex.get("strokes")
        if isinstance(digit, bool) or not isinstance(digit, int) or not 0 <= digit <= 9:
            raise ValueError(f"{where}.digit must be an integer 0-9, not {digit!r:.40}.")
        if not isinstance(strokes, (list, tuple)):
            raise ValueError(f"{where}.strokes is a {type(strokes).__name__}, not a list of strokes: {EXAMPLES_HELP}.")
        if len(strokes) > MAX_EXAMPLE_STROKES:
            raise ValueError(f"{where} has {len(strokes):,} strokes, more than {MAX_EXAMPLE_STROKES}: one digit each.")
        points = sum(len(s) for s in strokes if isinstance(s, (list, tuple)))
        if points > MAX_EXAMPLE_POINTS:
            raise ValueError(
                f"{where} has {points:,} points, more than {MAX_EXAMPLE_POINTS:,}: send it compacted "
                "(lenet.adapt.compact), about 20 points."
            )
        total += points
        if total > MAX_TOTAL_POINTS:
            raise ValueError(
                f"The examples have more than {MAX_TOTAL_POINTS:,} points together: send them compacted "
                "(lenet.adapt.compact), about 20 points each."
            )
        try:
            key, as_json = _key(strokes)
            with _LOCK:
                known = key in _VALID
            if not known:  # parse and check once; the page sends the same examples with every reading
                if strokes_.parse(strokes).is_blank():
                    raise ValueError(f"{where} is blank (no strokes, or only a dot): send the strokes of one digit.")
                if as_json:
                    with _LOCK:
                        _VALID[key] = True
                        while len(_VALID) > CACHE_SIZE:
                            _VALID.popitem(last=False)
        except ValueError as e:
            message = str(e)
            raise ValueError(message if message.startswith(where) else f"{where}.strokes: {message}") from None
        out.append(Example(strokes, digit, key))
    return tuple(out)


# -- features --------------------------------------------------------------------------------------


def features(model: LeNet, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The logits (10,) and the F6 features (84,) of one preprocessed (32, 32) input, by LeNet's own layers."""
    batch = torch.from_numpy(normalize(x))[None, None]
    with torch.inference_mode():
        s4 = F.max_pool2d(F.relu(model.conv2(F.max_pool2d(F.relu(model.conv1(batch)), 2))), 2)  # (1, 16, 6, 6)
        f6 = F.relu(model.fc2(F.relu(model.fc1(torch.flatten(s4, 1)))))  # (1, 84)
        logits = model.fc3(f6)  # (1, 10)
    return logits[0].numpy().astype(np.float64), f6[0].numpy().astype(np.float64)


def unit(f: np.ndarray) -> np.ndarray:
    """Features scaled to length 1 (the memory compares directions); all-zero features stay zero."""
    n = np.linalg.norm(f, axis=-1, keepdims=True)
    return np.divide(f, n, out=np.zeros_like(f), where=n > 0)


def example_features(model: LeNet, examples: Sequence[Example]) -> np.ndarray:
    """Each example's unit F6 features (K, 84), drawn and preprocessed as a drawing is read; cached per model."""
    with _LOCK:
        cache = _CACHE.setdefault(model, OrderedDict())
    out = np.zeros((len(examples), model.fc2.out_features))
    for k, ex in enumerate(examples):
        key = ex.key
        with _LOCK:
            found = cache.get(key)
            if found is not None:
                cache.move_to_end(key)
        if found is None:
            found = unit(features(model, to_model_input(list(ex.drawing().strokes)))[1])
            with _LOCK:
                cache[key] = found
                while len(cache) > CACHE_SIZE:
                    cache.popitem(last=False)
        out[k] = found
    return out


def clear_caches() -> None:
    """Forget every cached check and feature (for measuring a first reading, and for tests)."""
    with _LOCK:
        _CACHE.clear()
        _MEMORIES.clear()
        _VALID.clear()


# -- the memory ------------------------------------------------------------------------------------


def combine(
    logits: np.ndarray, f6: np.ndarray, memory: np.ndarray, digits: np.ndarray, temperature: float = 1.0
) -> np.ndarray:
    """Adapted probabilities (10,): the network's logits plus, for each digit, the votes of its closest examples.

    ``f6``: the drawing's unit F6 features; ``memory`` (K, 84) the examples' and ``digits`` (K,) their digits.
    A vote is VOTE logits for an example that looks exactly like the drawing to the network, falling by e
    for every REACH of cosine distance; only the VOTERS closest examples of each digit vote, so many examples
    of one digit count no more than the few most like the drawing. The votes add to the raw logits (VOTE and
    REACH were set on them), and the sum is divided by the classifier's ``temperature`` only then.
    """
    weight = VOTE * np.exp(-(1.0 - memory @ f6) / REACH)
    votes = np.zeros(10)
    for d in np.unique(digits):
        votes[d] = np.sort(weight[digits == d])[-VOTERS:].sum()
    z = (logits + votes) / temperature
    p = np.exp(z - z.max())
    return p / p.sum()


def adapt_prediction(model: LeNet, pred: Prediction, memory: np.ndarray, digits: np.ndarray) -> Prediction:
    """A Prediction read again with the examples' memory; it keeps the network's digit in ``network_digit``.
    A prediction made with maps already holds its logits and F6 from that forward pass: no second one."""
    if pred.maps is not None:
        logits, f6 = pred.maps["OUTPUT"].astype(np.float64), pred.maps["F6"].astype(np.float64)
    else:
        logits, f6 = features(model, pred.model_input)
    probs = combine(logits, unit(f6), memory, digits, pred.temperature)
    digit = int(np.argmax(probs))
    return replace(
        pred,
        digit=digit,
        confidence=float(probs[digit]),
        probabilities=tuple(float(p) for p in probs),
        network_digit=pred.digit,
    )


def memory_of(clf: Classifier, examples: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """Checked examples -> their features and digits; None when there are none (read as the network alone).

    The page sends the same examples with every reading: a list already checked and described is looked up
    by the digest of its marshal bytes instead (a pure function cache, like the examples' features). Equal
    bytes mean equal lists; marshal is 8x quicker than JSON text here (0.06 vs 0.5 ms for 100 examples).
    """
    if examples is None:
        return None
    whole = None
    if isinstance(examples, list) and 0 < len(examples) <= MAX_EXAMPLES:
        try:
            whole = hashlib.sha256(marshal.dumps(examples, 2)).digest()  # version 2: no back-references
        except (TypeError, ValueError, RecursionError):
            pass  # numpy arrays and the like: checked the long way
        with _LOCK:
            memories = _MEMORIES.setdefault(clf.model, OrderedDict())
            found = memories.get(whole)
            if found is not None:
                memories.move_to_end(whole)
                return found
    checked = parse_examples(examples)
    if not checked:
        return None
    memory = example_features(clf.model, checked), np.array([ex.digit for ex in checked])
    if whole is not None:
        with _LOCK:
            memories[whole] = memory
            while len(memories) > MEMORIES_SIZE:
                memories.popitem(last=False)
    return memory


def adapt_reading(clf: Classifier, reading: NumberReading, memory: tuple[np.ndarray, np.ndarray]) -> NumberReading:
    """A number reading with each digit read again with the memory: the split stays the network's."""
    digits = tuple(adapt_prediction(clf.model, p, *memory) for p in reading.digits)
    return replace(reading, text="".join(str(p.digit) for p in digits), digits=digits)


# -- the wire form ---------------------------------------------------------------------------------


def compact(strokes: Sequence[Sequence[Sequence[float]]]) -> list[list[list[int]]]:
    """An example's strokes in the wire form: small integers, few points (the page's JS does the same).

    1. Scale: x' = (x - x0) * COMPACT_GRID / side, y' likewise, where (x0, y0) is the strokes' top-left
       corner and side the longer side of their bounding box (1 when that is 0).
    2. Each stroke: Ramer-Douglas-Peucker with tolerance COMPACT_TOLERANCE on the scaled points (keep
       both ends; keep the point farthest from the chord between them when it lies farther than the
       tolerance, ties to the first, and recurse on both halves). While a stroke keeps more than
       COMPACT_POINTS points, run it again with the tolerance doubled.
    3. Round each coordinate half up (floor(v + 0.5)), and drop a point equal to the one before it.
    """
    parsed = strokes_.parse(list(strokes))
    if not parsed.strokes:
        return []
    x0, y0, x1, y1 = strokes_.bounds(parsed.strokes)
    side = max(x1 - x0, y1 - y0) or 1.0
    out = []
    for s in parsed.strokes:
        p = (s - np.array([x0, y0])) * (COMPACT_GRID / side)
        tolerance = COMPACT_TOLERANCE
        keep = _rdp(p, tolerance)
        while len(keep) > COMPACT_POINTS:
            tolerance *= 2
            keep = _rdp(p, tolerance)
        q = np.floor(p[keep] + 0.5).astype(int)
        q = q[np.concatenate([[True], np.any(q[1:] != q[:-1], axis=1)])]
        out.append(q.tolist())
    return out


def _rdp(p: np.ndarray, tolerance: float) -> list[int]:
    """Indices of the points Ramer-Douglas-Peucker keeps, in order."""
    if len(p) < 3:
        return list(range(len(p)))
    keep = {0, len(p) - 1}
    spans = [(0, len(p) - 1)]
    while spans:
        a, b = spans.pop()
        if b - a < 2:
            continue
        inner = p[a + 1 : b]
        chord = p[b] - p[a]
        length = float(np.hypot(*chord))
        if length == 0:
            dist = np.hypot(*(inner - p[a]).T)
        else:
            dist = np.abs(chord[0] * (inner[:, 1] - p[a, 1]) - chord[1] * (inner[:, 0] - p[a, 0])) / length
        k = int(np.argmax(dist))
        if dist[k] > tolerance:
            keep.add(a + 1 + k)
            spans += [(a, a + 1 + k), (a + 1 + k, b)]
    return sorted(keep)
