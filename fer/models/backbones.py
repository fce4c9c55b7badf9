"""torchvision backbones (ResNet-18, MobileNetV3-small, EfficientNet-B0) adapted to 48x48 grayscale faces.

The first conv takes one channel (its ImageNet weights summed over RGB, which is what a gray image
repeated on three channels would see) and keeps full resolution (stride 1, no max-pool), so a 48x48 face
still ends as a 3x3 (ResNet: 6x6) map; the classifier is replaced by one for `num_classes`.

`pretrained=True` loads torchvision's ImageNet weights, downloaded only when they are not already in the
torch hub cache ($TORCH_HOME/hub/checkpoints/); `pretrained="/path/to/state_dict.pth"` loads a saved
state dict of the unmodified torchvision model instead.
"""
from __future__ import annotations

from pathlib import Path

import torch
import torch.nn as nn
import torchvision

from .registry import register_model


def imagenet_state_dict(weights, pretrained: bool | str | Path | None) -> dict | None:
    """The ImageNet state dict asked for by `pretrained` (None when it is False/None)."""
    if pretrained is None or pretrained is False:
        return None
    if pretrained is True:
        return weights.get_state_dict(progress=False)
    path = Path(pretrained)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: pretrained weights file not found")
    return torch.load(path, map_location="cpu", weights_only=True)


def grayscale_conv(conv: nn.Conv2d, stride: int = 1) -> nn.Conv2d:
    """A 1-channel copy of an RGB conv (weights summed over the input channels), with a new stride."""
    gray = nn.Conv2d(1, conv.out_channels, conv.kernel_size, stride, conv.padding, bias=conv.bias is not None)
    with torch.no_grad():
        gray.weight.copy_(conv.weight.sum(1, keepdim=True))
        if conv.bias is not None:
            gray.bias.copy_(conv.bias)
    return gray


def _load_imagenet(model: nn.Module, weights, pretrained) -> nn.Module:
    state = imagenet_state_dict(weights, pretrained)
    if state is not None:
        try:
            model.load_state_dict(state)
        except RuntimeError as e:
            raise ValueError(f"pretrained weights do not fit torchvision's {type(model).__name__} ({e})") from None
    return model


@register_model
def resnet18(num_classes: int = 7, pretrained: bool | str = False) -> nn.Module:
    """torchvision ResNet-18, 1-channel stem at stride 1 without max-pool (48 -> 6x6 maps)."""
    model = _load_imagenet(torchvision.models.resnet18(weights=None), torchvision.models.ResNet18_Weights.IMAGENET1K_V1, pretrained)
    model.conv1 = grayscale_conv(model.conv1, stride=1)
    model.maxpool = nn.Identity()
    model.fc = nn.Linear(model.fc.in_features, num_classes)
    return model


@register_model
def mobilenet_v3_small(num_classes: int = 7, pretrained: bool | str = False) -> nn.Module:
    """torchvision MobileNetV3-small, 1-channel stem at stride 1 (48 -> 3x3 maps)."""
    return _features_classifier_net(torchvision.models.mobilenet_v3_small(weights=None),
                                    torchvision.models.MobileNet_V3_Small_Weights.IMAGENET1K_V1, pretrained, num_classes)


@register_model
def efficientnet_b0(num_classes: int = 7, pretrained: bool | str = False) -> nn.Module:
    """torchvision EfficientNet-B0, 1-channel stem at stride 1 (48 -> 3x3 maps)."""
    return _features_classifier_net(torchvision.models.efficientnet_b0(weights=None),
                                    torchvision.models.EfficientNet_B0_Weights.IMAGENET1K_V1, pretrained, num_classes)


def _features_classifier_net(model: nn.Module, weights, pretrained: bool | str, num_classes: int) -> nn.Module:
    """A torchvision `features` + `classifier` network with a 1-channel stride-1 stem and a num_classes head."""
    model = _load_imagenet(model, weights, pretrained)
    model.features[0][0] = grayscale_conv(model.features[0][0], stride=1)
    model.classifier[-1] = nn.Linear(model.classifier[-1].in_features, num_classes)
    return model
