"""In a real browser: a generated clip on the video page (per-person summary, timeline, scrubber, saliency, the
annotated video playing, the downloads), saliency on the upload page, and two versions evaluated on an uploaded zip."""
from __future__ import annotations

import csv

import numpy as np
import pytest
from playwright.sync_api import expect

import fer
from fer.labels import EMOTIONS

from . import harness, media

pytestmark = pytest.mark.e2e
SLOW_MS = 300_000  # the first page load imports torch, OpenCV and the detector; CI machines may be busy
CLIP_FRAMES = 24
LOADED_IMAGES = ("n => [...document.querySelectorAll('[data-testid=stImage] img')]"
                 ".filter(i => i.complete && i.naturalWidth > 0).length >= n")


@pytest.fixture(scope="module")
def app_url(two_versions, artifacts, tmp_path_factory):
    with harness.app_server(two_versions, tmp_path_factory.mktemp("runs"), artifacts / "video-streamlit.log") as url:
        yield url


def test_video_summary_timeline_scrubber_saliency_and_downloads(app_url, page, artifacts, tmp_path):
    clip = media.write_face_clip(tmp_path / "walk.mp4", CLIP_FRAMES)
    page.goto(app_url + "/Video")
    page.get_by_role("heading", name="Video").first.wait_for(timeout=SLOW_MS)
    page.locator("input[type='file']").set_input_files(str(clip), timeout=SLOW_MS)
    page.get_by_role("heading", name="Per person").wait_for(timeout=SLOW_MS)
    page.get_by_role("heading", name="Emotions over time").wait_for(timeout=SLOW_MS)
    shares, timeline = page.locator(".js-plotly-plot").first, page.locator(".js-plotly-plot").nth(1)
    timeline.wait_for(timeout=SLOW_MS)
    assert shares.get_by_text("Share of each person's time in each emotion").count() == 1
    assert shares.get_by_text("#1").count() >= 1  # the one tracked person's bar
    assert timeline.get_by_text("face #1").count() >= 1  # the timeline's title names the tracked face
    assert timeline.locator(".legendtext").all_text_contents() == list(EMOTIONS)

    # the annotated video plays in the browser (H.264): it decodes to the clip's size and length
    page.wait_for_function("() => { const v = document.querySelector('video'); return v && v.readyState >= 1 }",
                           timeout=SLOW_MS)
    size = page.evaluate("() => { const v = document.querySelector('video'); return [v.videoWidth, v.videoHeight,"
                         " v.duration] }")
    assert size[:2] == [320, 240] and size[2] == pytest.approx(CLIP_FRAMES / 8, abs=0.2)

    with page.expect_download(timeout=SLOW_MS) as download:
        page.get_by_text("Download per-frame results (CSV)").click()
    rows = list(csv.DictReader(open(download.value.path(), newline="")))
    assert len(rows) == CLIP_FRAMES and rows[0]["label"] in EMOTIONS
    with page.expect_download(timeout=SLOW_MS) as download:
        page.get_by_text("Download the per-person summary (CSV)").click()
    (person,) = list(csv.DictReader(open(download.value.path(), newline="")))
    labels = [row["label"] for row in rows]
    assert person["person"] == "1" and float(person["seconds on screen"]) == pytest.approx(CLIP_FRAMES / 8)
    assert float(person["dominant share"]) == pytest.approx(labels.count(person["dominant"]) / CLIP_FRAMES, abs=1e-3)
    with page.expect_download(timeout=SLOW_MS) as download:
        page.get_by_text("Download the annotated video (MP4, H.264)").click()
    assert download.value.suggested_filename == "walk_annotated.mp4"
    import av

    with av.open(download.value.path()) as container:
        assert container.streams.video[0].codec_context.name == "h264"
        assert sum(1 for _ in container.decode(video=0)) == CLIP_FRAMES

    page.get_by_text("frame 0 ·").wait_for(timeout=SLOW_MS)  # the scrubber's annotated frame
    slider = page.locator("input[type='range'][aria-label='Frame']")  # the sidebar has a slider too
    slider.focus()
    slider.press("End")
    page.get_by_text(f"frame {CLIP_FRAMES - 1} ·").wait_for(timeout=SLOW_MS)
    why = page.get_by_text("Why these labels? (saliency)")
    expect(why).to_have_count(1, timeout=SLOW_MS)  # the rerun after the scrubber moved has replaced the old toggle
    why.click()
    page.get_by_text("Grad-CAM").wait_for(timeout=SLOW_MS)
    page.get_by_text("#1: why").wait_for(timeout=SLOW_MS)
    page.wait_for_function(LOADED_IMAGES, arg=3, timeout=SLOW_MS)  # the frame, its saliency overlay, the face's map
    page.screenshot(path=str(artifacts / "video.png"), full_page=True)
    assert page.get_by_test_id("stException").count() == 0


def test_upload_page_saliency(app_url, page, face_photo, artifacts):
    page.goto(app_url + "/Upload_photos")
    page.get_by_role("heading", name="Upload photos").wait_for(timeout=SLOW_MS)
    page.locator("input[type='file']").set_input_files(str(face_photo), timeout=SLOW_MS)
    harness.open_face(page, 1, SLOW_MS)
    page.get_by_text("Why this label? (saliency)").click(timeout=SLOW_MS)
    page.get_by_text("Grad-CAM").wait_for(timeout=SLOW_MS)
    page.wait_for_function(LOADED_IMAGES, arg=4, timeout=SLOW_MS)  # photo, gallery crop, opened crop, its map
    page.screenshot(path=str(artifacts / "upload-saliency.png"), full_page=True)
    assert page.get_by_test_id("stException").count() == 0


def test_compare_versions_on_an_uploaded_zip(app_url, page, fer_small_csv, artifacts, tmp_path):
    x, y = fer.load_dataset(fer_small_csv).split("test")
    keep = np.concatenate([np.flatnonzero(y == k)[:3] for k in range(len(EMOTIONS))])
    archive = tmp_path / "my_faces.zip"
    archive.write_bytes(media.labelled_zip(x[keep], y[keep], EMOTIONS))
    page.goto(app_url + "/Compare_versions")
    page.get_by_role("heading", name="Compare versions").wait_for(timeout=SLOW_MS)
    page.locator("input[type='file']").set_input_files(str(archive), timeout=SLOW_MS)
    page.get_by_text(f"of your {len(keep)} faces").wait_for(timeout=SLOW_MS)
    page.get_by_role("tab", name="tiny-b").click(timeout=SLOW_MS)  # the confusion matrices, one tab each
    page.get_by_text("tiny-b on your faces").wait_for(timeout=SLOW_MS)
    page.get_by_text("Accuracy and macro-F1 by version").wait_for(timeout=SLOW_MS)
    page.screenshot(path=str(artifacts / "compare-zip.png"), full_page=True)
    assert page.get_by_test_id("stException").count() == 0
