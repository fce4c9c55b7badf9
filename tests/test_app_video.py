"""The video page, 'why this label' on the upload and video pages, and comparing versions on your own faces
(AppTest on copies of the tiny trained version), and the helpers behind them."""
from __future__ import annotations

import base64
import csv
import io
import json
import zipfile

import cv2
import numpy as np
import pytest

import fer
from fer.app import own_faces, settings
from fer.app import video as clips
from fer.data import DataError
from fer.inference.video import BrowserVideoWriter, video_writer
from fer.labels import EMOTIONS
from tests.e2e import media
from tests.test_app import run_page

CLIP_FRAMES = 24


@pytest.fixture(scope="module")
def checkpoints(two_versions):
    return two_versions


@pytest.fixture
def app_env(checkpoints, tmp_path, monkeypatch):
    monkeypatch.setenv("FER_CHECKPOINTS", str(checkpoints))
    monkeypatch.setenv("FER_RUNS_DIR", str(tmp_path / "runs"))
    return checkpoints


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return media.write_face_clip(tmp_path_factory.mktemp("clip") / "walk.avi", CLIP_FRAMES)


@pytest.fixture(scope="module")
def own_zip(fer_small_csv):
    """3 real faces per class (FER2013 PrivateTest subset), as my_faces/<class>/<n>.png."""
    x, y = fer.load_dataset(fer_small_csv).split("test")
    keep = np.concatenate([np.flatnonzero(y == k)[:3] for k in range(len(EMOTIONS))])
    return media.labelled_zip(x[keep], y[keep], EMOTIONS), x[keep], y[keep]


def video_page(**session):
    return run_page("pages/2_Video.py", model_version="tiny", face_detector="haar", **session)


# ---------------------------------------------------------------- the video page
def test_video_page_timeline_scrubber_saliency_and_downloads(app_env, clip):
    at = video_page()
    assert any("No video yet" in i.value for i in at.info)
    assert any(f"up to {settings.MAX_UPLOAD_MB} MB" in m.value for m in at.markdown)  # the size limit, shown
    at.file_uploader(key="video").set_value(("walk.avi", clip.read_bytes(), "video/x-msvideo")).run()
    assert not at.exception, [e.value for e in at.exception]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Frames"] == str(CLIP_FRAMES) and metrics["Tracked faces"] == "1"

    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    assert len(charts) == 2  # the people's emotion shares; one tracked face, one timeline
    lines = [t for t in charts[1]["data"] if t["type"] == "scatter"]
    band = [t for t in charts[1]["data"] if t["type"] == "heatmap"][0]
    assert [t["name"] for t in lines] == list(EMOTIONS)
    probabilities = np.array([t["y"] for t in lines]).T
    assert probabilities.shape == (CLIP_FRAMES, 7) and np.allclose(probabilities.sum(1), 1, atol=1e-3)
    assert band["z"][0] == probabilities.argmax(1).tolist()  # the band is the label: the smoothed argmax
    assert lines[0]["x"][1] == pytest.approx(1 / 8)  # seconds, at the clip's 8 frames/s

    downloads = {d.proto.label: d for d in at.get("download_button")}
    assert set(downloads) == {"Download per-frame results (CSV)", "Download the per-person summary (CSV)",
                              "Download the annotated video (MP4, H.264)"}
    analysis = at.session_state["_video_analysis"][1]
    rows = list(csv.DictReader(io.StringIO(analysis.csv_bytes().decode())))
    assert len(rows) == CLIP_FRAMES and {r["face_id"] for r in rows} == {"1"}
    assert [r["label"] for r in rows] == [EMOTIONS[k] for k in band["z"][0]]

    people = at.dataframe[0].value  # per person: the same labels as the timeline's band, over 3 s (24 frames, 8/s)
    labels = [r["label"] for r in rows]
    assert list(people["person"]) == [1] and people.loc[0, "seconds on screen"] == pytest.approx(CLIP_FRAMES / 8)
    assert people.loc[0, "dominant share"] == pytest.approx(max(labels.count(e) for e in EMOTIONS) / CLIP_FRAMES)
    assert people.columns[0] == "face"  # each person's face picture, so #1 and #2 are told apart at a glance
    picture = cv2.imdecode(np.frombuffer(base64.b64decode(people.loc[0, "face"].split(",", 1)[1]), np.uint8),
                           cv2.IMREAD_COLOR)
    assert picture.shape == (64, 64, 3) and picture.std() > 20  # a face, not the clip's flat grey background
    shares = {bar["name"]: bar["x"][0] for bar in charts[0]["data"]}
    assert shares == pytest.approx({e: labels.count(e) / CLIP_FRAMES for e in EMOTIONS})
    assert list(csv.DictReader(io.StringIO(analysis.people_csv())))[0]["dominant"] == people.loc[0, "dominant"]
    assert len(at.get("video")) == 1

    images = at.get("image")
    assert len(images) == 1 and "frame 0" in images[0].proto.imgs[0].caption
    at.slider(key="video_frame").set_value(CLIP_FRAMES - 1).run()
    assert not at.exception
    assert f"frame {CLIP_FRAMES - 1}" in at.get("image")[0].proto.imgs[0].caption
    at.toggle(key="video_why").set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    images = at.get("image")
    assert len(images) == 3  # the annotated frame, the saliency overlay, the face's thumbnail
    assert images[2].proto.imgs[0].caption == f"#1: why {rows[-1]['label']}"


