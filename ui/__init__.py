"""The app's own UI parts: the stroke pad (``StrokePad``), the digit strip (``DigitStrip``), inline images
(``PixelImage``) and the whole network (``NetworkView``); all are ``gr.HTML`` components, the pad, the strip
and the network view with their JS and CSS beside them."""

from .network import NetworkView
from .pad import StrokePad
from .pixels import PixelImage
from .strip import DigitStrip

__all__ = ["DigitStrip", "NetworkView", "PixelImage", "StrokePad"]
