"""Speed of the lenet package and of the served app, each figure against a reference measured in the same run.

    python tests/benchmark.py                # in-process figures, then the load test (about a minute)
    python tests/benchmark.py --no-load      # in-process figures only
    python tests/benchmark.py --only-number  # read_number against predict
    python tests/benchmark.py --only-load --concurrency-limit 4 --batch 8   # the load test, other queue settings
    python tests/benchmark.py --worst-case   # only the adversarial inputs, in-process and served (about 2 minutes)
    python tests/benchmark.py --only-number --record docs/records/read-number.json   # the figures, as JSON too

Prints, with torch on one thread as ``import app`` sets it:
- ``Classifier.predict`` p50/p99 on sketchpad canvases (opaque white RGBA, black ink, as Gradio's
  sketchpad sends its composite) of 280, 512 and 800 px, as ratios to the bare LeNet forward pass;
- ``predict_batch`` throughput on 256 canvases of 512 px, against one ``predict`` call per canvas;
- ``read_number`` on 4-digit numbers (512 px canvases, spaced and tight, and their strokes), against one
  ``predict`` on a one-digit 512 px canvas (``--only-number`` runs just this);
- the load test of ``/predict`` on the app served in its own process, as ``python app.py`` serves it:
  16 concurrent gradio_client users x 15 calls, their throughput and p50/p99 against single-user
  latency, errors and wrong answers; and the server's CPU per call against ``predict`` in-process.
- with ``--worst-case`` instead: ``Classifier.predict`` on files of adversarial shapes (long thin at the
  50:1 limit, the largest images at the pixel cap, thin strokes and blobs that need the widest morphology,
  a phone photo) and on the long thin files refused from the header, each against an ordinary 280 px
  canvas file in the same run; then /predict on the served app, alone and while two other users keep
  uploading long thin files (refused, then the largest accepted ones), against its unloaded latency.
``--concurrency-limit`` and ``--batch`` change /predict's queue settings for one run, to compare them
(``--batch N`` serves it with ``predict_batch`` over up to N calls; the app does not, as one bad image
then fails every call in its batch). No figure is asserted: this measures, the tests check behaviour
(tests/test_robustness.py runs the same load test and asserts no errors and right answers).
"""

from __future__ import annotations

import argparse
import os
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np
import torch
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script: lenet, app and ui come from the repository
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from browser_helpers import free_port  # noqa: E402  (it imports ui)

from lenet import Classifier, normalize  # noqa: E402
from lenet.pen import PenDigits, compose_number, render, smooth  # noqa: E402
from lenet.preprocess import MAX_ASPECT, MAX_PIXELS  # noqa: E402

PEN_SAMPLE = ROOT / "tests" / "data" / "pen_sample.npz"
CANVASES = (280, 512, 800)
BATCH = 256
USERS, CALLS = 16, 15
LOAD_DIGITS = 32  # distinct digit files the load test cycles through
FIGURES: dict[str, dict] = {}  # each part's figures as printed; --record writes them (docs/ renders them from there)


def write_record(path: Path, command: str, load_before: float) -> None:
    """Write ``FIGURES`` as JSON, with the command that measured them and the machine they were measured on."""
    import json

    record = {
        "command": command,
        "torch": torch.__version__,
        "cpus": os.cpu_count(),
        "load_average": {"before": round(load_before, 2), "after": round(os.getloadavg()[0], 2)},
        "figures": FIGURES,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=1) + "\n")
    print(f"wrote {path}")


# -- files written byte by byte, so nothing huge is ever held in memory ------------------------------


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def write_png(
    path: Path, width: int, height: int, row: Callable[[int], bytes], colour_type: int = 0, level: int = 1
) -> Path:
    """A PNG of 8-bit rows (colour type 0 grey, 6 RGBA) streamed through zlib (``level``) one row at a time."""
    z = zlib.compressobj(level)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(_png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)))
        data = b"".join(z.compress(b"\x00" + row(y)) for y in range(height)) + z.flush()  # filter 0 per row
        f.write(_png_chunk(b"IDAT", data))
        f.write(_png_chunk(b"IEND", b""))
    return path


