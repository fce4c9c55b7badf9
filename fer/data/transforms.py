"""Training-time tensors: normalised faces as torch tensors, augmentation (torchvision.transforms.v2 per sample,
or batch-wise on device). Test-time augmentation lives in fer.version.predict (numpy, shared by every backend)."""
from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torchvision.transforms import v2

from ..defaults import AUGMENT_PRESETS, FACE_SIZE, NORMALIZATION
from .faces import normalize



def to_tensor(faces: np.ndarray, normalization: dict = NORMALIZATION) -> torch.Tensor:
    """uint8 faces [N,48,48] (or one [48,48]) -> normalised float tensor [N,1,48,48]."""
    return torch.from_numpy(normalize(faces, normalization))


def train_augmentation(strength: str = "standard", normalization: dict = NORMALIZATION) -> v2.Compose:
    """Per-sample augmentation of a uint8 tensor [1,48,48]: crop/shift, flip, rotation, light, erasing."""
    size = FACE_SIZE
    if strength == "none":
        geometric = []
        erase = []
    else:
        geometric = [
            v2.RandomResizedCrop(size, scale=(0.75, 1.0), ratio=(0.9, 1.1), antialias=True),
            v2.RandomHorizontalFlip(),
            v2.RandomRotation(10),
        ]
        erase = [v2.RandomErasing(p=0.25 if strength == "standard" else 0.5, scale=(0.02, 0.15))]
    photometric = [] if strength == "none" else [v2.ColorJitter(brightness=0.3, contrast=0.3)]
    return v2.Compose([
        *geometric,
        *photometric,
        v2.ToDtype(torch.float32, scale=True),
        v2.Normalize([normalization["mean"]], [normalization["std"]]),
        *erase,
    ])


class AugmentedFaces(torch.utils.data.Dataset):
    """uint8 faces + labels -> (augmented normalised tensor, label); with no transform, (uint8 face, label)."""

    def __init__(self, images: np.ndarray, labels: np.ndarray, transform):
        self.images = torch.from_numpy(np.ascontiguousarray(images)).unsqueeze(1)
        labels = np.asarray(labels)  # class indices [N], or soft targets float [N,C]
        self.labels = torch.from_numpy(labels.astype(np.float32 if labels.ndim == 2 else np.int64))
        self.transform = transform

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        image = self.images[i]
        return (self.transform(image) if self.transform else image), self.labels[i]


def batch_augment(x: torch.Tensor, strength: str = "standard", normalization: dict = NORMALIZATION) -> torch.Tensor:
    """The same augmentations as train_augmentation(), drawn per sample but applied to a whole uint8 batch
    [B,1,H,W] at once (one affine warp + elementwise ops), on whatever device the batch is on.

    Per-sample torchvision transforms cost ~1 ms a face on this CPU, as much as training a small net;
    this costs ~2% of that, so the CPU preset spends its hour on learning rather than on warping images.
    """
    if strength not in AUGMENT_PRESETS:
        raise ValueError(f"unknown augmentation {strength!r}; use one of {', '.join(AUGMENT_PRESETS)}")
    x = x.float() / 255.0
    if strength == "shift":
        x = shift_augment(x)
        x = (x - normalization["mean"]) / normalization["std"]
        return _random_erase(x, p=0.25)
    if strength != "none":
        b, dev = x.shape[0], x.device
        strong = strength == "strong"

        def uniform(lo, hi):
            return torch.empty(b, device=dev).uniform_(lo, hi)

        angle = uniform(-15 if strong else -10, 15 if strong else 10) * math.pi / 180
        zoom = uniform(0.75 if strong else 0.8, 1.0).sqrt()            # random-resized-crop area 75-100%
        flip = torch.where(torch.rand(b, device=dev) < 0.5, -1.0, 1.0)
        shift = 1 - zoom + 0.08                                       # crop position + a small shift
        tx, ty = uniform(-1, 1) * shift, uniform(-1, 1) * shift
        cos, sin = torch.cos(angle) * zoom, torch.sin(angle) * zoom
        theta = torch.stack([torch.stack([cos * flip, -sin, tx], 1), torch.stack([sin * flip, cos, ty], 1)], 1)
        grid = F.affine_grid(theta, list(x.shape), align_corners=False)
        x = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
        brightness = uniform(0.7, 1.3).view(b, 1, 1, 1)
        contrast = uniform(0.7, 1.3).view(b, 1, 1, 1)
        mean = x.mean((1, 2, 3), keepdim=True)
        x = ((x - mean) * contrast + mean) * brightness
        x = x.clamp(0, 1)
    x = (x - normalization["mean"]) / normalization["std"]
    if strength != "none":
        x = _random_erase(x, p=0.5 if strength == "strong" else 0.25)
    return x


