"""The training loss: cross-entropy (class weights, label smoothing, soft mixup targets), summed over the heads
of a several-head net, optionally distilled into the first head from a teacher model version (Hinton et al.:
KL between temperature-softened outputs); and the Jensen-Shannon divergence between views of the same faces that
--consistency adds (AugMix, Hendrycks et al.)."""
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


def jensen_shannon(views: Sequence[torch.Tensor]) -> torch.Tensor:
    """How much the answers to several views of the same faces disagree: logits [N, heads*C] per view; per head,
    the mean over views and faces of KL(view's answer || the views' mean answer), summed over the heads."""
    total = torch.zeros((), device=views[0].device)
    for k in range(views[0].shape[1] // NUM_CLASSES):
        log_p = torch.stack([v[:, k * NUM_CLASSES:(k + 1) * NUM_CLASSES].float().log_softmax(1) for v in views])
        log_mean = log_p.exp().mean(0).clamp_min(1e-7).log()
        total = total + (log_p.exp() * (log_p - log_mean)).sum(2).mean()
    return total


def pull_to_first(views: Sequence[torch.Tensor]) -> torch.Tensor:
    """How far the answers to the later views of the same faces are from the first view's, which is held fixed
    (no gradient): per head, the mean over the later views and the faces of KL(first || view), summed over the
    heads. Unlike jensen_shannon, it cannot pull the first view's answer toward the others'."""
    total = torch.zeros((), device=views[0].device)
    for k in range(views[0].shape[1] // NUM_CLASSES):
        block = slice(k * NUM_CLASSES, (k + 1) * NUM_CLASSES)
        anchor = views[0][:, block].detach().float().log_softmax(1)
        log_q = torch.stack([v[:, block].float().log_softmax(1) for v in views[1:]])
        total = total + (anchor.exp() * (anchor - log_q)).sum(2).mean()
    return total
