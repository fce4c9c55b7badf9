"""In a real browser at 1366 px: training from the page (a stop before the first epoch, resume, progress that
refreshes by itself, the finished run opened in the explorer), charts (one colour per version across the compare
page, legends clear of every axis), and photo labels that never overlap. Makes the README's two screenshots
(docs/images/upload-group.png, docs/images/video.png): FER_README_SCREENSHOTS=1 bash scripts/test.sh tests/e2e."""
from __future__ import annotations

import csv
import io
import itertools
import json
import os
import re
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

import fer
from fer.inference import Detection, Face, draw
from fer.labels import EMOTIONS

from . import harness, media

pytestmark = pytest.mark.e2e
SLOW_MS = 300_000  # the first page load imports torch, OpenCV and the detector; CI machines may be busy
VIEWPORT = {"width": 1366, "height": 900}
# The README's screenshots land in test-artifacts/ on every run (a test run leaves the checkout clean); with
# FER_README_SCREENSHOTS=1 they replace docs/images/, the ones the README shows.
README_IMAGES = (harness.REPO / "docs" / "images" if os.environ.get("FER_README_SCREENSHOTS") == "1"
                 else harness.ARTIFACTS / "readme-images")
README_WIDTH = 1100  # px: the README's screenshots, scaled down and reduced to 256 colours (small files)
SHIPPED = "fernet_small_deep-twohead-rt-v1"  # a small shipped version: real answers in the README's screenshots
RUN = "browser-run"

# every plotly figure of the page: its traces' (name, colour) and, where it has a legend, the legend's box and
# the boxes of the plot area, the axes' tick labels and titles (visible ones only: a hidden tab's are empty)
PLOTS = """() => [...document.querySelectorAll('.js-plotly-plot')].map(gd => {
  const box = e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  const shown = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const legend = gd.querySelector('.legend');
  return {
    title: (gd.layout.title && gd.layout.title.text) || '',
    traces: gd.data.filter(t => t.marker && typeof t.marker.color === 'string').map(t => [t.name, t.marker.color]),
    legend: legend && shown(legend) ? box(legend) : null,
    figure: box(gd.querySelector('.main-svg')),
    axes: [...gd.querySelectorAll('.nsewdrag, .xtick text, .ytick text, .g-xtitle, .g-ytitle')].filter(shown).map(box),
  };
})"""


def overlap(a, b) -> float:
    return max(0, min(a[2], b[2]) - max(a[0], b[0])) * max(0, min(a[3], b[3]) - max(a[1], b[1]))


def assert_legends_clear_of_axes(plots) -> int:
    """Each shown legend overlaps no axis part of its figure and lies inside the figure; returns how many."""
    checked = 0
    for plot in plots:
        if plot["legend"] is None:
            continue
        hits = [part for part in plot["axes"] if overlap(plot["legend"], part) > 1]
        assert not hits, f"the legend of {plot['title']!r} lies over its axes: {plot['legend']} vs {hits}"
        fig = plot["figure"]
        assert fig[0] - 1 <= plot["legend"][0] and plot["legend"][2] <= fig[2] + 1, plot
        checked += 1
    return checked


