"""benchmarks/intended_probe.py: the features are what the version's last layer reads, and the fitted head learns."""
from types import SimpleNamespace

import numpy as np
import torch

import intended_probe  # benchmarks/ is on the tests' path (pytest.ini)
from fer.data.faces import normalize
from fer.defaults import NORMALIZATION
from fer.models import create_model


def test_the_pooled_features_through_the_versions_last_layer_give_its_own_logits():
    torch.manual_seed(0)
    net = create_model("fernet_tiny").eval()
    version = SimpleNamespace(model=net, card=SimpleNamespace(normalization=NORMALIZATION))
    faces = np.random.default_rng(0).integers(0, 256, (5, 48, 48), dtype=np.uint8)
    features = intended_probe.pooled_features(version, faces, batch=2)
    with torch.no_grad():
        assert torch.allclose(net.head[-1](features), net(torch.from_numpy(normalize(faces, NORMALIZATION))), atol=1e-5)


def test_the_fitted_head_separates_classes_the_features_separate():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 7, 700)
    centres = rng.normal(0, 3, (7, 16))
    features = torch.from_numpy((centres[labels] + rng.normal(0, 1, (700, 16))).astype(np.float32))
    head = intended_probe.fit_head(features, labels, decay=1e-4, steps=100)
    with torch.no_grad():
        assert (head(features).argmax(1).numpy() == labels).mean() > 0.95
