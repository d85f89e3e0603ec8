"""PixelImage: an output image sent inline, as a PNG data URI, and shown with crisp pixels.

``gr.Image`` saves every output to a file that the browser then fetches: one more round trip per
image per reading. This sends the picture inside the event's answer instead, at its own resolution
(a 32x32 input is a few hundred bytes), and the browser scales it up with ``image-rendering: pixelated``.
"""

from __future__ import annotations

import base64
import html
import io
from typing import Any

import gradio as gr
import numpy as np
from PIL import Image

CSS = """
img { display: block; width: 100%; max-height: var(--pixels-height, 260px); object-fit: contain;
      image-rendering: pixelated; }
"""


class PixelImage(gr.HTML):
    """An output that shows a uint8 array, (h, w) grey or (h, w, 3) RGB, as an inline ``<img>``; None shows nothing."""

    def __init__(self, label: str, elem_id: str, **kwargs: Any) -> None:
        super().__init__(
            value=None,
            label=label,
            show_label=True,
            container=True,
            elem_id=elem_id,
            html_template="${value}",
            css_template=CSS,
            js_on_load=None,
            apply_default_css=False,
            **kwargs,
        )

    def postprocess(self, value: np.ndarray | str | None) -> str:
        """An array -> ``<img src="data:image/png;base64,...">``; None -> ""."""
        if value is None or isinstance(value, str):
            return value or ""
        return f'<img src="{png_data_uri(value)}" alt="{html.escape(str(self.label or ""))}">'


def png_data_uri(image: np.ndarray) -> str:
    """A uint8 array as a ``data:image/png;base64,...`` URI."""
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(image)).save(buf, format="PNG", compress_level=1)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
