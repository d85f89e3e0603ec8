"""Speed of app.py against minimal Gradio apps, measured side by side in one run.

    python tests/bench_app.py                     # both measurements
    python tests/bench_app.py --rounds 3 --calls 60
    python tests/bench_app.py --sizes 400,280     # also app-like sketchpads with other canvas sizes

1. ``/predict`` round trip through gradio_client (upload + call + result): app.py against a
   minimal one-function app, ``gr.Interface(fn, gr.Image(), gr.Label())``. gradio_client polls
   for results every 50 ms, so its round trips come in 50 ms steps that mask the servers; the
   same calls as plain HTTP (the README's curl flow) show the servers themselves.
2. Pen-up -> label shown, in headless Chromium: a one-stroke digit drawn with the mouse, timed
   in the page from the pointerup event to the moment ``#prediction`` shows a digit; app.py
   against ``gr.Interface(fn, gr.Sketchpad(), gr.Label(), live=True)`` with its defaults
   (an 800 px canvas with layers). The reference needs its Brush clicked after every clear;
   app.py must not (the run says so if it ever did).

Prints medians, 90th percentiles and the ratios app / reference; the goals are <= 0.5 for
pen-up -> label and <= 1.0 for /predict, and neither may exceed 1.2. Every server runs in this
process with the same torch settings and the same ``lenet.Classifier``, and the two sides
alternate trial by trial, so load from elsewhere falls on both. Nothing is asserted: this measures.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import gradio as gr  # noqa: E402
import httpx  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from browser_helpers import (  # noqa: E402
    LABEL_TEXT_JS,
    clear_canvas,
    draw_digit,
    free_port,
    launch_chromium,
    pen_digits,
    pen_is_ready,
)
from gradio_client import Client, handle_file  # noqa: E402

import app  # noqa: E402
from lenet.pen import render  # noqa: E402

ONE_STROKE = ["three", "zero", "two", "six", "eight", "nine"]  # pen digits drawn in a single stroke
ANSWER_MS = 30_000
# Timestamps in the page: the last pointerup, and the first moment the label shows a digit after a reset.
TIMING_JS = """
window.__penUp = 0; window.__labelAt = 0;
window.addEventListener('pointerup', () => { window.__penUp = performance.now(); }, true);
new MutationObserver(() => {
  const h = document.querySelector('#prediction h2');
  if (!window.__labelAt && h && h.textContent.trim()) window.__labelAt = performance.now();
}).observe(document, {childList: true, subtree: true, characterData: true});
"""


def reference_label(image) -> dict[str, float] | None:
    """The references' one function: an image in, the ten probabilities out; nothing for a blank."""
    try:
        pred = app.CLASSIFIER.predict(image)
    except ValueError:
        return None
    return {str(d): p for d, p in enumerate(pred.probabilities)}


def image_reference() -> gr.Interface:
    """The minimal /predict app: an image in, a label out."""
    return gr.Interface(reference_label, gr.Image(), gr.Label(), analytics_enabled=False, api_name="predict")


def sketchpad_reference(canvas: int | None = None) -> gr.Interface:
    """The minimal live sketchpad demo; with ``canvas``, a sketchpad set up as app.py's but of that size."""
    if canvas is None:
        pad = gr.Sketchpad(elem_id="sketchpad")
    else:
        brush = gr.Brush(default_size=round(app.BRUSH_RADIUS * canvas / app.CANVAS_SIZE), colors=["#000000"])
        pad = gr.Sketchpad(elem_id="sketchpad", canvas_size=(canvas, canvas), layers=False, transforms=(), brush=brush)
    return gr.Interface(reference_label, pad, gr.Label(elem_id="prediction"), live=True, analytics_enabled=False)


def summary(times_ms: list[float]) -> str:
    """Median and 90th percentile of a list of milliseconds."""
    return (
        f"median {statistics.median(times_ms):7.1f} ms   p90 {np.percentile(times_ms, 90):7.1f} ms   n={len(times_ms)}"
    )


