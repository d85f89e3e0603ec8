"""The LeNet of the PyTorch "Neural Networks" tutorial, with ``forward`` where it belongs.

This module owns the architecture: (N, 1, 32, 32) normalised images in, (N, 10) logits out,
and the one description of its stages (``STAGES``: names, shapes, what each does) that the
app's network view reads. It does no I/O; loading and preprocessing live elsewhere.
The stage names follow LeCun et al. (1998) as the tutorial does: C1 and C3 are
convolutions, S2 and S4 subsampling (here 2x2 max-pooling), F5, F6 and OUTPUT fully connected.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

INPUT_SIZE = 32  # the network's input is INPUT_SIZE x INPUT_SIZE
# Everything needed to rebuild the network; stored inside every checkpoint.
ARCH = {
    "name": "LeNet",
    "input_size": INPUT_SIZE,
    "conv1": [1, 6, 3],
    "conv2": [6, 16, 3],
    "fc": [16 * 6 * 6, 120, 84, 10],
}
# The stages in the order ``forward`` computes them: name -> (shape of one sample's activation,
# the layer whose weights make it, or None for pooling, what it does in plain words).
# ``forward`` tags each stage's line with ``# <name>``; the network view ties code and stage by that tag.
STAGES: dict[str, tuple[tuple[int, ...], str | None, str]] = {
    "C1": ((6, 30, 30), "conv1", "6 filters of 3×3 slide over the input: each map lights up where its stroke is"),
    "S2": ((6, 15, 15), None, "keeps the strongest value in each 2×2 patch: half the size, same features"),
    "C3": ((16, 13, 13), "conv2", "16 filters each look at all 6 maps at once: strokes combine into parts"),
    "S4": ((16, 6, 6), None, "keeps the strongest of each 2×2 again: 576 numbers say which parts are where"),
    "F5": ((120,), "fc1", "120 units, each a weighted vote over all 576: which parts go together"),
    "F6": ((84,), "fc2", "84 units weigh the 120: the features the decision is made from"),
    "OUTPUT": ((10,), "fc3", "one score per digit; softmax turns the scores into probabilities"),
}
MAP_NAMES = ("C1", "S2", "C3", "S4")  # the stages that are stacks of 2-D maps


class LeNet(nn.Module):
    """conv 1->6 (3x3), pool, conv 6->16 (3x3), pool, fc 576->120->84->10."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 3)
        self.conv2 = nn.Conv2d(6, 16, 3)
        self.fc1 = nn.Linear(16 * 6 * 6, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x: torch.Tensor, stages: dict[str, torch.Tensor] | None = None) -> torch.Tensor:
        """Logits (N, 10) for normalised images (N, 1, 32, 32); a dict passed as ``stages`` receives every stage."""
        c1 = F.relu(self.conv1(x))  # C1 (N, 6, 30, 30)
        s2 = F.max_pool2d(c1, 2)  # S2 (N, 6, 15, 15)
        c3 = F.relu(self.conv2(s2))  # C3 (N, 16, 13, 13)
        s4 = F.max_pool2d(c3, 2)  # S4 (N, 16, 6, 6)
        f5 = F.relu(self.fc1(torch.flatten(s4, 1)))  # F5 (N, 120)
        f6 = F.relu(self.fc2(f5))  # F6 (N, 84)
        out = self.fc3(f6)  # OUTPUT (N, 10)
        if stages is not None:
            stages.update(C1=c1, S2=s2, C3=c3, S4=s4, F5=f5, F6=f6, OUTPUT=out)
        return out

    def forward_with_maps(self, x: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """Logits and every stage's activations (``STAGES``, in order), from one forward pass."""
        stages: dict[str, torch.Tensor] = {}
        return self(x, stages), stages