@pytest.mark.parametrize("name, data, message", [
    ("notes.mp4", b"this is not a video", "cannot open the video"),
    ("empty.webm", b"", "cannot open the video"),
])
def test_video_page_explains_bad_files(app_env, name, data, message):
    at = video_page()
    at.file_uploader(key="video").set_value((name, data, "video/mp4")).run()
    assert not at.exception, [e.value for e in at.exception]
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and name in errors[0] and message in errors[0]


# ---------------------------------------------------------------- compare on your own faces
def test_compare_page_evaluates_the_versions_on_an_uploaded_zip(app_env, own_zip):
    data, x, y = own_zip
    at = run_page("pages/5_Compare_versions.py", model_version="tiny")
    assert len(at.get("plotly_chart")) == 3  # F1, class shares, confusion difference: nothing of the zip part yet
    at.file_uploader(key="own_faces_zip").set_value(("faces.zip", data, "application/zip")).run()
    assert not at.exception, [e.value for e in at.exception]
    faces = fer.FaceData("zip", "image-folders", {"test": (x, y)})
    expected = {n: fer.evaluate(fer.load(str(app_env / n)), faces, split="test", keep_predictions=True)
                for n in ("tiny", "tiny-b")}
    scores = at.dataframe[1].value
    assert scores["version"].tolist() == ["tiny", "tiny-b"] and scores["faces"].tolist() == [len(y)] * 2
    assert scores["accuracy"].tolist() == [round(expected[n]["accuracy"], 4) for n in ("tiny", "tiny-b")]
    assert scores["macro-F1"].tolist() == [round(expected[n]["macro_f1"], 4) for n in ("tiny", "tiny-b")]
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    confusions = [c["data"][0]["z"] for c in charts if c["data"][0]["type"] == "heatmap"][:2]
    assert confusions == [expected["tiny"]["confusion"], expected["tiny-b"]["confusion"]]
    differ = np.flatnonzero(np.array(expected["tiny"]["predictions"]) != np.array(expected["tiny-b"]["predictions"]))
    assert any(f"disagree on {len(differ)} of your {len(y)} faces" in m.value for m in at.markdown)
    assert [t.label for t in at.tabs] == ["tiny", "tiny-b"]  # the matrices one at a time, at full width
    drawn = {}  # each version's bar colour in every chart that draws versions as traces
    for chart in charts:
        for trace in chart["data"]:
            if trace.get("name") in ("tiny", "tiny-b"):
                drawn.setdefault(trace["name"], set()).add(trace["marker"]["color"])
    assert all(len(c) == 1 for c in drawn.values()) and drawn["tiny"] != drawn["tiny-b"], drawn
    if len(differ):
        shown = at.get("image")[0].proto.imgs
        first = differ[0]
        assert len(shown) == min(len(differ), 60)
        right = sum(expected[n]["predictions"][first] == y[first] for n in expected)
        assert shown[0].caption == f"#{first} · {EMOTIONS[y[first]]} · {right} of 2 right"  # one line, no names
        answers = at.dataframe[-1].value
        assert answers.columns.tolist() == ["face", "true", "tiny", "tiny-b"] and len(answers) == len(shown)
        assert answers.iloc[0]["tiny"].split()[0] == EMOTIONS[expected["tiny"]["predictions"][first]]


def test_compare_page_explains_a_bad_zip(app_env):
    at = run_page("pages/5_Compare_versions.py", model_version="tiny")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("joyful/1.png", cv2.imencode(".png", np.zeros((48, 48), np.uint8))[1].tobytes())
    at.file_uploader(key="own_faces_zip").set_value(("faces.zip", buffer.getvalue(), "application/zip")).run()
    assert not at.exception
    assert any("faces.zip" in e.value and "joyful" in e.value for e in at.error)


