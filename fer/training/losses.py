"""The training loss: cross-entropy (class weights, label smoothing, soft mixup targets), summed over the heads
of a several-head net, optionally distilled into the first head from a teacher model version (Hinton et al.:
KL between temperature-softened outputs); and what --consistency adds: how much the answers to views of the same
faces disagree (the Jensen-Shannon divergence, as AugMix, Hendrycks et al., or KL from the first view's answer)."""
from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

from ..labels import NUM_CLASSES


class TrainingLoss:
    def __init__(self, class_weights=None, label_smoothing: float = 0.0, teacher: torch.nn.Module | None = None,
                 alpha: float = 0.5, temperature: float = 4.0, teacher_bias: torch.Tensor | None = None):
        self.class_weights, self.label_smoothing = class_weights, label_smoothing
        self.teacher, self.alpha, self.temperature = teacher, alpha, temperature
        self.teacher_bias = teacher_bias  # the teacher version's prior correction, added to its log-probabilities

    def teacher_log_probs(self, inputs: torch.Tensor) -> torch.Tensor:
        """What the teacher version says of the batch: its log-probabilities after its prior correction (so the
        student learns the corrected answer the product shows, not the raw network's); its temperature is left
        out, distillation softens with its own."""
        with torch.no_grad():
            log_probs = self.teacher(inputs).float().log_softmax(1)
            return log_probs if self.teacher_bias is None else log_probs + self.teacher_bias

    def cross_entropy(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Summed over the heads: each block of NUM_CLASSES columns of the logits learns the same block of the
        (soft) targets [N, heads*C]; a one-head net's targets may be class indices [N]."""
        if target.ndim == 2 and target.shape[1] != logits.shape[1]:
            raise ValueError(f"targets of {target.shape[1]} columns for a net of {logits.shape[1]} outputs: a net of "
                             "several heads trains on --labels both, a one-head net on any other label source")
        heads = logits.shape[1] // NUM_CLASSES
        return sum(F.cross_entropy(logits[:, k * NUM_CLASSES:(k + 1) * NUM_CLASSES],
                                   target[:, k * NUM_CLASSES:(k + 1) * NUM_CLASSES] if target.ndim == 2 else target,
                                   weight=self.class_weights, label_smoothing=self.label_smoothing)
                   for k in range(heads))

    def __call__(self, logits: torch.Tensor, target: torch.Tensor, inputs: torch.Tensor) -> torch.Tensor:
        loss = self.cross_entropy(logits, target)
        if self.teacher is None:
            return loss
        logits = logits[:, :NUM_CLASSES]  # the teacher speaks for the first head
        t = self.temperature
        teacher_probs = F.softmax(self.teacher_log_probs(inputs) / t, 1)
        distill = F.kl_div(F.log_softmax(logits / t, 1), teacher_probs, reduction="batchmean") * t * t
        return (1 - self.alpha) * loss + self.alpha * distill


def _log_probs_per_head(views: Sequence[torch.Tensor]) -> torch.Tensor:
    """Logits [N, heads*C] of each view -> log-probabilities [views, N, heads, C], each head's own softmax."""
    return torch.stack([v.float().unflatten(1, (-1, NUM_CLASSES)).log_softmax(2) for v in views])


def jensen_shannon(views: Sequence[torch.Tensor]) -> torch.Tensor:
    """How much the answers to several views of the same faces disagree: logits [N, heads*C] per view; per head,
    the mean over views and faces of KL(view's answer || the views' mean answer), summed over the heads."""
    log_p = _log_probs_per_head(views)
    log_mean = log_p.exp().mean(0).clamp_min(1e-7).log()
    return (log_p.exp() * (log_p - log_mean)).sum(3).mean((0, 1)).sum()


def pull_to_first(views: Sequence[torch.Tensor]) -> torch.Tensor:
    """How far the answers to the later views of the same faces are from the first view's, which is held fixed
    (no gradient): per head, the mean over the later views and the faces of KL(first || view), summed over the
    heads. Unlike jensen_shannon, it cannot pull the first view's answer toward the others'."""
    log_p = _log_probs_per_head(views)
    anchor = log_p[0].detach()
    return (anchor.exp() * (anchor - log_p[1:])).sum(3).mean((0, 1)).sum()
