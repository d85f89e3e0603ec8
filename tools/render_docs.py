"""Fill the figure blocks of README.md and docs/*.md from the records that commands wrote.

    python tools/render_docs.py           # rewrite every figure block from the records
    python tools/render_docs.py --check   # exit 1, naming the files, if any block differs from its records

A figure block is the text between ``<!-- figures:NAME -->`` and ``<!-- /figures -->``; ``BLOCKS[NAME]``
renders it from JSON records (weights/metrics.json, weights/crossval.json, docs/records/*.json, ...), each
written by the command it names, never by hand. Every figure in the docs lives in such a block
(tests/test_docs.py checks that, and that the blocks are up to date). A record that has not been made yet
renders as the command that makes it.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lenet import evaluate_numbers, number  # noqa: E402
from lenet.card import parameter_count, training_time  # noqa: E402
from lenet.train import DRY_RUN_LIMIT  # noqa: E402

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"(<!-- figures:([\w-]+) -->\n)(.*?)(<!-- /figures -->)", re.S)
WEIGHTS = ROOT / "weights"
RECORDS = ROOT / "docs" / "records"
# Records that the docs render from but that are not made yet: the command that makes each.
NUMBERS_COMMAND = (
    "python -m lenet.evaluate --numbers --weights runs/cv/0/lenet.pt --record weights/numbers.json"  # fold 0
)
# Fold 0 trained with another seed, then read on its own unseen writers.
SEED_TRAIN_COMMAND = (
    "python -m lenet.train --pen-folds 3 --pen-fold 0 --threads 1 --seed 1 --out runs/cv-seed1/0/lenet.pt"
)
SEED_COMMAND = (
    "python -m lenet.evaluate --no-mnist --pen-digits --weights runs/cv-seed1/0/lenet.pt --record weights/seed1.json"
)
POOLED_COMMAND = (
    "python -m lenet.evaluate --numbers --weights runs/cv/0/lenet.pt --weights runs/cv/1/lenet.pt "
    "--weights runs/cv/2/lenet.pt --record weights/numbers-pooled.json"
)


def load(path: Path) -> dict | None:
    """A JSON record, or None when it has not been made."""
    return json.loads(path.read_text()) if path.is_file() else None


def missing(path: Path, command: str) -> str:
    """What a block says while its record is missing: the command that writes it."""
    return (
        f"*Not recorded yet.* `{command}` writes `{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}`; "
        "`python tools/render_docs.py` then fills in this part.\n"
    )


def pct(x: float, digits: int = 2) -> str:
    return f"{x:.{digits}%}"


# -- accuracy: weights/metrics.json, crossval.json, whole-canvas.json ----------------------------------------------


def fold_spread(pen: dict) -> str:
    """The spread of the pooled cross-validation figure over its folds, each on its own unseen writers."""
    each = [m["accuracy"] for m in pen["per_model"]]
    return f"{len(each)} folds: {pct(min(each))}–{pct(max(each))}"


def headline() -> str:
    metrics, crossval = load(WEIGHTS / "metrics.json"), load(WEIGHTS / "crossval.json")
    baseline = load(WEIGHTS / "whole-canvas.json")
    pen = crossval["pen_digits"]
    return (
        f"It reads **{pct(pen['accuracy'])}** ({fold_spread(pen)}) of {pen['n']:,} real pen-drawn digits by "
        f"writers it never saw (MNIST test: {pct(metrics['mnist_test']['accuracy'])}), where shrinking the whole "
        "canvas, as most "
        f"draw-a-digit demos do, reads {pct(baseline['pen_digits']['accuracy'])} of them "
        f"([how this is measured](docs/accuracy.md)).\n"
    )


def accuracy_table() -> str:
    metrics, crossval = load(WEIGHTS / "metrics.json"), load(WEIGHTS / "crossval.json")
    baseline = load(WEIGHTS / "whole-canvas.json")
    pen = crossval["pen_digits"]
    folds = [m["mnist_test_accuracy"] for m in crossval["models"]]
    weakest = min(pen["per_digit"], key=pen["per_digit"].get)
    writers = len(metrics["training_data"]["pen"]["train_writers"])
    return (
        "| pipeline and weights | MNIST test | real pen digits, unseen writers |\n"
        "|---|---|---|\n"
        f"| **bundled weights**: MNIST + the pen digits of all {writers} writers | "
        f"**{pct(metrics['mnist_test']['accuracy'])}** | – (it saw every writer) |\n"
        f"| the same recipe, {len(crossval['models'])}-fold cross-validation by writer | "
        f"{pct(min(folds))}–{pct(max(folds))} | **{pct(pen['accuracy'])}** of {pen['n']:,} pooled "
        f"({fold_spread(pen)}; weakest digit "
        f"{weakest}: {pct(pen['per_digit'][weakest])}; every style ≥ {pct(min(pen['per_style'].values()))}) |\n"
        f"| whole-canvas resize (what most demos do), the same cross-validation models | – | "
        f"{pct(baseline['pen_digits']['accuracy'])} of {baseline['pen_digits']['n']:,} |\n"
        "\n"
        f"In the cross-validation: {crossval['common_mistakes']}\n"
    )


def seed_spread() -> str:
    crossval, seed1 = load(WEIGHTS / "crossval.json"), load(WEIGHTS / "seed1.json")
    if seed1 is None:
        return missing(WEIGHTS / "seed1.json", SEED_COMMAND).replace(
            "*Not recorded yet.* ", f"*Not recorded yet.* After `{SEED_TRAIN_COMMAND}`, "
        )
    first, other = crossval["pen_digits"]["per_model"][0], seed1["pen_digits"]
    return (
        f"Training fold 0 again with `--seed 1` (`{seed1['models'][0]['command']}`) gives {pct(other['accuracy'])} "
        f"of {other['n']:,} against {pct(first['accuracy'])} of {first['n']:,} with seed 0: "
        f"{abs(other['accuracy'] - first['accuracy']) * 100:.2f} points apart. The seed also draws the split of the "
        "writers into folds, so the two read different writers: this is the spread of one fold's figure over "
        "training noise and the choice of writers together, and a change of the pooled figure smaller than the "
        "spread over folds above is not a change.\n"
    )


def calibration() -> str:
    record = load(WEIGHTS / "calibration.json")
    if record is None:
        return missing(WEIGHTS / "calibration.json", "python -m lenet.train --cv 3")
    top = [b for b in record["before"]["bins"] if b["range"][0] == 0.9][0]
    top_after = [b for b in record["after"]["bins"] if b["range"][0] == 0.9][0]
    return (
        f"Without it, the network is too modest: on the {record['n']:,} pen digits of unseen writers its mean "
        f"confidence is {pct(record['before']['mean_confidence'])} against {pct(record['accuracy'])} right, and "
        f"the {top['n']:,} readings shown at 90–100% have a mean confidence of {pct(top['mean_confidence'])} but are "
        f"right {pct(top['accuracy'])} of the time. With T = {record['temperature']:.3f}, the mean confidence is "
        f"{pct(record['after']['mean_confidence'])}, and the {top_after['n']:,} readings shown at 90–100% have a "
        f"mean confidence of {pct(top_after['mean_confidence'])} and are right {pct(top_after['accuracy'])} of the "
        f"time. The expected calibration error ({record['bins']} equal-width bins) falls from "
        f"**{pct(record['ece_before'])}** to **{pct(record['ece_after'])}**; fitting T on two folds and measuring on "
        f"the third gives {pct(record['ece_after_cross_fitted'])}.\n"
    )


# -- training: weights/metrics.json and the CLI's constants --------------------------------------------------------


def training_run() -> str:
    metrics = load(WEIGHTS / "metrics.json")
    return (
        f"The bundled weights' run, `{metrics['command']}`, took {training_time(metrics)} with "
        f"{metrics['threads']} torch thread(s), as `weights/metrics.json` records it (the time is that run's: the "
        f"machine may have been shared). The network has {parameter_count():,} parameters.\n"
    )


def cv_run() -> str:
    crossval = load(WEIGHTS / "crossval.json")
    run = crossval.get("cv_run")
    if run is None:
        return missing(WEIGHTS / "crossval.json", "python -m lenet.train --cv 3")
    load_avg = f", load average {run['load_average'][0]:.1f} at the end" if run.get("load_average") else ""
    if run["reused"]:
        what = (
            f"The last `{run['command']}` kept fold(s) {', '.join(map(str, run['reused']))} (their recorded bytes) "
            f"and trained {len(run['trained']) or 'none'}"
        )
    else:
        what = f"The last `{run['command']}` trained all {len(run['trained'])} folds"
    training = (
        f"{run['training_seconds'] / 60:.1f} min training {min(run['jobs'], len(run['trained']))} at a time, "
        if run["trained"]
        else ""
    )
    return (
        f"{what}: {run['wall_seconds'] / 60:.1f} min of wall time ({training}{run['evaluation_seconds'] / 60:.1f} "
        f"min evaluating and calibrating) on {run['cpu_count']} cores{load_avg}, as `weights/crossval.json` records "
        "it.\n"
    )


def dry_run() -> str:
    return (
        f"`--dry-run` is a smoke run: one epoch on the first {DRY_RUN_LIMIT:,} MNIST training digits (and their "
        f"slashed zeros) and {DRY_RUN_LIMIT:,} pen digits (each drawn `--pen-repeats` times), scored on the first "
        f"{DRY_RUN_LIMIT:,} MNIST test digits "
        "(`DRY_RUN_LIMIT` in `lenet/train.py`; an explicit `--limit` wins).\n"
    )


# -- whole numbers: the evaluation's parameters and weights/numbers*.json ----------------------------------------


def numbers_method() -> str:
    e = evaluate_numbers
    spaced, tight = e.SPACINGS["spaced"], e.SPACINGS["tight"]
    return (
        f"`python -m lenet.evaluate --numbers` writes numbers with the pen digits of writers the weights never saw: "
        f"{e.NUMBER_LENGTHS[0]}–{e.NUMBER_LENGTHS[1]} digits of one writer, each digit scaled to the digit height "
        f"±{e.SIZE_JITTER:.0%} with its baseline moved by ±{e.BASELINE_JITTER:.0%}, placed one after the other "
        f"**well spaced** (boxes {spaced[0]:.0%}–{spaced[1]:.0%} of the digit height apart) or **tight** (from "
        f"{tight[1]:.0%} apart to overlapping by {-tight[0]:.0%}; with the brush's width the ink touches or "
        f"nearly). Each number is read from its strokes (as the pad sends them) and from a canvas in each of the "
        f"three styles (brush {e.NUMBER_BRUSH[0]:.0%}–{e.NUMBER_BRUSH[1]:.0%} of the digit height), by "
        "`read_number` and by the naive method (strokes or ink components grouped while their x-ranges overlap, "
        "each group classified).\n"
    )


def number_rows(record: dict, lengths: str) -> list[str]:
    figures = {(f["method"], f["spacing"], f["input"], f["digits"]): f for f in record["numbers"]["figures"]}
    rows = []
    for spacing in evaluate_numbers.SPACINGS:
        for inp, shown in (("strokes", "strokes"), ("images", "canvases")):
            cells = []
            for method in evaluate_numbers.METHODS:
                f = figures[method, spacing, inp, lengths]
                whole = pct(f["whole"], 1)
                cells += [
                    f"**{whole}**" if method == "read_number" else whole,
                    pct(f["per_digit"], 1) if f["wrong_count"] < 1 else "–",
                    pct(f["wrong_count"], 1),
                ]
            rows.append(f"| {spacing}, {shown} | " + " | ".join(cells) + " |")
    return rows


def numbers_table() -> str:
    record = load(WEIGHTS / "numbers.json")
    if record is None:
        return missing(WEIGHTS / "numbers.json", NUMBERS_COMMAND)
    lo, hi = evaluate_numbers.GOAL_LENGTHS
    result = record["numbers"]
    header = (
        f"| numbers of {lo}–{hi} digits | `read_number`: whole | per digit | wrong count "
        "| naive: whole | per digit | wrong count |"
    )
    return (
        "\n".join(
            [
                f"Recorded by `{record['command']}` ({result['numbers']} numbers, {result['writers']}):",
                "",
                header,
                "|---|---|---|---|---|---|---|",
                *number_rows(record, f"{lo}-{hi}"),
            ]
        )
        + "\n"
    )


def numbers_pooled() -> str:
    record = load(WEIGHTS / "numbers-pooled.json")
    if record is None:
        return missing(WEIGHTS / "numbers-pooled.json", POOLED_COMMAND)
    lo, hi = evaluate_numbers.GOAL_LENGTHS
    rows = [f for f in record["numbers"]["figures"] if f["digits"] == f"{lo}-{hi}"]
    figures = {(f["method"], f["spacing"], f["input"]): f for f in rows}
    parts = [
        f"{method} {spacing} {shown} {pct(figures[method, spacing, inp]['whole'], 1)}"
        for method in evaluate_numbers.METHODS
        for spacing in evaluate_numbers.SPACINGS
        for inp, shown in (("strokes", "strokes"), ("images", "canvases"))
    ]
    return f"Pooled over every writer (`{record['command']}`), whole numbers read: " + "; ".join(parts) + ".\n"


def number_parameters() -> str:
    return (
        f"Up to {number.MAX_DIGITS} digits, up to {number.MAX_GROUP} strokes a digit; dots and specks are pieces "
        f"under {number.SPECK:.0%} of the digit height; neighbours may overlap by {number.OVERLAP_FROM:.0%} of "
        f"the digit height before a penalty applies; a cut through touching digits bends up to "
        f"{number.CUT_BEND:.0%} of the digit height either side (`lenet/number.py`).\n"
    )


# -- benchmarks: docs/records/*.json ----------------------------------------------------------------------------


READ_NUMBER_COMMAND = "python tests/benchmark.py --only-number --record docs/records/read-number.json"


def read_number_speed() -> str:
    record = load(RECORDS / "read-number.json")
    if record is None:
        return missing(RECORDS / "read-number.json", READ_NUMBER_COMMAND)
    f = record["figures"]["read_number"]
    cases = ", ".join(f"{name} {f[name]['x_predict_cpu']:.1f}×" for name in f)
    return (
        f"`read_number` on a 4-digit number, in CPU time against one `predict` on a one-digit canvas timed in turn "
        f"(`{record['command']}`, {record['cpus']} cores, load average {record['load_average']['before']:.1f} "
        f"before): {cases}. Every candidate digit is drawn and preprocessed, so tight numbers, with more "
        "candidates, cost more.\n"
    )


APP_COMMAND = "python tests/bench_app.py --only pen-up,live,load --record docs/records/app.json"
LIVE_COMMAND = "python tests/bench_app.py --only live --rounds 2 --record docs/records/app-live.json"
SOAK_COMMAND = "python tests/bench_app.py --only soak --soak-baseline --record docs/records/soak.json"


def app_record(part: str, name: str = "app.json") -> dict | None:
    record = load(RECORDS / name)
    return record if record and part in record["figures"] else None


def pen_up() -> str:
    record = app_record("pen_up")
    if record is None:
        return missing(RECORDS / "app.json", APP_COMMAND)
    f = record["figures"]["pen_up"]
    conditions = [c for c in f if isinstance(f[c].get("app"), dict) and "p50_ms" in f[c]["app"]]
    rows = [
        f"| {c} | {f[c]['app']['p50_ms']:.0f} ms (p90 {f[c]['app']['p90_ms']:.0f}) | "
        f"{f[c]['minimal']['p50_ms']:,.0f} ms (p90 {f[c]['minimal']['p90_ms']:,.0f}) | "
        f"{f[c]['app']['p50_ms'] / f[c]['minimal']['p50_ms']:.3f}× | {f[c]['app']['n']} |"
        for c in conditions
    ]
    cpu = f["server_cpu_ms_per_digit"]
    return (
        "\n".join(
            [
                f"Pen-up to reading shown (`{record['command']}`, {record['cpus']} cores, load average "
                f"{record['load_average']['before']:.1f} before):",
                "",
                "| network | app.py's pad, p50 | minimal live `gr.Sketchpad`, p50 | ratio of p50s | digits |",
                "|---|---|---|---|---|",
                *rows,
                "",
                f"Server CPU per digit drawn: app.py {cpu['app']:.1f} ms, the minimal demo {cpu['ref']:.1f} ms.",
            ]
        )
        + "\n"
    )


def live() -> str:
    record = app_record("live", "app-live.json") or app_record("live")
    if record is None:
        return missing(RECORDS / "app-live.json", LIVE_COMMAND)
    f = record["figures"]["live"]
    counts = "; ".join(
        f"{c}: median {v['median']:.0f} (min {v['min']}, max {v['max']}, {v['n']} strokes)"
        for c, v in f.items()
        if isinstance(v, dict)
    )
    return (
        f"Readings shown while one stroke takes {f['stroke_s']:.0f} s to draw, before pen-up "
        f"(`{record['command']}`, load average {record['load_average']['before']:.1f} before): "
        f"{counts}. The minimal demo shows none.\n"
    )


def load_test() -> str:
    record = app_record("load")
    if record is None:
        return missing(RECORDS / "app.json", APP_COMMAND)
    f = record["figures"]["load"]
    rounds = [
        f"{title}: p50 {v['p50_ms']:.0f} ms, p95 {v['p95_ms']:.0f} ms, {v['strokes_per_s']:.1f} strokes/s, "
        f"server CPU {v['server_cpu_ms_per_stroke']:.1f} ms a stroke ({v['x_read_number_cpu']:.1f}× "
        f"`read_number` in-process), {v['errors']} errors and {v['wrong']} answers unlike in-process of {v['calls']}"
        for title, v in f.items()
        if isinstance(v, dict)
    ]
    return (
        f"`/read_strokes` with {f['drawers']} gradio_client users sending {f['strokes']} digits each (same run): "
        + "; ".join(rounds)
        + ".\n"
    )


def soak() -> str:
    record = load(RECORDS / "soak.json")
    if record is None or "soak" not in record["figures"]:
        return missing(RECORDS / "soak.json", SOAK_COMMAND)
    f = record["figures"]["soak"]
    runs = [
        f"{title}: the last thousand took {v['last_over_first_p50']:.2f}× the first (p50 {v['last_p50_ms']:.1f} vs "
        f"{v['first_p50_ms']:.1f} ms)"
        for title, v in f.items()
        if isinstance(v, dict)
    ]
    return f"{f['events']:,} `/read_strokes` events (`{record['command']}`): " + "; ".join(runs) + ".\n"


def long_ratio(app: dict, base: dict) -> str:
    """The page's long tasks per reading, app over baseline ("none before" when the baseline had none)."""
    before = base["page_long_tasks_ms_per_reading"]
    return f"{app['page_long_tasks_ms_per_reading'] / before:.2f}×" if before else "(none before)"