def _random_erase(x: torch.Tensor, p: float, area=(0.02, 0.15)) -> torch.Tensor:
    """Zero (the normalised mean) a random rectangle in a fraction p of the faces."""
    b, _, h, w = x.shape
    dev = x.device
    frac = torch.empty(b, device=dev).uniform_(*area)
    aspect = torch.exp(torch.empty(b, device=dev).uniform_(math.log(0.3), math.log(3.3)))
    eh = (frac * h * w * aspect).sqrt().clamp(max=h)
    ew = (frac * h * w / aspect).sqrt().clamp(max=w)
    y0 = torch.rand(b, device=dev) * (h - eh)
    x0 = torch.rand(b, device=dev) * (w - ew)
    rows = torch.arange(h, device=dev).view(1, h, 1)
    cols = torch.arange(w, device=dev).view(1, 1, w)
    inside = (rows >= y0.view(b, 1, 1)) & (rows < (y0 + eh).view(b, 1, 1)) & (cols >= x0.view(b, 1, 1)) & (cols < (x0 + ew).view(b, 1, 1))
    chosen = (torch.rand(b, device=dev) < p).view(b, 1, 1)
    return x.masked_fill((inside & chosen).unsqueeze(1), 0.0)


def shift_augment(x: torch.Tensor) -> torch.Tensor:
    """Faces in [0,1], [B,1,H,W] -> the same faces changed the way real faces differ from FER2013's (the kinds of
    change fer.data.shifts renders for the benchmark, drawn at random per face): framing from tight (a studio
    detector's eyebrows-to-chin crop) to loose, rotation up to 20 degrees, low resolution and blur, gamma,
    contrast, sensor noise, and occlusion by a bar over the eyes or a patch over the mouth."""
    b, dev = x.shape[0], x.device

    def uniform(lo, hi):
        return torch.empty(b, device=dev).uniform_(lo, hi)

    def chosen(p):
        return (torch.rand(b, device=dev) < p).view(b, 1, 1, 1)

    angle = uniform(-20, 20) * math.pi / 180
    scale = uniform(0.7, 1.3)                                  # < 1: tighter crop, > 1: looser (edges repeated)
    flip = torch.where(torch.rand(b, device=dev) < 0.5, -1.0, 1.0)
    tx, ty = uniform(-0.2, 0.2), uniform(-0.2, 0.2)            # centre offset up to 10% of the face
    cos, sin = torch.cos(angle) * scale, torch.sin(angle) * scale
    theta = torch.stack([torch.stack([cos * flip, -sin, tx], 1), torch.stack([sin * flip, cos, ty], 1)], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    x = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
    x = torch.where(chosen(0.3), _low_resolution(x, int(torch.randint(12, 33, (1,)))), x)
    x = torch.where(chosen(0.15), _box_blur(x), x)
    gamma = torch.exp(uniform(math.log(0.5), math.log(2.0))).view(b, 1, 1, 1)
    x = torch.where(chosen(0.3), x.clamp(1e-4, 1) ** gamma, x)
    contrast = uniform(0.35, 1.3).view(b, 1, 1, 1)
    brightness = uniform(0.7, 1.3).view(b, 1, 1, 1)
    mean = x.mean((1, 2, 3), keepdim=True)
    x = ((x - mean) * contrast + mean) * brightness
    noise = torch.randn_like(x) * uniform(0.0, 0.08).view(b, 1, 1, 1)
    x = torch.where(chosen(0.25), x + noise, x)
    x = _occlude(x, rows=(0.25, 0.5), cols=(0.08, 0.92), p=0.12)      # sunglasses
    x = _occlude(x, rows=(0.66, 0.96), cols=(0.25, 0.75), p=0.08)     # a hand over the mouth
    return x.clamp(0, 1)


def _low_resolution(x: torch.Tensor, size: int) -> torch.Tensor:
    """The faces shrunk to size x size pixels and scaled back (one size for the batch)."""
    small = F.interpolate(x, size=(size, size), mode="area")
    return F.interpolate(small, size=x.shape[-2:], mode="bilinear", align_corners=False)


def _box_blur(x: torch.Tensor) -> torch.Tensor:
    return F.avg_pool2d(F.pad(x, (1, 1, 1, 1), mode="replicate"), 3, stride=1)


def _occlude(x: torch.Tensor, rows, cols, p: float) -> torch.Tensor:
    """A flat band of random grey over a fraction p of the faces; rows/cols are fractions of the face,
    jittered by up to 5%."""
    b, _, h, w = x.shape
    dev = x.device
    jitter = (torch.rand(b, 2, device=dev) - 0.5) * 0.1
    top, bottom = (rows[0] + jitter[:, 0]) * h, (rows[1] + jitter[:, 0]) * h
    left, right = (cols[0] + jitter[:, 1]) * w, (cols[1] + jitter[:, 1]) * w
    r = torch.arange(h, device=dev).view(1, h, 1)
    c = torch.arange(w, device=dev).view(1, 1, w)
    inside = ((r >= top.view(b, 1, 1)) & (r < bottom.view(b, 1, 1)) & (c >= left.view(b, 1, 1))
              & (c < right.view(b, 1, 1)) & (torch.rand(b, 1, 1, device=dev) < p))
    shade = torch.rand(b, 1, 1, device=dev).expand(b, h, w)
    return torch.where(inside.unsqueeze(1), shade.unsqueeze(1), x)
