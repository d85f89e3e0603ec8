"""Speed of app.py against minimal Gradio apps, measured side by side in one run; each server in its own process.

    python tests/bench_app.py                                  # predict, pen-up, live, load (about 6 min)
    python tests/bench_app.py --only pen-up,live --rounds 3
    python tests/bench_app.py --only load --drawers 32 --strokes 12
    python tests/bench_app.py --only soak --soak-events 20000 --soak-baseline   # about 15 min
    python tests/bench_app.py --only pen-up,live --record docs/records/pen-up.json   # the figures, as JSON too
    python tests/bench_app.py --only hostile --calls 60                         # about 1 min

Parts (``--only``, comma-separated; the default is all but ``soak``):

- ``predict``: ``/predict`` round trip (upload + call + result) through gradio_client and as plain HTTP
  (the README's curl flow), against ``gr.Interface(fn, gr.Image(), gr.Label())``.
- ``pen-up``: pen-up -> reading shown, in headless Chromium, a one-stroke real pen digit drawn with the
  mouse; app.py's stroke pad against the minimal live sketchpad demo, ``gr.Interface(fn, gr.Sketchpad(),
  gr.Label(), live=True)``, locally and with a 100 ms round trip (CDP ``Network.emulateNetworkConditions``).
  For the reference, the moment its label shows a digit. For the pad, which already shows readings while
  the pen moves, the moment the outputs change after the answer to the first request sent after pen-up
  (the final reading) arrives. Also the servers' CPU per digit drawn.
- ``live``: readings shown before pen-up while one stroke takes 2 s to draw, locally and at 100 ms.
- ``load``: ``--drawers`` gradio_client users at once, each sending ``--strokes`` pad payloads to
  ``/read_strokes``: back to back, then each after ``--pace`` s of drawing (0.5-1.5x, at random):
  p50/p95, errors, strokes/s, and the server's CPU per stroke against ``Classifier.read_number`` (what
  /read_strokes runs) on the same strokes in-process, and the clients' CPU beside it.
- ``hostile``: a normal ``/read_strokes`` (plain HTTP, one real pen digit) while ``--hostile-senders`` threads
  send hostile stroke payloads back to back (a 200,000-point stroke, 48 overlapping strokes of 200 points,
  12 slots of 4 such strokes, 250 bars and 250 specks, 5,000 strokes), against the same call unloaded:
  p50s and their ratio, the rounds alternating; and what the hostile payloads were answered (413, refused,
  read) and how long each took.
- ``soak``: ``--soak-events`` ``/read_strokes`` events (plain HTTP, 4 sessions at a time), the latency of the
  last 1,000 against the first 1,000; ``--soak-baseline`` also runs it with Gradio's default queue
  analytics settings, which app.py overrides.

Every reference gets the same ``lenet.Classifier`` and one torch thread, and the sides alternate trial by
trial, so load from elsewhere falls on both. Nothing is asserted: this measures and prints.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import numpy as np  # noqa: E402
from benchmark import FIGURES, concurrent_users, cpu_seconds, local_client, served, write_record  # noqa: E402
from browser_helpers import (  # noqa: E402
    LABEL_TEXT_JS,
    PAD_CANVAS,
    PAD_SIZE,
    clear_canvas,
    launch_chromium,
    pad_value,
    pen_digits,
    screen_strokes,
)

ONE_STROKE = ["three", "zero", "two", "six", "eight", "nine", "nine_b"]  # real pen digits drawn in one stroke
SKETCHPAD_CANVAS = "#sketchpad .pixi-target canvas"  # gr.Sketchpad's drawing canvas
REMOTE_MS = 100  # the emulated round trip, as for a user far from the Space
LIVE_STROKE_S = 2.0
ANSWER_MS = 60_000
# In the page, before its scripts run. pointerup marks pen-up. The pad's final reading is the answer to
# the last /run/ request sent after pen-up (a live reading sent just before pen-up can leave the page just
# after it, and the pen-up reading then goes out when its answer is in): __finalSent is when that request
# leaves, __finalAt when its headers arrive, and __shownAt the next change to the outputs after that;
# __inFlight counts /run/ requests not yet answered. __labelAt is the first moment the label shows a digit
# (the reference's reading); __readings counts new network-input pictures, __before those seen before pen-up.
TIMING_JS = """
window.__penUp = 0; window.__finalSent = 0; window.__finalAt = 0; window.__shownAt = 0; window.__labelAt = 0;
window.__readings = 0; window.__before = 0; window.__inFlight = 0;
addEventListener('pointerdown', () => { window.__penUp = 0; }, true);
addEventListener('pointerup', () => { window.__penUp = performance.now(); window.__before = window.__readings; }, true);
const realFetch = window.fetch;
window.fetch = async function (input, init) {
  const url = String(input && input.url ? input.url : input);
  if (!url.includes('/run/')) return realFetch.apply(this, arguments);
  const sent = performance.now();
  const final = window.__penUp > 0 && sent >= window.__penUp;
  if (final) { window.__finalSent = sent; window.__finalAt = 0; window.__shownAt = 0; }
  window.__inFlight++;
  try {
    const res = await realFetch.apply(this, arguments);
    if (final && window.__finalSent === sent) window.__finalAt = performance.now();
    return res;
  } finally {
    window.__inFlight--;
  }
};
let lastSrc = '';
new MutationObserver((records) => {
  const now = performance.now();
  const h = document.querySelector('#prediction h2');
  if (!window.__labelAt && h && h.textContent.trim()) window.__labelAt = now;
  const img = document.querySelector('#network-input img');
  const src = img ? img.getAttribute('src') : '';
  if (src && src !== lastSrc) window.__readings++;
  lastSrc = src;
  const outputs = records.some((r) => {
    const el = r.target.nodeType === 1 ? r.target : r.target.parentElement;
    return el && el.closest('#prediction, #network-input, #status');
  });
  if (outputs && window.__finalAt && !window.__shownAt) window.__shownAt = now;
}).observe(document, {childList: true, subtree: true, characterData: true, attributes: true});
"""
# The pad's final reading is answered and nothing is on its way: the next answer would be a later request's.
FINAL_JS = "() => window.__finalAt > 0 && window.__inFlight === 0"
# Reset before each trial; not __inFlight, which counts requests still on their way (a clear's, say).
TIMERS = ["__penUp", "__finalSent", "__finalAt", "__shownAt", "__labelAt", "__readings", "__before"]
RESET_JS = (
    f"() => {{ for (const k of {json.dumps(TIMERS)}) window[k] = 0;"
    " performance.clearResourceTimings(); performance.setResourceTimingBufferSize(10000); }"
)


# -- the reference apps, each served by this script in its own process -------------------------------------


def serve_reference(kind: str) -> None:
    """Serve one minimal reference app on GRADIO_SERVER_PORT, with app.py's classifier and one torch thread."""
    import gradio as gr
    import torch

    from lenet import Classifier

    clf = Classifier.load()
    torch.set_num_threads(1)

    def label(image) -> dict[str, float] | None:
        """The references' one function: an image in, the ten probabilities out; nothing for a blank."""
        try:
            pred = clf.predict(image)
        except ValueError:
            return None
        return {str(d): p for d, p in enumerate(pred.probabilities)}

    if kind == "image":
        demo = gr.Interface(label, gr.Image(), gr.Label(), analytics_enabled=False, api_name="predict")
    else:  # the typical draw-a-digit demo: a live Interface with the sketchpad's defaults
        pad = gr.Sketchpad(elem_id="sketchpad")
        demo = gr.Interface(label, pad, gr.Label(elem_id="prediction"), live=True, analytics_enabled=False)
    demo.launch()