NETWORK_COMMAND = "python tests/bench_network.py --baseline 5752c49 --record docs/records/network.json"


def network_view() -> str:
    record = load(RECORDS / "network.json")
    if record is None or "network" not in record["figures"]:
        return missing(RECORDS / "network.json", NETWORK_COMMAND)
    f = record["figures"]["network"]
    app, base = f["per_digit"]["app"], f["per_digit"]["baseline"]
    load_ms = f["page_load_ms"]
    return (
        "\n".join(
            [
                f"The network view against the app before it (commit `{f['baseline']}`), alternating in one run "
                f"(`{record['command']}`, {record['cpus']} cores, load average {record['load_average']['before']:.1f}"
                " before):",
                "",
                "| measure | with the view | before it | ratio |",
                "|---|---|---|---|",
                f"| bytes per reading, all stages included (mean) | {app['bytes_per_reading_mean']:,.0f} | "
                f"{base['bytes_per_reading_mean']:,.0f} | "
                f"{app['bytes_per_reading_mean'] / base['bytes_per_reading_mean']:.2f}× |",
                f"| server CPU per reading | {app['server_cpu_ms_per_reading']:.1f} ms | "
                f"{base['server_cpu_ms_per_reading']:.1f} ms | "
                f"{app['server_cpu_ms_per_reading'] / base['server_cpu_ms_per_reading']:.2f}× |",
                f"| server CPU per digit drawn ({app['readings_per_digit']:.1f} and {base['readings_per_digit']:.1f}"
                f" readings: the same strokes took {app['stroke_s_p50']:.1f} s and {base['stroke_s_p50']:.1f} s to "
                "draw in headless Chromium, the pad reading every 150 ms of drawing) | "
                f"{app['server_cpu_ms_per_digit']:.0f} ms | {base['server_cpu_ms_per_digit']:.0f} ms | "
                f"{app['server_cpu_ms_per_digit'] / base['server_cpu_ms_per_digit']:.2f}× |",
                *(
                    [
                        f"| the page's long tasks per reading (main thread busy 50 ms or more at a time) | "
                        f"{app['page_long_tasks_ms_per_reading']:.1f} ms | "
                        f"{base['page_long_tasks_ms_per_reading']:.1f} ms | "
                        f"{long_ratio(app, base)} |"
                    ]
                    if "page_long_tasks_ms_per_reading" in app
                    else []
                ),
                f"| page load to pen ready, p50 | {load_ms['app']['p50']:,.0f} ms | "
                f"{load_ms['baseline']['p50']:,.0f} ms | {load_ms['app']['p50'] / load_ms['baseline']['p50']:.2f}× |",
                "",
                f"Hover or tap to the inspector shown (the event to the next frame), {f['inspector_ms']['n']} random "
                f"units: p50 {f['inspector_ms']['p50']:.1f} ms, p95 {f['inspector_ms']['p95']:.1f} ms; the handler "
                f"alone p50 {f['inspector_handler_ms']['p50']:.1f} ms.",
            ]
        )
        + "\n"
    )


