"""VGG-style nets for 48x48 grayscale faces: large, plain conv stacks meant for GPU training.

Four blocks of two 3x3 convs (BN, ReLU) each end in a 2x2 max-pool (48 -> 24 -> 12 -> 6 -> 3),
then a two-layer classifier on the 3x3 maps, as in the VGG nets that do well on FER2013.
"""
import torch.nn as nn

from .registry import register_model


def _vgg_block(cin: int, cout: int, convs: int = 2) -> nn.Sequential:
    layers = []
    for i in range(convs):
        layers += [nn.Conv2d(cin if i == 0 else cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]
    return nn.Sequential(*layers, nn.MaxPool2d(2))


class VggFer(nn.Module):
    def __init__(self, num_classes=7, in_chans=1, widths=(64, 128, 256, 512), hidden=1024, dropout=0.5):
        super().__init__()
        blocks, cin = [], in_chans
        for width in widths:
            blocks.append(_vgg_block(cin, width))
            cin = width
        self.features = nn.Sequential(*blocks)
        side = 48 // 2 ** len(widths)
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Dropout(dropout), nn.Linear(cin * side * side, hidden), nn.ReLU(inplace=True),
            nn.Dropout(dropout), nn.Linear(hidden, num_classes),
        )
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x):
        return self.classifier(self.features(x))


@register_model
def vgg_fer(num_classes: int = 7, **kw) -> nn.Module:
    """VGG-style net (2x3x3 convs x 4 blocks, 64-128-256-512, FC 1024) for GPU training."""
    return VggFer(num_classes, **kw)
