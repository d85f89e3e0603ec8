"""The network view's cost, side by side in one run with the app as it was at a baseline commit (``--baseline``).

    python tests/bench_network.py --baseline 5752c49             # about 3 min
    python tests/bench_network.py --baseline 5752c49 --rounds 3 --loads 10
    python tests/bench_network.py --baseline 5752c49 --record docs/records/network.json   # the figures, as JSON too

The baseline's app.py is served from a temporary git worktree of that commit; both apps run in their own
process, each page in its own headless Chromium, and the sides alternate trial by trial, so load from
elsewhere falls on both. Measured and printed, never asserted:

- page load -> pen ready: navigation start to the pad's canvas sized for drawing and, for the app, the
  network view built from the weights it is sent with the page;
- per digit drawn (one-stroke real pen digits drawn with the mouse over ``--stroke-s`` seconds at a hand's
  pace, so the pad sends its live readings, then pen-up and Clear; see ``bench_app.paced_stroke``): the
  server's CPU, the readings sent, the bytes of each reading's answer as it crossed the wire (resource
  timing ``encodedBodySize``), and the page's long tasks (main thread busy over 50 ms at a time);
- hover or tap -> inspector shown: a click on a random unit of every stage, timed in the page from the
  event to the next animation frame (the inspector painted), over ``--taps`` units.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

import benchmark  # noqa: E402
from bench_app import paced_stroke  # noqa: E402
from benchmark import cpu_seconds, served  # noqa: E402
from browser_helpers import PAD_CANVAS, clear_canvas, launch_chromium, pen_digits, screen_strokes  # noqa: E402

ONE_STROKE = ["three", "zero", "two", "six", "eight", "nine", "nine_b"]
ANSWER_MS = 60_000
# Pen ready: the pad's canvas has its backing store (its js ran); for the app, the network view's stages exist.
READY_JS = """() => {
  const c = document.querySelector('#sketchpad canvas.ink');
  const view = document.querySelector('#network .net');
  return c && c.width > 100 && (!view || view.querySelectorAll('.stage').length === 8);
}"""
LABEL_JS = "() => { const h = document.querySelector('#prediction h2'); return h ? h.textContent.trim() : ''; }"
# The pad's readings since the last reset: /run/ answers, their bytes on the wire and decoded.
READINGS_JS = """() => performance.getEntriesByType('resource').filter((e) => e.name.includes('/run/'))
  .map((e) => [e.encodedBodySize, e.decodedBodySize])"""
# The page's main thread: long tasks (over 50 ms, when ink and input wait) from now on, and their total.
LONG_TASKS_START = """() => { window.__long = []; if (!window.__longObserver) {
  window.__longObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__long.push(e.duration);
  });
  window.__longObserver.observe({type: 'longtask'}); } }"""
LONG_TASKS_JS = "() => window.__long.reduce((a, b) => a + b, 0)"
# Click one unit of a stage and time it: the event, then the next frame, when the inspector is painted.
TAP_JS = """async ([id, fx, fy]) => {
  const target = document.querySelector(id + ' canvas') || document.querySelector(id + ' li');
  target.scrollIntoView({block: 'center'});
  await new Promise((r) => requestAnimationFrame(() => r()));
  const r = target.getBoundingClientRect();
  const t0 = performance.now();
  const at = {bubbles: true, clientX: r.left + fx * r.width, clientY: r.top + fy * r.height};
  target.dispatchEvent(new MouseEvent('click', at));
  await new Promise((r) => requestAnimationFrame(() => r()));
  return [performance.now() - t0, Number(document.querySelector('#inspector').dataset.ms || -1)];
}"""
STAGE_IDS = ["#input-map", "#c1-maps", "#s2-maps", "#c3-maps", "#s4-maps", "#f5-units", "#f6-units", "#output-scores"]


def summary(values: list[float], unit: str = "ms") -> str:
    q = statistics.quantiles(values, n=20) if len(values) > 1 else values * 19
    return f"p50 {statistics.median(values):7.1f} {unit}, p95 {q[18]:7.1f} {unit}  (n={len(values)})"


def figures(values: list[float]) -> dict[str, float]:
    """``summary``'s figures, for --record."""
    q = statistics.quantiles(values, n=20) if len(values) > 1 else values * 19
    return {"p50": statistics.median(values), "p95": q[18], "n": len(values)}