ADAPT_COMMAND = (
    "python -m lenet.evaluate --adapt --weights runs/cv/0/lenet.pt --weights runs/cv/1/lenet.pt"
    " --weights runs/cv/2/lenet.pt --record weights/adapt.json"
)


def adapt_figures() -> str:
    record = load(WEIGHTS / "adapt.json")
    if record is None:
        return missing(WEIGHTS / "adapt.json", ADAPT_COMMAND)
    careful, careless, timing = record["careful"], record["careless"], record["timing"]
    s, half = careful["streams"], careful["last_half"]
    orders = record["over_orders"]
    return (
        "\n".join(
            [
                f"From `{record['command']}`: {record['n_writers']} unseen writers, {s['digits']:,} digits, "
                f"{record['models']} cross-validation model(s).",
                "",
                "| measure | weights alone | with the writer's examples | errors |",
                "|---|---|---|---|",
                f"| stream accuracy | {pct(s['weights_alone_accuracy'])} ({s['weights_alone_errors']} errors) | "
                f"{pct(s['adapted_accuracy'])} ({s['adapted_errors']} errors; {s['fixed']} fixed, {s['broken']} "
                f"broken) | {s['error_reduction']:.0%} fewer |",
                f"| each writer's last half | {pct(half['weights_alone_accuracy'])} | {pct(half['adapted_accuracy'])}"
                f" | {half['error_reduction']:.0%} fewer |",
                f"| {record['careless_fraction']:.0%} of corrections wrong | "
                f"{pct(careless['streams']['weights_alone_accuracy'])} | "
                f"{pct(careless['streams']['adapted_accuracy'])} | {careless['streams']['error_reduction']:.0%} "
                "fewer |",
                "",
                f"Over {orders['orders']} stream orders: {orders['careful']['error_reduction']:.0%} fewer errors. "
                f"One reading with {timing['examples']} examples took {timing['reading_ms_with_examples']:.1f} ms "
                f"against {timing['reading_ms_no_examples']:.1f} ms with none ({timing['time_ratio']:.2f}×; the "
                f"first, before the examples' features are cached, {timing['first_reading_ms_with_examples']:.0f} "
                f"ms); a request carrying {timing['examples']} examples is {timing['request_bytes']:,} bytes.",
                "",
                "Per cross-validation fold (the method's constants were chosen on folds 0 and 1; fold 2's writers "
                "were kept out of that choice): "
                + "; ".join(
                    f"fold {k}: {f['adapted_errors']} errors against {f['weights_alone_errors']} "
                    f"({f['error_reduction']:.0%} fewer, {f['broken']} broken)"
                    for k, f in record["per_model"].items()
                )
                + ".",
            ]
        )
        + "\n"
    )


