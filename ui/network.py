"""NetworkView: every stage of the LeNet, live, from the input to the output, and the arithmetic behind any unit.

A ``gr.HTML`` component like the pad: ``network.js`` beside this file draws the stages and runs the
inspector, ``network.css`` lays them out. What it shows is read from the model, never written here:

- at page load, once (a script in the page's head, ``window.lenetNetwork``): the stages' names, shapes and descriptions
  (``lenet.model.STAGES``), every weight and bias as float32, and the source of ``LeNet`` with each
  line of ``forward`` tagged with its stage;
- with each reading (its value, ``NetworkView.value_of(prediction)``, a few KB): the normalised
  32x32 input exactly as the network received it, and PyTorch's F5, F6 and OUTPUT values.

The browser computes C1, S2, C3 and S4 from that input and the weights in float32, so a reading carries
no maps, and checks its own F5 against PyTorch's (the largest difference is shown). The inspector then
works from what the page holds: hovering or tapping a unit sends no request.
"""

from __future__ import annotations

import base64
import inspect
import json
import re
from pathlib import Path
from typing import Any

import gradio as gr
import numpy as np

from lenet import LeNet, Prediction, normalize
from lenet.model import INPUT_SIZE, STAGES

HERE = Path(__file__).resolve().parent
JS = (HERE / "network.js").read_text(encoding="utf-8")
CSS = (HERE / "network.css").read_text(encoding="utf-8")
NET_GLOBAL = "lenetNetwork"  # the page's global holding what ``describe`` sends (see NetworkView.__init__)
SENT_STAGES = ("F5", "F6", "OUTPUT")  # PyTorch's own values, sent with each reading; the maps are recomputed
STAGE_TAG = re.compile(r"#\s*(" + "|".join(STAGES) + r")\b")
# The template is static: the JS fills it, so a new value never replaces the canvases (gr.HTML only
# re-renders when the template's text changes).
TEMPLATE = """
<div class="net" data-ready="0">
  <div class="flow" role="group" aria-label="The network's stages, input to output: tap or hover any unit"></div>
  <div class="side">
    <section class="inspector" id="inspector" aria-live="polite">
      <p class="hint">Draw a digit, then tap or hover any unit (a pixel of a map, a bar of F5, F6 or OUTPUT)
      to see where its value comes from.</p>
    </section>
    <section class="code" id="model-code" aria-label="The LeNet class as it runs, from lenet/model.py"></section>
  </div>
</div>
"""


def _f32(a: np.ndarray) -> str:
    """Float32 little-endian bytes, base64."""
    return base64.b64encode(np.ascontiguousarray(a, dtype="<f4").tobytes()).decode("ascii")


def describe(model: LeNet) -> dict[str, Any]:
    """What the page needs once: stages, weights (float32, base64) and the tagged source of ``LeNet``."""
    params = {name: p.detach().cpu().numpy() for name, p in model.named_parameters()}
    layers = {
        layer: {
            "shape": list(params[f"{layer}.weight"].shape),
            "w": _f32(params[f"{layer}.weight"]),
            "b": _f32(params[f"{layer}.bias"]),
        }
        for _, layer, _ in STAGES.values()
        if layer
    }
    stages = [
        {"name": name, "shape": list(shape), "layer": layer, "what": what}
        for name, (shape, layer, what) in STAGES.items()
    ]
    return {
        "input_size": INPUT_SIZE,
        "background": float(normalize(np.zeros(1, dtype=np.float32))[0]),
        "stages": stages,
        "layers": layers,
        "params": int(sum(p.size for p in params.values())),
        "code": code_lines(),
    }


def code_lines() -> list[dict[str, Any]]:
    """``LeNet``'s source as it runs, one entry per line: its text, and the stage it computes or builds, if any."""
    source, first = inspect.getsourcelines(LeNet)
    layer_stage = {layer: name for name, (_, layer, _) in STAGES.items() if layer}
    lines = []
    for k, text in enumerate(source):
        text = text.rstrip("\n")
        tag = STAGE_TAG.search(text)
        built = re.search(r"self\.(\w+) = nn\.", text)
        stage = tag.group(1) if tag else layer_stage.get(built.group(1)) if built else None
        lines.append({"n": first + k, "text": text, "stage": stage, "runs": bool(tag)})
    return lines


def value_of(pred: Prediction) -> dict[str, Any]:
    """One reading for the view: the normalised input as the network got it (sparse) and PyTorch's F5, F6, OUTPUT."""
    assert pred.maps is not None, "predict with maps=True"
    x = normalize(pred.model_input).reshape(-1)  # (1024,) exactly what forward received
    background = normalize(np.zeros(1, dtype=np.float32))[0]
    ink = x != background
    # A bit per pixel (1 = its value follows), then the float32 values of those pixels in order.
    packed = np.packbits(ink, bitorder="little").tobytes() + np.ascontiguousarray(x[ink], dtype="<f4").tobytes()
    value: dict[str, Any] = {"x": base64.b64encode(packed).decode("ascii"), "digit": pred.digit}
    if pred.temperature != 1.0:  # calibrated weights: the page's softmax divides the scores by it too
        value["temperature"] = pred.temperature
    if pred.adapted:  # the writer's examples changed the reading; the stages shown are the network's own
        value["network_digit"] = pred.network_digit
    for name in SENT_STAGES:
        value[name] = _f32(pred.maps[name].reshape(-1))
    return value


class NetworkView(gr.HTML):
    """The whole network for one reading: all seven stages, the learned filters, the inspector and the code."""

    def __init__(self, model: LeNet, **kwargs: Any) -> None:
        # The weights go once, with the page, as a script in its <head> (gr.HTML runs it before js_on_load),
        # not as a prop: Gradio compares and copies a component's props on every update, and a reading would
        # then drag 81,194 weights through that each time.
        net = json.dumps(describe(model), separators=(",", ":")).replace("</", "<\\/")
        super().__init__(
            value=None,
            html_template=TEMPLATE,
            css_template=CSS,
            js_on_load=JS,
            apply_default_css=False,
            head=f"<script>window.{NET_GLOBAL} = {net};</script>",
            **kwargs,
        )

    value_of = staticmethod(value_of)

    def postprocess(self, value: dict[str, Any] | None) -> dict[str, Any] | None:
        """The value as ``value_of`` made it, or None (nothing drawn)."""
        return value

    def preprocess(self, payload: Any) -> None:
        """The view is an output only: nothing it holds is read back."""
        return None

    def api_info(self) -> dict[str, Any]:
        """The value's JSON schema: the packed input and the sent stages, base64."""
        return {"type": "object", "properties": {"x": {"type": "string"}, "digit": {"type": "integer"}}}
