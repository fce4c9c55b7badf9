"""In a real browser: upload a face photo, see its face in the gallery with an emotion, move between pages whose
icons are Material icons (no emoji, which need an emoji font)."""
from __future__ import annotations

import re

import pytest

from fer.labels import EMOTIONS

from . import harness

pytestmark = pytest.mark.e2e
FACE_TITLE = re.compile(rf"^1 ({'|'.join(EMOTIONS)}) \d+%$")  # the gallery's caption of face 1
SLOW_MS = 300_000  # the first page load imports torch, OpenCV and the detector; CI machines may be busy


@pytest.fixture(scope="module")
def app_url(e2e_checkpoints, artifacts, tmp_path_factory):
    with harness.app_server(e2e_checkpoints, tmp_path_factory.mktemp("runs"), artifacts / "upload-streamlit.log") as url:
        yield url


def test_upload_shows_a_face_card_with_an_emotion_then_pages_switch(app_url, page, face_photo, artifacts):
    page.goto(app_url + "/Upload_photos")
    page.get_by_role("heading", name="Upload photos").wait_for(timeout=SLOW_MS)
    page.locator("input[type='file']").set_input_files(str(face_photo), timeout=SLOW_MS)
    title = page.get_by_text(FACE_TITLE).first
    title.wait_for(timeout=SLOW_MS)
    assert FACE_TITLE.search(title.inner_text()).group(1) in EMOTIONS
    page.get_by_test_id("stImage").first.wait_for(timeout=SLOW_MS)  # the annotated photo
    page.get_by_text("Download results (CSV)").wait_for(timeout=SLOW_MS)
    page.screenshot(path=str(artifacts / "upload.png"), full_page=True)
    assert page.get_by_test_id("stException").count() == 0

    nav = page.get_by_test_id("stSidebarNav")
    assert nav.get_by_test_id("stIconMaterial").count() == 6  # Home and the five pages
    nav.get_by_text("Training explorer").click()
    page.get_by_role("heading", name="Training explorer").wait_for(timeout=SLOW_MS)
    page.get_by_role("tab", name="Learning curves").wait_for(timeout=SLOW_MS)
    page.locator(".js-plotly-plot").first.wait_for(timeout=SLOW_MS)
    page.screenshot(path=str(artifacts / "training.png"), full_page=True)

    nav.get_by_text("Compare versions").click()
    page.get_by_role("heading", name="Compare versions").wait_for(timeout=SLOW_MS)
    page.get_by_text("There is only one model version").wait_for(timeout=SLOW_MS)

    # the server's first visit was a deep link: home.py's navigation (Home, not file names) still holds
    assert nav.get_by_text("home", exact=True).count() == 0  # the folder mode's label of home.py
    nav.get_by_text("Home", exact=True).click()
    page.get_by_role("heading", name="Facial emotion recognition").wait_for(timeout=SLOW_MS)
    page.get_by_text("Active model: tiny").wait_for(timeout=SLOW_MS)
