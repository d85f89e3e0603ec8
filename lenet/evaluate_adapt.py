"""python -m lenet.evaluate --adapt: how much a writer's own examples help, on writers the model never saw.

Each writer's pen digits are drawn one after the other, in a seeded random
order, as the pad sends them (strokes in pad units, rounded to 0.1), and each is
read by the fold model that never trained on that writer. A simulated user
corrects every wrong reading and accepts every right one, so each digit then
joins the writer's examples (the latest ``adapt.MAX_EXAMPLES``, in the wire form
``adapt.compact``), which adapt the reading of the next ones. The same streams
are read three ways: by the weights alone, with the examples, and with the
examples of a careless user who gives a wrong digit for ``CARELESS`` of the
corrections. Also measured: one reading's time with no examples and with
``adapt.MAX_EXAMPLES`` (in-process, one thread, as the app serves), and the size
of a /read_strokes request carrying them. One order's error reductions rest on
few errors, so they are also pooled over ``ORDERS`` seeded orders.

The adapted readings of the streams use the same functions as
``Classifier.predict(..., examples=...)`` (``adapt.features``, ``adapt.combine``)
on features computed once per digit; a sample of stream steps is read through
``Classifier.predict`` itself and must agree to the bit.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from . import adapt
from .evaluate_pen import assign_models
from .inference import DEFAULT_WEIGHTS, Classifier, sha256_of
from .pen import PEN_DIGITS_FILE, PenDigits, smooth
from .preprocess import to_model_input
from .strokes import thin

PAD = 280  # the pad's side in its units (ui.pad.SIZE)
PAD_HEIGHT = 0.55  # a digit's height on the pad, as a fraction of its side
PAD_POINTS = 60  # points per digit height, as the pad samples a brisk hand
CARELESS = 0.1  # a careless user gives a wrong digit for this fraction of corrections
CHECKS = 200  # stream steps read again through Classifier.predict, which must agree to the bit
TIMING_REPEATS = 20
ORDERS = 10  # stream orders the error reductions are also pooled over
BARS = {"error_reduction": 0.25, "careless_error_reduction": 0.0, "time_ratio": 1.5, "request_bytes": 16_384}
GOALS = {"error_reduction": 0.50, "careless_error_reduction": 0.15, "time_ratio": 1.1, "request_bytes": 8_192}


def pad_strokes(ds: PenDigits, i: int) -> list[list[list[float]]]:
    """Digit i as the pad sends it: smoothed, about PAD_POINTS points per digit height, in pad units to 0.1."""
    strokes = ds.strokes(i)
    points = np.concatenate(strokes)
    height = float(np.ptp(points[:, 1])) or float(np.ptp(points[:, 0])) or 1.0
    scale = PAD_HEIGHT * PAD / height
    offset = PAD / 2 - (points.min(0) + points.max(0)) / 2 * scale
    out = []
    for s in strokes:
        p = thin(smooth(s, float(ds.quantum[i])), height / PAD_POINTS) * scale + offset
        out.append(np.round(np.clip(p, 0, PAD), 1).tolist())
    return out


def streams(ds: PenDigits, index: np.ndarray, seed: int) -> list[np.ndarray]:
    """Each writer's digits among ``index``, in a random order seeded by ``seed`` and the writer."""
    out = []
    for w in np.unique(ds.writers[index]):
        mine = index[ds.writers[index] == w]
        out.append(np.random.default_rng([seed, int(w)]).permutation(mine))
    return out


_DS: PenDigits | None = None  # shared with forked workers


def _inputs(i: int) -> tuple[np.ndarray, np.ndarray, list]:
    pad = pad_strokes(_DS, i)
    example = adapt.compact(pad)
    return to_model_input(pad), to_model_input(example), example


def digit_features(clfs: list[Classifier], ds: PenDigits, owner: np.ndarray, index: np.ndarray, workers: int) -> dict:
    """Per digit: the network's logits and unit F6 as read from the pad, and as an example in the wire form."""
    global _DS
    _DS = ds
    if workers > 1:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            rendered = pool.map(_inputs, [int(i) for i in index], chunksize=64)
    else:
        rendered = [_inputs(int(i)) for i in index]
    n = len(ds)
    logits, query, memory = np.zeros((n, 10)), np.zeros((n, 84)), np.zeros((n, 84))
    examples: dict[int, list] = {}
    for i, (x, ex_input, example) in zip(index, rendered, strict=True):
        model = clfs[owner[i]].model
        logits[i], f6 = adapt.features(model, x)
        query[i] = adapt.unit(f6)
        memory[i] = adapt.unit(adapt.features(model, ex_input)[1])  # what adapt.example_features computes
        examples[int(i)] = example
    return {"logits": logits, "query": query, "memory": memory, "examples": examples}


