"""Temperature scaling: the fit recovers a known temperature, calibrating a version writes its card and changes
its confidence but never its predicted class, and every backend applies the same temperature. The prior
correction lifts an under-predicted class and every backend applies it too."""
import shutil

import numpy as np
import pytest

import fer
from fer.cli import main
from fer.version import load_classifier, read_card
from fer.version.calibration import fit_temperature, negative_log_likelihood, prior_bias
from fer.version.predict import temper


def softmax(z):
    e = np.exp(z - z.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def test_the_fit_recovers_the_temperature_that_made_probabilities_underconfident():
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 3, (20000, 7))
    y = np.array([rng.choice(7, p=p) for p in softmax(logits)])  # labels drawn from the true probabilities
    underconfident = softmax(logits / 2.0)                         # what a too-soft model would say
    t = fit_temperature(underconfident, y)
    assert t == pytest.approx(0.5, rel=0.05)
    assert negative_log_likelihood(temper(underconfident, t), y) < negative_log_likelihood(underconfident, y)


def test_tempering_keeps_the_predicted_class_and_sums_to_one():
    probs = softmax(np.random.default_rng(1).normal(0, 2, (50, 7)))
    for t in (0.3, 1.0, 3.0):
        tempered = temper(probs, t)
        assert (tempered.argmax(1) == probs.argmax(1)).all() and np.allclose(tempered.sum(1), 1)
    np.testing.assert_allclose(temper(probs, 1.0), probs, rtol=1e-5)
    assert temper(probs, 0.5).max(1).mean() > probs.max(1).mean() > temper(probs, 2.0).max(1).mean()


def test_the_prior_correction_gives_back_the_recall_of_a_class_the_network_under_predicts():
    rng = np.random.default_rng(2)
    logits = rng.normal(0, 2, (5000, 7))
    y = logits.argmax(1)                        # a network that knows every face...
    probs = softmax(logits) * [1, 0.1, 1, 1, 1, 1, 1]
    probs /= probs.sum(1, keepdims=True)        # ...but learned to say "disgust" ten times too seldom
    recall = lambda p: (p.argmax(1)[y == 1] == 1).mean()
    bias = prior_bias(probs, 1.0)
    assert bias[1] == max(bias) and recall(temper(probs, 1.0, bias)) > recall(probs) + 0.3
    np.testing.assert_allclose(temper(probs, 0.7, [0.0] * 7), temper(probs, 0.7), rtol=1e-5)
    np.testing.assert_allclose(temper(probs, 0.7, bias).sum(1), 1, rtol=1e-5)


@pytest.fixture
def calibrated(tiny_version, fer_small_csv, tmp_path):
    root = tmp_path / "ckpt"
    shutil.copytree(tiny_version, root / "tiny")
    faces, _ = fer.load_dataset(fer_small_csv).split("PrivateTest")
    card_before = read_card("tiny", root)
    raw = fer.load("tiny", root).predict_proba(faces, tta=card_before.tta)
    assert main(["calibrate", "--model", "tiny", "--data", str(fer_small_csv), "--root", str(root)]) == 0
    return root, faces, raw, card_before


def test_calibrating_writes_the_card_and_changes_confidence_not_labels(calibrated):
    root, faces, raw, before = calibrated
    card = read_card("tiny", root)
    c = card.calibration
    assert c["fitted_on"] == "PublicTest" and c["labels"] == "fer2013" and c["tta"] == card.tta and c["temperature"] != 1.0
    assert c["after"]["val_tta"]["nll"] <= c["before"]["val_tta"]["nll"]  # fitted there: cannot get worse
    assert set(card.metrics) == set(before.metrics)  # FER+'s label sets too
    for key in card.metrics:
        assert card.metrics[key]["accuracy"] == pytest.approx(before.metrics[key]["accuracy"]), key
    assert card.ece("test") == c["after"]["test"]["ece"] and card.ece("test", "ferplus") != before.ece("test", "ferplus")
    version = fer.load("tiny", root)
    probs = version.predict_proba(faces)  # its own TTA and temperature
    np.testing.assert_allclose(probs, temper(version.predict_proba(faces, tta=card.tta, calibrated=False),
                                             c["temperature"]), atol=1e-5)
    assert (probs.argmax(1) == raw.argmax(1)).all() and not np.allclose(probs, raw, atol=1e-3)


def test_onnx_applies_the_same_temperature(calibrated):
    root, faces, _, _ = calibrated
    torch_probs = fer.load("tiny", root).predict_proba(faces, tta="flip")
    onnx_probs = load_classifier(str(root / "tiny"), backend="onnx").predict_proba(faces, tta="flip")
    np.testing.assert_allclose(onnx_probs, torch_probs, atol=1e-4)


@pytest.mark.parametrize("hyperparameters, labels", [
    ({"labels": "fer2013"}, "fer2013"), ({"labels": "ferplus-soft"}, "ferplus"), ({"labels": "mixed"}, "ferplus"),
    ({"members": ["a", "b"], "selected_on": "ferplus"}, "ferplus"), ({"members": ["a", "b"]}, "fer2013"), ({}, "fer2013")])
def test_confidence_is_fitted_to_the_labels_the_version_learned(hyperparameters, labels):
    from types import SimpleNamespace

    from fer.version.calibration import calibration_labels

    assert calibration_labels(SimpleNamespace(hyperparameters=hyperparameters)) == labels


def test_a_prior_correction_is_recorded_and_applied_by_every_backend(tiny_version, fer_small_csv, tmp_path, capsys):
    root = tmp_path / "ckpt"
    shutil.copytree(tiny_version, root / "tiny")
    assert main(["calibrate", "--model", "tiny", "--data", str(fer_small_csv), "--root", str(root),
                 "--prior-tau", "0.8"]) == 0
    assert "prior correction tau 0.8" in capsys.readouterr().out
    card = read_card("tiny", root)
    version = fer.load("tiny", root)
    val_faces, _ = fer.load_dataset(fer_small_csv).split("PublicTest")
    raw_val = version.predict_proba(val_faces, calibrated=False)
    np.testing.assert_allclose(card.class_bias, -0.8 * np.log(raw_val.mean(0)), atol=1e-4)  # no labels used
    faces, _ = fer.load_dataset(fer_small_csv).split("PrivateTest")
    raw = version.predict_proba(faces, calibrated=False)
    probs = version.predict_proba(faces)
    np.testing.assert_allclose(probs, temper(raw, card.temperature, card.class_bias), atol=1e-5)
    onnx_probs = load_classifier(str(root / "tiny"), backend="onnx").predict_proba(faces)
    np.testing.assert_allclose(onnx_probs, probs, atol=1e-4)
    top_share = lambda p: np.bincount(p.argmax(1), minlength=7).max() / len(p)
    assert top_share(probs) < top_share(raw)  # the class it said most often now says less
    assert card.calibration["method"].startswith("prior correction")