def reference(kind: str) -> list[str]:
    """The command that serves a reference app."""
    return [sys.executable, __file__, "--serve-reference", kind]


APP = [sys.executable, "app.py"]


# -- figures -------------------------------------------------------------------------------------------------


def summary(times_ms: list[float]) -> str:
    """Median, 90th percentile and count of a list of milliseconds."""
    if not times_ms:
        return "no samples"
    return f"p50 {statistics.median(times_ms):7.1f} ms   p90 {np.percentile(times_ms, 90):7.1f} ms   n={len(times_ms)}"


def stats(times_ms: list[float]) -> dict:
    """``summary``'s figures, for --record: median, 90th percentile and count."""
    if not times_ms:
        return {"n": 0}
    return {"p50_ms": statistics.median(times_ms), "p90_ms": float(np.percentile(times_ms, 90)), "n": len(times_ms)}


def ratio(app_ms: list[float], ref_ms: list[float]) -> str:
    """The ratio of medians app / reference, with a bootstrap 95% interval (how much is noise)."""
    rng = np.random.default_rng(0)
    a, r = np.asarray(app_ms), np.asarray(ref_ms)
    boot = [np.median(rng.choice(a, len(a))) / np.median(rng.choice(r, len(r))) for _ in range(2000)]
    lo, hi = np.percentile(boot, [2.5, 97.5])
    return f"{np.median(a) / np.median(r):.3f} (95% interval {lo:.3f}-{hi:.3f})"


