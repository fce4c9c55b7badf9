"""FerNet: compact residual nets designed for 48x48 grayscale faces (fast on a CPU).

The stem keeps full resolution for one 3x3 conv, then each stage halves it (48 -> 24 -> 12 -> 6 -> 3)
with a strided basic block, so almost all the compute happens on small maps with many channels.
"""
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F

from .registry import register_model


def conv_bn(cin: int, cout: int, stride: int = 1, relu: bool = True) -> nn.Sequential:
    layers = [nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout)]
    return nn.Sequential(*layers, nn.ReLU(inplace=True)) if relu else nn.Sequential(*layers)


class BasicBlock(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int):
        super().__init__()
        self.body = nn.Sequential(conv_bn(cin, cout, stride), conv_bn(cout, cout, relu=False))
        self.shortcut = nn.Identity() if stride == 1 and cin == cout else nn.Sequential(
            nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout)
        )
        self.act = nn.ReLU(inplace=True)

    def forward(self, x):
        return self.act(self.body(x) + self.shortcut(x))


def mix_heads(logits: torch.Tensor, mix: torch.Tensor) -> torch.Tensor:
    """One answer from several heads' logits [N, heads*C]: the log of the heads' probabilities averaged with the
    weights `mix` [heads] (a softmax of it gives that average, as an ensemble's members are averaged)."""
    per_head = logits.unflatten(1, (len(mix), -1)).softmax(2)
    return (per_head * mix[:, None]).sum(1).clamp_min(1e-12).log()


def widen_heads(state: dict, heads: int, branch: int = 0) -> dict:
    """A one-head FerNet's weights for a FerNet of `heads` heads: every head starts as the one head, mixed equally;
    with `branch`, each branch starts as the last `branch` blocks it copies."""
    state = dict(state)
    for key in ("head.3.weight", "head.3.bias"):
        state[key] = state[key].repeat(heads, *[1] * (state[key].ndim - 1))
    state["head_mix"] = torch.full((heads,), 1.0 / heads)
    blocks = 1 + max(int(key.split(".")[1]) for key in state if key.startswith("stages."))
    for k in range(heads - 1):
        for j, block in enumerate(range(blocks - branch, blocks)):
            prefix = f"stages.{block}."
            state.update({f"branches.{k}.{j}.{key[len(prefix):]}": value.clone()
                          for key, value in list(state.items()) if key.startswith(prefix)})
    return state


class FerNet(nn.Module):
    """heads > 1: one linear head per label source (trained on `--labels both`: FER+'s votes, then FER2013's
    labels). In training the net returns every head's logits [N, heads*C]; in eval, the one answer the product
    shows, mix_heads of them with the `head_mix` weights kept in the weights file.

    branch > 0: every head after the first reads its own copy of the last `branch` blocks (a branch), so a
    label source can shape the last features without moving the first head's."""

    def __init__(self, num_classes=7, in_chans=1, widths=(32, 64, 128, 256), depths=(1, 1, 1, 1), stem=24, dropout=0.2,
                 heads=1, branch=0):
        super().__init__()
        if branch and not 1 < heads or not 0 <= branch <= sum(depths):
            raise ValueError(f"branch={branch}: a branch is 1 to {sum(depths)} last blocks, for a net of heads > 1")
        self.heads, self.branch = heads, branch
        if heads > 1:
            self.register_buffer("head_mix", torch.full((heads,), 1.0 / heads))
        self.stem = conv_bn(in_chans, stem)
        blocks, cin = [], stem
        for width, depth in zip(widths, depths):
            for i in range(depth):
                blocks.append(BasicBlock(cin, width, stride=2 if i == 0 else 1))
                cin = width
        self.stages = nn.Sequential(*blocks)
        self.branches = nn.ModuleList(
            nn.Sequential(*copy.deepcopy(blocks[len(blocks) - branch:])) for _ in range(heads - 1 if branch else 0))
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(dropout), nn.Linear(cin, num_classes * heads))
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def head_logits(self, x):
        """Every head's logits [N, heads*C]."""
        if not self.branch:
            return self.head(self.stages(self.stem(x)))
        shared = self.stages[:-self.branch](self.stem(x))
        last_maps = [self.stages[-self.branch:](shared), *(branch(shared) for branch in self.branches)]
        features = [self.head[:-1](maps) for maps in last_maps]  # pooled, flattened, dropped out
        linear = self.head[-1]
        weight, bias = linear.weight.unflatten(0, (self.heads, -1)), linear.bias.unflatten(0, (self.heads, -1))
        return torch.cat([F.linear(f, weight[k], bias[k]) for k, f in enumerate(features)], 1)

    def forward(self, x):
        logits = self.head_logits(x)
        return logits if self.heads == 1 or self.training else mix_heads(logits, self.head_mix)


@register_model
def fernet_tiny(num_classes: int = 7, **kw) -> nn.Module:
    """Real-time residual net for 48x48 faces (widths 16-32-64-128)."""
    return FerNet(num_classes, widths=(16, 32, 64, 128), depths=(1, 1, 1, 1), stem=16, **kw)


@register_model
def fernet_small(num_classes: int = 7, **kw) -> nn.Module:
    """Compact residual net for 48x48 faces that trains in about an hour on 2 CPU cores."""
    return FerNet(num_classes, widths=(32, 64, 128, 256), depths=(1, 1, 1, 1), stem=24, **kw)


@register_model
def fernet_small_plus(num_classes: int = 7, **kw) -> nn.Module:
    """fernet_small with a second block at 6x6 (+30% MACs) for a real-time student that still runs under 1 ms."""
    return FerNet(num_classes, widths=(32, 64, 128, 256), depths=(1, 1, 2, 1), stem=24, **kw)


@register_model
def fernet_small_deep(num_classes: int = 7, **kw) -> nn.Module:
    """fernet_small_plus with a second block at 12x12 too (+23% MACs): the real-time default's net, about 0.5 ms."""
    return FerNet(num_classes, widths=(32, 64, 128, 256), depths=(1, 2, 2, 1), stem=24, **kw)


@register_model
def fernet_medium(num_classes: int = 7, **kw) -> nn.Module:
    """Wider, deeper FerNet (widths 64-128-256-512, 2 blocks a stage) for GPU training."""
    return FerNet(num_classes, widths=(64, 128, 256, 512), depths=(2, 2, 2, 2), stem=32, dropout=0.3, **kw)
