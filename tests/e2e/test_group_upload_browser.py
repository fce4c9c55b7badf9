"""In a real browser: a group photo of seven small faces (each boxed, numbered and listed once), and a crowd of
25 faces whose results (summary, gallery, a face opened) fit in about three screens."""
from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import cv2
import numpy as np
import pytest
from playwright.sync_api import expect

from fer.labels import EMOTIONS

from . import harness

pytestmark = pytest.mark.e2e
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
GROUP = FIXTURES / "group_small_faces.jpg"
TRUTH = json.loads((FIXTURES / "group_small_faces.json").read_text())
SLOW_MS = 300_000  # the first page load imports torch, OpenCV and the detector; CI machines may be busy
VIEWPORT_HEIGHT = 1000


def face_caption(n: int) -> re.Pattern:
    return re.compile(rf"^{n} ({'|'.join(EMOTIONS)}) \d+%$")


@pytest.fixture(scope="module")
def app_url(e2e_checkpoints, artifacts, tmp_path_factory):
    with harness.app_server(e2e_checkpoints, tmp_path_factory.mktemp("runs"), artifacts / "group-upload-streamlit.log") as url:
        yield url


@pytest.fixture(scope="module")
def crowd(tmp_path_factory) -> tuple[Path, list]:
    """25 faces 45-70 px wide on grass, 1600x1200 (the collages of benchmarks/small_faces.py)."""
    from small_faces import collage

    image, truth = collage((1600, 1200), np.random.default_rng(25).uniform(45, 70, 25), "grass",
                           np.random.default_rng(2))
    path = tmp_path_factory.mktemp("crowd") / "crowd.jpg"
    cv2.imwrite(str(path), image)
    return path, truth


def download(page, label: str) -> bytes:
    with page.expect_download(timeout=SLOW_MS) as info:
        page.get_by_text(label).first.click()
    return Path(info.value.path()).read_bytes()


def upload(page, app_url, path: Path) -> None:
    page.goto(app_url + "/Upload_photos")
    page.get_by_role("heading", name="Upload photos").wait_for(timeout=SLOW_MS)
    page.get_by_test_id("stSidebar").get_by_text("Small faces").wait_for(timeout=SLOW_MS)
    page.locator("input[type='file']").set_input_files(str(path), timeout=SLOW_MS)


def gallery_captions(page) -> list[str]:
    return page.get_by_test_id("stImageCaption").all_text_contents()


def test_a_group_photo_gets_every_small_face_boxed_numbered_and_listed(app_url, page, artifacts):
    upload(page, app_url, GROUP)
    page.get_by_text(face_caption(7)).first.wait_for(timeout=SLOW_MS)
    expect(page.get_by_test_id("stImageCaption")).to_have_count(7, timeout=SLOW_MS)  # the gallery draws face by face
    captions = gallery_captions(page)
    assert [next(n for n in range(1, 8) if face_caption(n).match(c)) for c in captions] == list(range(1, 8))
    assert page.get_by_text("No face found").count() == 0
    page.screenshot(path=str(artifacts / "group-upload.png"), full_page=True)
    assert page.get_by_test_id("stException").count() == 0

    rows = list(csv.DictReader(io.StringIO(download(page, "Download results (CSV)").decode())))
    assert len(rows) == 7 and {row["source"] for row in rows} == {GROUP.name}
    listed = [tuple(int(row[k]) for k in "xywh") for row in rows]
    for x, y, w, h in TRUTH:  # each true face is listed once, where it is
        centre_in = [bx <= x + w / 2 <= bx + bw and by <= y + h / 2 <= by + bh for bx, by, bw, bh in listed]
        assert sum(centre_in) == 1

    annotated = cv2.imdecode(np.frombuffer(download(page, "Download the annotated image"), np.uint8), cv2.IMREAD_COLOR)
    original = cv2.imread(str(GROUP))
    assert annotated.shape == original.shape
    changed = np.abs(annotated.astype(int) - original.astype(int)).sum(axis=2) > 60
    for x, y, w, h in listed:  # a box drawn along each listed face's outline
        outline = np.zeros(changed.shape, bool)
        cv2.rectangle(outline.view(np.uint8), (x, y), (x + w - 1, y + h - 1), 1, 1)
        assert changed[outline].mean() > 0.5


def test_a_crowd_gets_a_summary_a_compact_gallery_and_a_face_opened(app_url, page, crowd, artifacts):
    path, truth = crowd
    upload(page, app_url, path)
    page.get_by_text("Share of each emotion").first.wait_for(timeout=SLOW_MS)
    page.get_by_text(face_caption(len(truth))).first.wait_for(timeout=SLOW_MS)
    faces = page.get_by_test_id("stMetric").filter(has_text="Faces").get_by_test_id("stMetricValue").inner_text()
    assert int(faces) == len(gallery_captions(page)) >= 0.9 * len(truth)
    assert page.get_by_test_id("stMetric").filter(has_text="Least sure of").get_by_text("#").count() == 1

    top = page.get_by_role("heading", name=path.name).bounding_box()  # the photo's results: from its title ...
    bottom = page.get_by_test_id("stSelectbox").filter(has_text="Open a face").bounding_box()  # ... to the last control
    height = bottom["y"] + bottom["height"] - top["y"]
    assert height <= 3.2 * VIEWPORT_HEIGHT, f"the results of {faces} faces are {height / VIEWPORT_HEIGHT:.1f} screens"

    summary = list(csv.DictReader(io.StringIO(download(page, "Download the summary (CSV)").decode())))
    assert len(summary) == 1 and summary[0]["photo"] == path.name and int(summary[0]["faces"]) == int(faces)
    assert sum(float(summary[0][f"share {e}"]) for e in EMOTIONS) == pytest.approx(1.0)

    harness.open_face(page, 3, SLOW_MS)
    opened = page.locator(".js-plotly-plot").last
    assert sorted(opened.locator(".ytick").all_text_contents()) == sorted(EMOTIONS)  # its seven probabilities
    page.get_by_text("Why this label? (saliency)").click(timeout=SLOW_MS)
    page.get_by_text("Grad-CAM").wait_for(timeout=SLOW_MS)
    page.screenshot(path=str(artifacts / "crowd-upload.png"), full_page=True)
    assert page.get_by_test_id("stException").count() == 0
