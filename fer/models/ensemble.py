"""An ensemble of trained member networks as one network: its output is the log of the members' averaged
probabilities, so softmax, TTA, ONNX export, latency and saliency treat it like any single model."""
from __future__ import annotations

import torch
import torch.nn as nn


class Ensemble(nn.Module):
    def __init__(self, members: list[nn.Module]):
        super().__init__()
        if not members:
            raise ValueError("an ensemble needs at least one member")
        self.members = nn.ModuleList(members)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        probs = torch.stack([member(x).float().softmax(-1) for member in self.members]).mean(0)
        return probs.clamp_min(1e-12).log()