# -- predict: /predict round trips -----------------------------------------------------------------------------


def http_round_trip(http: httpx.Client, path: str) -> None:
    """/predict the README's curl way: upload, POST the call, read the event stream to its end."""
    with open(path, "rb") as f:
        uploaded = http.post("/gradio_api/upload", files={"files": (Path(path).name, f)}).json()[0]
    event = http.post("/gradio_api/call/predict", json={"data": [{"path": uploaded}]}).json()["event_id"]
    assert "event: complete" in http.get(f"/gradio_api/call/predict/{event}").text


def bench_predict(calls: int) -> None:
    """Round trips of /predict on app.py and on the minimal image app, alternating call by call."""
    from gradio_client import handle_file

    from lenet.pen import render

    digits = pen_digits()
    times = {"client": {"app": [], "ref": []}, "http": {"app": [], "ref": []}}
    with tempfile.TemporaryDirectory() as tmp, served(APP) as (_, app_url), served(reference("image")) as (_, ref_url):
        files = sorted(str(p) for p in (HERE / "data" / "examples").iterdir())
        for name in ONE_STROKE:  # canvases like a sketchpad's, as PNG files
            path = Path(tmp) / f"{name}.png"
            render(digits[name]["strokes"], canvas=280, brush=18, rng=np.random.default_rng(0)).save(path)
            files.append(str(path))
        urls = {"app": app_url, "ref": ref_url}
        clients = {side: local_client(url) for side, url in urls.items()}
        https = {side: httpx.Client(base_url=url, timeout=60) for side, url in urls.items()}
        ways = {
            "client": lambda side, f: clients[side].predict(handle_file(f), api_name="/predict"),
            "http": lambda side, f: http_round_trip(https[side], f),
        }
        for i in range(calls + 4):
            order = ("app", "ref") if i % 2 else ("ref", "app")
            for way, call in ways.items():
                for side in order:
                    start = time.perf_counter()
                    call(side, files[i % len(files)])
                    if i >= 4:  # the first calls warm up connections and caches
                        times[way][side].append((time.perf_counter() - start) * 1000)
        for c in [*clients.values(), *https.values()]:
            c.close()
    for way, title in (("client", "through gradio_client"), ("http", "as plain HTTP, the README's curl flow")):
        print(f"\n/predict round trip {title} (upload + call + result)")
        print(f"  app.py             {summary(times[way]['app'])}")
        print(f"  minimal image app  {summary(times[way]['ref'])}")
        print(f"  ratio app / minimal (medians): {ratio(times[way]['app'], times[way]['ref'])}")
        FIGURES.setdefault("predict", {})[way] = {"app": stats(times[way]["app"]), "minimal": stats(times[way]["ref"])}


# -- pen-up and live: the page in headless Chromium ---------------------------------------------------------------


def open_page(browser, url: str, canvas: str):
    """A desktop page with the timing script, and its CDP session."""
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.add_init_script(TIMING_JS)
    page.goto(url)
    page.wait_for_selector(canvas, timeout=ANSWER_MS)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    return page, cdp


def set_round_trip(cdp, ms: int) -> None:
    """Every request waits ``ms`` for its response (0: no emulation)."""
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": ms, "downloadThroughput": -1, "uploadThroughput": -1},
    )


def ready_to_draw(page, side: str) -> None:
    """Wait for a clear, settled page; the reference's sketchpad needs its Brush clicked after every clear."""
    page.wait_for_function(f"() => ({LABEL_TEXT_JS})() === ''", timeout=ANSWER_MS)
    page.wait_for_timeout(300)  # let the clear's own round trip and the page settle
    if side == "ref" and page.locator("#sketchpad button.highlight").count() == 0:
        page.locator("#sketchpad .toolbar-wrap button").first.click()
    page.evaluate(RESET_JS)


