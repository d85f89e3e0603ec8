"""DigitStrip: one button per digit of a number read from the pad, each showing the 32x32 input the network
saw, the digit it read and how sure it was; clicking one picks the digit the label and the maps show.

A ``gr.HTML`` component like the pad: ``strip.js`` beside this file handles the clicks and ``strip.css`` lays the
strip out. Its value, sent from Python with ``DigitStrip.value_of(...)``, is::

    {"digits": [{"digit": 4, "sure": "97%", "src": "data:image/png;base64,...", "selected": false}, ...],
     "selected": 1, "reading": "3f2a..."}

or ``None`` (nothing shown, as for a single digit). A click sets ``selected`` and sends ``trigger("input")``;
wire ``strip.input`` to a handler, which receives a ``Pick``: the picked index and the ``reading`` the strip
showed, so a pick from a strip that a newer reading has replaced can be told apart (``preprocess``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

import gradio as gr
import numpy as np

from .pixels import png_data_uri

HERE = Path(__file__).resolve().parent
JS = (HERE / "strip.js").read_text(encoding="utf-8")
CSS = (HERE / "strip.css").read_text(encoding="utf-8")
# Handlebars, then a JS template literal (gr.HTML's templating); Handlebars escapes what it inserts.
TEMPLATE = """
<div class="strip" role="group" aria-label="The digits read: pick one to show its top 3 and maps">
{{#each value.digits}}
  <button type="button" class="digit{{#if selected}} selected{{/if}}" data-index="{{@index}}"
          aria-pressed="{{#if selected}}true{{else}}false{{/if}}" title="Show this digit's top 3 and maps">
    <img src="{{src}}" alt="The 32×32 input of digit {{@index}}">
    <span class="read">{{digit}}</span>
    <span class="sure">{{sure}}</span>
  </button>
{{/each}}
</div>
"""


class Pick(NamedTuple):
    """A digit picked in the strip: its index, and the key of the reading the strip showed."""

    index: int
    reading: str | None


def sure(confidence: float) -> str:
    """A confidence as the page says it: a whole percent, but never "100%" (a calibrated 99.6% is not certain)."""
    return ">99%" if confidence >= 0.995 else f"{confidence:.0%}"


class DigitStrip(gr.HTML):
    """The digits of a number as a row of pickable inputs; as an input, its value is the picked index."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            value=None,
            html_template=TEMPLATE,
            css_template=CSS,
            js_on_load=JS,
            apply_default_css=False,
            **kwargs,
        )

    @staticmethod
    def value_of(
        digits: Sequence[tuple[int, float, np.ndarray]], selected: int, reading: str | None = None
    ) -> dict[str, Any]:
        """The strip's value for digits given as (digit, confidence, (32, 32) uint8 input), ``selected`` marked;
        ``reading``: a key naming the reading they come from, handed back with each pick."""
        return {
            "digits": [
                {"digit": int(d), "sure": sure(c), "src": png_data_uri(image), "selected": k == selected}
                for k, (d, c, image) in enumerate(digits)
            ],
            "selected": int(selected),
            "reading": reading,
        }

    def preprocess(self, payload: Any) -> Pick | None:
        """The picked digit and its reading's key, or None when nothing is shown or the value is not the strip's."""
        if not isinstance(payload, dict):
            return None
        selected, reading = payload.get("selected"), payload.get("reading")
        if not isinstance(selected, int) or isinstance(selected, bool) or selected < 0:
            return None
        return Pick(selected, reading if isinstance(reading, str) else None)

    def postprocess(self, value: dict[str, Any] | None) -> dict[str, Any] | None:
        """The value as ``value_of`` made it, or None."""
        return value

    def api_info(self) -> dict[str, Any]:
        """The value's JSON schema: the digits shown and the picked index."""
        properties = {"digits": {"type": "array"}, "selected": {"type": "integer"}, "reading": {"type": "string"}}
        return {"type": "object", "properties": properties}
