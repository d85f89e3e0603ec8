"""TeachRow: one tap corrects a reading, and the page remembers the writer's handwriting, in the browser only.

A ``gr.HTML`` component like the pad: ``teach.js`` beside this file keeps the writer's examples in the
browser's ``localStorage`` (they survive a reload; the server keeps nothing), shows how many it holds
with a **Forget my handwriting** button, and offers a 0-9 row under the reading. Its value, sent with every
reading of the pad (wire ``[pad, teach]`` as the reading's inputs), is::

    {"examples": [{"strokes": [[[x, y], ...], ...], "digit": 4}, ...]}   # lenet.adapt's compact form

Python tells it, with each reading, what the reading is made of: ``TeachRow.show(pending, selected)``
sets its ``pending`` prop, one entry per digit read, ``{"strokes": compact strokes, "digit": read}``, and
which of them the row corrects (the last drawn, or the one picked in the strip). A tap on a digit turns
that entry into an example with the tapped digit; a reading left uncorrected becomes an example as read
when the pad is cleared (an accepted reading). Either way the value changes and ``trigger("input")`` asks
for a new reading, which the examples now adapt.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import gradio as gr

from lenet import adapt

HERE = Path(__file__).resolve().parent
JS = (HERE / "teach.js").read_text(encoding="utf-8")
CSS = (HERE / "teach.css").read_text(encoding="utf-8")
STORAGE_KEY = "lenet-sketchpad/examples/v1"  # where the browser keeps them
TEMPLATE = """
<div class="teach" data-count="0">
  <div class="row" role="group" aria-label="Wrong? Tap the right digit">
    <span class="ask">Wrong? Tap the right digit:</span>
    <span class="digits"></span>
  </div>
  <div class="memory">
    <span class="count" aria-live="polite"></span>
    <button type="button" class="forget">Forget my handwriting</button>
  </div>
</div>
"""


class TeachRow(gr.HTML):
    """The correction row and the writer's examples; as an input, its value is ``{"examples": [...]}``."""

    def __init__(
        self,
        *,
        pending: Sequence[dict[str, Any]] | None = None,
        selected: int = -1,
        max_examples: int = adapt.MAX_EXAMPLES,
        storage_key: str = STORAGE_KEY,
        **kwargs: Any,
    ) -> None:
        # Plain attributes too: gr.HTML looks its subclass's parameters up by name when it builds the config
        # (and rebuilds the component from them for an update).
        self.pending, self.selected = list(pending or []), int(selected)
        self.max_examples, self.storage_key = max_examples, storage_key
        super().__init__(
            value=None,
            html_template=TEMPLATE,
            css_template=CSS,
            js_on_load=JS,
            apply_default_css=False,
            pending=self.pending,
            selected=self.selected,
            max_examples=max_examples,
            storage_key=storage_key,
            **kwargs,
        )

    @staticmethod
    def show(pending: Sequence[dict[str, Any]], selected: int) -> dict[str, Any]:
        """An update telling the row what the reading shown is made of: ``pending`` entries and the one it corrects."""
        return gr.update(pending=list(pending), selected=int(selected))

    def preprocess(self, payload: Any) -> list | None:
        """The examples the page sent (checked later, by ``lenet.adapt``), or None when it sent none. The page
        sends them as one JSON string (see ``ui/pad.py`` on why); a list passes as it is, and a string that
        is not JSON stays a string, which the reading refuses with its message."""
        if isinstance(payload, dict) and "examples" in payload:
            sent = payload["examples"]
            if isinstance(sent, str):
                try:
                    return json.loads(sent)
                except (ValueError, RecursionError):  # not JSON, or nested too deep
                    return sent
            return sent
        return None

    def postprocess(self, value: Any) -> Any:
        """Python never sets the examples: they belong to the browser."""
        return value

    def api_info(self) -> dict[str, Any]:
        """The value's JSON schema: the writer's examples."""
        return {"type": "object", "properties": {"examples": {"type": "array"}}}
