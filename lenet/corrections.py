"""Optional collection of corrections for the host, off by default.

With ``LENET_CORRECTIONS_DIR`` set, ``record`` appends each correction a user
makes to ``corrections.jsonl`` in that folder, one JSON line: the digit's
strokes (in the wire form, ``adapt.compact``), the digit the user gave, what the
network read, and the time. Nothing else is stored: no user, no address, no
session. Unset, nothing is written anywhere.

Many users may correct at once, and the server may die at any moment: each line
is written whole by one ``os.write`` on a file opened with ``O_APPEND``, under an
exclusive ``flock``, and is shorter than ``MAX_LINE``; a line torn by a crash is
closed off before the next one, and ``read`` skips it. The file stops growing at
``LENET_CORRECTIONS_MAX_BYTES`` (default ``DEFAULT_MAX_BYTES``), with one log line
saying so.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from . import adapt
from .preprocess import to_model_input

DIR_ENV = "LENET_CORRECTIONS_DIR"
MAX_BYTES_ENV = "LENET_CORRECTIONS_MAX_BYTES"
DEFAULT_MAX_BYTES = 50_000_000  # about 300,000 corrections
FILE_NAME = "corrections.jsonl"
MAX_LINE = 4096  # bytes; a compacted digit takes about 150
KEYS = ("strokes", "digit", "network_digit", "time")

log = logging.getLogger(__name__)
_warned_full: set[str] = set()


def _digit(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 9:
        raise ValueError(f"{name} must be an integer 0-9, not {value!r:.40}.")
    return value


def correction_line(strokes: Any, digit: Any, network_digit: Any, now: float | None = None) -> bytes:
    """One correction as a JSON line; bad input raises a ValueError saying what to send."""
    (example,) = adapt.parse_examples([{"strokes": strokes, "digit": _digit(digit, "digit")}])
    entry = {
        "strokes": adapt.compact(list(example.drawing().strokes)),
        "digit": digit,
        "network_digit": _digit(network_digit, "network_digit"),
        "time": round(time.time() if now is None else now, 3),
    }
    line = (json.dumps(entry, separators=(",", ":")) + "\n").encode()
    if len(line) > MAX_LINE:  # compact strokes of at most MAX_EXAMPLE_STROKES strokes never come near
        raise ValueError(f"This correction takes {len(line):,} bytes, more than {MAX_LINE:,}: send one digit.")
    return line


def enabled() -> bool:
    """Whether the host asked for corrections to be collected."""
    return bool(os.environ.get(DIR_ENV))


def record(strokes: Any, digit: Any, network_digit: Any) -> bool:
    """Append one correction when ``LENET_CORRECTIONS_DIR`` is set; return whether it was written.

    The input is checked first either way, so a bad correction is refused alike with collection on or off.
    """
    line = correction_line(strokes, digit, network_digit)
    folder = os.environ.get(DIR_ENV)
    if not folder:
        return False
    path = Path(folder) / FILE_NAME
    cap = int(os.environ.get(MAX_BYTES_ENV) or DEFAULT_MAX_BYTES)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # one writer at a time, across threads and processes
        size = os.fstat(fd).st_size
        if size + len(line) > cap:
            if str(path) not in _warned_full:
                _warned_full.add(str(path))
                log.warning(
                    "%s is full (%d bytes, cap %d = $%s): corrections are no longer recorded; "
                    "move the file away to record more.",
                    path,
                    size,
                    cap,
                    MAX_BYTES_ENV,
                )
            return False
        if size and os.pread(fd, 1, size - 1) != b"\n":  # a line torn by a crash: close it off
            line = b"\n" + line
        os.write(fd, line)
    finally:
        os.close(fd)  # releases the lock
    return True


def read(folder: Path | str) -> Iterator[dict[str, Any]]:
    """The well-formed corrections recorded in ``folder``, in order; torn or malformed lines are skipped."""
    path = Path(folder) / FILE_NAME
    if not path.is_file():
        return
    with open(path, "rb") as f:
        for raw in f:
            try:
                entry = json.loads(raw)
                if not isinstance(entry, dict) or sorted(entry) != sorted(KEYS):
                    continue
                correction_line(entry["strokes"], entry["digit"], entry["network_digit"], entry["time"])
            except (ValueError, TypeError):
                continue
            yield entry


def training_inputs(folder: Path | str) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """The corrections in ``folder`` as training data: (N, 32, 32) model inputs, labels, and what was used.

    Each line is checked as ``record`` checks it (torn and malformed lines are skipped), the same strokes
    taught as the same digit count once, and strokes taught as different digits are left out.
    """
    path = Path(folder) / FILE_NAME
    if not path.is_file():
        raise ValueError(f"No {FILE_NAME} in {folder}: point --corrections at the folder LENET_CORRECTIONS_DIR named.")
    taught: dict[str, set[int]] = {}
    lines = 0
    for entry in read(folder):
        lines += 1
        taught.setdefault(json.dumps(entry["strokes"], separators=(",", ":")), set()).add(entry["digit"])
    kept = sorted((strokes, next(iter(digits))) for strokes, digits in taught.items() if len(digits) == 1)
    used, inputs = [], []
    for strokes, digit in kept:
        try:
            inputs.append(to_model_input(json.loads(strokes)))
        except ValueError:  # checked strokes that preprocessing still finds no digit in
            continue
        used.append((strokes, digit))
    if not used:
        raise ValueError(f"{path} holds no usable correction.")
    digest = hashlib.sha256("".join(f"{s} {d}\n" for s, d in used).encode()).hexdigest()
    info = {
        "lines_read": lines,
        "count": len(used),
        "conflicting": sum(len(d) > 1 for d in taught.values()),
        "sha256": digest,
    }
    return np.stack(inputs), np.array([d for _, d in used], dtype=np.int64), info