def write_largest_png(path: Path) -> Path:
    """The largest image the app reads (just under MAX_PIXELS, RGBA): a thick vertical bar, a 1."""
    side = int(MAX_PIXELS**0.5) - 1
    white = b"\xff" * 4 * side
    half = side // 20
    bar = b"\xff" * 4 * (side // 2 - half) + b"\x00\x00\x00\xff" * 2 * half + b"\xff" * 4 * (side - side // 2 - half)
    return write_png(path, side, side, lambda y: bar if side // 6 < y < side - side // 6 else white, colour_type=6)


def write_long_thin_png(path: Path, width: int, height: int) -> Path:
    """White, with a 5 px black line along its length (the issue's few-KB upload that used to take minutes)."""
    if height >= width:
        line = b"\xff" * ((width - 5) // 2) + b"\x00" * 5 + b"\xff" * (width - (width - 5) // 2 - 5)
        return write_png(path, width, height, lambda y: line, level=9)
    white, black = b"\xff" * width, b"\x00" * width
    middle = range((height - 5) // 2, (height - 5) // 2 + 5)
    return write_png(path, width, height, lambda y: black if y in middle else white, level=9)


# Width x height, both ways round; all beyond MAX_ASPECT (the last is exactly MAX_PIXELS), so refused from the header.
LONG_THIN = {"100x30000.png": (100, 30_000), "30000x100.png": (30_000, 100), "64x60000.png": (64, 60_000)}
LONG_THIN["200x200000.png"] = (200, 200_000)


@dataclass
class LoadResult:
    """What a load test saw: per-call latencies of the answered calls (s), failures, wrong answers, wall time (s)."""

    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)
    wall: float = 0.0
    server_cpu: float = 0.0  # CPU seconds the server used meanwhile (when measured)
    client_cpu: float = 0.0  # ... and the users, this process

    @property
    def throughput(self) -> float:
        """Answered calls per second of wall time."""
        return len(self.latencies) / self.wall if self.wall else 0.0


def percentiles(samples: list[float]) -> tuple[float, float]:
    """p50 and p99 of a list of seconds, in ms."""
    a = np.asarray(samples) * 1e3
    return float(np.percentile(a, 50)), float(np.percentile(a, 99))


def sketchpad_canvases(size: int, count: int, seed: int = 0) -> tuple[list[np.ndarray], list[int]]:
    """Pen digits drawn as the sketchpad's composite: (size, size, 4) opaque white RGBA with black ink."""
    ds = PenDigits.load(PEN_SAMPLE)
    images, labels = [], []
    for k in range(count):
        i = k % len(ds)
        rng = np.random.default_rng([seed, k])
        strokes = [smooth(s, float(ds.quantum[i])) for s in ds.strokes(i)]
        rgb = np.asarray(render(strokes, canvas=size, brush=18 * size / 280, style="rgb_white", rng=rng))
        images.append(np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)]))
        labels.append(int(ds.labels[i]))
    return images, labels


def digit_files(
    folder: Path, clf: Classifier, count: int = LOAD_DIGITS, size: int = 280
) -> tuple[list[str], list[int]]:
    """``count`` sketchpad canvases saved as PNGs, only digits ``clf`` reads right: the load test checks the
    server's answers, not the model's accuracy."""
    images, labels = sketchpad_canvases(size, 2 * count, seed=1)
    files, kept = [], []
    for k, (image, label) in enumerate(zip(images, labels, strict=True)):
        if len(files) == count:
            break
        if clf.predict(image).digit != label:
            continue
        path = folder / f"digit{k}_{label}.png"
        Image.fromarray(image).save(path)
        files.append(str(path))
        kept.append(label)
    return files, kept


@contextmanager
def served(command: list[str], timeout: float = 180.0) -> Iterator[tuple[subprocess.Popen, str]]:
    """Run a server command (cwd = the repository, GRADIO_SERVER_PORT = a free port); yield the process and
    its URL once it answers, and stop it on the way out, whatever happened."""
    port = free_port()
    env = {**os.environ, "GRADIO_SERVER_PORT": str(port), "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1"}
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as log:  # a file, not a pipe: a chatty server never blocks on it
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + timeout
            while True:
                if proc.poll() is not None:
                    log.seek(0)
                    raise RuntimeError(f"{command} exited with {proc.returncode}: {log.read()[-3000:].decode()}")
                try:
                    if httpx.get(f"{url}/config", timeout=5).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{command} did not answer on {url} within {timeout:.0f} s")
                time.sleep(0.25)
            yield proc, url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def time_calls(fn, args: list, repeat: int = 1) -> list[float]:
    """Wall time of fn(a) for every a in args (after one warm-up call), in seconds."""
    fn(args[0])
    out = []
    for _ in range(repeat):
        for a in args:
            t = time.perf_counter()
            fn(a)
            out.append(time.perf_counter() - t)
    return out


