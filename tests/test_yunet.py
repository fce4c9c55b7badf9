"""YuNet, the default detector: the fixture photos, small faces, big photos, face-free photos, its model file."""
import hashlib
import json
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from fer.inference import ModelFileError, YuNetDetector, create_detector, detector_for
from fer.inference import detect as detect_module
from fer.inference import detector_policy

FIXTURES = Path(__file__).parent / "fixtures"
FACE_COUNTS = {"astronaut.jpg": 1, "three_faces.jpg": 3, "no_face.jpg": 0, "group_small_faces.jpg": 7}


@pytest.fixture(scope="module")
def photo_detector():
    return detector_for("photo")


def load(name: str) -> np.ndarray:
    return cv2.imread(str(FIXTURES / name))


def centre_in(box, truth) -> bool:
    x, y, w, h = truth
    cx, cy = box[0] + box[2] / 2, box[1] + box[3] / 2
    return x <= cx <= x + w and y <= cy <= y + h


def test_yunet_is_the_default_and_its_model_ships_inside_the_package():
    assert detector_policy.DEFAULT_DETECTOR == "yunet"
    assert isinstance(create_detector(), YuNetDetector)
    model = detect_module.YUNET_MODEL
    assert model.parent == Path(detect_module.__file__).parent / "models"
    assert model.stat().st_size == 232_589
    assert hashlib.sha256(model.read_bytes()).hexdigest() == detect_module.YUNET_SHA256
    assert "MIT License" in (model.parent / "LICENSE.yunet.txt").read_text()


@pytest.mark.parametrize("name", sorted(FACE_COUNTS))
def test_yunet_finds_the_known_number_of_faces(photo_detector, name):
    found = photo_detector.detect(load(name))
    assert len(found) == FACE_COUNTS[name]
    assert all(d.score >= detect_module.YUNET_SCORE_THRESHOLD for d in found)


def test_the_small_group_photo_has_every_face_boxed_where_it_is(photo_detector):
    truth = json.loads((FIXTURES / "group_small_faces.json").read_text())
    found = photo_detector.detect(load("group_small_faces.jpg"))
    assert len(found) == len(truth) == 7
    for face in truth:
        assert sum(centre_in(d.box, face) for d in found) == 1
    # the old default (MTCNN, 60 px minimum) found none of them
    assert create_detector("mtcnn", min_face_size=60).detect(load("group_small_faces.jpg")) == []


def test_landmarks_are_the_five_points_alignment_expects(photo_detector):
    for d in photo_detector.detect(load("three_faces.jpg")):
        x, y, w, h = d.box
        marks = d.landmarks
        assert marks.shape == (5, 2)
        assert np.all((marks[:, 0] > x) & (marks[:, 0] < x + w) & (marks[:, 1] > y) & (marks[:, 1] < y + h))
        assert marks[0, 0] < marks[1, 0] and marks[3, 0] < marks[4, 0]  # image-left eye and mouth corner first
        assert marks[:2, 1].mean() < marks[2, 1] < marks[3:, 1].mean()  # eyes, then nose, then mouth


def test_alignment_with_yunet_landmarks_frames_the_face_like_mtcnn():
    from fer.inference.align import crop_side

    image = load("astronaut.jpg")
    (yunet,) = detector_for("photo").detect(image)
    (mtcnn,) = create_detector("mtcnn").detect(image)
    assert abs(crop_side(yunet) - crop_side(mtcnn)) / crop_side(mtcnn) < 0.15
    assert np.abs(yunet.landmarks - mtcnn.landmarks).max() < 0.1 * crop_side(mtcnn)


def test_a_synthetic_group_of_small_faces_is_found():
    from small_faces import collage

    rng = np.random.default_rng(3)
    image, truth = collage((1024, 768), [26, 30, 34, 40, 46, 52, 58], "grass", rng)
    assert len(truth) == 7
    found = detector_for("photo").detect(image)
    assert all(any(centre_in(d.box, face) for d in found) for face in truth)
    assert len(found) == len(truth)


def test_small_and_large_faces_in_a_big_photo_are_found_by_tiles_and_the_pyramid():
    from small_faces import collage

    rng = np.random.default_rng(5)
    image, truth = collage((3200, 2400), [32, 60, 150, 450], "brick", rng)
    detector = detector_for("photo")
    assert len(detector.levels(3200, 2400)) >= 3
    found = detector.detect(image)
    for face in truth:
        assert any(centre_in(d.box, face) and 0.5 < d.box[2] / face[2] < 2 for d in found), face


@pytest.mark.parametrize("name", ["chelsea", "coffee", "rocket", "horse", "brick", "hubble_deep_field"])
def test_no_face_on_face_free_photos(photo_detector, name):
    from small_faces import picture

    assert photo_detector.detect(picture(name)) == []


def test_small_photos_are_upscaled_and_streams_detected_at_reduced_size():
    photo, stream = detector_for("photo"), detector_for("stream")
    assert photo.levels(500, 375)[0] > 1
    assert stream.levels(640, 480) == [0.5]


def test_tiny_and_grayscale_images_are_handled(photo_detector):
    assert photo_detector.detect(np.zeros((4, 4, 3), np.uint8)) == []
    assert len(photo_detector.detect(cv2.cvtColor(load("astronaut.jpg"), cv2.COLOR_BGR2GRAY))) == 1


def test_a_missing_model_file_is_a_clear_error(tmp_path):
    missing = tmp_path / "face_detection_yunet_2023mar.onnx"
    with pytest.raises(ModelFileError, match="missing") as caught:
        YuNetDetector(model_path=missing)
    assert str(missing) in str(caught.value) and "git checkout" in str(caught.value)


def test_a_tampered_model_file_is_a_clear_error(tmp_path):
    tampered = tmp_path / "face_detection_yunet_2023mar.onnx"
    shutil.copy(detect_module.YUNET_MODEL, tampered)
    data = bytearray(tampered.read_bytes())
    data[1000] ^= 0xFF
    tampered.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="does not match") as caught:
        create_detector("yunet", model_path=tampered)
    assert str(tampered) in str(caught.value) and detect_module.YUNET_SHA256 in str(caught.value)


def test_the_cli_reports_a_tampered_model_file(tmp_path, monkeypatch, capsys):
    from fer.cli import main

    tampered = tmp_path / "yunet.onnx"
    tampered.write_bytes(b"not the model")
    monkeypatch.setattr(detect_module, "YUNET_MODEL", tampered)
    assert main(["predict", str(FIXTURES / "astronaut.jpg")]) == 2
    err = capsys.readouterr().err
    assert str(tampered) in err and "does not match" in err
