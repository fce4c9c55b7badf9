"""The training loss: cross-entropy (class weights, label smoothing, soft mixup targets), optionally
distilled from a teacher model version (Hinton et al.: KL between temperature-softened outputs)."""
from __future__ import annotations

import torch
import torch.nn.functional as F


class TrainingLoss:
    def __init__(self, class_weights=None, label_smoothing: float = 0.0, teacher: torch.nn.Module | None = None,
                 alpha: float = 0.5, temperature: float = 4.0):
        self.class_weights, self.label_smoothing = class_weights, label_smoothing
        self.teacher, self.alpha, self.temperature = teacher, alpha, temperature

    def __call__(self, logits: torch.Tensor, target: torch.Tensor, inputs: torch.Tensor) -> torch.Tensor:
        loss = F.cross_entropy(logits, target, weight=self.class_weights, label_smoothing=self.label_smoothing)
        if self.teacher is None:
            return loss
        with torch.no_grad():
            teacher_logits = self.teacher(inputs).float()
        t = self.temperature
        distill = F.kl_div(F.log_softmax(logits / t, 1), F.softmax(teacher_logits / t, 1), reduction="batchmean") * t * t
        return (1 - self.alpha) * loss + self.alpha * distill
