"""benchmarks/intended_probe.py: the features are what the rest of the version reads, and the fitted head and the
branch learn."""
from types import SimpleNamespace

import numpy as np
import pytest
import torch

import intended_probe  # benchmarks/ is on the tests' path (pytest.ini)
from fer.data.faces import normalize
from fer.defaults import NORMALIZATION
from fer.models import create_model


@pytest.mark.parametrize("features, rest_of_net", [
    (intended_probe.pooled_features, lambda net: net.head[-1]),
    (intended_probe.stage_features, lambda net: torch.nn.Sequential(net.stages[-1], net.head)),
], ids=["pooled, then the last layer", "before the last stage, then the rest"])
def test_the_features_through_the_rest_of_the_version_give_its_own_logits(features, rest_of_net):
    torch.manual_seed(0)
    net = create_model("fernet_tiny").eval()
    version = SimpleNamespace(model=net, card=SimpleNamespace(normalization=NORMALIZATION))
    faces = np.random.default_rng(0).integers(0, 256, (5, 48, 48), dtype=np.uint8)
    with torch.no_grad():
        assert torch.allclose(rest_of_net(net)(features(version, faces, batch=2)),
                              net(torch.from_numpy(normalize(faces, NORMALIZATION))), atol=1e-5)


def test_the_fitted_head_separates_classes_the_features_separate():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 7, 700)
    centres = rng.normal(0, 3, (7, 16))
    features = torch.from_numpy((centres[labels] + rng.normal(0, 1, (700, 16))).astype(np.float32))
    head = intended_probe.fit_head(features, labels, decay=1e-4, steps=100)
    with torch.no_grad():
        assert (head(features).argmax(1).numpy() == labels).mean() > 0.95


def test_the_branch_learns_classes_the_maps_separate_and_leaves_the_version_alone():
    rng = np.random.default_rng(0)
    net = create_model("fernet_tiny").eval()
    kept = {k: v.clone() for k, v in net.state_dict().items()}
    labels = rng.integers(0, 7, 512)
    patterns = rng.normal(0, 2, (7, 64, 6, 6))
    maps = torch.from_numpy((patterns[labels] + rng.normal(0, 1, (512, 64, 6, 6))).astype(np.float32))
    branch = intended_probe.fit_branch(maps, labels, net.stages[-1], decay=1e-4, epochs=6, batch=64)
    with torch.no_grad():
        assert (branch(maps).argmax(1).numpy() == labels).mean() > 0.9
    assert all(torch.equal(v, kept[k]) for k, v in net.state_dict().items())  # the version's own stage is a copy
