"""The one preprocessing path: eyes levelled, FER2013 framing, 48x48 uint8 grayscale."""
from pathlib import Path

import cv2
import numpy as np
import pytest

from fer.inference import Detection, aligned_crop, create_detector, face_crop
from fer.inference.align import EYE_CENTER, alignment_matrix, eye_angle

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def mtcnn():
    return create_detector("mtcnn", min_face_size=40)


@pytest.fixture(scope="module")
def astronaut():
    return cv2.imread(str(FIXTURES / "astronaut.jpg"))


def rotate(image: np.ndarray, degrees: float) -> np.ndarray:
    h, w = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    return cv2.warpAffine(image, matrix, (w, h), borderMode=cv2.BORDER_REFLECT)


def transform(points: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    return points @ matrix[:, :2].T + matrix[:, 2]


def test_face_crop_is_48x48_uint8_grayscale(mtcnn, astronaut):
    (d,) = mtcnn.detect(astronaut)
    crop = face_crop(astronaut, d)
    assert crop.shape == (48, 48) and crop.dtype == np.uint8
    assert crop.std() > 20  # a face, not a flat patch
    gray = cv2.cvtColor(astronaut, cv2.COLOR_BGR2GRAY)
    assert np.array_equal(face_crop(gray, d), crop)


@pytest.mark.parametrize("degrees", [20, -20])
def test_alignment_levels_the_eyes_of_a_rotated_face(mtcnn, astronaut, degrees):
    tilted = rotate(astronaut, degrees)
    (d,) = mtcnn.detect(tilted)
    assert abs(eye_angle(d.landmarks)) > 10  # the eyes really are tilted before alignment
    level = aligned_crop(tilted, d, 192)
    # landmarks detected afresh on the aligned crop (padded so MTCNN sees some surroundings)
    padded = cv2.copyMakeBorder(level, 64, 64, 64, 64, cv2.BORDER_REPLICATE)
    (again,) = mtcnn.detect(padded)
    assert abs(eye_angle(again.landmarks)) < 5


def test_landmarks_land_where_fer2013_puts_them(mtcnn, astronaut):
    (d,) = mtcnn.detect(rotate(astronaut, 15))
    marks = transform(d.landmarks.astype(np.float64), alignment_matrix(d, 48))
    eye_mid = marks[:2].mean(0)
    assert np.allclose(eye_mid, np.array(EYE_CENTER) * 48, atol=0.01)
    assert abs(marks[0, 1] - marks[1, 1]) < 0.01
    assert 12 < marks[1, 0] - marks[0, 0] < 22  # FER2013's median eye distance is 17.6 px
    assert 30 < marks[3:, 1].mean() < 44  # mouth in the lower part of the frame


def test_without_landmarks_the_box_is_cropped_as_a_square_about_its_centre():
    image = np.zeros((200, 300), np.uint8)
    image[50:150, 100:160] = 255  # a 60 x 100 white block
    crop = face_crop(image, Detection((100, 50, 60, 100), 1.0))
    # the square has the box's longer side (100): the block fills the height and 60 % of the width
    columns = (crop > 127).mean(0)
    assert (crop[:, 24] > 127).all()
    assert 0.5 < (columns > 0.5).mean() < 0.7


def test_faces_at_the_image_border_still_give_a_full_crop(mtcnn, astronaut):
    (d,) = mtcnn.detect(astronaut)
    x, y, w, h = d.box
    cut = astronaut[y + h // 3:, x + w // 4:]  # the face's top-left part is outside the image
    shifted = Detection((0, 0, w - w // 4, h - h // 3), d.score, d.landmarks - np.float32([x + w // 4, y + h // 3]))
    crop = face_crop(cut, shifted)
    assert crop.shape == (48, 48)
    assert (crop == 0).mean() < 0.05  # borders repeat edge pixels instead of turning black
