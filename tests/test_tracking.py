"""Tracker: stable ids, new ids for new faces, dropped tracks, coasting, EMA smoothing."""
import numpy as np
import pytest

from fer.inference import Detection, FaceTracker
from fer.inference.tracking import iou, smooth


def boxes_at(step: int, speed: int = 6):
    """Two faces moving in opposite directions, apart from each other."""
    return [Detection((20 + speed * step, 40, 60, 60), 1.0), Detection((400 - speed * step, 200, 60, 60), 1.0)]


def test_iou():
    assert iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0
    assert iou((0, 0, 10, 10), (20, 20, 10, 10)) == 0.0
    assert iou((0, 0, 10, 10), (5, 0, 10, 10)) == pytest.approx(50 / 150)


def test_ids_stay_with_their_faces_while_they_move():
    tracker = FaceTracker()
    first = [t.id for t in tracker.update(boxes_at(0))]
    assert len(set(first)) == 2
    for step in range(1, 30):
        detections = boxes_at(step)
        order = [1, 0] if step % 2 else [0, 1]  # the detector's order must not matter
        tracks = tracker.update([detections[i] for i in order])
        ids = {order[k]: t.id for k, t in enumerate(tracks)}
        assert [ids[0], ids[1]] == first


def test_fast_moves_are_matched_by_centroid_distance():
    tracker = FaceTracker()
    (a,) = tracker.update([Detection((0, 0, 60, 60), 1.0)])
    (b,) = tracker.update([Detection((40, 0, 60, 60), 1.0)])  # IoU 0.2, below the 0.3 threshold
    assert b.id == a.id


def test_new_faces_get_new_ids_and_lost_ones_are_dropped():
    tracker = FaceTracker(max_missed=2)
    (a,) = tracker.update([Detection((0, 0, 50, 50), 1.0)])
    a_again, b = tracker.update([Detection((2, 0, 50, 50), 1.0), Detection((300, 300, 50, 50), 1.0)])
    assert a_again.id == a.id and b.id != a.id
    for _ in range(3):
        tracker.update([Detection((300, 300, 50, 50), 1.0)])
    assert [t.id for t in tracker.tracks] == [b.id]
    (back,) = tracker.update([Detection((0, 0, 50, 50), 1.0)])
    assert back.id not in (a.id, b.id)


def test_coasting_moves_tracks_by_their_velocity():
    tracker = FaceTracker()
    tracker.update([Detection((0, 10, 50, 50), 1.0, np.zeros((5, 2)))])
    tracker.update([Detection((6, 10, 50, 50), 1.0, np.zeros((5, 2)))])
    (track,) = tracker.coast()
    assert track.detection.box == (12, 10, 50, 50)
    assert np.allclose(track.detection.landmarks[:, 0], 6)
    (track,) = tracker.update([Detection((18, 10, 50, 50), 1.0)])
    assert np.allclose(track.velocity, [6, 0])


def test_smoothing_is_an_exponential_moving_average():
    a, b = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    assert np.allclose(smooth(None, a, 0.6), a)
    assert np.allclose(smooth(a, b, 0.6), [0.6, 0.4])
    assert np.allclose(smooth(a, b, 0.0), b)
    tracker = FaceTracker(smoothing=0.5)
    (track,) = tracker.update([Detection((0, 0, 50, 50), 1.0)])
    tracker.smooth(track, a)
    assert np.allclose(tracker.smooth(track, b), [0.5, 0.5])
