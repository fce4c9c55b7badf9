"""Videos and streams: a synthetic clip of two moving faces, tracked with stable ids; CSV rows per face per frame."""
import csv
from pathlib import Path

import cv2
import numpy as np
import pytest

import fer
from fer.inference import FaceStream, Recognizer, VideoError, process_video
from fer.inference.rows import NAMES

FIXTURES = Path(__file__).parent / "fixtures"
FRAMES, STEP = 10, 8


def moving_faces_frames():
    """Two astronaut heads (one mirrored) sliding apart-to-centre in opposite directions on a 480x240 canvas."""
    head = cv2.resize(cv2.imread(str(FIXTURES / "astronaut.jpg"))[20:220, 130:320], None, fx=0.75, fy=0.75,
                      interpolation=cv2.INTER_AREA)
    h, w = head.shape[:2]
    for i in range(FRAMES):
        canvas = np.full((240, 480, 3), 110, np.uint8)
        canvas[40:40 + h, STEP * i:STEP * i + w] = head
        canvas[60:60 + h, 330 - STEP * i:330 - STEP * i + w] = head[:, ::-1]
        yield canvas


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("video") / "two_faces.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (480, 240))
    assert writer.isOpened()
    for frame in moving_faces_frames():
        writer.write(frame)
    writer.release()
    return path


@pytest.fixture(scope="module")
def recognizer(tiny_version):
    return Recognizer(str(tiny_version))


def read_rows(path: Path) -> list[dict]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("detect_every", [1, 3])
def test_video_rows_are_frames_times_faces_with_stable_ids(recognizer, clip, tmp_path, detect_every):
    out = tmp_path / "faces.csv"
    summary = process_video(recognizer, clip, csv_path=out, detect_every=detect_every, progress=False)
    rows = read_rows(out)
    assert summary["frames"] == FRAMES and summary["rows"] == len(rows) == FRAMES * 2
    assert list(rows[0]) == NAMES and {r["kind"] for r in rows} == {"video"} and rows[0]["source"] == str(clip)
    assert {r["face_id"] for r in rows} == {"1", "2"} and summary["tracks"] == 2
    for face_id in ("1", "2"):
        track = [r for r in rows if r["face_id"] == face_id]
        xs = [int(r["x"]) for r in track]
        moves = np.diff(xs)
        assert len(track) == FRAMES and len(set(r["frame"] for r in track)) == FRAMES
        # each id follows one face in its direction (coasted frames before the first velocity estimate stand still)
        assert (moves >= 0).all() or (moves <= 0).all()
        assert abs(abs(xs[-1] - xs[0]) / (FRAMES - 1) - STEP) < 2
    assert float(rows[-1]["time_s"]) == pytest.approx((FRAMES - 1) / 10, abs=1e-3)
    probabilities = np.array([[float(r[e]) for e in fer.EMOTIONS] for r in rows])
    assert np.allclose(probabilities.sum(1), 1, atol=1e-3)
    # the label is the argmax of the (smoothed) probability columns; raw_* are the frame's own
    assert [r["label"] for r in rows] == [fer.EMOTIONS[i] for i in probabilities.argmax(1)]
    raw = np.array([[float(r[f"raw_{e}"]) for e in fer.EMOTIONS] for r in rows])
    assert np.allclose(raw.sum(1), 1, atol=1e-3) and not np.allclose(raw, probabilities)


def test_annotated_video_has_every_frame(recognizer, clip, tmp_path):
    out = tmp_path / "annotated.mp4"
    process_video(recognizer, clip, annotated_path=out, progress=False)
    capture = cv2.VideoCapture(str(out))
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(frame)
    assert len(frames) == FRAMES and frames[0].shape == (240, 480, 3)
    first = next(moving_faces_frames())
    assert np.abs(frames[0].astype(int) - first).max() > 100  # boxes were drawn


def test_unreadable_videos_give_a_clear_error(recognizer, tmp_path):
    fake = tmp_path / "fake.mp4"
    fake.write_text("not a video")
    with pytest.raises(VideoError, match="fake.mp4"):
        process_video(recognizer, fake, progress=False)
    with pytest.raises(VideoError, match="no such file"):
        process_video(recognizer, tmp_path / "missing.mp4", progress=False)


def test_face_stream_tracks_smooths_and_draws(recognizer):
    stream = FaceStream(recognizer, smoothing=0.6)
    frames = list(moving_faces_frames())[:3]
    history = []
    for frame in frames:
        annotated, faces = stream.process_frame(frame)
        assert annotated.shape == frame.shape and not np.array_equal(annotated, frame)
        history.append({f.face_id: f for f in faces})
    assert all(set(h) == {1, 2} for h in history)
    for face_id in (1, 2):
        before, now = history[1][face_id], history[2][face_id]
        expected = {k: 0.6 * before.probabilities[k] + 0.4 * now.raw_probabilities[k] for k in fer.EMOTIONS}
        assert now.probabilities == pytest.approx(expected, abs=1e-6)
    assert stream.fps > 0
    with pytest.raises(ValueError):
        FaceStream(recognizer, detect_every=0)
