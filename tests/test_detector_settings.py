"""One detector setting per use: the upload page, `fer predict`, the Python API, videos and the webcam find the
same faces in the same picture (photos with the photo setting, frames with the stream setting)."""
import json
from pathlib import Path

import cv2
import numpy as np
import pytest

import fer
from fer.inference import DetectorSettings, FaceStream, Recognizer, detector_settings, process_video
from fer.inference.detect import YuNetDetector
from fer.inference.detector_policy import MIN_FACE_BY_SENSITIVITY, SMALL_FACES
from fer.inference.rows import read_face_csv

FIXTURES = Path(__file__).parent / "fixtures"
GROUP = FIXTURES / "group_small_faces.jpg"


@pytest.fixture(scope="module")
def version_name() -> str:
    return fer.default_version("realtime")


@pytest.fixture(scope="module")
def recognizer(version_name) -> Recognizer:
    return Recognizer(version_name)


def boxes(faces) -> list[tuple]:
    return [tuple(f.box) for f in faces]


def test_the_settings_of_each_use():
    assert detector_settings("photo") == DetectorSettings("yunet", 20, None, 0.01)
    assert detector_settings("stream") == DetectorSettings("yunet", 48, None, 0.0)
    assert [detector_settings("photo", small_faces=s).min_face_size for s in SMALL_FACES] == [40, 20, 12]
    assert [detector_settings("stream", small_faces=s).min_face_size for s in SMALL_FACES] == [80, 48, 24]
    assert detector_settings("photo", "mtcnn", min_face_size=30) == DetectorSettings("mtcnn", 30, None, 0.0)
    assert detector_settings("photo", "mtcnn").options() == {"min_face_size": 20}
    assert detector_settings("photo", score_threshold=0.9).options()["score_threshold"] == 0.9
    with pytest.raises(ValueError, match="photo, stream"):
        detector_settings("video")
    with pytest.raises(ValueError, match="fewer, normal, more"):
        detector_settings("photo", small_faces="lots")
    assert MIN_FACE_BY_SENSITIVITY["photo"]["normal"] < MIN_FACE_BY_SENSITIVITY["stream"]["normal"]


def test_a_recognizer_has_the_setting_of_each_use(recognizer):
    assert recognizer.detector_setting("photo") == detector_settings("photo")
    assert recognizer.detector_setting("stream") == detector_settings("stream")
    assert isinstance(recognizer.detector, YuNetDetector)
    assert recognizer.detector_for_use("stream").min_face_size == 48
    custom = Recognizer(recognizer.classifier, detector=recognizer.detector)
    assert custom.detector_for_use("stream") is custom.detector_for_use("photo") is recognizer.detector


def test_api_cli_and_upload_page_find_the_same_faces(recognizer, version_name, tmp_path, capsys):
    from fer.app import ui
    from fer.app.recognition import analyse_upload
    from fer.cli import main

    api = boxes(recognizer.predict(str(GROUP)))
    assert len(api) == 7

    assert main(["predict", str(GROUP), "--model", version_name, "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    cli = [tuple(f[k] for k in "xywh") for f in document["results"][0]["faces"]]
    assert document["detector"] == "yunet"

    app_recognizer = ui.cached_recognizer(version_name, ui.DEFAULT_DETECTOR, ui.checkpoints_root())
    assert app_recognizer.detector_setting("photo") == recognizer.detector_setting("photo")
    upload = analyse_upload(app_recognizer, GROUP.name, GROUP.read_bytes())
    assert upload.ok
    assert api == cli == boxes(upload.faces)


def test_video_and_webcam_find_the_same_faces_with_the_stream_setting(recognizer, tmp_path):
    from fer.app import live
    from fer.bench.frames import bench_frame

    frame = bench_frame(5)
    expected = sorted(tuple(d.box) for d in recognizer.detect(frame, use="stream"))
    assert len(expected) == 5

    webcam = FaceStream(recognizer)
    callback = live.make_frame_callback(webcam, live.LatestQueue(), live.FrameStats(None))
    import av

    callback(av.VideoFrame.from_ndarray(frame, format="bgr24"))
    assert sorted(boxes(webcam.recognize_frame(frame))) == expected

    video = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 10, (640, 480))
    for _ in range(3):
        writer.write(frame)
    writer.release()
    rows = tmp_path / "rows.csv"
    process_video(recognizer, video, csv_path=rows, progress=False)
    table = read_face_csv(rows)
    first = sorted(tuple(int(v) for v in row) for row in table[table["frame"] == 0][list("xywh")].to_numpy())
    decoded = cv2.VideoCapture(str(video)).read()[1]  # MJPEG is lossy: compare with the decoded frame
    assert first == sorted(tuple(d.box) for d in recognizer.detect(decoded, use="stream"))
    assert len(first) == 5


def test_the_stream_detects_at_reduced_size_and_the_photo_setting_finds_smaller_faces(recognizer):
    group = cv2.imread(str(GROUP))
    assert len(recognizer.detect(group, use="photo")) == 7
    # faces of about 40 px are under the stream setting's 48 px: streams do not pay for them
    assert len(recognizer.detect(group, use="stream")) < 7
    assert np.isclose(recognizer.detector_for_use("stream").levels(640, 480)[0], 0.5)


def test_the_webcam_page_and_the_app_cache_pass_the_small_faces_sensitivity(version_name):
    from fer.app import ui

    more = ui.cached_recognizer(version_name, "yunet", ui.checkpoints_root(), "more")
    assert more.detector_setting("photo").min_face_size == 12
    assert more.detector_setting("stream").min_face_size == 24
