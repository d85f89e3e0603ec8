"""DigitStrip: one button per digit of a number read from the pad, each showing the 32x32 input the network
saw, the digit it read and how sure it was; clicking one picks the digit the label and the maps show.

A ``gr.HTML`` component like the pad: ``strip.js`` beside this file handles the clicks and ``strip.css`` lays the
strip out. Its value, sent from Python with ``DigitStrip.value_of(...)``, is::

    {"digits": [{"digit": 4, "sure": "97%", "src": "data:image/png;base64,...", "selected": false}, ...],
     "selected": 1}

or ``None`` (nothing shown, as for a single digit). A click sets ``selected`` and sends ``trigger("input")``;
wire ``strip.input`` to a handler, which receives the picked index (``preprocess``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

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
    def value_of(digits: Sequence[tuple[int, float, np.ndarray]], selected: int) -> dict[str, Any]:
        """The strip's value for digits given as (digit, confidence, (32, 32) uint8 input), ``selected`` marked."""
        return {
            "digits": [
                {"digit": int(d), "sure": f"{c:.0%}", "src": png_data_uri(image), "selected": k == selected}
                for k, (d, c, image) in enumerate(digits)
            ],
            "selected": int(selected),
        }

    def preprocess(self, payload: Any) -> int | None:
        """The picked digit's index, or None when nothing is shown or the value is not the strip's."""
        selected = payload.get("selected") if isinstance(payload, dict) else None
        return selected if isinstance(selected, int) and not isinstance(selected, bool) and selected >= 0 else None

    def postprocess(self, value: dict[str, Any] | None) -> dict[str, Any] | None:
        """The value as ``value_of`` made it, or None."""
        return value

    def api_info(self) -> dict[str, Any]:
        """The value's JSON schema: the digits shown and the picked index."""
        return {"type": "object", "properties": {"digits": {"type": "array"}, "selected": {"type": "integer"}}}