def baseline_worktree(rev: str) -> Path:
    """A detached git worktree of ``rev`` in a temporary folder."""
    path = Path(tempfile.mkdtemp(prefix="lenet-baseline-"))
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(path), rev], check=True, capture_output=True
    )
    return path


def page_load(browser, url: str) -> float:
    """Navigation start -> pen ready, in ms, in a fresh page."""
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(url)
    page.wait_for_function(READY_JS, timeout=ANSWER_MS, polling="raf")
    ms = page.evaluate("() => performance.now()")
    page.close()
    return ms


def draw_one(page, proc, name: str, stroke_s: float) -> tuple[float, list[list[int]], float, float]:
    """Draw one digit slowly, then clear: (server CPU in s, [[encoded, decoded] bytes] of each reading's answer,
    the stroke's duration in s, the page's long tasks in ms from the stroke's start to its last answer)."""
    page.wait_for_function(f"() => ({LABEL_JS})() === ''", timeout=ANSWER_MS)
    page.wait_for_timeout(300)
    page.evaluate("() => { performance.clearResourceTimings(); performance.setResourceTimingBufferSize(10000); }")
    page.evaluate(LONG_TASKS_START)
    before = cpu_seconds(proc.pid)
    points = screen_strokes(pen_digits()[name]["strokes"], page.locator(PAD_CANVAS).bounding_box())[0]
    took = paced_stroke(page, points, stroke_s)
    page.wait_for_function(f"() => ({LABEL_JS})() !== ''", timeout=ANSWER_MS)
    page.wait_for_timeout(400)  # the pen-up reading's answer is in
    readings = page.evaluate(READINGS_JS)
    busy = page.evaluate(LONG_TASKS_JS)
    clear_canvas(page)
    page.wait_for_function(f"() => ({LABEL_JS})() === ''", timeout=ANSWER_MS)
    page.wait_for_timeout(200)
    return cpu_seconds(proc.pid) - before, readings, took, busy


