"""StrokePad: the Draw tab's drawing surface, a ``gr.HTML`` component that sends strokes, never images.

The browser side lives beside this file: ``pad.js`` draws on a ``<canvas>`` with Pointer Events and
sends the strokes as its value with ``trigger("input")``, live while the pen moves and again at pen-up
(wire readings to ``pad.input``: Gradio also fires ``change`` by itself whenever the value changes);
``pad.css`` lays it out and takes its colours from the Gradio theme.

The value Python receives is the JSON the pad sends, or ``None``/``""`` before the first stroke::

    {"strokes": [[[x, y], ...], ...], "width": 280, "height": 280, "seq": 12, "final": true}   # pad units, y down

``final`` is false for the readings sent while the pen moves, true at pen-up, Undo and Clear.

The page holds ``strokes`` as one JSON string, decoded here (``preprocess``): Gradio copies every prop of
every output, number by number, several times per reading (Svelte's ``$state.snapshot``), and a stroke's
points as arrays made most of that work (about 1,850 values per reading; see tests/bench_network.py).

``lenet.Classifier.predict`` reads it as it is. Python can draw boxes over the ink (the hook for
reading numbers): return ``StrokePad.show_boxes([(x0, y0, x1, y1), ...])`` for the pad from any event.
``seq`` numbers the pad's sends: a reading answers it with ``StrokePad.acknowledge(update, value)``, and
the pad sends its final reading (pen-up, Undo, Clear) again while no answer has come.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import gradio as gr

HERE = Path(__file__).resolve().parent
SIZE = 280  # pad units on each side: the strokes' coordinates, whatever size the canvas is shown at
BRUSH = 18  # line width in pad units, as the old sketchpad's 18 px line on its 280 px canvas
LIVE_MS = 150  # while the pen moves, at most one reading per this many ms (always_last drops the rest)
RETRY_MS = 4000  # a final reading unanswered this long is sent again (then after twice as long, up to 30 s)
JS = (HERE / "pad.js").read_text(encoding="utf-8")
CSS = (HERE / "pad.css").read_text(encoding="utf-8")
TEMPLATE = """
<div class="pad">
  <div class="surface">
    <canvas class="ink" role="img" aria-label="Drawing pad: draw a digit or a number"></canvas>
    <canvas class="overlay" aria-hidden="true"></canvas>
  </div>
  <div class="tools">
    <button type="button" class="undo" aria-label="Undo last stroke">↶ Undo</button>
    <button type="button" class="clear" aria-label="Clear canvas">✕ Clear</button>
  </div>
  <p class="notice" role="status" aria-live="polite" hidden></p>
</div>
"""


class StrokePad(gr.HTML):
    """A drawing pad whose value is the strokes drawn on it; ``boxes`` are drawn over them."""

    def __init__(
        self,
        *,
        size: int = SIZE,
        brush: float = BRUSH,
        live_ms: int = LIVE_MS,
        retry_ms: int = RETRY_MS,
        boxes: Sequence[Sequence[float]] | None = None,
        ack: int = 0,
        **kwargs: Any,
    ) -> None:
        # Plain attributes too: gr.HTML looks its subclass's parameters up by name when it builds the config.
        self.size, self.brush, self.live_ms, self.retry_ms = size, brush, live_ms, retry_ms
        self.boxes, self.ack = _boxes(boxes or []), ack
        super().__init__(
            value=None,
            html_template=TEMPLATE,
            css_template=CSS,
            js_on_load=JS,
            apply_default_css=False,
            size=size,
            brush=brush,
            live_ms=live_ms,
            retry_ms=retry_ms,
            boxes=self.boxes,
            ack=self.ack,
            **kwargs,
        )

    @staticmethod
    def show_boxes(boxes: Iterable[Sequence[float]]) -> dict[str, Any]:
        """An update for the pad that draws these ``(x0, y0, x1, y1)`` boxes (pad units) over the ink; [] hides them."""
        return gr.update(boxes=_boxes(boxes))

    @staticmethod
    def acknowledge(update: dict[str, Any], value: Any) -> dict[str, Any]:
        """A pad update that also tells the pad its send ``value`` was answered (see ``seq``)."""
        seq = value.get("seq") if isinstance(value, dict) else None
        if isinstance(seq, int) and not isinstance(seq, bool) and seq > 0:
            return {**update, "ack": seq}
        return update

    def preprocess(self, payload: Any) -> Any:
        """The pad's value with its strokes decoded from the JSON string the page sends (a list passes as it is;
        a string that is not JSON stays a string, and the reading refuses it, saying what to send)."""
        if isinstance(payload, dict) and isinstance(payload.get("strokes"), str):
            try:
                return {**payload, "strokes": json.loads(payload["strokes"])}
            except (ValueError, RecursionError):  # not JSON, or nested too deep
                return payload
        return payload

    def api_info(self) -> dict[str, Any]:
        """The value's JSON schema: strokes of [x, y] points (or that list as a JSON string), and the pad's size."""
        point = {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2}
        listed = {"type": "array", "items": {"type": "array", "items": point}}
        return {
            "type": "object",
            "properties": {
                "strokes": {"anyOf": [listed, {"type": "string"}]},
                "width": {"type": "number"},
                "height": {"type": "number"},
                "seq": {"type": "integer"},
            },
            "required": ["strokes"],
        }


def _boxes(boxes: Iterable[Sequence[float]]) -> list[list[float]]:
    out = [[float(v) for v in box] for box in boxes]
    if any(len(box) != 4 for box in out):
        raise ValueError(f"boxes are (x0, y0, x1, y1) each, got {out!r:.80}")
    return out
