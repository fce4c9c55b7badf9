"""No ghost faces: one box per face (nested and head-part detections merged), and animals are not people."""

import cv2
import numpy as np
import pytest

from fer.inference import Detection, detector_for
from fer.inference.detect import inside_share, merge_nested, same_face



def boxes(detections):
    return sorted(d.box for d in detections)


def test_a_small_box_nested_in_a_face_is_merged_although_their_iou_is_small():
    face, eye = Detection((100, 100, 200, 240), 0.93), Detection((140, 150, 60, 60), 0.85)
    assert 60 * 60 / (200 * 240) < 0.3  # the IoU: non-maximum suppression at 0.3 keeps both
    assert boxes(merge_nested([eye, face])) == [face.box]


def test_the_better_scored_of_two_boxes_on_one_face_stays():
    loose, tight = Detection((90, 90, 230, 270), 0.81), Detection((110, 120, 180, 200), 0.94)
    assert boxes(merge_nested([loose, tight])) == [tight.box]


def test_an_ear_beside_a_face_is_a_part_of_its_head_not_a_face():
    face, ear = Detection((79, 120, 98, 139), 0.89), Detection((47, 133, 29, 38), 0.84)  # measured on a collage
    assert inside_share(ear.box, face.box) == 0  # beside it: no overlap measure would merge them
    assert same_face(ear.box, face.box)
    assert boxes(merge_nested([face, ear])) == [face.box]


def test_neighbours_and_a_small_face_away_from_a_big_one_are_all_kept():
    row = [Detection((x, 100, 40, 50), 0.9) for x in (0, 45, 90, 135)]  # a crowd's row, heads touching
    far = Detection((700, 80, 25, 30), 0.82)
    big = Detection((300, 200, 300, 380), 0.95)
    assert boxes(merge_nested(row + [far, big])) == boxes(row + [far, big])


def test_a_small_face_above_a_big_one_is_not_taken_for_part_of_it():
    big, small = Detection((215, 1220, 305, 392), 0.94), Detection((183, 1035, 27, 32), 0.87)  # mixed_2 of the set
    assert boxes(merge_nested([big, small])) == boxes([big, small])


@pytest.fixture(scope="module")
def photo_detector():
    return detector_for("photo")


def test_a_cat_alone_at_several_sizes_is_not_a_face(photo_detector):
    from small_faces import picture

    cat = picture("chelsea")
    for scale in (0.5, 1.0, 2.0):
        image = cv2.resize(cat, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
        assert photo_detector.detect(image) == [], f"a face found in the cat at {scale}x"


def test_photos_of_several_cats_have_no_face(photo_detector):
    from small_faces import collage

    rng = np.random.default_rng(11)
    for size, background in (((800, 600), "grass"), ((1600, 1200), "brick")):
        image, truth = collage(size, [], background, rng, animals=[90, 140, 200, 260])
        assert truth == []
        assert photo_detector.detect(image) == []


def test_people_among_cats_are_found_once_each_and_the_cats_not_at_all(photo_detector):
    from small_faces import collage, match

    image, truth = collage((1024, 768), [60, 80, 100, 120], "grass", np.random.default_rng(4), animals=[120, 180, 220])
    assert len(truth) == 4
    found, duplicates, false = match([d.box for d in photo_detector.detect(image)], truth)
    assert (found, duplicates, false) == (4, 0, 0)