def pen_up_trial(page, side: str, points: np.ndarray, expected: str, verbose: bool = False) -> tuple[float, int]:
    """One stroke on a clear canvas: (pen-up -> reading shown in ms, requests sent meanwhile); leaves it clear.
    ``verbose``: also print, for the pad, when its final reading's request left, was answered and was shown."""
    ready_to_draw(page, side)
    page.mouse.move(*points[0])
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(x, y)
    page.mouse.up()
    if side == "app":
        at = 0
        while not at:  # a request sent while it waited: wait for that one's answer instead
            page.wait_for_function(FINAL_JS, timeout=ANSWER_MS)
            page.wait_for_timeout(100)  # an answer that changes nothing on the page leaves __shownAt at 0
            at = page.evaluate(f"() => ({FINAL_JS})() && (window.__shownAt || window.__finalAt)")
        if verbose:
            sent, answered, shown = page.evaluate(
                "() => [window.__finalSent, window.__finalAt, window.__shownAt].map((t) => t && t - window.__penUp)"
            )
            shown = f"+{shown:.1f} ms" if shown else "no change to the outputs"
            print(f"      final reading sent +{sent:.1f} ms, answered +{answered:.1f} ms, shown {shown} after pen-up")
    else:
        page.wait_for_function("() => window.__labelAt > 0", timeout=ANSWER_MS)
        at = page.evaluate("() => window.__labelAt")
    ms = at - page.evaluate("() => window.__penUp")
    after_pen_up = page.evaluate(
        "() => performance.getEntriesByType('resource').filter((e) => e.startTime >= window.__penUp).length"
    )
    shown = page.evaluate(LABEL_TEXT_JS)
    if shown != expected:
        print(f"  note: {side} read {shown!r} for a {expected}")
    clear_canvas(page)
    return ms, after_pen_up


