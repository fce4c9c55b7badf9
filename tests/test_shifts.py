"""The shift benchmark: each re-rendering is deterministic and keeps the faces' shape and dtype, changes what it
says it changes, and the identity shift scores exactly what `evaluate` scores; the `shift` training augmentation."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch

import fer
from fer.data.shifts import EYE_ROWS, SHIFTS, render
from fer.data.transforms import AUGMENT_PRESETS, batch_augment
from fer.labels import EMOTIONS
from fer.version.evaluation import evaluate
from fer.version.robustness import scored_faces, shift_benchmark, subset_rows


@pytest.fixture(scope="module")
def faces() -> np.ndarray:
    """Generated faces: smooth gradients with a dark 'eye' band and noise, so every shift has something to change."""
    rng = np.random.default_rng(3)
    yy, xx = np.mgrid[0:48, 0:48]
    base = 60 + 2 * yy + xx
    out = np.stack([base + rng.normal(0, 20, (48, 48)) for _ in range(12)])
    out[:, 16:22, 8:40] -= 50
    return np.clip(out, 0, 255).astype(np.uint8)


@pytest.mark.parametrize("name", list(SHIFTS))
def test_each_shift_is_deterministic_and_keeps_shape_and_dtype(faces, name):
    first, second = render(faces, name), render(faces.copy(), name)
    assert first.shape == faces.shape and first.dtype == np.uint8
    assert np.array_equal(first, second)
    if name == "clean":
        assert np.array_equal(first, faces)
    else:
        assert not np.array_equal(first, faces), f"{name} left the faces as they were"


def test_a_shift_does_not_change_its_input(faces):
    before = faces.copy()
    for name in SHIFTS:
        render(faces, name)
    assert np.array_equal(faces, before)


def test_the_seed_changes_only_the_random_shifts(faces):
    assert not np.array_equal(render(faces, "noise", seed=0), render(faces, "noise", seed=1))
    assert np.array_equal(render(faces, "blur", seed=0), render(faces, "blur", seed=1))


def test_shifts_change_what_they_say(faces):
    eyes = slice(round(EYE_ROWS[0] * 48), round(EYE_ROWS[1] * 48))
    covered = render(faces, "eyes-bar")
    assert (covered[:, eyes, 10:38] == 15).all() and np.array_equal(covered[:, 30:], faces[:, 30:])
    assert render(faces, "gamma-0.5").mean() > faces.mean() > render(faces, "gamma-2.0").mean()
    assert render(faces, "low-contrast").std() < 0.5 * faces.std()
    # a 16-px face has lost the fine detail that a 24-px one keeps in part
    detail = lambda x: np.abs(np.diff(x.astype(float), axis=-1)).mean()  # noqa: E731
    assert detail(render(faces, "lowres-16px")) < detail(render(faces, "lowres-24px")) < detail(faces)
    # rotation by +20 and by -20 are mirror images of each other on a mirrored face
    assert np.abs(render(faces[..., ::-1].copy(), "rotate+20")[..., ::-1].astype(int)
                  - render(faces, "rotate-20").astype(int)).mean() < 1.0


def test_unknown_shift_and_wrong_faces_are_refused(faces):
    with pytest.raises(ValueError, match="unknown shift"):
        render(faces, "sepia")
    with pytest.raises(ValueError, match="uint8"):
        render(faces.astype(np.float32), "blur")


def test_subset_rows_is_fixed_sorted_and_whole_when_not_smaller():
    assert np.array_equal(subset_rows(50, 10, seed=4), subset_rows(50, 10, seed=4))
    rows = subset_rows(50, 10, seed=4)
    assert len(set(rows)) == 10 and np.all(np.diff(rows) > 0)
    assert np.array_equal(subset_rows(50, None), np.arange(50)) and np.array_equal(subset_rows(50, 80), np.arange(50))


@pytest.fixture(scope="module")
def small(fer_small_csv):
    return fer.load_dataset(fer_small_csv)


@pytest.fixture(scope="module")
def realtime():
    return fer.load(fer.default_version("realtime"))


def test_the_identity_shift_reproduces_the_clean_accuracy(small, realtime):
    result = shift_benchmark(realtime, small, "PrivateTest", shifts=("clean", "blur"))
    for labels in ("fer2013", "ferplus"):
        clean = evaluate(realtime, small, "PrivateTest", labels=labels)
        assert result["shifts"]["clean"][labels]["accuracy"] == round(clean["accuracy"], 4)
        assert result["shifts"]["clean"][labels]["n"] == clean["n"]
        recall = {e: round(c["recall"], 4) if c["support"] else None for e, c in clean["per_class"].items()}
        assert result["shifts"]["clean"][labels]["recall"] == recall
    assert result["summary"]["ferplus"]["worst_shift"] == "blur"
    assert result["summary"]["ferplus"]["mean_drop"] == pytest.approx(
        result["shifts"]["clean"]["ferplus"]["accuracy"] - result["shifts"]["blur"]["ferplus"]["accuracy"], abs=1e-4)


def test_a_subset_scores_its_own_faces(small, realtime):
    result = shift_benchmark(realtime, small, "PrivateTest", shifts=("clean",), subset=40, seed=2)
    rows = subset_rows(len(small.split("PrivateTest")[1]), 40, seed=2)
    x, y = small.split("PrivateTest")
    accuracy = (realtime.predict_proba(x[rows]).argmax(1) == y[rows]).mean()
    assert result["subset"] == {"size": 40, "seed": 2} and result["faces"] == 40
    assert result["shifts"]["clean"]["fer2013"]["accuracy"] == round(float(accuracy), 4)
    positions, targets = scored_faces(small, "PrivateTest", rows)["ferplus"]
    assert result["shifts"]["clean"]["ferplus"]["n"] == len(positions) <= 40


class Always:
    """A classifier that calls every face one emotion (to check what the disagreement figures count)."""
    name, card = "always", type("Card", (), {"tta": "none"})()

    def __init__(self, emotion):
        self.index = EMOTIONS.index(emotion)

    def predict_proba(self, faces, tta=None):
        return np.eye(len(EMOTIONS), dtype=np.float32)[np.full(len(faces), self.index)]


def test_the_angry_neutral_disagreement_counts_the_faces_and_what_they_are_called(small):
    y = small.split("PrivateTest")[1]
    rows, plus = small.labelled_rows("PrivateTest", "ferplus")
    expected = int(((y[rows] == EMOTIONS.index("angry")) & (plus == EMOTIONS.index("neutral"))).sum())
    for emotion in ("angry", "neutral"):
        found = shift_benchmark(Always(emotion), small, "PrivateTest", shifts=("clean",))
        trace = found["shifts"]["clean"]["disagreements"]["fer2013_angry_ferplus_neutral"]
        assert trace["n"] == expected
        if expected:
            assert trace["called"][emotion] == 1.0 and sum(trace["called"].values()) == 1.0


def test_shift_augmentation_changes_faces_within_range_and_is_seeded():
    x = torch.randint(0, 256, (64, 1, 48, 48), dtype=torch.uint8)
    torch.manual_seed(0)
    a = batch_augment(x, "shift")
    torch.manual_seed(0)
    b = batch_augment(x, "shift")
    plain = batch_augment(x, "none")
    assert "shift" in AUGMENT_PRESETS and a.shape == (64, 1, 48, 48) and a.dtype == torch.float32
    assert torch.equal(a, b) and not torch.allclose(a, plain)
    assert torch.isfinite(a).all()
    with pytest.raises(ValueError, match="unknown augmentation"):
        batch_augment(x, "heavy")


def test_a_face_under_40_px_is_marked_small_in_its_result():
    from fer.defaults import SMALL_FACE_PX
    from fer.inference.results import Detection, Face

    probs = np.full(len(EMOTIONS), 1 / len(EMOTIONS))
    faces = {box: Face.from_probabilities(Detection(box, 0.9), probs, list(EMOTIONS))
             for box in [(5, 5, SMALL_FACE_PX - 1, 80), (5, 5, 80, SMALL_FACE_PX - 1), (5, 5, SMALL_FACE_PX, SMALL_FACE_PX)]}
    assert [f.small_face for f in faces.values()] == [True, True, False]


def test_evaluate_shift_prints_each_shift_and_refuses_an_unknown_one_before_scoring(fer_small_csv, capsys):
    from fer.cli import main as cli

    argv = ["evaluate", "--model", fer.default_version("realtime"), "--data", str(fer_small_csv), "--backend", "torch"]
    assert cli([*argv, "--shift", "clean,eyes-bar", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert list(printed["shifts"]) == ["clean", "eyes-bar"] and printed["faces"] == 120
    with pytest.raises(ValueError, match="unknown shift 'sepia'"):
        shift_benchmark(None, None, shifts=("clean", "sepia"))
