"""The limits app.py's page keeps however it is served: ``python app.py`` (``demo.launch()``) or mounted in
another FastAPI app with ``gr.mount_gradio_app(FastAPI(), app.demo, "/")``.

Both ways of serving set the Blocks' upload cap and CSS from their own arguments (None and "" unless given),
and neither adds a middleware of the page's own. So the limits live in the Blocks itself:

- ``Page``, a ``gr.Blocks`` whose upload cap is never above its own and whose CSS always includes its own;
- ``BodyCap``, an ASGI middleware that refuses a request body over the cap (413, saying what to send) before
  Gradio reads it: every app serving a ``Page`` gets it (``install_body_cap``);
- ``Lanes``, bounds on the readings at once: a few in a light lane for the usual input, and a heavy lane for
  input that holds more, so that payloads crafted to be costly never hold up the usual ones; after a wait
  for a slot, a clear "busy" error.

Gradio's own ``demo.queue(api_open=False)`` closes the REST routes (``/run/``, ``/api/``) to every queued
event, so the queue's concurrency limits hold for direct calls too; only the ``queue=False`` events stay
reachable there (by ``fn_index``), and those are bounded with ``Lanes``.
"""

from __future__ import annotations

import asyncio
import functools
import json
import threading
import time
from collections.abc import Callable
from typing import Any

import anyio
import gradio as gr
import gradio.routes
from gradio.utils import _parse_file_size

MAX_BODY = 1 << 20  # bytes of a JSON request: 100 examples of a drawing take ~16 KB, the pad's value ~2 KB
UPLOAD_OVERHEAD = 64 << 10  # a multipart upload's headers and boundaries, beyond the file itself
POLL_S = 0.005  # how often a call waiting for an off-queue slot looks again
BODY_METHODS = {"POST", "PUT", "PATCH"}


class Page(gr.Blocks):
    """A ``gr.Blocks`` that keeps its own upload cap and CSS when ``launch()`` or ``gr.mount_gradio_app`` sets
    theirs: the cap served is the smaller of the two, and the CSS served is its own followed by theirs."""

    def __init__(self, *, css: str, max_file_size: str | int, **kwargs: Any) -> None:
        self._own_css, self._own_cap = css, _parse_file_size(max_file_size)
        self._css: str | None = None
        self._cap: int | None = None
        super().__init__(**kwargs)

    @property
    def css(self) -> str:
        """The page's CSS, then any the server was given."""
        given = self._css or ""
        return given if self._own_css in given else f"{self._own_css}\n{given}"

    @css.setter
    def css(self, value: str | None) -> None:
        self._css = value

    @property
    def max_file_size(self) -> int:
        """The upload cap in bytes: the page's own, or a smaller one the server was given."""
        return self._own_cap if self._cap is None else min(self._cap, self._own_cap)

    @max_file_size.setter
    def max_file_size(self, value: int | None) -> None:
        self._cap = value


def too_large(size: int, cap: int, upload: bool) -> str:
    """The 413 message: how big the body was, the cap, and what to send instead."""
    if upload:
        return (
            f"File size exceeds this server's limit: the upload is {size:,} bytes, the limit {cap - UPLOAD_OVERHEAD:,}"
            " bytes. Upload one smaller image (a photo or scan of one digit needs far less)."
        )
    return (
        f"The request body is {size:,} bytes, more than this server's {cap:,}: send fewer strokes or fewer points"
        " (a drawing as the pad sends it takes a few KB)."
    )


class BodyCap:
    """ASGI middleware: a request body over the cap is refused with 413 before the app reads any of it.

    JSON bodies get ``MAX_BODY``; uploads (``.../upload``) the page's upload cap plus multipart overhead.
    A body that declares its length is judged from the header; one that does not (chunked) is read up to the
    cap and then handed on, or refused.
    """

    def __init__(self, app: Any, blocks: Page) -> None:
        self.app, self.blocks = app, blocks

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http" or scope["method"] not in BODY_METHODS:
            return await self.app(scope, receive, send)
        upload = scope["path"].rstrip("/").endswith("/upload")
        cap = self.blocks.max_file_size + UPLOAD_OVERHEAD if upload else MAX_BODY
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:
            size = int(declared) if declared.isdigit() else cap + 1
            if size > cap:
                return await refuse(send, too_large(size, cap, upload))
            return await self.app(scope, receive, send)
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            more = message.get("more_body", False)
            if size > cap:
                return await refuse(send, too_large(size, cap, upload))
        body = b"".join(chunks)
        replayed = False

        async def replay() -> dict:
            nonlocal replayed
            if replayed:
                return await receive()  # after the body, only a disconnect can come
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        return await self.app(scope, replay, send)


