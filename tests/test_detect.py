"""Face detection on real photos with known face counts (fixtures built from scikit-image's pictures)."""
from pathlib import Path

import cv2
import numpy as np
import pytest

from fer.inference import Detection, create_detector, detect_faces, list_detectors, register_detector
from fer.inference.detect import DETECTORS

FIXTURES = Path(__file__).parent / "fixtures"
FACE_COUNTS = {"astronaut.jpg": 1, "three_faces.jpg": 3, "no_face.jpg": 0}


@pytest.fixture(scope="module")
def mtcnn():
    return create_detector("mtcnn")


def load(name: str) -> np.ndarray:
    return cv2.imread(str(FIXTURES / name))


@pytest.mark.parametrize("name", sorted(FACE_COUNTS))
def test_mtcnn_finds_the_known_number_of_faces(mtcnn, name):
    found = mtcnn.detect(load(name))
    assert len(found) == FACE_COUNTS[name]
    assert all(d.score >= 0.95 for d in found)


def test_mtcnn_landmarks_lie_inside_their_face(mtcnn):
    for d in mtcnn.detect(load("three_faces.jpg")):
        x, y, w, h = d.box
        marks = d.landmarks
        assert marks.shape == (5, 2)
        assert np.all((marks[:, 0] > x) & (marks[:, 0] < x + w) & (marks[:, 1] > y) & (marks[:, 1] < y + h))
        eyes_y, mouth_y = marks[:2, 1].mean(), marks[3:, 1].mean()
        assert eyes_y < marks[2, 1] < mouth_y  # eyes above the nose above the mouth
        assert marks[0, 0] < marks[1, 0]  # image-left eye first


def test_mtcnn_boxes_are_left_to_right_and_inside_the_image(mtcnn):
    image = load("three_faces.jpg")
    found = mtcnn.detect(image)
    xs = [d.box[0] for d in found]
    assert xs == sorted(xs)
    for x, y, w, h in (d.box for d in found):
        assert 0 <= x and 0 <= y and x + w <= image.shape[1] and y + h <= image.shape[0]


def test_min_face_size_drops_smaller_faces():
    image = load("three_faces.jpg")  # faces about 70, 85 and 90 px wide
    assert len(create_detector("mtcnn", min_face_size=140).detect(image)) == 0


def test_haar_finds_the_astronaut_without_landmarks():
    found = create_detector("haar").detect(load("astronaut.jpg"))
    assert len(found) == 1 and found[0].landmarks is None
    mtcnn_box = create_detector("mtcnn").detect(load("astronaut.jpg"))[0].box
    assert abs((found[0].box[0] + found[0].box[2] / 2) - (mtcnn_box[0] + mtcnn_box[2] / 2)) < 20


def test_haar_finds_nothing_on_a_plain_texture():
    noise = np.random.default_rng(0).integers(100, 140, (300, 400, 3), dtype=np.uint8)
    assert create_detector("haar").detect(noise) == []


def test_tiny_and_grayscale_images_are_handled(mtcnn):
    assert mtcnn.detect(np.zeros((8, 8, 3), np.uint8)) == []
    gray = cv2.cvtColor(load("astronaut.jpg"), cv2.COLOR_BGR2GRAY)
    assert len(mtcnn.detect(gray)) == 1


def test_large_images_are_shrunk_for_detection_and_boxes_mapped_back(mtcnn):
    image = load("astronaut.jpg")
    big = cv2.resize(image, None, fx=3, fy=3, interpolation=cv2.INTER_CUBIC)
    (small_box,) = [d.box for d in mtcnn.detect(image)]
    (big_det,) = detect_faces(mtcnn, big, max_side=512)
    assert np.allclose(big_det.box, np.array(small_box) * 3, atol=12)
    assert np.allclose(big_det.landmarks, mtcnn.detect(image)[0].landmarks * 3, atol=12)


def test_unknown_detector_names_the_choices():
    with pytest.raises(ValueError, match="haar.*mtcnn"):
        create_detector("yolo")


def test_a_user_detector_can_be_registered():
    class CentreBox:
        def __init__(self, size=10):
            self.size = size

        def detect(self, bgr):
            h, w = bgr.shape[:2]
            return [Detection((w // 2, h // 2, self.size, self.size), 0.5)]

    register_detector("centre", CentreBox)
    try:
        assert "centre" in list_detectors()
        (d,) = create_detector("centre", size=20).detect(np.zeros((100, 60, 3), np.uint8))
        assert d.box == (30, 50, 20, 20)
    finally:
        DETECTORS.pop("centre")
    with pytest.raises(TypeError):
        create_detector(object())
