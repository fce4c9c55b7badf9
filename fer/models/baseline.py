"""The reference point: seed 004's 3-block CNN (conv 32-64-128, BN, ReLU, max-pool; FC 256, dropout 0.5)."""
import torch.nn as nn

from .registry import register_model


def _block(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True), nn.MaxPool2d(2))


class BaselineCNN(nn.Module):
    def __init__(self, num_classes: int = 7, in_chans: int = 1, dropout: float = 0.5):
        super().__init__()
        self.features = nn.Sequential(_block(in_chans, 32), _block(32, 64), _block(64, 128))
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(128 * 6 * 6, 256), nn.ReLU(inplace=True), nn.Dropout(dropout), nn.Linear(256, num_classes)
        )

    def forward(self, x):
        return self.classifier(self.features(x))


@register_model
def baseline(num_classes: int = 7, **kw) -> nn.Module:
    """Seed 004's 3-block CNN (32-64-128, FC 256, dropout 0.5): the reference point."""
    return BaselineCNN(num_classes, **kw)
