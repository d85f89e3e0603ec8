"""LeNet's architecture: parameter count, shapes, activation maps, and the ARCH stored in checkpoints."""

from __future__ import annotations

import pytest
import torch

from lenet import LeNet
from lenet.model import ARCH, STAGES

# The tutorial's stages and their shapes for one sample, in the order forward computes them.
STAGE_SHAPES = {
    "C1": (6, 30, 30),
    "S2": (6, 15, 15),
    "C3": (16, 13, 13),
    "S4": (16, 6, 6),
    "F5": (120,),
    "F6": (84,),
    "OUTPUT": (10,),
}


@pytest.fixture(scope="module")
def model() -> LeNet:
    torch.manual_seed(0)
    return LeNet().eval()


def test_parameter_count_is_the_tutorials(model: LeNet) -> None:
    assert sum(p.numel() for p in model.parameters()) == 81_194


def test_arch_describes_the_layers(model: LeNet) -> None:
    # ARCH is stored in every checkpoint and checked at load: it must match the module.
    for name in ("conv1", "conv2"):
        conv = getattr(model, name)
        assert ARCH[name] == [conv.in_channels, conv.out_channels, conv.kernel_size[0]]
    fcs = [model.fc1, model.fc2, model.fc3]
    assert ARCH["fc"] == [fcs[0].in_features] + [fc.out_features for fc in fcs]
    assert ARCH["input_size"] == 32


@pytest.mark.parametrize("n", [1, 7])
def test_forward_gives_ten_logits(model: LeNet, n: int) -> None:
    with torch.no_grad():
        logits = model(torch.randn(n, 1, 32, 32))
    assert logits.shape == (n, 10)
    assert torch.isfinite(logits).all()


def test_forward_with_maps_gives_every_stage_and_the_same_logits(model: LeNet) -> None:
    x = torch.randn(3, 1, 32, 32)
    with torch.no_grad():
        logits = model(x)
        logits_too, stages = model.forward_with_maps(x)
    assert tuple(stages) == tuple(STAGE_SHAPES)  # the tutorial's order
    assert {k: tuple(v.shape) for k, v in stages.items()} == {k: (3, *s) for k, s in STAGE_SHAPES.items()}
    assert torch.equal(logits, logits_too)
    assert torch.equal(stages["OUTPUT"], logits)
    # Every stage but OUTPUT follows ReLU (or pools what did): never negative.
    assert all((v >= 0).all() for k, v in stages.items() if k != "OUTPUT")


def test_each_stage_is_computed_from_the_one_before(model: LeNet) -> None:
    x = torch.randn(2, 1, 32, 32)
    with torch.no_grad():
        _, s = model.forward_with_maps(x)
        torch.testing.assert_close(s["S2"], torch.nn.functional.max_pool2d(s["C1"], 2), rtol=0, atol=0)
        torch.testing.assert_close(s["C3"], torch.relu(model.conv2(s["S2"])))
        torch.testing.assert_close(s["F5"], torch.relu(model.fc1(s["S4"].flatten(1))))
        torch.testing.assert_close(s["OUTPUT"], model.fc3(s["F6"]))


def test_stages_describe_the_model(model: LeNet) -> None:
    assert {k: shape for k, (shape, _, _) in STAGES.items()} == STAGE_SHAPES
    for name, (_, layer, what) in STAGES.items():
        assert what and (layer is None or isinstance(getattr(model, layer), torch.nn.Module)), name


def test_samples_in_a_batch_are_independent(model: LeNet) -> None:
    x = torch.randn(4, 1, 32, 32)
    with torch.no_grad():
        together = model(x)
        alone = torch.cat([model(x[i : i + 1]) for i in range(4)])
    torch.testing.assert_close(together, alone)


def test_wrong_input_size_fails_loudly(model: LeNet) -> None:
    # A 28x28 MNIST digit fed without the 32x32 padding must not be silently accepted.
    with pytest.raises(RuntimeError):
        model(torch.randn(1, 1, 28, 28))
