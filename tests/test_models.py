"""Every registered model builds, runs forward/backward on 48x48 faces, and reports its size;
torchvision backbones load ImageNet weights from a local file or the hub cache (never downloading here)."""
import pytest
import torch
import torch.nn as nn
import torchvision

import fer
from fer.models import backbones

BACKBONES = {  # name -> (torchvision builder, weights enum, first conv, a deeper layer's weight)
    "resnet18": (torchvision.models.resnet18, torchvision.models.ResNet18_Weights.IMAGENET1K_V1,
                 "conv1.weight", "layer3.0.conv1.weight"),
    "mobilenet_v3_small": (torchvision.models.mobilenet_v3_small, torchvision.models.MobileNet_V3_Small_Weights.IMAGENET1K_V1,
                           "features.0.0.weight", "features.4.block.0.0.weight"),
    "efficientnet_b0": (torchvision.models.efficientnet_b0, torchvision.models.EfficientNet_B0_Weights.IMAGENET1K_V1,
                        "features.0.0.weight", "features.3.0.block.0.0.weight"),
}


@pytest.fixture(autouse=True)
def no_downloads(monkeypatch):
    def refuse(url, *args, **kwargs):
        raise AssertionError(f"a test tried to download {url}")

    monkeypatch.setattr(torch.hub, "download_url_to_file", refuse)


def test_all_families_are_registered():
    assert {"baseline", "fernet_tiny", "fernet_small", "fernet_medium", "vgg_fer", *BACKBONES} <= set(fer.list_models())
    assert all(fer.models.describe_models().values()), "every model has a one-line description"


@pytest.mark.parametrize("name", fer.list_models())
def test_model_forward_backward_and_size(name):
    torch.manual_seed(0)
    model = fer.create_model(name).train()
    logits = model(torch.randn(2, 1, 48, 48))
    assert logits.shape == (2, 7)
    nn.functional.cross_entropy(logits, torch.tensor([0, 3])).backward()
    grads = [p.grad for p in model.parameters() if p.requires_grad]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
    assert any(g.abs().sum() > 0 for g in grads)
    assert fer.count_params(model) > 0 and fer.count_macs(model) > 0


def test_num_classes_is_honoured():
    assert fer.create_model("vgg_fer", num_classes=3)(torch.zeros(1, 1, 48, 48)).shape == (1, 3)


def test_count_macs_of_a_known_net():
    net = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.Flatten(), nn.Linear(4 * 48 * 48, 7))
    assert fer.count_macs(net) == 4 * 48 * 48 * 9 + 7 * 4 * 48 * 48
    assert fer.count_params(net) == 4 * 9 + 4 + 4 * 48 * 48 * 7 + 7


def test_vgg_is_the_large_gpu_net():
    params = fer.count_params(fer.create_model("vgg_fer"))
    assert 5e6 <= params <= 15e6
    assert params > 5 * fer.count_params(fer.create_model("fernet_small"))


@pytest.mark.parametrize("name", BACKBONES)
def test_backbone_takes_grayscale_at_full_resolution(name):
    model = fer.create_model(name)
    first_conv = next(m for m in model.modules() if isinstance(m, nn.Conv2d))
    assert first_conv.in_channels == 1 and first_conv.stride == (1, 1)
    assert not any(isinstance(m, nn.MaxPool2d) for m in model.modules())


def _saved_imagenet_state(name, path):
    builder = BACKBONES[name][0]
    torch.manual_seed(1)
    state = builder(weights=None).state_dict()
    torch.save(state, path)
    return state


def _assert_adapted_from(model, state, name):
    first, deeper = BACKBONES[name][2:]
    adapted = model.state_dict()
    assert torch.equal(adapted[first], state[first].sum(1, keepdim=True))
    assert torch.equal(adapted[deeper], state[deeper])


@pytest.mark.parametrize("name", BACKBONES)
def test_pretrained_from_a_state_dict_file(name, tmp_path):
    state = _saved_imagenet_state(name, tmp_path / "imagenet.pth")
    model = fer.create_model(name, pretrained=str(tmp_path / "imagenet.pth"))
    _assert_adapted_from(model, state, name)
    assert model(torch.zeros(1, 1, 48, 48)).shape == (1, 7)


def test_pretrained_true_reads_the_torch_hub_cache(tmp_path, monkeypatch):
    name = "mobilenet_v3_small"
    weights = BACKBONES[name][1]
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    cached = tmp_path / "hub" / "checkpoints" / weights.url.rsplit("/", 1)[-1]
    cached.parent.mkdir(parents=True)
    state = _saved_imagenet_state(name, cached)
    _assert_adapted_from(fer.create_model(name, pretrained=True), state, name)


def test_pretrained_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere.pth"):
        fer.create_model("resnet18", pretrained=str(tmp_path / "nowhere.pth"))


def test_pretrained_file_of_another_architecture_is_refused(tmp_path):
    torch.save(torchvision.models.mobilenet_v3_small(weights=None).state_dict(), tmp_path / "mobilenet.pth")
    with pytest.raises(ValueError, match="ResNet"):
        backbones.resnet18(pretrained=tmp_path / "mobilenet.pth")


def test_unknown_model_names_the_choices():
    with pytest.raises(ValueError, match="fernet_tiny"):
        fer.create_model("no_such_net")