def ratio(app_ms: list[float], ref_ms: list[float]) -> str:
    """The ratio of medians app / reference, with a bootstrap 95% interval (how much is noise)."""
    rng = np.random.default_rng(0)
    a, r = np.asarray(app_ms), np.asarray(ref_ms)
    boot = [np.median(rng.choice(a, len(a))) / np.median(rng.choice(r, len(r))) for _ in range(2000)]
    lo, hi = np.percentile(boot, [2.5, 97.5])
    return f"{np.median(a) / np.median(r):.2f} (95% interval {lo:.2f}-{hi:.2f})"


def http_round_trip(http: httpx.Client, path: str) -> None:
    """/predict the README's curl way: upload, POST the call, read the event stream to its end."""
    with open(path, "rb") as f:
        uploaded = http.post("/gradio_api/upload", files={"files": (Path(path).name, f)}).json()[0]
    event = http.post("/gradio_api/call/predict", json={"data": [{"path": uploaded}]}).json()["event_id"]
    assert "event: complete" in http.get(f"/gradio_api/call/predict/{event}").text


def bench_predict(app_url: str, calls: int) -> dict[str, dict[str, list[float]]]:
    """Round trips of /predict on app.py and on the minimal image app, through gradio_client and
    plain HTTP, alternating call by call: {"client" | "http": {"app" | "ref": [ms, ...]}}."""
    ref = image_reference()
    _, ref_url, _ = ref.launch(prevent_thread_lock=True, server_port=free_port(), quiet=True)
    urls = {"app": app_url.rstrip("/"), "ref": ref_url.rstrip("/")}
    digits = pen_digits()
    times: dict[str, dict[str, list[float]]] = {"client": {"app": [], "ref": []}, "http": {"app": [], "ref": []}}
    with tempfile.TemporaryDirectory() as tmp:
        files = sorted(str(p) for p in (HERE / "data" / "examples").iterdir())
        for name in ONE_STROKE:  # canvases like the sketchpad's, as PNG files
            path = Path(tmp) / f"{name}.png"
            render(digits[name]["strokes"], canvas=280, brush=18, rng=np.random.default_rng(0)).save(path)
            files.append(str(path))
        clients = {side: Client(url, verbose=False) for side, url in urls.items()}
        https = {side: httpx.Client(base_url=url, timeout=60) for side, url in urls.items()}
        calls_by_way = {
            "client": lambda side, f: clients[side].predict(handle_file(f), api_name="/predict"),
            "http": lambda side, f: http_round_trip(https[side], f),
        }
        for i in range(calls + 4):
            order = ("app", "ref") if i % 2 else ("ref", "app")
            for way, call in calls_by_way.items():
                for side in order:
                    start = time.perf_counter()
                    call(side, files[i % len(files)])
                    if i >= 4:  # the first calls warm up connections and caches
                        times[way][side].append((time.perf_counter() - start) * 1000)
        for c in [*clients.values(), *https.values()]:
            c.close()
    ref.close()
    return times


def pen_up_trial(page, strokes: list[np.ndarray], expected: str, clicks: dict[str, int], side: str) -> float:
    """Draw one digit on a clear canvas and return pen-up -> label shown in ms; leave the canvas clear."""
    page.wait_for_function(f"() => ({LABEL_TEXT_JS})() === ''", timeout=ANSWER_MS)
    page.wait_for_timeout(300)  # let the clear's own round trip and the page settle
    if not pen_is_ready(page):
        page.locator("#sketchpad .toolbar-wrap button").first.click()
        clicks[side] += 1
    page.evaluate("() => { window.__labelAt = 0; window.__penUp = 0; }")
    draw_digit(page, strokes)
    page.wait_for_function("() => window.__labelAt > 0", timeout=ANSWER_MS)
    ms = page.evaluate("() => window.__labelAt - window.__penUp")
    shown = page.evaluate(LABEL_TEXT_JS)
    if shown != expected:
        print(f"  note: {side} read {shown!r} for a {expected}")
    clear_canvas(page)
    return ms