def wait_idle(page, procs, quiet_ms: int = 300, timeout_s: float = 30.0) -> None:
    """Wait until the servers use almost no CPU for ``quiet_ms``: one side's backlog must not slow the other's trial.
    It waits through the page, so Playwright keeps reading the browser's events meanwhile."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        before = sum(cpu_seconds(p.pid) for p in procs)
        page.wait_for_timeout(quiet_ms)
        if sum(cpu_seconds(p.pid) for p in procs) - before < 0.02:
            return


def bench_pen_up(rounds: int, verbose: bool = False) -> None:
    """Pen-up -> reading shown on app.py and on the minimal sketchpad demo, locally and at REMOTE_MS."""
    from playwright.sync_api import sync_playwright

    digits = pen_digits()
    conditions = {"local": 0, f"{REMOTE_MS} ms round trip": REMOTE_MS}
    times = {c: {"app": [], "ref": []} for c in conditions}
    cpu = {"app": 0.0, "ref": 0.0}
    requests = {"app": 0, "ref": 0}
    with served(APP) as (app_proc, app_url), served(reference("sketchpad")) as (ref_proc, ref_url):
        procs = {"app": app_proc, "ref": ref_proc}
        with sync_playwright() as pw:
            # A browser each: pages of one site can share a renderer process, and then the reference's
            # canvas exports would hold up the pad's page.
            browsers = {"app": launch_chromium(pw), "ref": launch_chromium(pw)}
            pages = {
                "app": open_page(browsers["app"], app_url, PAD_CANVAS),
                "ref": open_page(browsers["ref"], ref_url, SKETCHPAD_CANVAS),
            }
            canvases = {"app": PAD_CANVAS, "ref": SKETCHPAD_CANVAS}
            for side, (page, cdp) in pages.items():  # a first, cold trial per side and condition, not counted
                page.bring_to_front()
                for round_trip in conditions.values():
                    set_round_trip(cdp, round_trip)
                    box = page.locator(canvases[side]).first.bounding_box()
                    pen_up_trial(page, side, screen_strokes(digits["seven_b"]["strokes"], box)[0], "7")
            for r in range(rounds):
                for k, name in enumerate(ONE_STROKE):
                    for condition, round_trip in conditions.items():
                        for side in ("app", "ref") if (r + k) % 2 else ("ref", "app"):
                            page, cdp = pages[side]
                            page.bring_to_front()
                            set_round_trip(cdp, round_trip)
                            box = page.locator(canvases[side]).first.bounding_box()
                            points = screen_strokes(digits[name]["strokes"], box)[0]
                            wait_idle(page, procs.values())
                            before = cpu_seconds(procs[side].pid)
                            took, sent = pen_up_trial(page, side, points, str(digits[name]["label"]), verbose)
                            cpu[side] += cpu_seconds(procs[side].pid) - before
                            times[condition][side].append(took)
                            requests[side] += sent
                            if verbose:
                                print(f"    {side} {condition:>18} {name:>7}: {took:7.1f} ms, {sent} requests")
            for browser in browsers.values():
                browser.close()
    print(f"\npen-up -> reading shown, headless Chromium, {len(ONE_STROKE)} one-stroke real pen digits x {rounds}")
    for condition in conditions:
        app_ms, ref_ms = times[condition]["app"], times[condition]["ref"]
        print(f"  {condition}:")
        print(f"    app.py stroke pad          {summary(app_ms)}")
        print(f"    minimal gr.Sketchpad demo  {summary(ref_ms)}")
        print(f"    ratio app / minimal (medians): {ratio(app_ms, ref_ms)}")
        FIGURES.setdefault("pen_up", {})[condition] = {"app": stats(app_ms), "minimal": stats(ref_ms)}
    trials = len(conditions) * rounds * len(ONE_STROKE)
    FIGURES["pen_up"]["server_cpu_ms_per_digit"] = {side: cpu[side] / trials * 1e3 for side in cpu}
    FIGURES["pen_up"]["requests_per_digit"] = {side: requests[side] / trials for side in requests}
    print(
        f"  server CPU per digit drawn (its live readings, pen-up reading and clear):"
        f" app.py {cpu['app'] / trials * 1e3:.1f} ms, minimal sketchpad demo {cpu['ref'] / trials * 1e3:.1f} ms"
        f" = {cpu['app'] / cpu['ref']:.2f}x"
    )
    print(
        f"  requests from pen-up to the reading shown (each a round trip, some in parallel):"
        f" app.py {requests['app'] / trials:.1f} (the reading, its outputs inline),"
        f" minimal sketchpad demo {requests['ref'] / trials:.1f} (canvas uploads, queue join, event stream)"
    )


def paced_stroke(page, points: np.ndarray, seconds: float) -> float:
    """One mouse stroke over ``seconds``, at a hand's pace whatever the page does; its duration in s.

    A hand does not slow down for a busy page: the browser hands the pad every point the pointer passed
    (coalesced events). Playwright's ``mouse.move`` instead waits for the page to take each event, so a
    page whose main thread is busy would stretch the stroke (and the readings sent during it) without end.
    So each move goes to the point due now on the stroke's clock, skipping the points already past (the
    pad joins what it gets with straight lines); the last point is always reached.
    """
    page.mouse.move(*points[0])
    page.mouse.down()
    start = time.perf_counter()
    last = len(points) - 1
    i = 1
    while i <= last:
        page.mouse.move(*points[i])
        if i == last:
            break
        due = int((time.perf_counter() - start) / seconds * last) if seconds > 0 else last
        i = min(max(i + 1, due), last)
        ahead = start + seconds * i / last - time.perf_counter()
        if ahead > 0:
            page.wait_for_timeout(ahead * 1000)
    took = time.perf_counter() - start
    page.mouse.up()
    return took


def bench_live(rounds: int) -> None:
    """Readings shown before pen-up while one stroke takes LIVE_STROKE_S to draw, locally and at REMOTE_MS."""
    from playwright.sync_api import sync_playwright

    digits = pen_digits()
    counts: dict[str, list[int]] = {"local": [], f"{REMOTE_MS} ms round trip": []}
    durations: list[float] = []
    with served(APP) as (_, url), sync_playwright() as pw:
        browser = launch_chromium(pw)
        page, cdp = open_page(browser, url, PAD_CANVAS)
        for _ in range(rounds):
            for name in ONE_STROKE:
                for condition, ms in zip(counts, (0, REMOTE_MS), strict=True):
                    set_round_trip(cdp, ms)
                    ready_to_draw(page, "app")
                    points = screen_strokes(digits[name]["strokes"], page.locator(PAD_CANVAS).bounding_box())[0]
                    durations.append(paced_stroke(page, points, LIVE_STROKE_S))
                    page.wait_for_function(FINAL_JS, timeout=ANSWER_MS)
                    counts[condition].append(page.evaluate("() => window.__before"))
                    clear_canvas(page)
        browser.close()
    print(
        f"\nreadings shown before pen-up, one stroke drawn in {LIVE_STROKE_S:.0f} s (took p50"
        f" {statistics.median(durations):.2f} s, max {max(durations):.2f} s here; the minimal demo: none)"
    )
    for condition, c in counts.items():
        print(f"  {condition:>20}: median {statistics.median(c):.0f}, min {min(c)}, max {max(c)}   n={len(c)}")
        live = FIGURES.setdefault("live", {"stroke_s": LIVE_STROKE_S})
        live[condition] = {"median": statistics.median(c), "min": min(c), "max": max(c), "n": len(c)}


# -- load: many drawers at once on /read_strokes -------------------------------------------------------------------


def stroke_payloads(count: int) -> tuple[list[dict], list[int]]:
    """``count`` real pen digits (the held-out pen sample) as pad payloads, with their labels."""
    from lenet.pen import PenDigits

    ds = PenDigits.load(HERE / "data" / "pen_sample.npz")
    index = [i % len(ds) for i in range(count)]
    return [pad_value(ds.strokes(i), PAD_SIZE) for i in index], [int(ds.labels[i]) for i in index]


def bench_load(drawers: int, strokes: int, pace: float) -> None:
    """``drawers`` gradio_client users at once, ``strokes`` /read_strokes calls each, on ``python app.py``:
    back to back, and with ``pace`` s of drawing before each stroke (0: only back to back)."""
    import torch

    from lenet import Classifier

    payloads, _ = stroke_payloads(60)
    clf = Classifier.load()
    torch.set_num_threads(1)  # as app.launch() serves it
    expected = [clf.predict(p).digit for p in payloads]  # the server's answers are checked against these
    start = time.process_time()
    for p in payloads * 5:
        clf.read_number(p)  # what /read_strokes runs
    in_process_ms = (time.process_time() - start) / (5 * len(payloads)) * 1e3
    print(
        f"\n/read_strokes, {drawers} gradio_client drawers x {strokes} strokes at once, python app.py, 2 cores"
        f" (load average {os.getloadavg()[0]:.1f})"
    )
    print(
        "  The drawers are threads of this process, on the server's cores, connected with ssl_verify=False"
        " (benchmark.local_client): otherwise each call reloads the CA bundle, ~60 ms of CPU that remote users"
        " pay on their own machines but that here would be taken from the server."
    )
    with served(APP) as (proc, url):
        rounds = [("back to back", 0.0)] + ([(f"drawing {pace:.1f} s per stroke", pace)] if pace > 0 else [])
        for title, wait in rounds:
            load_round(proc, url, payloads, expected, drawers, strokes, wait, in_process_ms, title)


def load_round(proc, url, payloads, expected, drawers, strokes, pace, in_process_ms, title) -> None:
    """One load round on a served app: each drawer waits ~``pace`` s (drawing) before each stroke it sends."""

    def check(out: dict, n: int) -> str | None:
        return (
            None
            if out.get("digit") == expected[n]
            else f"payload {n} read as {out.get('digit')}, in-process {expected[n]}"
        )

    result = concurrent_users(
        url,
        lambda client, n: client.predict(payloads[n], api_name="/read_strokes"),
        check,
        len(payloads),
        drawers,
        strokes,
        pace=pace,
        pid=proc.pid,
        warm_up=True,
    )
    latencies = [s * 1e3 for s in result.latencies]
    wall, cpu, client_cpu, calls = result.wall, result.server_cpu, result.client_cpu, drawers * strokes
    p95 = np.percentile(latencies, 95) if latencies else float("nan")
    print(f"  {title}:")
    print(f"    latency        {summary(latencies)}   p95 {p95:7.1f} ms   max {max(latencies, default=0):.0f} ms")
    print(f"    throughput     {result.throughput:.1f} strokes/s ({len(latencies)} answered in {wall:.1f} s)")
    print(
        f"    server CPU per stroke: {cpu / calls * 1e3:.1f} ms = {cpu / calls * 1e3 / in_process_ms:.1f}x"
        f" Classifier.read_number in-process ({in_process_ms:.2f} ms), server {cpu / wall:.2f} cores"
    )
    print(
        f"    the {drawers} gradio_client users: CPU {client_cpu / calls * 1e3:.1f} ms per stroke,"
        f" {client_cpu / wall:.2f} cores"
    )
    print(f"    {len(result.errors)} errors, {len(result.wrong)} answers unlike in-process, of {calls} calls")
    FIGURES.setdefault("load", {"drawers": drawers, "strokes": strokes})[title] = {
        **stats(latencies),
        "p95_ms": float(p95),
        "strokes_per_s": result.throughput,
        "server_cpu_ms_per_stroke": cpu / calls * 1e3,
        "x_read_number_cpu": cpu / calls * 1e3 / in_process_ms,
        "calls": calls,
        "errors": len(result.errors),
        "wrong": len(result.wrong),
    }
    for line in (result.errors + result.wrong)[:5]:
        print("     ", line)


# -- hostile: a normal reading while others send the worst payloads they can -------------------------------------


def hostile_payloads() -> dict[str, bytes]:
    """The issue's costliest stroke payloads, as the JSON bodies of ``POST /gradio_api/call/read_strokes``."""
    rng = np.random.default_rng(0)

    def scribble(n: int, x0: float, y0: float, w: float, h: float) -> list:
        return (rng.random((n, 2)) * [w, h] + [x0, y0]).round(1).tolist()

    payloads = {
        "200,000 points in one stroke": [[[i % 97, i % 89] for i in range(200_000)]],
        "48 overlapping strokes of 200 points": [scribble(200, 60, 60, 160, 160) for _ in range(48)],
        "12 slots of 4 strokes of 200 points": [
            scribble(200, 23 * k, 100, 18, 80) for k in range(12) for _ in range(4)
        ],
        "250 bars and 250 specks": [[[k, 40], [k, 240]] for k in range(0, 250)] + [[[k, 260]] for k in range(250)],
        "5,000 strokes": [[[0, 0], [3, 4]]] * 5000,
    }
    return {
        name: json.dumps({"data": [{"strokes": strokes, "width": PAD_SIZE, "height": PAD_SIZE}]}).encode()
        for name, strokes in payloads.items()
    }


