"""The network view's data, in-process: what the page is sent once (weights, stages, code) and with each reading.

The browser side (drawing, the inspector's arithmetic) is tested in tests/test_browser_network.py.
"""

from __future__ import annotations

import base64
import inspect
import json

import numpy as np
import pytest
import torch

from lenet import Classifier, LeNet, normalize
from lenet.model import STAGES
from ui.network import SENT_STAGES, code_lines, describe, value_of


def f32(b64: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(b64), dtype="<f4")


def unpack_input(b64: str, background: float) -> np.ndarray:
    """The view's packed input -> (32, 32), as network.js unpacks it."""
    raw = base64.b64decode(b64)
    mask = np.unpackbits(np.frombuffer(raw[:128], dtype=np.uint8), bitorder="little").astype(bool)
    x = np.full(1024, background, dtype=np.float32)
    x[mask] = np.frombuffer(raw[128:], dtype="<f4")
    return x.reshape(32, 32)


SEVEN = {"strokes": [[[90, 70], [190, 70], [120, 210]], [[110, 140], [170, 140]]], "width": 280, "height": 280}


@pytest.fixture(scope="module")
def net(clf: Classifier) -> dict:
    return describe(clf.model)


def test_weights_sent_once_are_the_models_to_the_bit(clf: Classifier, net: dict) -> None:
    for _, layer, _ in STAGES.values():
        if layer is None:
            continue
        module = getattr(clf.model, layer)
        sent = net["layers"][layer]
        assert sent["shape"] == list(module.weight.shape)
        assert np.array_equal(f32(sent["w"]), module.weight.detach().numpy().reshape(-1))
        assert np.array_equal(f32(sent["b"]), module.bias.detach().numpy())
    assert net["params"] == sum(p.numel() for p in clf.model.parameters())
    assert [s["name"] for s in net["stages"]] == list(STAGES)


def test_a_reading_carries_the_exact_input_and_pytorchs_last_stages(clf: Classifier, net: dict) -> None:
    pred = clf.predict(SEVEN, maps=True)
    value = value_of(pred)
    x = unpack_input(value["x"], net["background"])
    assert np.array_equal(x, normalize(pred.model_input))  # what forward received, to the bit
    for name in SENT_STAGES:
        assert np.array_equal(f32(value[name]), pred.maps[name].reshape(-1)), name
    assert value["digit"] == pred.digit
    # The page's softmax divides OUTPUT by the calibration's temperature, as the probabilities shown are made.
    assert value.get("temperature", 1.0) == pred.temperature == clf.temperature
    z = f32(value["OUTPUT"]).astype(np.float64) / value.get("temperature", 1.0)
    np.testing.assert_allclose(np.exp(z - z.max()) / np.exp(z - z.max()).sum(), pred.probabilities, atol=1e-6)
    # Recomputed from that input, the model gives the same stages: the page's input is the network's.
    with torch.inference_mode():
        _, stages = clf.model.forward_with_maps(torch.from_numpy(x)[None, None])
    assert np.array_equal(stages["OUTPUT"][0].numpy(), f32(value["OUTPUT"]))


def test_a_reading_is_small(clf: Classifier) -> None:
    # All seven stages come with the reading; the maps are recomputed in the browser, so it stays a few KB.
    value = value_of(clf.predict(SEVEN, maps=True))
    assert len(json.dumps(value)) < 4096


def test_a_blank_background_is_not_sent(clf: Classifier, net: dict) -> None:
    pred = clf.predict(SEVEN, maps=True)
    raw = base64.b64decode(value_of(pred)["x"])
    ink = int(np.count_nonzero(pred.model_input))
    assert len(raw) == 128 + 4 * ink


def test_each_stage_has_exactly_one_line_of_forward(net: dict) -> None:
    forward = inspect.getsource(LeNet.forward)
    runs = [line for line in code_lines() if line["runs"]]
    assert [line["stage"] for line in runs] == list(STAGES)
    for line in runs:
        assert line["text"] in forward  # the line shown is the line that runs
    # The layers are tied to the stage they make too.
    built = {line["stage"] for line in code_lines() if "nn." in line["text"] and line["stage"]}
    assert built == {name for name, (_, layer, _) in STAGES.items() if layer}


def test_the_code_shown_is_the_class_in_lenet_model(net: dict) -> None:
    source, first = inspect.getsourcelines(LeNet)
    assert [line["text"] for line in net["code"]] == [s.rstrip("\n") for s in source]
    assert net["code"][0]["n"] == first
    assert "def forward(self" in "".join(source)