def bench_pen_up(app_url: str, rounds: int, sizes: list[int]) -> dict[str, list[float]]:
    """Pen-up -> label shown on app.py, the minimal sketchpad demo and any extra canvas sizes, alternating."""
    from playwright.sync_api import sync_playwright

    refs = {"ref": sketchpad_reference()} | {f"{s} px": sketchpad_reference(s) for s in sizes}
    urls = {"app": app_url}
    for name, demo in refs.items():
        _, urls[name], _ = demo.launch(prevent_thread_lock=True, server_port=free_port(), quiet=True)
    digits = pen_digits()
    times: dict[str, list[float]] = {name: [] for name in urls}
    clicks = dict.fromkeys(urls, 0)
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        pages = {}
        for name, url in urls.items():
            pages[name] = browser.new_page(viewport={"width": 1280, "height": 1000})
            pages[name].add_init_script(TIMING_JS)
            pages[name].goto(url)
            pages[name].wait_for_selector("#sketchpad .pixi-target canvas", timeout=ANSWER_MS)
        for r in range(rounds):
            for k, digit in enumerate(ONE_STROKE):
                names = list(urls) if (r + k) % 2 else list(urls)[::-1]
                for name in names:
                    pages[name].bring_to_front()
                    ms = pen_up_trial(pages[name], digits[digit]["strokes"], str(digits[digit]["label"]), clicks, name)
                    times[name].append(ms)
        browser.close()
    for demo in refs.values():
        demo.close()
    if clicks["app"]:
        print(f"  app.py needed its Brush clicked {clicks['app']} times: the pen was not ready!")
    print(f"  clicks on Brush needed before a stroke: {clicks}")
    return times


def main(argv: list[str] | None = None) -> None:
    """Run both measurements and print the figures and ratios."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--calls", type=int, default=40, help="/predict calls per app (default: 40)")
    p.add_argument("--rounds", type=int, default=2, help="rounds of the 6 one-stroke digits per app (default: 2)")
    p.add_argument(
        "--sizes", default="", help="extra canvas sizes (px, >= 280) to time with app.py's settings (default: none)"
    )
    p.add_argument("--skip-browser", action="store_true", help="only the /predict round trip (default: off)")
    args = p.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]

    _, app_url, _ = app.launch(prevent_thread_lock=True, server_port=free_port(), quiet=True)
    print(f"torch threads: {torch.get_num_threads()}   load average: {os.getloadavg()[0]:.1f}")

    predict = bench_predict(app_url, args.calls)
    for way, title in (("client", "through gradio_client"), ("http", "as plain HTTP, the README's curl flow")):
        app_ms, ref_ms = predict[way]["app"], predict[way]["ref"]
        print(f"\n/predict round trip {title} (upload + call + result)")
        print(f"  app.py             {summary(app_ms)}")
        print(f"  minimal image app  {summary(ref_ms)}")
        print(f"  ratio app / minimal (medians): {ratio(app_ms, ref_ms)}   goal <= 1.0, never > 1.2")

    if not args.skip_browser:
        print("\npen-up -> label shown, headless Chromium, one-stroke digits")
        times = bench_pen_up(app_url, args.rounds, sizes)
        print(f"  app.py ({app.CANVAS_SIZE} px)      {summary(times['app'])}")
        print(f"  minimal sketchpad  {summary(times['ref'])}")
        for name in sizes:
            print(f"  app-like, {name:>4} px  {summary(times[f'{name} px'])}")
        print(f"  ratio app / minimal (medians): {ratio(times['app'], times['ref'])}   goal <= 0.5, never > 1.2")
    app.demo.close()


if __name__ == "__main__":
    main()