def load_test(url: str, files: list[str], labels: list[int], users: int = USERS, calls: int = CALLS) -> LoadResult:
    """``users`` gradio_client users at once, each making ``calls`` /predict calls in a row on the digit files."""
    from gradio_client import handle_file

    def check(out: dict, n: int) -> str | None:
        right = str(out.get("label")) == str(labels[n])
        return None if right else f"{Path(files[n]).name} read as {out.get('label')}"

    return concurrent_users(
        url,
        lambda client, n: client.predict(handle_file(files[n]), api_name="/predict"),
        check,
        len(files),
        users,
        calls,
    )


def concurrent_users(
    url: str,
    call,
    check,
    count: int,
    users: int = USERS,
    calls: int = CALLS,
    pace: float = 0.0,
    pid: int | None = None,
    warm_up: bool = False,
) -> LoadResult:
    """``users`` gradio_client users at once, each making ``calls`` calls in a row: ``call(client, n)`` with n
    going round ``count`` payloads, and ``check(answer, n)`` saying what is wrong with an answer (None: nothing).

    With ``pace`` > 0 each user draws 0.5-1.5x ``pace`` s (at random) before each call; ``warm_up`` makes one
    call before the clock starts. With ``pid``, the result also holds that server's CPU seconds and this
    process's (the users') while the clock ran.
    """
    clients = [local_client(url) for _ in range(users)]  # connected before the clock starts
    if warm_up:
        call(clients[0], 0)
    result = LoadResult()
    lock = threading.Lock()
    start = threading.Barrier(users + 1)
    pauses = np.random.default_rng(0).uniform(0.5 * pace, 1.5 * pace, (users, calls))  # people draw at their speeds

    def user(k: int) -> None:
        start.wait()
        for j in range(calls):
            if pace:
                time.sleep(pauses[k, j])
            n = (k * calls + j) % count
            t = time.perf_counter()
            try:
                out = call(clients[k], n)
            except Exception as e:  # every failure is counted, none stops the run
                with lock:
                    result.errors.append(f"{type(e).__name__}: {e}")
                continue
            elapsed = time.perf_counter() - t
            wrong = check(out, n)
            with lock:
                result.latencies.append(elapsed)
                if wrong:
                    result.wrong.append(wrong)

    threads = [threading.Thread(target=user, args=(k,)) for k in range(users)]
    for th in threads:
        th.start()
    cpu = (cpu_seconds(pid), time.process_time()) if pid is not None else None
    start.wait()
    t = time.perf_counter()
    for th in threads:
        th.join()
    result.wall = time.perf_counter() - t
    if cpu is not None:
        result.server_cpu, result.client_cpu = cpu_seconds(pid) - cpu[0], time.process_time() - cpu[1]
    close_clients(clients)
    return result


def local_client(url: str):
    """A gradio_client for a server on this machine. ssl_verify=False: the URL is plain http, and with it on
    gradio_client loads the CA bundle again for every call (~60 ms of CPU), taken here from the server's cores."""
    from gradio_client import Client

    return Client(url, verbose=False, ssl_verify=False)


def close_clients(clients: list) -> None:
    """Close gradio_clients side by side: each close waits up to 1 s for its heartbeat thread to stop."""
    threads = [threading.Thread(target=c.close) for c in clients]
    for th in threads:
        th.start()
    for th in threads:
        th.join()