def run_streams(
    order: list[np.ndarray], labels: np.ndarray, feats: dict, careless: float = 0.0, seed: int = 0
) -> dict[str, Any]:
    """Read the streams with the examples; the user corrects wrong readings (a ``careless`` fraction wrongly)."""
    rng = np.random.default_rng([seed, 1])
    read = {}
    taught = {}
    for stream in order:
        mine: list[int] = []
        for i in stream:
            i = int(i)
            recent = mine[-adapt.MAX_EXAMPLES :]
            if recent:
                probs = adapt.combine(
                    feats["logits"][i],
                    feats["query"][i],
                    feats["memory"][recent],
                    np.array([taught[k] for k in recent]),
                )
            else:
                probs = feats["logits"][i]
            read[i] = int(np.argmax(probs))
            taught[i] = int(labels[i])
            if read[i] != labels[i] and careless and rng.random() < careless:
                taught[i] = int(rng.choice([d for d in range(10) if d != labels[i]]))
            mine.append(i)
    return {"read": read, "taught": taught}


def stream_figures(order: list[np.ndarray], labels: np.ndarray, network: np.ndarray, read: dict[int, int]) -> dict:
    """Accuracy and errors of the weights alone and adapted, over whole streams and each writer's last half."""
    all_i = np.concatenate(order)
    last = np.concatenate([s[len(s) // 2 :] for s in order if len(s) > 1])

    def part(idx: np.ndarray) -> dict:
        net_err = int((network[idx] != labels[idx]).sum())
        err = int(sum(read[int(i)] != labels[i] for i in idx))
        return {
            "digits": len(idx),
            "weights_alone_accuracy": 1 - net_err / len(idx),
            "adapted_accuracy": 1 - err / len(idx),
            "weights_alone_errors": net_err,
            "adapted_errors": err,
            "error_reduction": 1 - err / net_err if net_err else 0.0,
            "fixed": int(sum(read[int(i)] == labels[i] != network[i] for i in idx)),
            "broken": int(sum(read[int(i)] != labels[i] == network[i] for i in idx)),
        }

    return {"streams": part(all_i), "last_half": part(last)}


def consistency(
    clfs: list[Classifier],
    ds: PenDigits,
    owner: np.ndarray,
    order: list[np.ndarray],
    feats: dict,
    outcome: dict,
    count: int,
    seed: int,
) -> int:
    """Read ``count`` random stream steps through ``Classifier.predict(examples=...)``; return how many agree."""
    rng = np.random.default_rng([seed, 2])
    steps = [(s, t) for s in order for t in range(1, len(s))]
    agree = 0
    for k in rng.choice(len(steps), size=min(count, len(steps)), replace=False):
        stream, t = steps[int(k)]
        recent = [int(i) for i in stream[max(0, t - adapt.MAX_EXAMPLES) : t]]
        examples = [{"strokes": feats["examples"][i], "digit": outcome["taught"][i]} for i in recent]
        i = int(stream[t])
        pred = clfs[owner[i]].predict(pad_strokes(ds, i), examples=examples)
        want = adapt.combine(
            feats["logits"][i],
            feats["query"][i],
            feats["memory"][recent],
            np.array([outcome["taught"][j] for j in recent]),
            clfs[owner[i]].temperature,  # what predict shows; the digit read does not depend on it
        )
        agree += pred.probabilities == tuple(float(p) for p in want) and pred.digit == outcome["read"][i]
    return agree


def timing(clf: Classifier, ds: PenDigits, order: list[np.ndarray], feats: dict) -> dict:
    """One reading (read_number of a pad drawing, one thread) with no examples and with MAX_EXAMPLES of them."""
    everyone = np.concatenate(order)  # writer after writer: the longest streams may be shorter than MAX_EXAMPLES
    examples = [
        {"strokes": feats["examples"][int(i)], "digit": int(ds.labels[i])} for i in everyone[: adapt.MAX_EXAMPLES]
    ]
    drawings = [{"strokes": pad_strokes(ds, int(i)), "width": PAD, "height": PAD} for i in everyone[-10:]]
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        adapt.clear_caches()
        start = time.perf_counter()
        clf.read_number(drawings[0], examples=examples)
        cold = time.perf_counter() - start
        plain, taught = [], []
        for _ in range(TIMING_REPEATS):  # interleaved, so both see the same load
            for d in drawings:
                start = time.perf_counter()
                clf.read_number(d)
                plain.append(time.perf_counter() - start)
                start = time.perf_counter()
                clf.read_number(d, examples=examples)
                taught.append(time.perf_counter() - start)
    finally:
        torch.set_num_threads(threads)
    none, hundred = statistics.median(plain), statistics.median(taught)
    request = {**drawings[-1], "examples": examples}
    return {
        "examples": len(examples),
        "reading_ms_no_examples": 1000 * none,
        "reading_ms_with_examples": 1000 * hundred,
        "time_ratio": hundred / none,
        "first_reading_ms_with_examples": 1000 * cold,
        "request_bytes": len(json.dumps(request, separators=(",", ":"))),
        "examples_bytes": len(json.dumps(examples, separators=(",", ":"))),
    }


def over_orders(
    count: int, ds: PenDigits, index: np.ndarray, labels: np.ndarray, network: np.ndarray, feats: dict, seed: int
) -> dict:
    """The error reductions pooled over ``count`` stream orders (seeds ``seed`` on): one order's are noisy."""
    net = int((network[index] != labels[index]).sum())
    out: dict[str, Any] = {"orders": count, "weights_alone_errors_each": net}
    for name, careless in (("careful", 0.0), ("careless", CARELESS)):
        errors = []
        for s in range(seed, seed + count):
            read = run_streams(streams(ds, index, s), labels, feats, careless, s)["read"]
            errors.append(int(sum(read[int(i)] != labels[i] for i in index)))
        out[name] = {"adapted_errors": errors, "error_reduction": 1 - sum(errors) / (net * count) if net else 0.0}
    return out


def evaluate_adapt(
    clfs: list[Classifier],
    ds: PenDigits,
    seed: int = 0,
    workers: int = 2,
    limit: int | None = None,
    order_seeds: int = ORDERS,
) -> dict:
    """All the figures: streams with examples (careful and careless user), bit-for-bit checks, time and size.

    ``limit``: only the first this many writers the models never saw, for a quick run.
    """
    owner, writers = assign_models(clfs, ds)
    index = np.flatnonzero(owner >= 0)
    if limit is not None:
        index = index[np.isin(ds.writers[index], np.unique(ds.writers[index])[:limit])]
    labels = ds.labels.astype(np.int64)
    order = streams(ds, index, seed)
    feats = digit_features(clfs, ds, owner, index, workers)
    network = feats["logits"].argmax(1)
    network_check = np.concatenate(
        [
            np.array(
                [
                    p.digit
                    for p in clfs[k].predict_inputs(
                        np.stack([to_model_input(pad_strokes(ds, int(i))) for i in index[owner[index] == k][:50]])
                    )
                ]
            )
            for k in range(len(clfs))
            if (owner[index] == k).any()
        ]
    )
    network_want = np.concatenate(
        [network[index[owner[index] == k][:50]] for k in range(len(clfs)) if (owner[index] == k).any()]
    )
    careful = run_streams(order, labels, feats, 0.0, seed)
    careless = run_streams(order, labels, feats, CARELESS, seed)
    fold_of = {int(i): int(owner[i]) for i in index}
    result = {
        "writers": writers,
        "models": len(clfs),
        "n_writers": len(order),
        "seed": seed,
        "careful": stream_figures(order, labels, network, careful["read"]),
        "careless": stream_figures(order, labels, network, careless["read"]),
        "careless_fraction": CARELESS,
        "careless_wrong_examples": int(sum(careless["taught"][i] != labels[i] for i in careless["taught"])),
        "per_model": {
            str(k): stream_figures([s for s in order if fold_of[int(s[0])] == k], labels, network, careful["read"])[
                "streams"
            ]
            for k in range(len(clfs))
            if any(fold_of[int(s[0])] == k for s in order)
        },
        "checks": {
            "network_digit_as_predict": bool(np.array_equal(network_check, network_want)),
            "steps_read_through_predict": min(CHECKS, sum(len(s) - 1 for s in order)),
            "agree_to_the_bit": consistency(clfs, ds, owner, order, feats, careful, CHECKS, seed),
        },
        "over_orders": over_orders(order_seeds, ds, index, labels, network, feats, seed),
        "timing": timing(clfs[0], ds, order, feats),
        "method": {
            "vote": adapt.VOTE,
            "reach": adapt.REACH,
            "voters": adapt.VOTERS,
            "max_examples": adapt.MAX_EXAMPLES,
            "compact": {
                "grid": adapt.COMPACT_GRID,
                "tolerance": adapt.COMPACT_TOLERANCE,
                "points": adapt.COMPACT_POINTS,
            },
        },
    }
    result["bars"] = verdicts(result)
    return result


def verdicts(r: dict) -> dict:
    """Each measure against the issue's bar and goal."""
    measures = {
        "error_reduction": r["careful"]["streams"]["error_reduction"],
        "careless_error_reduction": r["careless"]["streams"]["error_reduction"],
        "time_ratio": r["timing"]["time_ratio"],
        "request_bytes": r["timing"]["request_bytes"],
    }
    out = {}
    for name, value in measures.items():
        lower_is_better = name in ("time_ratio", "request_bytes")
        meets = (lambda v, t: v <= t) if lower_is_better else (lambda v, t: v >= t)
        out[name] = {
            "value": value,
            "bar": BARS[name],
            "goal": GOALS[name],
            "meets_bar": meets(value, BARS[name]),
            "meets_goal": meets(value, GOALS[name]),
        }
    return out


def format_adapt(r: dict) -> str:
    """The figures as text."""
    lines = [
        f"Teach it your handwriting: {r['n_writers']} writers ({r['writers']}), {r['models']} model(s), "
        f"seed {r['seed']}"
    ]
    for name, title in (
        ("careful", "every wrong reading corrected"),
        ("careless", f"{r['careless_fraction']:.0%} of corrections wrong"),
    ):
        for part in ("streams", "last_half"):
            f = r[name][part]
            lines.append(
                f"  {title}, {part.replace('_', ' ')}: {f['adapted_accuracy']:.2%} vs weights alone "
                f"{f['weights_alone_accuracy']:.2%} ({f['adapted_errors']} errors vs {f['weights_alone_errors']}: "
                f"{f['error_reduction']:+.0%} fewer; {f['fixed']} fixed, {f['broken']} broken) of {f['digits']}"
            )
    for k, f in r["per_model"].items():
        lines.append(
            f"  writers of model {k}: {f['adapted_errors']} errors vs {f['weights_alone_errors']} "
            f"({f['error_reduction']:+.0%})"
        )
    t = r["timing"]
    lines.append(
        f"  one reading: {t['reading_ms_no_examples']:.2f} ms alone, {t['reading_ms_with_examples']:.2f} ms with "
        f"{t['examples']} examples ({t['time_ratio']:.2f}x; the first, features not cached: "
        f"{t['first_reading_ms_with_examples']:.0f} ms)"
    )
    lines.append(
        f"  request with {t['examples']} examples: {t['request_bytes']:,} bytes (the examples {t['examples_bytes']:,})"
    )
    o = r["over_orders"]
    lines.append(
        f"  pooled over {o['orders']} stream orders: {o['careful']['error_reduction']:+.0%} fewer errors, "
        f"{o['careless']['error_reduction']:+.0%} with careless corrections (weights alone: "
        f"{o['weights_alone_errors_each']} each; adapted: {o['careful']['adapted_errors']})"
    )
    c = r["checks"]
    lines.append(
        f"  checks: {c['agree_to_the_bit']}/{c['steps_read_through_predict']} steps agree with "
        f"Classifier.predict to the bit; network digits as predict: {c['network_digit_as_predict']}"
    )
    for name, v in r["bars"].items():
        lines.append(
            f"  {name}: {v['value']:.3g} (bar {v['bar']}, goal {v['goal']}): "
            f"{'meets the goal' if v['meets_goal'] else 'meets the bar' if v['meets_bar'] else 'MISSES THE BAR'}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    """The CLI of ``python -m lenet.evaluate --adapt``."""
    argv = sys.argv[1:] if argv is None else argv
    p = argparse.ArgumentParser(prog="python -m lenet.evaluate --adapt", description=__doc__.splitlines()[0])
    p.add_argument("--adapt", action="store_true", help="this evaluation (default: on, here)")
    p.add_argument(
        "--weights",
        type=Path,
        action="append",
        help="a fold model; give one per fold, each writer read by the one that never saw them "
        f"(default: {DEFAULT_WEIGHTS})",
    )
    p.add_argument(
        "--pen-digits",
        type=Path,
        default=PEN_DIGITS_FILE,
        help=f"the pen-digit set (default: {PEN_DIGITS_FILE.name}, bundled)",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the streams' order and the careless user (default: 0)")
    p.add_argument("--workers", type=int, default=2, help="processes drawing the digits (default: 2)")
    p.add_argument(
        "--writers", type=int, default=None, help="only the first N unseen writers, for a quick run (default: all)"
    )
    p.add_argument(
        "--record",
        type=Path,
        default=None,
        help="write the figures and this command as JSON here, e.g. weights/adapt.json (default: none)",
    )
    p.add_argument("--json", action="store_true", help="print the figures as JSON (default: off)")
    args = p.parse_args(argv)
    weights = args.weights or [DEFAULT_WEIGHTS]
    clfs = [Classifier.load(w) for w in weights]
    result = evaluate_adapt(clfs, PenDigits.load(args.pen_digits), args.seed, args.workers, args.writers)
    print(json.dumps(result, indent=1) if args.json else format_adapt(result))
    if args.record:
        figures = {
            "command": " ".join(["python -m lenet.evaluate", *argv]),
            "checkpoints_sha256": [sha256_of(w) for w in weights],
            **result,
        }
        args.record.parent.mkdir(parents=True, exist_ok=True)
        args.record.write_text(json.dumps(figures, indent=1) + "\n")
        print(f"wrote {args.record}")
    return result
