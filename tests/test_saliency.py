"""Why this label: Grad-CAM maps have the face's shape, are not constant, follow the class asked for, and
work for a plain network and for an ensemble (a module with `.members`)."""
from __future__ import annotations

import copy
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

import fer
from fer import saliency
from fer.inference import Recognizer
from fer.inference.align import face_crops
from fer.models.ensemble import Ensemble  # what an ensemble version's model is

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def version():
    return fer.load(fer.default_version("realtime"))


@pytest.fixture(scope="module")
def photo():
    return cv2.imread(str(FIXTURES / "astronaut.jpg"))


@pytest.fixture(scope="module")
def faces(version, photo):
    found = Recognizer(version, detector="haar").predict(photo)
    assert found
    return found


def test_maps_have_the_face_shape_are_not_constant_and_in_unit_range(version, photo, faces):
    explained = fer.explain_faces(version, photo, faces)
    assert len(explained) == len(faces)
    for item, face in zip(explained, faces):
        assert item.saliency.shape == (48, 48) and item.crop.shape == (48, 48)
        assert item.saliency.std() > 0.05 and item.saliency.min() >= 0 and item.saliency.max() == pytest.approx(1)
        x, y, w, h = face.box
        box_map = item.box_map(photo.shape)
        assert box_map.shape == (min(h, photo.shape[0] - y), min(w, photo.shape[1] - x))
        assert box_map.std() > 0.05  # the map lands on the face's box in the photo
        assert item.label == face.label  # the label the face was given is the one explained
    thumbnail = explained[0].crop_overlay(size=96)
    assert thumbnail.shape == (96, 96, 3)


def test_overlay_changes_the_faces_and_nothing_else(version, photo, faces):
    explained = fer.explain_faces(version, photo, faces)
    out = saliency.overlay(photo, explained)
    assert out.shape == photo.shape and out.dtype == np.uint8
    changed = (out != photo).any(2)
    inside = np.zeros(changed.shape, bool)
    for face in faces:
        x, y, w, h = face.box
        inside[max(0, y - h // 2):y + h + h // 2, max(0, x - w // 2):x + w + w // 2] = True
    assert changed[inside].any() and not changed[~inside].any()


def test_the_map_follows_the_class_asked_for(version, photo, faces):
    crop = face_crops(photo, [saliency.detection_of(faces[0])])
    by_index = fer.explain(version, crop, target=fer.EMOTIONS.index("sad"))
    by_name = fer.explain(version, crop, target="sad")
    assert np.allclose(by_index, by_name)
    other = fer.explain(version, crop, target="surprise")
    assert not np.allclose(by_name, other)
    predicted = fer.explain(version, crop)
    assert np.allclose(predicted, fer.explain(version, crop, target=int(version.predict_proba(crop).argmax())))


def test_an_ensemble_gets_the_mean_of_its_members_maps(version, photo, faces):
    crops = face_crops(photo, [saliency.detection_of(f) for f in faces])
    second = copy.deepcopy(version.model)
    with torch.no_grad():
        for p in second.parameters():
            p.add_(torch.randn(p.shape, generator=torch.Generator().manual_seed(0)) * 0.05)
    ensemble = Ensemble([version.model, second]).eval()
    x = fer.data.transforms.to_tensor(crops, version.normalization)
    maps, classes = saliency.saliency_maps(ensemble, x)
    with torch.no_grad():
        assert classes.tolist() == ensemble(x).argmax(1).tolist()
    target = torch.as_tensor(classes)
    expected = np.mean([saliency.grad_cam(m, x, target)[0] for m in (version.model, second)], axis=0)
    assert maps.shape == (len(crops), 48, 48) and np.allclose(maps, expected, atol=1e-6)
    assert maps.std() > 0.05


def test_a_model_without_spatial_features_is_refused():
    flat = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(48 * 48, 7))
    with pytest.raises(ValueError, match="no spatial feature map"):
        saliency.grad_cam(flat, torch.zeros(1, 1, 48, 48))


def test_no_face_no_map(version, photo):
    assert fer.explain_faces(version, photo, []) == []
    assert fer.explain(version, np.zeros((0, 48, 48), np.uint8)).shape == (0, 48, 48)
