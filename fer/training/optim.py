"""Optimisers, learning-rate schedules and batch mixing (mixup / cutmix)."""
from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from ..labels import NUM_CLASSES


def make_optimizer(model: torch.nn.Module, config) -> torch.optim.Optimizer:
    # no weight decay on biases and BatchNorm parameters; frozen parameters (--freeze) are not optimised
    trained = [p for p in model.parameters() if p.requires_grad]
    decay = [p for p in trained if p.ndim > 1]
    no_decay = [p for p in trained if p.ndim <= 1]
    groups = [{"params": decay, "weight_decay": config.weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    if config.optimizer == "sgd":
        return torch.optim.SGD(groups, lr=config.lr, momentum=config.momentum, nesterov=True)
    if config.optimizer == "adamw":
        return torch.optim.AdamW(groups, lr=config.lr)
    raise ValueError(f"unknown optimizer {config.optimizer!r}; use sgd or adamw")


class ProgressLR:
    """lr = base_lr * shape(progress), progress in [0, 1] set by the trainer from steps done or time spent.

    Driving the schedule by time lets a run with a wall-clock budget (--budget-minutes) finish its whole
    warm-up and anneal inside the budget, however fast or busy the machine is.
    """

    def __init__(self, optimizer, shape):
        self.optimizer, self.shape = optimizer, shape
        self.base_lrs = [g["lr"] for g in optimizer.param_groups]
        self.set_progress(0.0)

    def set_progress(self, progress: float) -> None:
        factor = self.shape(min(max(progress, 0.0), 1.0))
        for group, base in zip(self.optimizer.param_groups, self.base_lrs):
            group["lr"] = base * factor

    def state_dict(self) -> dict:
        return {}  # stateless: the trainer restores the progress

    def load_state_dict(self, state: dict) -> None:
        pass


def _cosine(p: float, floor: float = 0.0) -> float:
    return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * p))


def onecycle_shape(p: float, warm: float = 0.25) -> float:
    """OneCycle: cosine rise from lr/25 to lr over the first quarter, then cosine anneal to ~0."""
    if p < warm:
        return 1 / 25 + (1 - 1 / 25) * (1 - _cosine(p / warm))
    return _cosine((p - warm) / (1 - warm), floor=1e-3)


def make_scheduler(optimizer, config, steps_per_epoch: int):
    """ProgressLR (onecycle, cosine with linear warm-up, none), or ReduceLROnPlateau on val accuracy."""
    if config.scheduler == "onecycle":
        return ProgressLR(optimizer, onecycle_shape)
    if config.scheduler == "cosine":
        warm = min(0.5, config.warmup_epochs / max(config.epochs, 1))
        return ProgressLR(optimizer, lambda p: (p + 1e-3) / warm if p < warm else _cosine((p - warm) / (1 - warm), 1e-3))
    if config.scheduler == "plateau":
        return torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="max", factor=0.5, patience=3)
    if config.scheduler == "none":
        return ProgressLR(optimizer, lambda p: 1.0)
    raise ValueError(f"unknown scheduler {config.scheduler!r}; use onecycle, cosine, plateau or none")


def mix_batch(x: torch.Tensor, y: torch.Tensor, config) -> tuple[torch.Tensor, torch.Tensor]:
    """Mixup or cutmix (one of them, chosen at random when both are on); targets become soft labels."""
    modes = [m for m, alpha in (("mixup", config.mixup), ("cutmix", config.cutmix)) if alpha > 0]
    if not modes:
        return x, y
    mode = modes[torch.randint(len(modes), (1,)).item()]
    alpha = config.mixup if mode == "mixup" else config.cutmix
    lam = float(np.random.default_rng(torch.randint(2**31, (1,)).item()).beta(alpha, alpha))
    perm = torch.randperm(x.shape[0], device=x.device)
    if mode == "mixup":
        x = lam * x + (1 - lam) * x[perm]
    else:
        h, w = x.shape[-2:]
        cut_h, cut_w = int(h * math.sqrt(1 - lam)), int(w * math.sqrt(1 - lam))
        cy, cx = torch.randint(h, (1,)).item(), torch.randint(w, (1,)).item()
        y0, y1, x0, x1 = max(cy - cut_h // 2, 0), min(cy + cut_h // 2, h), max(cx - cut_w // 2, 0), min(cx + cut_w // 2, w)
        x = x.clone()
        x[..., y0:y1, x0:x1] = x[perm][..., y0:y1, x0:x1]
        lam = 1 - (y1 - y0) * (x1 - x0) / (h * w)
    one_hot = y if y.is_floating_point() else F.one_hot(y, NUM_CLASSES).float()
    return x, lam * one_hot + (1 - lam) * one_hot[perm]
