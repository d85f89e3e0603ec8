"""What a hostile strokes payload costs in-process, against a normal digit's reading in the same run.

    python tests/bench_hostile.py            # every payload, 7 rounds each
    python tests/bench_hostile.py --rounds 3

Each payload goes through what the app's /read_strokes runs: ``strokes.parse`` once, then
``Classifier.read_number`` on the parsed drawing, on one torch thread as ``app.launch()`` serves it.
It prints each payload's median and worst time, whether it was read or refused (and the message's start),
and its median as a multiple of a normal digit's. The figures are the machine's; the ratios are what carry
over. Nothing here asserts a time: ``tests/test_number.py`` checks what the limits accept and refuse.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lenet import Classifier, strokes  # noqa: E402
from lenet.number import MAX_DIGITS, MAX_PIECES  # noqa: E402
from lenet.pen import PenDigits, compose_number  # noqa: E402

DATA = Path(__file__).resolve().parent / "data"
PX = 100.0  # a digit about 100 px tall, as on the pad


def payloads(pen: PenDigits) -> dict[str, Callable[[], Any]]:
    """Name -> payload (as the pad would send it, plain lists); the first is the reference, a normal digit."""
    rng = np.random.default_rng(0)
    first = {int(d): int(np.flatnonzero(pen.labels == d)[0]) for d in np.unique(pen.labels)}
    digit = [(s * PX / 20).tolist() for s in pen.strokes(first[7])]
    twelve, _ = compose_number([pen.strokes(first[d % 10]) for d in range(MAX_DIGITS)], [0.0] * MAX_DIGITS, rng)

    def scribble(n: int, points: int, spread: float = PX) -> list:
        return [rng.uniform(0, spread, (points, 2)).tolist() for _ in range(n)]

    def slots(per_slot: int, points: int, reach: float) -> list:
        return [
            (rng.uniform(0, reach, (points, 2)) + [k * 1.3 * PX, 0]).tolist()
            for k in range(MAX_DIGITS)
            for _ in range(per_slot)
        ]

    def short_strokes(n: int) -> list:  # strokes of little ink, all in one place: under the ink limit
        return [
            [[50 + 10 * np.cos(a), 50 + 10 * np.sin(a)], [50 - 40 * np.cos(a), 50 - 40 * np.sin(a)]]
            for a in rng.uniform(0, np.pi, n)
        ]

    walk = np.cumsum(rng.normal(0, 3, (strokes.MAX_POINTS, 2)), axis=0)
    path = np.concatenate(pen.strokes(first[8]))
    dense = np.stack(
        [
            np.interp(np.linspace(0, len(path) - 1, strokes.MAX_POINTS), np.arange(len(path)), path[:, k])
            for k in (0, 1)
        ],
        1,
    )
    return {
        "normal digit (reference)": lambda: digit,
        f"normal {MAX_DIGITS}-digit number": lambda: [(s * PX).tolist() for s in twelve],
        "48 overlapping strokes x 200 points": lambda: scribble(48, 200),
        "48 overlapping random walks x 200": lambda: [
            (np.cumsum(rng.normal(0, 3, (200, 2)), 0) + 50).tolist() for _ in range(48)
        ],
        "12 slots x 4 strokes x 200 points": lambda: slots(4, 200, 0.8 * PX),
        "12 slots x 3 strokes x 4 points": lambda: slots(3, 4, 0.8 * PX),
        "12 slots x 4 strokes x 3 points": lambda: slots(4, 3, 0.8 * PX),
        f"{MAX_PIECES} short strokes piled up": lambda: short_strokes(MAX_PIECES),
        "250 bars + 250 specks": lambda: (
            [[[k * 10, 0], [k * 10, 50]] for k in range(250)]
            + [[[k * 10 + 3, 60], [k * 10 + 3.5, 60.5]] for k in range(250)]
        ),
        "500 strokes x 20 points": lambda: scribble(strokes.MAX_STROKES, 20),
        "one random walk of 10,000 points": lambda: [walk.tolist()],
        "one digit of 10,000 points": lambda: [(dense * PX / 20).tolist()],
        "10,001 points (refused unread)": lambda: [[[0.0, 0.0]] * (strokes.MAX_POINTS + 1)],
    }


def read(clf: Classifier, payload: Any) -> str:
    """What /read_strokes does: parse once, read the parsed drawing."""
    try:
        return clf.read_number(strokes.parse(payload)).text
    except ValueError as e:
        return f"refused: {str(e)[:60]}"


def main(argv: list[str] | None = None) -> int:
    """Time every payload; print medians, worst times and ratios to the normal digit."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=7, help="timed reads per payload (default: 7)")
    args = p.parse_args(argv)
    torch.set_num_threads(1)  # as app.launch() serves it
    clf = Classifier.load()
    pen = PenDigits.load(DATA / "pen_sample.npz")
    rows = []
    for name, make in payloads(pen).items():
        payload = make()
        outcome = read(clf, payload)  # warm up
        times = []
        for _ in range(args.rounds):
            start = time.perf_counter()
            read(clf, payload)
            times.append(time.perf_counter() - start)
        rows.append((name, statistics.median(times) * 1000, max(times) * 1000, outcome))
    ref = rows[0][1]
    print(f"{'payload':<38} {'median':>9} {'worst':>9} {'x normal':>9}  outcome")
    for name, median, worst, outcome in rows:
        print(f"{name:<38} {median:7.2f}ms {worst:7.2f}ms {median / ref:8.1f}x  {outcome}")
    hostile = rows[2:]
    name, median, worst, _ = max(hostile, key=lambda r: r[1])
    print(
        f"worst hostile payload: {name}, median {median:.2f} ms ({median / ref:.1f}x a normal digit), "
        f"worst {worst:.2f} ms"
    )
    print(f"a normal {MAX_DIGITS}-digit number: median {rows[1][1]:.2f} ms ({rows[1][1] / ref:.1f}x a normal digit)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
