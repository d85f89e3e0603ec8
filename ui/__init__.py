"""The app's own UI parts: the stroke pad (``StrokePad``), the digit strip (``DigitStrip``) and inline images
(``PixelImage``); the pad and the strip are ``gr.HTML`` components with their JS and CSS beside them."""

from .pad import StrokePad
from .pixels import PixelImage
from .strip import DigitStrip

__all__ = ["DigitStrip", "PixelImage", "StrokePad"]