BLOCKS: dict[str, Callable[[], str]] = {
    "headline": headline,
    "accuracy-table": accuracy_table,
    "training-run": training_run,
    "seed-spread": seed_spread,
    "calibration": calibration,
    "cv-run": cv_run,
    "dry-run": dry_run,
    "numbers-method": numbers_method,
    "numbers-table": numbers_table,
    "numbers-pooled": numbers_pooled,
    "number-parameters": number_parameters,
    "read-number-speed": read_number_speed,
    "pen-up": pen_up,
    "live": live,
    "load": load_test,
    "soak": soak,
    "network-view": network_view,
    "adapt": adapt_figures,
}


def render(text: str) -> str:
    """``text`` with every figure block filled from its records; an unknown block name is an error."""

    def fill(m: re.Match) -> str:
        name = m.group(2)
        if name not in BLOCKS:
            raise KeyError(f"unknown figure block {name!r}: one of {', '.join(BLOCKS)}")
        return m.group(1) + BLOCKS[name]() + m.group(4)

    return BLOCK.sub(fill, text)


def main(argv: list[str] | None = None) -> int:
    """Rewrite (or, with --check, compare) every figure block; the exit code."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--check", action="store_true", help="only report stale files, exit 1 if any (default: off)")
    args = p.parse_args(argv)
    stale = []
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        new = render(text)
        if new != text:
            stale.append(path.relative_to(ROOT))
            if not args.check:
                path.write_text(new, encoding="utf-8")
    verb = "stale" if args.check else "rewrote"
    print(f"{verb}: {', '.join(map(str, stale))}" if stale else "every figure block is up to date")
    return 1 if stale and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
