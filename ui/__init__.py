"""The app's own UI parts: the stroke pad (``StrokePad``), the digit strip (``DigitStrip``), inline images
(``PixelImage``), the whole network (``NetworkView``) and the correction row that learns the writer's
handwriting (``TeachRow``); all are ``gr.HTML`` components, each with its JS and CSS beside it."""

from .network import NetworkView
from .pad import StrokePad
from .pixels import PixelImage
from .strip import DigitStrip
from .teach import TeachRow

__all__ = ["DigitStrip", "NetworkView", "PixelImage", "StrokePad", "TeachRow"]
