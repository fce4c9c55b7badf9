"""In a real browser: upload a group photo of seven small faces (about 40 px wide in 500x375) and see every
face boxed on the annotated image and listed (seven face cards, seven rows in the results CSV)."""
from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import cv2
import numpy as np
import pytest

from fer.labels import EMOTIONS

from . import harness

pytestmark = pytest.mark.e2e
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
GROUP = FIXTURES / "group_small_faces.jpg"
TRUTH = json.loads((FIXTURES / "group_small_faces.json").read_text())
SLOW_MS = 300_000  # the first page load imports torch, OpenCV and the detector; CI machines may be busy


def face_title(n: int) -> re.Pattern:
    return re.compile(rf"Face {n}: ({'|'.join(EMOTIONS)}) \(\d+%\)")


@pytest.fixture(scope="module")
def app_url(e2e_checkpoints, artifacts, tmp_path_factory):
    with harness.app_server(e2e_checkpoints, tmp_path_factory.mktemp("runs"), artifacts / "group-upload-streamlit.log") as url:
        yield url


def download(page, label: str) -> bytes:
    with page.expect_download(timeout=SLOW_MS) as info:
        page.get_by_text(label).first.click()
    return Path(info.value.path()).read_bytes()


def test_a_group_photo_gets_every_small_face_boxed_and_listed(app_url, page, artifacts):
    page.goto(app_url + "/Upload_photos")
    page.get_by_role("heading", name="Upload photos").wait_for(timeout=SLOW_MS)
    page.get_by_test_id("stSidebar").get_by_text("Small faces").wait_for(timeout=SLOW_MS)
    page.locator("input[type='file']").set_input_files(str(GROUP), timeout=SLOW_MS)
    page.get_by_text(face_title(7)).first.wait_for(timeout=SLOW_MS)
    cards = page.get_by_test_id("stMarkdownContainer")  # face cards, not the charts titled alike (SVG text)
    for n in range(1, 8):
        assert cards.get_by_text(face_title(n)).count() == 1
    assert cards.get_by_text(face_title(8)).count() == 0
    assert page.get_by_text("No face found").count() == 0
    page.get_by_text("All faces", exact=True).wait_for(timeout=SLOW_MS)
    page.screenshot(path=str(artifacts / "group-upload.png"), full_page=True)
    assert page.get_by_test_id("stException").count() == 0

    rows = list(csv.DictReader(io.StringIO(download(page, "Download results (CSV)").decode())))
    assert len(rows) == 7 and {row["input"] for row in rows} == {GROUP.name}
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
