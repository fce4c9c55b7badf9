"""The upload page with many faces (AppTest): numbered gallery, table view, one face opened, group summaries."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import cv2
import pytest

from fer.app import recognition, saliency, ui
from fer.labels import EMOTIONS
from tests.e2e import harness
from tests.test_app import run_page

GROUP = (Path(__file__).parent / "fixtures" / "group_small_faces.jpg").read_bytes()  # seven faces ~40 px wide


@pytest.fixture
def app_env(tiny_version, tmp_path, monkeypatch):
    shutil.copytree(tiny_version, tmp_path / "ckpt" / "tiny")
    monkeypatch.setenv("FER_CHECKPOINTS", str(tmp_path / "ckpt"))
    monkeypatch.setenv("FER_RUNS_DIR", str(tmp_path / "runs"))


def upload(*files):
    at = run_page("pages/1_Upload_photos.py", model_version="tiny")
    at.file_uploader(key="photos").set_value([(name, data, "image/jpeg") for name, data in files]).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def expected(name: str, data: bytes) -> recognition.UploadResult:
    """The page's own analysis (the same cached recognizer, in this process)."""
    return recognition.analyse_upload(ui.cached_recognizer("tiny", "yunet", os.environ["FER_CHECKPOINTS"]), name, data)


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def widget(widgets, label: str):
    return next(w for w in widgets if w.label == label)


def test_a_group_photo_gets_a_summary_a_numbered_gallery_and_a_filtered_table(app_env):
    at = upload(("group.jpg", GROUP))
    result = expected("group.jpg", GROUP)
    faces = recognition.results_table([result])
    assert len(faces) == 7
    assert metric(at, "Faces") == "7"
    assert metric(at, "Mean confidence") == f"{faces['confidence'].mean():.0%}"
    least = faces.sort_values("confidence", kind="stable")["face"].iloc[:3]
    assert metric(at, "Least sure of") == ", ".join(f"#{n}" for n in least)
    counts = faces["label"].value_counts()
    assert counts[metric(at, "Most common emotion")] == counts.max()

    captions = [img.caption for image in at.get("image") for img in image.proto.imgs if img.caption]
    assert captions == [recognition.face_title(i, face) for i, face in enumerate(result.faces)]
    assert [c.split(" ")[0] for c in captions] == [str(n) for n in range(1, 8)]  # the numbers drawn on the image
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    assert len(charts) == 1  # the shares; no probability chart until a face is opened
    bars = {bar["name"]: bar["x"][0] for bar in charts[0]["data"]}
    assert bars == pytest.approx({label: counts.get(label, 0) / 7 for label in EMOTIONS})

    table = at.dataframe[0].value
    assert list(table.columns) == ["face", "label", "confidence", *EMOTIONS] and list(table["face"]) == list(range(1, 8))
    top = counts.index[0]
    widget(at.multiselect, "Emotions").set_value([top]).run()
    assert set(at.dataframe[0].value["label"]) == {top} and len(at.dataframe[0].value) == counts[top]
    widget(at.slider, "Confidence at least").set_value(100).run()
    assert len(at.dataframe[0].value) == int((faces[faces["label"] == top]["confidence"] >= 1.0).sum())


def test_a_face_opens_with_its_probabilities_and_its_saliency(app_env):
    at = upload(("group.jpg", GROUP))
    face = expected("group.jpg", GROUP).faces[2]
    widget(at.selectbox, "Open a face").set_value(2).run()
    assert not at.exception, [e.value for e in at.exception]
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    probabilities = charts[-1]["data"][0]
    assert dict(zip(probabilities["y"], probabilities["x"])) == pytest.approx(face.probabilities)
    assert not charts[-1]["layout"].get("title", {}).get("text")  # the face's title is written once, above it
    widget(at.toggle, "Why this label? (saliency)").set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    assert saliency.CAPTION in [img.caption for image in at.get("image") for img in image.proto.imgs]


def test_several_photos_get_a_summary_each_and_one_over_all(app_env):
    astronaut = cv2.imencode(".jpg", harness.astronaut_bgr())[1].tobytes()
    at = upload(("group.jpg", GROUP), ("astronaut.jpg", astronaut))
    assert [h.value for h in at.subheader] == ["All photos", "group.jpg", "astronaut.jpg"]
    summary = at.dataframe[0].value
    assert list(summary["photo"]) == ["group.jpg", "astronaut.jpg", "all photos"]
    assert list(summary["faces"]) == [7, 1, 8]
    expected_all = recognition.summary_table([expected("group.jpg", GROUP), expected("astronaut.jpg", astronaut)])
    assert summary.equals(expected_all)


def test_pages_and_home_have_material_icons_not_emoji():
    icons = [ui.HOME_ICON, *(page.icon for page in ui.PAGES)]
    assert all(icon.startswith(":material/") and icon.endswith(":") for icon in icons)
    assert len(set(icons)) == len(icons)
    for page in ui.PAGES:  # each page's header takes its own icon (page_header's default)
        source = (Path(__file__).resolve().parents[1] / page.path).read_text()
        assert f'ui.page_header("{page.title}"' in source and not any(ord(c) > 0x2FFF for c in source)


@pytest.mark.parametrize("visible", [20, 40, 58])
def test_a_face_cut_by_the_photos_edge_gets_a_crop_of_itself_not_of_its_neighbour(visible):
    """A face whose box the photo's left edge cuts to `visible` px, its neighbour 10 px to its right (red)."""
    import numpy as np

    photo = np.full((300, 500, 3), 120, np.uint8)
    photo[:, visible + 10:] = (0, 0, 255)
    box = (0, 84, visible, 112)
    crop = recognition.face_thumbnail(photo, box)
    neighbour = (crop[..., 0] > 200) & (crop[..., 1] < 50)  # RGB red
    face = (np.abs(crop.astype(int) - 120).max(-1) < 5)
    assert neighbour.mean() < 0.2 and neighbour.mean() < face.mean(), (neighbour.mean(), face.mean())
    assert recognition.whole_face_box((100, 84, 90, 112), photo.shape) == (100, 84, 90, 112)  # inside: as found
