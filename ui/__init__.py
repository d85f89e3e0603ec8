"""The app's own UI parts: the stroke pad (``StrokePad``, a ``gr.HTML`` component with its JS and CSS beside it)."""

from .pad import StrokePad
from .pixels import PixelImage

__all__ = ["PixelImage", "StrokePad"]