def read_strokes_http(http: httpx.Client, body: bytes) -> tuple[str, float]:
    """One /read_strokes as plain HTTP with a raw JSON body: (how it was answered, ms)."""
    t = time.perf_counter()
    call = http.post("/gradio_api/call/read_strokes", content=body, headers={"Content-Type": "application/json"})
    if call.status_code != 200:
        return f"HTTP {call.status_code}", (time.perf_counter() - t) * 1e3
    stream = http.get(f"/gradio_api/call/read_strokes/{call.json()['event_id']}").text
    outcome = "read" if "event: complete" in stream else "refused" if "event: error" in stream else "no answer"
    return outcome, (time.perf_counter() - t) * 1e3


def bench_hostile(calls: int, senders: int, rounds: int = 4) -> None:
    """A normal /read_strokes p50 while ``senders`` threads send hostile payloads at once, against unloaded."""
    payloads, _ = stroke_payloads(20)
    normal = [json.dumps({"data": [p]}).encode() for p in payloads]
    hostile = hostile_payloads()
    names = list(hostile)
    times: dict[str, list[float]] = {"unloaded": [], "loaded": []}
    answers: dict[str, dict[str, list[float]]] = {name: {} for name in names}
    lock = threading.Lock()
    print(
        f"\n/read_strokes, plain HTTP, python app.py: a normal reading unloaded, and while {senders} senders send"
        f" hostile payloads back to back ({calls} normal calls each way, {rounds} alternating rounds;"
        f" load average {os.getloadavg()[0]:.1f})"
    )
    for name, body in hostile.items():
        print(f"  hostile: {name:<38} {len(body) / 1024:8.0f} KB")
    with served(APP) as (_, url), httpx.Client(base_url=url, timeout=120) as http:
        for body in normal[:4]:  # warm up
            read_strokes_http(http, body)
        for r in range(2 * rounds):
            loaded = r % 2 == 1
            stop = threading.Event()

            def send(k: int, stop: threading.Event = stop) -> None:
                with httpx.Client(base_url=url, timeout=120) as own:
                    n = k
                    while not stop.is_set():
                        name = names[n % len(names)]
                        outcome, ms = read_strokes_http(own, hostile[name])
                        with lock:
                            answers[name].setdefault(outcome, []).append(ms)
                        n += 1

            threads = [threading.Thread(target=send, args=(k,)) for k in range(senders if loaded else 0)]
            for th in threads:
                th.start()
            if loaded:
                time.sleep(0.5)  # the senders are at it
            for i in range(calls // rounds):
                outcome, ms = read_strokes_http(http, normal[i % len(normal)])
                assert outcome == "read", outcome
                times["loaded" if loaded else "unloaded"].append(ms)
            stop.set()
            for th in threads:
                th.join()
    print(f"  normal, unloaded          {summary(times['unloaded'])}")
    print(f"  normal, {senders} hostile senders {summary(times['loaded'])}")
    print(f"  ratio loaded / unloaded (p50s): {ratio(times['loaded'], times['unloaded'])}   (bar <= 3x, goal <= 1.5x)")
    for name in names:
        got = ", ".join(f"{o} x{len(ms)} (p50 {statistics.median(ms):.0f} ms)" for o, ms in answers[name].items())
        print(f"  {name:<38} {got}")


# -- soak: does a long-running server slow down? ------------------------------------------------------------------


def soak(events: int, env: dict[str, str], workers: int = 4) -> list[float]:
    """``events`` /read_strokes calls as plain HTTP, ``workers`` at a time, on ``python app.py``; ms each, in order."""
    payloads, _ = stroke_payloads(60)
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)  # served() hands the environment to the server
    try:
        with served(APP) as (_, url):
            local = threading.local()

            def call(n: int) -> tuple[int, float]:
                if not hasattr(local, "http"):  # one session per worker, as a browser or gradio_client keeps
                    local.http = httpx.Client(base_url=url, timeout=60)
                    local.session = f"soak-{threading.get_ident()}"
                body = {"data": [payloads[n % len(payloads)]], "session_hash": local.session}
                t = time.perf_counter()
                event = local.http.post("/gradio_api/call/read_strokes", json=body).json()["event_id"]
                stream = local.http.get(f"/gradio_api/call/read_strokes/{event}").text
                assert "event: complete" in stream, stream[:300]
                return n, (time.perf_counter() - t) * 1e3

            with ThreadPoolExecutor(workers) as pool:
                done = sorted(pool.map(call, range(events)))
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return [ms for _, ms in done]


