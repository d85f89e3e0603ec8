"""LeNet's architecture: parameter count, shapes, activation maps, and the ARCH stored in checkpoints."""

from __future__ import annotations

import pytest
import torch

from lenet import LeNet
from lenet.model import ARCH, MAP_NAMES

MAP_SHAPES = {"C1": (6, 30, 30), "S2": (6, 15, 15), "C3": (16, 13, 13), "S4": (16, 6, 6)}


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


def test_forward_with_maps_gives_the_maps_and_the_same_logits(model: LeNet) -> None:
    x = torch.randn(3, 1, 32, 32)
    with torch.no_grad():
        logits = model(x)
        logits_too, maps = model.forward_with_maps(x)
    assert tuple(maps) == MAP_NAMES
    assert {k: tuple(v.shape) for k, v in maps.items()} == {k: (3, *s) for k, s in MAP_SHAPES.items()}
    assert torch.equal(logits, logits_too)
    # The maps follow ReLU (and pooling of ReLU): never negative.
    assert all((v >= 0).all() for v in maps.values())


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
