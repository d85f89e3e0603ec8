"""LeNet digit reader: the public API shared by the app, the CLI, the evaluation and the tests.

from lenet import Classifier, BlankImageError
p = Classifier.load().predict(image)   # PIL image, numpy array, file path or sketchpad value
p.digit, p.confidence, p.probabilities, p.model_input
n = Classifier.load().read_number(strokes_or_image)   # n.text, n.digits, n.boxes
"""

from . import adapt, corrections, strokes
from .inference import CheckpointError, Classifier, NumberReading, Prediction, load_checkpoint, save_checkpoint
from .model import LeNet
from .preprocess import BlankImageError, normalize, to_model_input

__all__ = [
    "BlankImageError",
    "CheckpointError",
    "Classifier",
    "LeNet",
    "NumberReading",
    "Prediction",
    "adapt",
    "corrections",
    "load_checkpoint",
    "normalize",
    "save_checkpoint",
    "strokes",
    "to_model_input",
]