def bench_soak(events: int, baseline: bool) -> None:
    """The last 1,000 of ``events`` /read_strokes events against the first 1,000, as app.py serves them."""
    import app

    runs = {"app.py's queue settings": {}}
    if baseline:  # what app.py overrides: gradio's defaults
        runs["gradio's defaults"] = {"GRADIO_ANALYTICS_CACHE_FREQUENCY": "1", "GRADIO_ANALYTICS_MAX_EVENTS": "10000"}
    print(f"\nsoak: {events:,} /read_strokes events, plain HTTP, 4 at a time, python app.py")
    print(f"  app.py sets {app.QUEUE_ANALYTICS}")
    for title, env in runs.items():
        t = time.perf_counter()
        ms = soak(events, env)
        first, last = ms[:1000], ms[-1000:]
        FIGURES.setdefault("soak", {"events": events})[title] = {
            "first_p50_ms": statistics.median(first),
            "last_p50_ms": statistics.median(last),
            "last_over_first_p50": statistics.median(last) / statistics.median(first),
        }
        print(
            f"  {title}: first 1,000 p50 {statistics.median(first):.1f} ms (mean {np.mean(first):.1f}),"
            f" last 1,000 p50 {statistics.median(last):.1f} ms (mean {np.mean(last):.1f});"
            f" last / first: p50 {statistics.median(last) / statistics.median(first):.2f}x,"
            f" mean {np.mean(last) / np.mean(first):.2f}x   ({time.perf_counter() - t:.0f} s)"
        )