def bench_predict(clf: Classifier) -> None:
    """predict() on each canvas size against the bare forward pass."""
    x = torch.from_numpy(normalize(np.zeros((1, 1, 32, 32), np.float32)))
    with torch.inference_mode():
        forward = time_calls(clf.model, [x] * 300, repeat=3)
    f50, f99 = percentiles(forward)
    print(f"bare LeNet forward, 1 image:     p50 {f50:7.3f} ms   p99 {f99:7.3f} ms")
    FIGURES["predict"] = {"forward_p50_ms": f50, "forward_p99_ms": f99}
    for size in CANVASES:
        images, _ = sketchpad_canvases(size, 60)
        p50, p99 = percentiles(time_calls(clf.predict, images, repeat=5))
        FIGURES["predict"][f"{size}px"] = {"p50_ms": p50, "p99_ms": p99, "x_forward_p50": p50 / f50}
        print(
            f"predict() on {size} px canvases:  p50 {p50:7.3f} ms   p99 {p99:7.3f} ms"
            f"   = {p50 / f50:5.1f}x / {p99 / f99:5.1f}x the bare forward"
        )


def bench_batch(clf: Classifier) -> None:
    """predict_batch throughput on 256 canvases against 256 single predict() calls."""
    images, _ = sketchpad_canvases(512, BATCH)
    clf.predict_batch(images[:8])
    t = time.perf_counter()
    clf.predict_batch(images)
    batch = time.perf_counter() - t
    t = time.perf_counter()
    for image in images:
        clf.predict(image)
    single = time.perf_counter() - t
    FIGURES["predict_batch"] = {"images_per_s": BATCH / batch, "single_images_per_s": BATCH / single}
    print(
        f"predict_batch, {BATCH} x 512 px:     {BATCH / batch:7.0f} images/s"
        f"   vs {BATCH / single:.0f} images/s one predict() each = {single / batch:.2f}x the throughput"
    )