# ---------------------------------------------------------------- helpers
def test_labelled_zip_layouts_and_errors(own_zip):
    data, x, y = own_zip
    faces = own_faces.read_labelled_zip(data)
    got_x, got_y = faces.split("test")
    assert sorted(got_y.tolist()) == sorted(y.tolist()) and got_x.shape == x.shape
    for label in range(len(EMOTIONS)):  # the same faces under each class (the reader orders them by folder)
        assert sorted(map(bytes, got_x[got_y == label])) == sorted(map(bytes, x[y == label]))
    assert own_faces.disagreements({"a": [1, 2, 3], "b": [1, 0, 3], "c": [1, 2, 3]}).tolist() == [1]

    flat = media.labelled_zip(x, y, EMOTIONS, folder="")  # <class>/<n>.png at the top of the zip
    assert len(own_faces.read_labelled_zip(flat).split("test")[1]) == len(y)
    with pytest.raises(DataError, match="not a zip"):
        own_faces.read_labelled_zip(b"PK nothing")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(DataError, match="no images"):
        own_faces.read_labelled_zip(buffer.getvalue())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../../evil/happy/1.png", cv2.imencode(".png", x[0])[1].tobytes())  # refused, never a path
        archive.writestr("happy/2.png", cv2.imencode(".png", x[0])[1].tobytes())
    with pytest.raises(DataError, match="entries outside its folder"):
        own_faces.read_labelled_zip(buffer.getvalue())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("__MACOSX/happy/._2.png", b"resource fork")  # ignored
        archive.writestr("happy/2.png", cv2.imencode(".png", x[0])[1].tobytes())
    assert own_faces.read_labelled_zip(buffer.getvalue()).split("test")[1].tolist() == [EMOTIONS.index("happy")]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("happy/2.png", cv2.imencode(".png", x[0])[1].tobytes())
        archive.writestr("happy/more/3.png", cv2.imencode(".png", x[0])[1].tobytes())
    with pytest.raises(DataError, match="not in a class folder"):
        own_faces.read_labelled_zip(buffer.getvalue())


def test_annotated_videos_are_browser_codecs_with_every_frame(tmp_path):
    import av

    frames = list(media.face_clip_frames(9))
    for suffix, codec in ((".mp4", "h264"), (".webm", "vp9")):
        path = tmp_path / f"out{suffix}"
        writer = video_writer(path, 8.0, (321, 241))  # odd sides are padded for yuv420p
        assert isinstance(writer, BrowserVideoWriter)
        for frame in frames:
            writer.write(cv2.copyMakeBorder(frame, 0, 1, 0, 1, cv2.BORDER_REPLICATE))
        writer.release()
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            assert stream.codec_context.name == codec and stream.codec_context.pix_fmt == "yuv420p"
            assert sum(1 for _ in container.decode(stream)) == len(frames)
        assert clips.read_frame(path, 4).shape == (242, 322, 3)
    assert not isinstance(video_writer(tmp_path / "out.avi", 8.0, (320, 240)), BrowserVideoWriter)


def test_analyse_video_keeps_timelines_and_frames_faces(tiny_version, clip):
    recognizer = fer.Recognizer(str(tiny_version), detector="haar")
    progress = []
    result = clips.analyse_video(recognizer, "walk.avi", clip, on_progress=lambda done, total: progress.append(done))
    assert result.ok and result.frames == CLIP_FRAMES and progress == list(range(1, CLIP_FRAMES + 1))
    track = result.tracks_by_length()[0]
    assert track.probabilities.shape == (CLIP_FRAMES, 7) and track.frames.tolist() == list(range(CLIP_FRAMES))
    face = result.faces_at(3)[0]
    assert face.face_id == track.face_id and face.box == tuple(track.boxes[3])
    assert face.label == EMOTIONS[int(track.probabilities[3].argmax())]
    times, thinned = clips.timeline_points(track, result.fps, max_points=10)
    assert len(times) == len(thinned) <= 10 and times[1] == pytest.approx(3 / 8)
    assert "not a supported video type" in clips.analyse_video(recognizer, "walk.gif", b"GIF89a").error
    workdir = result.workdir
    assert workdir.is_dir()
    del result
    import gc

    gc.collect()
    assert not workdir.exists()  # the files go with the analysis


def test_annotated_copy_falls_back_to_vp9_then_to_opencv_vp8(tiny_version, clip, monkeypatch):
    import sys

    import av

    recognizer = fer.Recognizer(str(tiny_version), detector="haar")
    monkeypatch.setattr(av, "codecs_available", av.codecs_available - {"libx264"})
    result = clips.analyse_video(recognizer, "walk.avi", clip)
    assert result.ok and result.annotated_path.suffix == ".webm" and result.output.label == "WebM, VP9"
    with av.open(str(result.annotated_path)) as container:
        assert container.streams.video[0].codec_context.name == "vp9"
    monkeypatch.setitem(sys.modules, "av", None)  # no PyAV at all: OpenCV's VP8, which browsers also play
    result = clips.analyse_video(recognizer, "walk.avi", clip)
    assert result.ok and result.output.label == "WebM, VP8"
    monkeypatch.undo()
    with av.open(str(result.annotated_path)) as container:
        assert container.streams.video[0].codec_context.name == "vp8"
        assert sum(1 for _ in container.decode(video=0)) == CLIP_FRAMES