async def refuse(send: Callable, message: str) -> None:
    """Answer 413 with ``{"detail": message}`` (FastAPI's shape for an HTTP error)."""
    body = json.dumps({"detail": message}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def install_body_cap() -> None:
    """Make every Gradio app that serves a ``Page`` put ``BodyCap`` in front of its middleware.

    Gradio builds a new ``gradio.routes.App`` in ``launch()`` and in ``gr.mount_gradio_app`` and offers no hook
    for a middleware of the Blocks' own, so this wraps the one method every such app calls before it serves
    its first request. Apps serving any other Blocks are left as they are. Safe to call more than once.
    """
    app_class = gradio.routes.App
    if getattr(app_class.build_middleware_stack, "body_cap", False):
        return
    build = app_class.build_middleware_stack

    @functools.wraps(build)
    def build_middleware_stack(self: gradio.routes.App) -> Any:
        stack = build(self)
        return BodyCap(stack, self.blocks) if isinstance(self.blocks, Page) else stack

    build_middleware_stack.body_cap = True  # type: ignore[attr-defined]
    app_class.build_middleware_stack = build_middleware_stack


class Lanes:
    """Bounds on how many calls of an event function run at once, in two lanes by what their input holds: a
    light lane for the usual input and a heavy lane for input that costs more (``is_heavy``), so costly calls,
    however many are sent, never hold up the usual ones. Every way in goes through them: the queue's events,
    and the functions that run off the queue (``queue=False``), which Gradio runs as soon as each request
    arrives and which anyone can call directly by ``fn_index``.

    A call waits up to ``wait_s`` for a slot in its lane, without holding a thread, then is refused with
    ``gr.Error(busy)``; so is a call that finds ``max_waiting`` calls already waiting in its lane.
    ``bounded = lanes(fn)`` is an async function Gradio awaits (``fn`` itself stays as it was); one ``Lanes``
    can bound several functions, which then share its slots.
    """

    def __init__(
        self,
        light: int,
        heavy: int,
        wait_s: float,
        busy: str,
        is_heavy: Callable[..., bool] = lambda *args: False,
        max_waiting: int = 64,
    ) -> None:
        self.wait_s, self.busy, self.is_heavy, self.max_waiting = wait_s, busy, is_heavy, max_waiting
        # Thread locks, not asyncio ones: they work from any event loop, for every server in the process.
        self._slots = {False: threading.BoundedSemaphore(light), True: threading.BoundedSemaphore(heavy)}
        self._waiting = {False: 0, True: 0}
        self._lock = threading.Lock()

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """``fn``, bounded; it keeps ``fn``'s name and signature (Gradio reads both)."""

        @functools.wraps(fn)
        async def bounded(*args: Any) -> Any:
            heavy = bool(self.is_heavy(*args))
            slots = self._slots[heavy]
            if not slots.acquire(blocking=False):
                await self._wait(heavy)
            try:
                # The thread's own cancel scope is shielded (anyio's default): the slot is freed only once it ends.
                return await anyio.to_thread.run_sync(fn, *args)
            finally:
                slots.release()

        return bounded

    async def _wait(self, heavy: bool) -> None:
        """Wait for a slot in the lane (then hold it), or raise the busy error."""
        with self._lock:
            if self._waiting[heavy] >= self.max_waiting:
                raise gr.Error(self.busy, visible=False, print_exception=False)
            self._waiting[heavy] += 1
        try:
            deadline = time.monotonic() + self.wait_s
            while not self._slots[heavy].acquire(blocking=False):
                if time.monotonic() >= deadline:
                    raise gr.Error(self.busy, visible=False, print_exception=False)
                await asyncio.sleep(POLL_S)
        finally:
            with self._lock:
                self._waiting[heavy] -= 1