PARTS = ("predict", "pen-up", "live", "load", "soak", "hostile")


def main(argv: list[str] | None = None) -> None:
    """Run the chosen parts and print their figures and ratios."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--only",
        default="predict,pen-up,live,load,hostile",
        help=f"parts to run, of {','.join(PARTS)} (default: all but soak)",
    )
    p.add_argument("--calls", type=int, default=40, help="/predict calls per app; hostile: normal calls (default: 40)")
    p.add_argument("--hostile-senders", type=int, default=8, help="hostile: senders at once (default: 8)")
    p.add_argument("--rounds", type=int, default=2, help="rounds of the 7 one-stroke digits (default: 2)")
    p.add_argument("--trials", action="store_true", help="pen-up: print every trial (default: off)")
    p.add_argument("--drawers", type=int, default=32, help="load: users drawing at once (default: 32)")
    p.add_argument("--strokes", type=int, default=12, help="load: strokes each drawer sends (default: 12)")
    p.add_argument(
        "--pace",
        type=float,
        default=0.6,
        help="load: also a round where each drawer draws ~this many s before each stroke (0: no; default: 0.6)",
    )
    p.add_argument("--soak-events", type=int, default=20_000, help="soak: events in all (default: 20000)")
    p.add_argument(
        "--soak-baseline", action="store_true", help="soak: also with gradio's default analytics (default: off)"
    )
    p.add_argument(
        "--record",
        type=Path,
        default=None,
        help="also write the figures as JSON here, e.g. docs/records/ (default: none)",
    )
    p.add_argument("--serve-reference", choices=["image", "sketchpad"], help=argparse.SUPPRESS)
    argv = sys.argv[1:] if argv is None else argv
    args = p.parse_args(argv)
    if args.serve_reference:
        return serve_reference(args.serve_reference)
    parts = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(parts) - set(PARTS)
    if unknown:
        p.error(f"unknown parts {sorted(unknown)}: choose from {', '.join(PARTS)}")
    load_before = os.getloadavg()[0]
    print(f"load average: {load_before:.1f} on {os.cpu_count()} cores")
    if "predict" in parts:
        bench_predict(args.calls)
    if "pen-up" in parts:
        bench_pen_up(args.rounds, args.trials)
    if "live" in parts:
        bench_live(args.rounds)
    if "load" in parts:
        bench_load(args.drawers, args.strokes, args.pace)
    if "soak" in parts:
        bench_soak(args.soak_events, args.soak_baseline)
    if "hostile" in parts:
        bench_hostile(args.calls, args.hostile_senders)
    if args.record:
        write_record(args.record, " ".join(["python tests/bench_app.py", *argv]), load_before)


if __name__ == "__main__":
    main()