def save_readme_image(png: bytes, name: str) -> Path:
    """A screenshot for the README: scaled to README_WIDTH and reduced to 256 colours."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    image = image.resize((README_WIDTH, round(image.height * README_WIDTH / image.width)), Image.LANCZOS)
    README_IMAGES.mkdir(parents=True, exist_ok=True)
    path = README_IMAGES / name
    image.quantize(256, method=Image.Quantize.FASTOCTREE).save(path, optimize=True)
    return path


def group_photo(path: Path) -> Path:
    """Five heads shoulder to shoulder in two staggered rows, the first cut by the photo's left edge: their
    labels compete for the same places."""
    from skimage import data

    astronaut = harness.astronaut_bgr()[20:220, 130:320]
    camera = cv2.cvtColor(data.camera(), cv2.COLOR_GRAY2BGR)[70:240, 150:300]
    heads = [astronaut, camera[:, ::-1], astronaut[:, ::-1], camera, astronaut]
    canvas = np.zeros((430, 900, 3), np.uint8)
    canvas[:] = np.linspace(90, 170, 900, dtype=np.uint8)[None, :, None]
    x = -40
    for i, head in enumerate(heads):
        head = cv2.resize(head, (150, 160), interpolation=cv2.INTER_AREA)
        top = 40 + (i % 2) * 110
        visible = head[:, max(0, -x):]
        canvas[top:top + 160, max(0, x):max(0, x) + visible.shape[1]] = visible
        x += 150 + 18
    cv2.imwrite(str(path), canvas, [cv2.IMWRITE_JPEG_QUALITY, 92])
    return path


@pytest.fixture(scope="module")
def app_url(two_versions, fer_small_csv, artifacts, tmp_path_factory):
    env = {"FER_TRAIN_DATA": json.dumps({"FER2013 sample": str(fer_small_csv)}), "FER_MAX_EPOCHS": "3",
           "FER_TRAIN_PRESETS": "smoke"}
    with harness.app_server(two_versions, tmp_path_factory.mktemp("runs"), artifacts / "app-ui-streamlit.log",
                            **env) as url:
        yield url


@pytest.fixture(scope="module")
def shipped_url(artifacts, tmp_path_factory):
    """The app serving a copy of a small shipped version (its ONNX export is written to the copy, if at all)."""
    root = tmp_path_factory.mktemp("shipped")
    shutil.copytree(harness.REPO / "checkpoints" / SHIPPED, root / SHIPPED)
    with harness.app_server(root, tmp_path_factory.mktemp("runs"), artifacts / "app-ui-shipped-streamlit.log") as url:
        yield url


@pytest.fixture
def wide_page(playwright_instance):
    browser = playwright_instance.chromium.launch(executable_path=harness.CHROMIUM, headless=True,
                                                  args=harness.BASE_ARGS)
    yield browser.new_page(viewport=VIEWPORT, accept_downloads=True)
    browser.close()


def test_training_stops_before_its_first_epoch_resumes_refreshes_by_itself_and_opens(app_url, wide_page, artifacts):
    page = wide_page
    page.goto(app_url + "/Training_explorer")
    page.get_by_role("tab", name="Train a version").click(timeout=SLOW_MS)
    name = page.get_by_label("New version name")
    assert not name.input_value().startswith("tiny")  # not a name that reads as retraining the version shown
    name.fill(RUN)
    page.get_by_role("button", name="Start training").click()
    page.get_by_text(f"Started training {RUN}.").wait_for(timeout=SLOW_MS)
    assert page.get_by_role("button", name="Refresh progress").count() == 0
    page.get_by_role("button", name=f"Stop {RUN}").click(timeout=SLOW_MS)  # at once: within its start-up
    # from here the page is only watched until it changes by itself
    page.get_by_text(re.compile(rf"{RUN}: stopped, epoch 0/2; stopped before its first epoch ended, so resume "
                                "starts it again from the beginning")).wait_for(timeout=60_000)
    assert page.get_by_text(f"{RUN}: failed").count() == 0
    page.screenshot(path=str(artifacts / "training-stopped.png"), full_page=True)

    page.get_by_role("button", name=f"Resume {RUN}").click(timeout=SLOW_MS)
    page.get_by_text(f"Started {RUN} again from the beginning").wait_for(timeout=SLOW_MS)
    page.get_by_text(re.compile(rf"{RUN}: running")).wait_for(timeout=SLOW_MS)
    page.get_by_text(re.compile(rf"{RUN}: finished, epoch 2/2")).wait_for(timeout=SLOW_MS)  # no click since Resume
    page.locator(f"text=Log of {RUN} >> visible=true").first.click()
    log = page.locator("[data-testid=stCode] >> visible=true").last.inner_text()
    assert "epoch   2/2" in log and "%|" not in log and "\r" not in log, log  # clean lines, no progress bars
    page.screenshot(path=str(artifacts / "training-finished.png"), full_page=True)

    page.get_by_role("button", name=f"Open {RUN} in the explorer").click(timeout=SLOW_MS)
    page.get_by_text(re.compile(rf"^Version {RUN} ·")).wait_for(timeout=SLOW_MS)  # the page now shows the run
    page.screenshot(path=str(artifacts / "training-opened.png"), full_page=True)
    page.get_by_role("tab", name="Learning curves").click()
    page.get_by_text(f"Learning curves of {RUN}").wait_for(timeout=SLOW_MS)
    page.get_by_role("tab", name="Confusion matrix").click()
    page.get_by_text(f"Test confusion of {RUN}").wait_for(timeout=SLOW_MS)
    page.screenshot(path=str(artifacts / "training-opened-confusion.png"), full_page=True)
    assert page.get_by_test_id("stException").count() == 0


def test_compare_page_one_colour_per_version_and_legends_clear_of_axes(app_url, wide_page, fer_small_csv, artifacts,
                                                                      tmp_path):
    page = wide_page
    x, y = fer.load_dataset(fer_small_csv).split("test")
    archive = tmp_path / "my_faces.zip"
    archive.write_bytes(media.labelled_zip(x, y, EMOTIONS))
    page.goto(app_url + "/Compare_versions")
    page.get_by_role("heading", name="Compare versions").wait_for(timeout=SLOW_MS)
    page.locator("input[type='file']").set_input_files(str(archive), timeout=SLOW_MS)
    page.get_by_text("Confusion matrices on your faces").wait_for(timeout=SLOW_MS)
    page.get_by_text("How often each version says each emotion").wait_for(timeout=SLOW_MS)
    page.wait_for_timeout(1500)  # plotly lays the last figures out
    plots = page.evaluate(PLOTS)
    colours = {}
    for plot in plots:
        for trace, colour in plot["traces"]:
            if trace in ("tiny", "tiny-b"):
                colours.setdefault(trace, set()).add(colour)
    assert sum(1 for p in plots if any(t in ("tiny", "tiny-b") for t, _ in p["traces"])) == 3
    assert colours["tiny"] != colours["tiny-b"] and all(len(c) == 1 for c in colours.values()), colours
    assert assert_legends_clear_of_axes(plots) >= 3
    for version in ("tiny", "tiny-b"):  # each confusion matrix at the page's width: its title whole
        page.get_by_role("tab", name=version, exact=True).click()
        title = page.get_by_text(f"{version} on your faces (n={len(y)})")
        title.wait_for(timeout=SLOW_MS)
        assert title.bounding_box()["width"] > 100
        heat = page.locator(".js-plotly-plot").filter(has_text=f"{version} on your faces")
        assert heat.bounding_box()["width"] > 0.6 * VIEWPORT["width"]
    page.screenshot(path=str(artifacts / "compare-colours.png"), full_page=True)
    assert page.get_by_test_id("stException").count() == 0


def test_group_photo_labels_never_overlap_and_readme_screenshot(shipped_url, wide_page, artifacts, tmp_path):
    page = wide_page
    photo = group_photo(tmp_path / "group.jpg")
    page.goto(shipped_url + "/Upload_photos")
    page.get_by_role("heading", name="Upload photos").wait_for(timeout=SLOW_MS)
    page.locator("input[type='file']").set_input_files(str(photo), timeout=SLOW_MS)
    page.get_by_text("Share of each emotion").first.wait_for(timeout=SLOW_MS)
    page.locator(".js-plotly-plot .legend").first.wait_for(timeout=SLOW_MS)
    page.wait_for_timeout(1000)
    assert assert_legends_clear_of_axes(page.evaluate(PLOTS)) >= 1  # the emotion shares' legend

    with page.expect_download(timeout=SLOW_MS) as info:
        page.get_by_text("Download results (CSV)").first.click()
    rows = list(csv.DictReader(open(info.value.path(), newline="")))
    with page.expect_download(timeout=SLOW_MS) as info:
        page.get_by_text("Download the annotated image").first.click()
    annotated = cv2.imread(info.value.path())
    assert len(rows) >= 4, rows  # most of the five heads found (what is checked is their labels)
    faces = [Face.from_probabilities(Detection(tuple(int(r[k]) for k in "xywh"), 0.9, None),
                                     np.array([float(r[e]) for e in EMOTIONS]), EMOTIONS) for r in rows]
    scale = draw.label_scale(annotated.shape)
    sizes = [draw.label_size(draw.face_caption(f, n), scale) for n, f in enumerate(faces, 1)]
    rects = draw.place_labels([f.box for f in faces], sizes, annotated.shape)
    for a, b in itertools.combinations(rects, 2):
        assert draw._overlap(a, b) == 0
    for face, (x, y, w, h) in zip(faces, rects):  # each label is there, in its face's colour, whole
        patch = annotated[y:y + h, x:x + w].reshape(-1, 3).astype(int)
        assert (np.abs(patch - draw.EMOTION_COLORS[face.label]).max(1) < 40).mean() > 0.5
    page.screenshot(path=str(artifacts / "upload-group.png"), full_page=True)
    page.get_by_role("heading", name=photo.name).evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(800)  # scrolled, the images below it drawn
    save_readme_image(page.screenshot(), "upload-group.png")
    assert page.get_by_test_id("stException").count() == 0


def test_video_page_readme_screenshot(shipped_url, wide_page, artifacts, tmp_path):
    page = wide_page
    clip = media.write_face_clip(tmp_path / "walk.mp4", 24)
    page.goto(shipped_url + "/Video")
    page.get_by_role("heading", name="Video").first.wait_for(timeout=SLOW_MS)
    page.locator("input[type='file']").set_input_files(str(clip), timeout=SLOW_MS)
    page.get_by_role("heading", name="Per person").wait_for(timeout=SLOW_MS)
    page.get_by_role("heading", name="Emotions over time").wait_for(timeout=SLOW_MS)
    page.locator(".js-plotly-plot .legend").nth(1).wait_for(timeout=SLOW_MS)  # the shares' and the timeline's
    page.wait_for_timeout(1000)
    assert assert_legends_clear_of_axes(page.evaluate(PLOTS)) >= 2  # the shares' and the timeline's
    page.screenshot(path=str(artifacts / "video-page.png"), full_page=True)
    page.get_by_role("heading", name="Per person").evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(800)  # scrolled, the images below it drawn
    save_readme_image(page.screenshot(), "video.png")
    assert page.get_by_test_id("stException").count() == 0