def main(argv: list[str] | None = None) -> None:
    """Run the three parts and print each figure beside the baseline's."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--baseline", required=True, help="the git revision to compare with (required)")
    p.add_argument("--rounds", type=int, default=2, help="rounds of the 7 one-stroke digits (default: 2)")
    p.add_argument("--loads", type=int, default=8, help="page loads per side (default: 8)")
    p.add_argument("--taps", type=int, default=200, help="units tapped in the inspector part (default: 200)")
    p.add_argument("--stroke-s", type=float, default=1.0, help="seconds each stroke takes to draw (default: 1.0)")
    p.add_argument("--record", type=Path, help="also write the figures to this JSON file (default: none)")
    args = p.parse_args(argv)
    load_before = os.getloadavg()[0]
    from playwright.sync_api import sync_playwright

    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    base = baseline_worktree(args.baseline)
    sides = {"app": [sys.executable, str(ROOT / "app.py")], "baseline": [sys.executable, str(base / "app.py")]}
    loads = {s: [] for s in sides}
    cpu = {s: [] for s in sides}
    answers = {s: [] for s in sides}
    strokes = {s: [] for s in sides}
    long_tasks = {s: [] for s in sides}
    taps: list[float] = []
    handler: list[float] = []
    try:
        with served(sides["app"]) as (app_proc, app_url), served(sides["baseline"]) as (base_proc, base_url):
            procs, urls = {"app": app_proc, "baseline": base_proc}, {"app": app_url, "baseline": base_url}
            with sync_playwright() as pw:
                browsers = {s: launch_chromium(pw) for s in sides}
                for s in sides:  # a cold load each, not counted
                    page_load(browsers[s], urls[s])
                for k in range(args.loads):
                    for s in sides if k % 2 else reversed(list(sides)):
                        loads[s].append(page_load(browsers[s], urls[s]))
                pages = {}
                for s in sides:
                    pages[s] = browsers[s].new_page(viewport={"width": 1280, "height": 1000})
                    pages[s].goto(urls[s])
                    pages[s].wait_for_function(READY_JS, timeout=ANSWER_MS)
                    draw_one(pages[s], procs[s], "seven_b", args.stroke_s)  # warm, not counted
                for r in range(args.rounds):
                    for k, name in enumerate(ONE_STROKE):
                        for s in sides if (r + k) % 2 else reversed(list(sides)):
                            pages[s].bring_to_front()
                            used, readings, took, busy = draw_one(pages[s], procs[s], name, args.stroke_s)
                            cpu[s].append(used)
                            long_tasks[s].append(busy)
                            answers[s].extend(readings)
                            strokes[s].append(took)
                # The inspector, on the app's page with a digit drawn.
                page = pages["app"]
                points = screen_strokes(pen_digits()["eight"]["strokes"], page.locator(PAD_CANVAS).bounding_box())
                paced_stroke(page, points[0], 0.3)
                page.wait_for_function("() => document.querySelector('#network .net').dataset.ready === '1'")
                page.wait_for_timeout(500)
                rng = random.Random(0)
                for _ in range(args.taps):
                    stage = rng.choice(STAGE_IDS)
                    took, ms = page.evaluate(TAP_JS, [stage, rng.uniform(0.05, 0.95), rng.uniform(0.02, 0.98)])
                    taps.append(took)
                    if ms >= 0:
                        handler.append(ms)
                for b in browsers.values():
                    b.close()
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)], check=False)

    print(f"\napp.py against app.py at {args.baseline} (baseline), alternating, each in its own process and browser")
    print("page load -> pen ready (the app: the network view built from the weights sent with the page):")
    for s in sides:
        print(f"  {s:>8}: {summary(loads[s])}")
    load_ratio = statistics.median(loads["app"]) / statistics.median(loads["baseline"])
    print(f"  ratio app / baseline (medians): {load_ratio:.2f}x")
    n = len(ONE_STROKE) * args.rounds
    print(f"\nper digit drawn ({n} one-stroke real pen digits, each drawn over {args.stroke_s:.1f} s, then Clear):")
    for s in sides:
        enc = [a[0] for a in answers[s]]
        dec = [a[1] for a in answers[s]]
        print(
            f"  {s:>8}: server CPU {statistics.mean(cpu[s]) * 1e3:6.1f} ms per digit,"
            f" {sum(cpu[s]) / len(enc) * 1e3:5.1f} ms per reading; {len(enc) / n:4.1f} readings per digit"
            f" (strokes took p50 {statistics.median(strokes[s]):.2f} s); page long tasks"
            f" {sum(long_tasks[s]) / len(enc):5.1f} ms per reading; bytes per reading on the wire"
            f" mean {statistics.mean(enc):6.0f}, max {max(enc)} (decoded mean {statistics.mean(dec):.0f})"
        )
    # Per reading: a slower machine makes more readings per stroke (the pad sends one per 150 ms of drawing).
    cpu_ratio = (sum(cpu["app"]) / len(answers["app"])) / (sum(cpu["baseline"]) / len(answers["baseline"]))
    bytes_ratio = statistics.mean(a[0] for a in answers["app"]) / statistics.mean(a[0] for a in answers["baseline"])
    digit_ratio = statistics.mean(cpu["app"]) / statistics.mean(cpu["baseline"])
    print(
        f"  ratio app / baseline: server CPU per digit {digit_ratio:.2f}x, per reading {cpu_ratio:.2f}x,"
        f" bytes per reading {bytes_ratio:.2f}x"
    )
    print(f"\nhover or tap -> inspector shown (event to the next frame), {len(taps)} random units of all 8 stages:")
    print(f"  {summary(taps)}; the handler alone {summary(handler)}")
    if args.record:
        benchmark.FIGURES["network"] = {
            "baseline": args.baseline,
            "page_load_ms": {s: figures(loads[s]) for s in sides},
            "per_digit": {
                s: {
                    "digits": n,
                    "server_cpu_ms_per_digit": statistics.mean(cpu[s]) * 1e3,
                    "server_cpu_ms_per_reading": sum(cpu[s]) / len(answers[s]) * 1e3,
                    "readings_per_digit": len(answers[s]) / n,
                    "bytes_per_reading_mean": statistics.mean(a[0] for a in answers[s]),
                    "bytes_per_reading_max": max(a[0] for a in answers[s]),
                    "stroke_s_p50": statistics.median(strokes[s]),
                    "page_long_tasks_ms_per_reading": sum(long_tasks[s]) / len(answers[s]),
                }
                for s in sides
            },
            "inspector_ms": figures(taps),
            "inspector_handler_ms": figures(handler),
        }
        command = "python tests/bench_network.py " + " ".join(argv if argv is not None else sys.argv[1:])
        benchmark.write_record(args.record, command, load_before)


if __name__ == "__main__":
    main()
