"""--consistency (AugMix-style): each batch is also seen in two views changed as the shift benchmark changes faces,
and the Jensen-Shannon divergence between the three answers joins the loss; --consistency-anchor pulls the changed
views toward the first view's answer instead."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

import fer
from fer.data.transforms import batch_augment
from fer.models import create_model
from fer.training.config import make_config
from fer.training.losses import TrainingLoss, jensen_shannon, pull_to_first
from fer.training.trainer import batch_loss, training_views


def _js(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    m = (p + q) / 2
    return 0.5 * (p * np.log(p / m)).sum(-1) + 0.5 * (q * np.log(q / m)).sum(-1)


def test_the_divergence_is_zero_for_agreeing_views_and_jensen_shannon_per_head():
    a = torch.randn(4, 14, generator=torch.Generator().manual_seed(0))
    b = torch.randn(4, 14, generator=torch.Generator().manual_seed(1))
    assert jensen_shannon([a, a.clone(), a.clone()]).item() == pytest.approx(0.0, abs=1e-6)
    p, q = (x.unflatten(1, (2, 7)).softmax(2).numpy().astype(np.float64) for x in (a, b))
    expected = _js(p[:, 0], q[:, 0]).mean() + _js(p[:, 1], q[:, 1]).mean()  # summed over the two heads
    assert jensen_shannon([a, b]).item() == pytest.approx(expected, rel=1e-4)


def test_the_anchored_pull_is_kl_from_the_first_view_and_leaves_the_first_view_alone():
    first, later = (torch.randn(4, 14, generator=torch.Generator().manual_seed(s)) for s in (3, 4))
    first.requires_grad_(True)
    later.requires_grad_(True)
    pull = pull_to_first([first, later])
    p, q = (x.detach().unflatten(1, (2, 7)).softmax(2).numpy().astype(np.float64) for x in (first, later))
    expected = sum((p[:, k] * np.log(p[:, k] / q[:, k])).sum(1).mean() for k in range(2))
    assert pull.item() == pytest.approx(expected, rel=1e-4)
    pull.backward()
    assert first.grad is None or not first.grad.any()
    assert later.grad.abs().sum() > 0
    assert pull_to_first([first, first.clone(), first.clone()]).item() == pytest.approx(0.0, abs=1e-6)


def _faces(n=8):
    return torch.randint(0, 256, (n, 1, 48, 48), dtype=torch.uint8, generator=torch.Generator().manual_seed(2))


def test_consistency_adds_two_shifted_views_that_the_targets_do_not_cover():
    x, y = _faces(), torch.arange(8) % 7
    config = make_config("smoke", augment="standard", consistency=1.0, channels_last=False)
    torch.manual_seed(5)
    views, target = training_views(x, y, config)
    torch.manual_seed(5)
    expected = [batch_augment(x, "standard"), batch_augment(x, "shift"), batch_augment(x, "shift")]
    assert len(views) == 3 and all(torch.equal(v, e) for v, e in zip(views, expected))
    assert torch.equal(target, y)
    assert not torch.allclose(views[1], views[2])  # two draws, not one view twice
    plain, _ = training_views(x, y, config.update(consistency=0.0))
    assert len(plain) == 1


@pytest.mark.parametrize("anchored, disagreement", [(False, jensen_shannon), (True, pull_to_first)])
def test_the_loss_is_the_first_views_plus_the_weighted_disagreement_of_all_three(anchored, disagreement):
    base = create_model("fernet_tiny").eval()  # eval: the same logits whether the views pass together or apart

    def net(faces):  # an untrained net's answers are nearly uniform; scaled, they differ from view to view
        return 30 * base(faces)
    x, y = _faces(), torch.arange(8) % 7
    config = make_config("smoke", augment="standard", consistency=0.5, channels_last=False)
    views, target = training_views(x, y, config)
    criterion = TrainingLoss()
    with torch.no_grad():
        logits, loss = batch_loss(net, views, target, criterion, 0.5, anchored)
        apart = [net(v) for v in views]
    torch.testing.assert_close(logits, apart[0], rtol=1e-4, atol=1e-4)
    divergence = disagreement(apart)
    assert divergence > 1e-3  # the shifted views are answered differently: the weight shows in the loss
    expected = F.cross_entropy(apart[0], y) + 0.5 * divergence
    torch.testing.assert_close(loss, expected, rtol=1e-4, atol=1e-5)


def test_a_run_with_consistency_feeds_the_net_three_views_a_batch(fer_small_csv, tmp_path, monkeypatch):
    seen = []
    real_loss = batch_loss
    monkeypatch.setattr("fer.training.trainer.batch_loss",
                        lambda model, views, *a: seen.append([tuple(v.shape) for v in views]) or real_loss(model, views, *a))
    config = fer.make_config("smoke", data=str(fer_small_csv), subset=0, out_dir=str(tmp_path), name="consistent",
                             consistency=1.0, epochs=1, batch_size=32, threads=1)
    version = fer.load(str(fer.train(config)))
    assert seen and all(shapes == [(32, 1, 48, 48)] * 3 for shapes in seen)
    assert version.card.hyperparameters["consistency"] == 1.0


@pytest.mark.parametrize("changes, refusal", [({"mixup": 0.2}, "compares views of the same faces"),
                                              ({"cutmix": 1.0}, "compares views of the same faces"),
                                              ({"aug_backend": "v2"}, "compares views of the same faces"),
                                              ({"consistency": 0.0, "consistency_anchor": True}, "give --consistency W")])
def test_consistency_refuses_mixing_the_per_sample_backend_and_an_anchor_alone(changes, refusal, fer_small_csv,
                                                                               tmp_path):
    config = fer.make_config("smoke", data=str(fer_small_csv), subset=0, out_dir=str(tmp_path), name="refused",
                             **{"consistency": 1.0, "epochs": 1, **changes})
    with pytest.raises(ValueError, match=refusal):
        fer.train(config)
