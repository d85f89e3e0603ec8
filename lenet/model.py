"""The LeNet of the PyTorch "Neural Networks" tutorial, with ``forward`` where it belongs.

This module owns the architecture only: (N, 1, 32, 32) normalised images in,
(N, 10) logits out. It does no I/O; loading and preprocessing live elsewhere.
The layer names follow LeCun et al. (1998) as the tutorial does: C1 and C3 are
convolutions, S2 and S4 subsampling (here 2x2 max-pooling), F5-F7 fully connected.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

# Everything needed to rebuild the network; stored inside every checkpoint.
ARCH = {
    "name": "LeNet",
    "input_size": 32,
    "conv1": [1, 6, 3],
    "conv2": [6, 16, 3],
    "fc": [16 * 6 * 6, 120, 84, 10],
}
MAP_NAMES = ("C1", "S2", "C3", "S4")


class LeNet(nn.Module):
    """conv 1->6 (3x3), pool, conv 6->16 (3x3), pool, fc 576->120->84->10."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 3)
        self.conv2 = nn.Conv2d(6, 16, 3)
        self.fc1 = nn.Linear(16 * 6 * 6, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits (N, 10) for normalised images (N, 1, 32, 32)."""
        return self._run(x, None)

    def forward_with_maps(self, x: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """Logits and the activation maps C1, S2, C3, S4, for display."""
        maps: dict[str, torch.Tensor] = {}
        return self._run(x, maps), maps

    def _run(self, x: torch.Tensor, maps: dict[str, torch.Tensor] | None) -> torch.Tensor:
        c1 = F.relu(self.conv1(x))  # (N, 6, 30, 30)
        s2 = F.max_pool2d(c1, 2)  # (N, 6, 15, 15)
        c3 = F.relu(self.conv2(s2))  # (N, 16, 13, 13)
        s4 = F.max_pool2d(c3, 2)  # (N, 16, 6, 6)
        if maps is not None:
            maps.update(C1=c1, S2=s2, C3=c3, S4=s4)
        x = torch.flatten(s4, 1)  # (N, 576)
        x = F.relu(self.fc1(x))  # (N, 120)
        x = F.relu(self.fc2(x))  # (N, 84)
        return self.fc3(x)  # (N, 10)