def number_inputs(count: int, gap: float, seed: int = 0) -> tuple[list[np.ndarray], list[list]]:
    """4-digit numbers of pen digits as 512 px sketchpad composites (opaque white RGBA) and as the pad's strokes."""
    ds = PenDigits.load(PEN_SAMPLE)
    images, strokes = [], []
    for k in range(count):
        rng = np.random.default_rng([seed, k])
        digits = [[smooth(s, float(ds.quantum[i])) for s in ds.strokes(int(i))] for i in rng.integers(len(ds), size=4)]
        number, _ = compose_number(digits, [gap] * 3, rng)
        rgb = np.asarray(render(number, canvas=512, brush=12, style="rgb_white", rng=rng))
        images.append(np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)]))
        strokes.append([(s[:: max(1, len(s) // 60)] * 100).tolist() for s in number])  # ~60 points a stroke
    return images, strokes


def bench_number(clf: Classifier) -> None:
    """read_number on 4-digit numbers against one predict() on a one-digit canvas of the same size.

    The two are timed in turn, call after call, so a change in the machine's load hits both alike; the CPU
    time of each (process time) is printed too, as a shared machine inflates wall times unevenly.
    """
    singles, _ = sketchpad_canvases(512, 30)
    clf.predict(singles[0])
    for name, gap in (("spaced", 0.3), ("tight", 0.0)):
        images, strokes = number_inputs(30, gap)
        for what, inputs in (("canvas", images), ("strokes", strokes)):
            clf.read_number(inputs[0])
            one, whole, cpu_one, cpu_whole = [], [], 0.0, 0.0
            for _ in range(3):
                for single, x in zip(singles, inputs, strict=True):
                    t = time.process_time()
                    one += time_calls(clf.predict, [single])
                    cpu_one += time.process_time() - t
                    t = time.process_time()
                    whole += time_calls(clf.read_number, [x])
                    cpu_whole += time.process_time() - t
            p50, p99 = percentiles(one)
            n50, n99 = percentiles(whole)
            FIGURES.setdefault("read_number", {})[f"{name} {what}"] = {
                "p50_ms": n50,
                "p99_ms": n99,
                "predict_p50_ms": p50,
                "x_predict_p50": n50 / p50,
                "x_predict_cpu": cpu_whole / cpu_one,
            }
            print(
                f"read_number(), 4 digits, {name:<6} {what:<7}: p50 {n50:7.2f} ms  p99 {n99:7.2f} ms"
                f"  = {n50 / p50:5.1f}x / {n99 / p99:5.1f}x predict() on one digit (p50 {p50:.2f} ms, "
                f"p99 {p99:.2f} ms); CPU {cpu_whole / cpu_one:5.1f}x"
            )


def tune(concurrency_limit: int | None, batch: int) -> None:
    """Change /predict's queue settings for this run only, to compare them (see ``--help``)."""
    import gradio as gr

    import app

    fn = next(f for f in app.demo.fns.values() if f.api_name == "predict")
    if concurrency_limit is not None:
        fn.concurrency_limit = concurrency_limit
    if batch:

        def predict_batch(files: list) -> list[list]:
            # One bad image fails every call in its batch, with its message: this variant is for measuring only.
            try:
                preds = app.CLASSIFIER.predict_batch([app.uploaded_path(f) for f in files])
            except ValueError as e:
                raise gr.Error(str(e)) from e
            return [[app.label_value(p) for p in preds]]

        fn.fn, fn.batch, fn.max_batch_size = predict_batch, True, batch


def serve(concurrency_limit: int | None, batch: int) -> None:
    """Serve the app as ``python app.py`` does, with /predict's queue settings changed as asked."""
    import app

    tune(concurrency_limit, batch)
    app.launch()


def queue_settings(concurrency_limit: int | None, batch: int) -> str:
    """/predict's queue settings in the app, with the ones asked for instead."""
    import app

    fn = next(f for f in app.demo.fns.values() if f.api_name == "predict")
    limit = app.demo._queue.default_concurrency_limit if fn.concurrency_limit == "default" else fn.concurrency_limit
    return (
        f"concurrency_limit {limit if concurrency_limit is None else concurrency_limit}"
        f" (concurrency_id {fn.concurrency_id!r}), max_size {app.demo._queue.max_size},"
        f" batch {f'up to {batch}' if batch else 'off'}"
    )


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far, in seconds (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bench_load(clf: Classifier, concurrency_limit: int | None = None, batch: int = 0) -> None:
    """16 concurrent gradio_client users x 15 /predict calls against single-user latency, on a served app."""
    from gradio_client import handle_file

    command = [sys.executable, __file__, "--serve", "--batch", str(batch)]
    if concurrency_limit is not None:
        command += ["--concurrency-limit", str(concurrency_limit)]
    with tempfile.TemporaryDirectory() as tmp, served(command) as (proc, url):
        files, labels = digit_files(Path(tmp), clf)
        in_process = time_calls(clf.predict, files, repeat=3)
        client = local_client(url)
        single = time_calls(lambda f: client.predict(handle_file(f), api_name="/predict"), files * 2)
        client.close()
        server_cpu, client_cpu = cpu_seconds(proc.pid), time.process_time()
        load = load_test(url, files, labels)
        server_cpu, client_cpu = cpu_seconds(proc.pid) - server_cpu, time.process_time() - client_cpu
    s50, s99 = percentiles(single)
    i50, _ = percentiles(in_process)
    print(f"/predict queue: {queue_settings(concurrency_limit, batch)}")
    print(
        f"/predict, 1 user, {len(single)} calls:   p50 {s50:7.1f} ms   p99 {s99:7.1f} ms"
        f"   = {1e3 / s50:.1f} calls/s one after another"
    )
    if not load.latencies:
        print(f"/predict, {USERS} users: every call failed, e.g. {load.errors[:1]}")
        return
    l50, l99 = percentiles(load.latencies)
    print(
        f"/predict, {USERS} users x {CALLS} calls:  p50 {l50:7.1f} ms   p99 {l99:7.1f} ms"
        f"   = {l50 / s50:.2f}x / {l99 / s99:.2f}x single-user;"
        f" {load.throughput:.1f} calls/s = {load.throughput * s50 / 1e3:.2f}x single-user"
    )
    calls = USERS * CALLS
    server_ms, client_ms = server_cpu / calls * 1e3, client_cpu / calls * 1e3
    FIGURES["load"] = {
        "users": USERS,
        "calls": calls,
        "single_p50_ms": s50,
        "p50_ms": l50,
        "p99_ms": l99,
        "calls_per_s": load.throughput,
        "server_cpu_ms_per_call": server_ms,
        "x_predict_cpu": server_ms / i50,
        "errors": len(load.errors),
        "wrong": len(load.wrong),
    }
    print(
        f"  CPU per call: server {server_ms:.1f} ms = {server_ms / i50:.1f}x predict() on the same files"
        f" in-process ({i50:.1f} ms); the gradio_client users {client_ms:.1f} ms"
    )
    print(f"  {len(load.errors)} errors, {len(load.wrong)} wrong answers of {calls} calls")
    for line in (load.errors + load.wrong)[:5]:
        print("  ", line)


def adversarial_files(folder: Path) -> tuple[dict[str, Path], dict[str, Path]]:
    """Files of the costliest shapes the app accepts, and of long thin ones it refuses from the header, by name."""

    def save(name: str, image: np.ndarray | Image.Image, **kwargs) -> Path:
        path = folder / name
        (image if isinstance(image, Image.Image) else Image.fromarray(image)).save(path, **kwargs)
        return path

    def diagonals(width: int, height: int, pen: int = 1) -> Image.Image:
        im = Image.new("L", (width, height), 255)
        draw = ImageDraw.Draw(im)
        draw.line([(0, 0), (width - 1, height - 1)], fill=0, width=pen)
        draw.line([(0, height - 1), (width - 1, 0)], fill=0, width=pen)
        return im

    short = int((MAX_PIXELS / MAX_ASPECT) ** 0.5)  # the largest image at the aspect limit: short x 50 short
    blob = np.full((383, 383), 255, np.uint8)
    blob[100:280, 100:280] = 0
    rng = np.random.default_rng(0)
    photo = (np.clip(rng.normal(0.85, 0.03, (3024, 4032)), 0, 1) * 255).astype(np.uint8)
    photo[1000:2000, 1900:2000] = 60  # a 1, in dark ink on noisy paper
    ds = PenDigits.load(PEN_SAMPLE)
    strokes = [smooth(s, float(ds.quantum[0])) for s in ds.strokes(0)]
    accepted = {
        "100x5000 line (50:1)": write_long_thin_png(folder / "l1.png", 100, 5000),
        "5000x100 line (50:1)": write_long_thin_png(folder / "l2.png", 5000, 100),
        f"{short}x{short * MAX_ASPECT} line (50:1, 40 MP)": write_long_thin_png(folder / "l3.png", short, 50 * short),
        f"{short * MAX_ASPECT}x{short} line (50:1, 40 MP)": write_long_thin_png(folder / "l4.png", 50 * short, short),
        "6323x6323 RGBA bar (40 MP)": write_largest_png(folder / "big.png"),
        "6000x6000 thin diagonals": save("d0.png", diagonals(6000, 6000, 3)),
        "383x383 thin diagonals": save("d1.png", diagonals(383, 383)),
        "383x767 thin diagonals": save("d2.png", diagonals(383, 767)),
        "767x383 thin diagonals": save("d3.png", diagonals(767, 383)),
        "800 px canvas, 1.5 px pen": save("pen.png", render(strokes, 800, brush=1.5, rng=np.random.default_rng(0))),
        "383 px blob (widest erosion)": save("blob.png", blob),
        "4032x3024 noisy photo (JPEG)": save("photo.jpg", photo, quality=90),
    }
    refused = {}
    for name, (width, height) in LONG_THIN.items():
        refused[f"{width}x{height} line (refused)"] = write_long_thin_png(folder / name, width, height)
    return accepted, refused


def bench_worst_case(clf: Classifier) -> None:
    """predict() on adversarial files against a 280 px canvas file; /predict alone and beside long thin uploads."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        accepted, refused = adversarial_files(folder)
        files, _ = digit_files(folder, clf, count=8)

        def attempt(p: Path) -> None:
            try:
                clf.predict(p)
            except ValueError:
                pass

        worst, refs = ("", 0.0), []
        print("each figure against predict() on 280 px canvas PNGs timed just before it (the machine may be shared)")
        for group, cases in (("accepted", accepted), ("refused from the header", refused)):
            print(f"{group}:")
            for name, path in cases.items():
                ref = float(np.median(time_calls(clf.predict, files, repeat=3))) * 1e3
                times = time_calls(attempt, [path], repeat=3 if "MP" in name else 10)
                t50, t_max = float(np.median(times)) * 1e3, max(times) * 1e3
                refs.append(ref)
                print(
                    f"  {name:38s} {path.stat().st_size / 1024:6.0f} KB  p50 {t50:7.1f} ms  max {t_max:7.1f} ms"
                    f"  = {t50 / ref:6.1f}x the 280 px canvas ({ref:.1f} ms)"
                )
                if group == "accepted" and t50 / ref > worst[1]:
                    worst = (name, t50 / ref)
        print(f"worst accepted input: {worst[0]}, {worst[1]:.1f}x the 280 px canvas (median {np.median(refs):.1f} ms)")
        bench_beside_long_thin_uploads(files, [refused[k] for k in list(refused)[-2:]], list(accepted.values())[2:4])


def http_predict(http: httpx.Client, path: str) -> str:
    """One /predict call as the README's curl flow makes it: upload, call, read the event stream; its text."""
    with open(path, "rb") as f:
        uploaded = http.post("/gradio_api/upload", files={"files": (Path(path).name, f)}).json()
    call = http.post("/gradio_api/call/predict", json={"data": [{"path": uploaded[0]}]}).json()
    return http.get(f"/gradio_api/call/predict/{call['event_id']}").text


def keep_sending(url: str, path: str, stop, sent) -> None:
    """One other user, in a process of its own: /predict on the same file again and again until ``stop`` is set."""
    with httpx.Client(base_url=url, timeout=120) as http:
        while not stop.is_set():
            http_predict(http, path)
            with sent.get_lock():
                sent.value += 1


def bench_beside_long_thin_uploads(files: list[str], refused: list[Path], largest: list[Path]) -> None:
    """/predict latency on the served app alone, then while two other users keep uploading files: ordinary
    digits (the reference for "ordinary latency"), long thin files refused from the header, the largest accepted."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")  # the other users' HTTP work stays out of this process
    with served([sys.executable, "app.py"]) as (_, url), httpx.Client(base_url=url, timeout=120) as http:
        a50, a99 = percentiles(time_calls(lambda f: http_predict(http, f), files * 4))
        print(f"/predict alone (upload + call + result over HTTP): p50 {a50:.0f} ms  p99 {a99:.0f} ms")
        others = {"ordinary 280 px digit": files[:2], "refused long thin": refused, "largest accepted 50:1": largest}
        for what, paths in others.items():
            stop, sent = ctx.Event(), ctx.Value("i", 0)
            users = [ctx.Process(target=keep_sending, args=(url, str(p), stop, sent)) for p in paths]
            for user in users:
                user.start()
            while sent.value < 2:  # both users busy before the clock starts
                time.sleep(0.05)
            b50, b99 = percentiles(time_calls(lambda f: http_predict(http, f), files * 4))
            stop.set()
            for user in users:
                user.join()
            print(
                f"/predict while 2 users upload {what} files ({sent.value} sent): p50 {b50:.0f} ms  p99 {b99:.0f} ms"
                f"  = {b50 / a50:.2f}x / {b99 / a99:.2f}x alone"
            )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = p.add_mutually_exclusive_group()
    group.add_argument("--no-load", action="store_true", help="skip the load test of the app (default: run it)")
    group.add_argument("--only-load", action="store_true", help="run only the load test (default: everything)")
    group.add_argument(
        "--worst-case", action="store_true", help="run only the adversarial inputs' figures (default: off)"
    )
    group.add_argument("--only-number", action="store_true", help="run only read_number's figures (default: off)")
    p.add_argument(
        "--concurrency-limit", type=int, default=None, help="/predict's concurrency_limit (default: the app's)"
    )
    p.add_argument(
        "--batch", type=int, default=0, help="serve /predict with predict_batch, batches of up to N (default: 0, off)"
    )
    p.add_argument(
        "--record",
        type=Path,
        default=None,
        help="also write the figures as JSON here, e.g. docs/records/ (default: none)",
    )
    p.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)  # the load test's server process
    args = p.parse_args()
    if args.serve:
        serve(args.concurrency_limit, args.batch)
        return
    torch.set_num_threads(1)  # as importing app does, so the in-process figures match the served ones
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread, {os.cpu_count()} CPUs")
    clf = Classifier.load()
    load_before = os.getloadavg()[0]
    if args.worst_case:
        bench_worst_case(clf)
    elif args.only_number:
        bench_number(clf)
    else:
        if not args.only_load:
            bench_predict(clf)
            bench_batch(clf)
            bench_number(clf)
        if not args.no_load:
            bench_load(clf, args.concurrency_limit, args.batch)
    if args.record:
        write_record(args.record, " ".join(["python tests/benchmark.py", *sys.argv[1:]]), load_before)


if __name__ == "__main__":
    main()
