"""In a real browser: the training tab holds the server's limits (a job of another visitor fills the one slot),
offers data by name only, and a zip with a damaged entry on the compare page is one line while the rest renders;
no server path on either page."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import asdict

import numpy as np
import pytest

import fer
from fer.app import jobs
from fer.labels import EMOTIONS
from tests.test_hardening import zip_with_a_damaged_entry

from . import harness

pytestmark = pytest.mark.e2e
SLOW_MS = 300_000  # the first page load imports torch, OpenCV and the detector; CI machines may be busy


@pytest.fixture(scope="module")
def busy_runs(tmp_path_factory):
    """A runs folder whose one job (another visitor's, a sleeping stand-in process) is running."""
    runs = tmp_path_factory.mktemp("busy_runs")
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(900)"], start_new_session=True)
    jobs.jobs_dir(runs).mkdir()
    job = jobs.TrainingJob("someone-elses", other.pid, str(jobs.versions_dir(runs)), str(jobs.jobs_dir(runs) / "x.log"),
                           10, [], time.time(), "another visitor", "FER2013 sample", "smoke")
    (jobs.jobs_dir(runs) / "someone-elses.json").write_text(json.dumps(asdict(job)))
    yield runs
    other.kill()
    other.wait()


@pytest.fixture(scope="module")
def app_url(two_versions, busy_runs, fer_small_csv, artifacts):
    with harness.app_server(two_versions, busy_runs, artifacts / "hardening-streamlit.log", FER_MAX_JOBS="1",
                            FER_MAX_EPOCHS="10", FER_TRAIN_DATA=json.dumps({"FER2013 sample": str(fer_small_csv)})) as url:
        yield url


def no_server_path(page, *paths) -> None:
    text = page.locator("body").inner_text()
    assert not [str(p) for p in paths if str(p) in text] and "/tmp/" not in text


def test_the_training_tab_refuses_a_job_over_the_servers_limit(app_url, page, busy_runs, artifacts, fer_small_csv):
    page.goto(app_url + "/Training_explorer")
    page.get_by_role("heading", name="Training explorer").wait_for(timeout=SLOW_MS)
    page.get_by_role("tab", name="Train a version").click(timeout=SLOW_MS)
    page.get_by_text("1 training job(s) at a time in all").wait_for(timeout=SLOW_MS)
    page.get_by_text("someone-elses: running").wait_for(timeout=SLOW_MS)
    assert page.get_by_role("button", name="Stop someone-elses").count() == 0  # not this visitor's job
    assert page.get_by_role("textbox", name="Data").count() == 0  # no free path: a choice among named datasets
    page.get_by_test_id("stSelectbox").filter(has_text="Data").click(timeout=SLOW_MS)
    page.get_by_role("option").first.wait_for(timeout=SLOW_MS)  # the list opens after the click returns
    assert page.get_by_role("option").all_inner_texts() == ["FER2013 sample"]
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Start training").click(timeout=SLOW_MS)
    page.get_by_text("the server is already running 1 training job(s), its limit").wait_for(timeout=SLOW_MS)
    page.screenshot(path=str(artifacts / "training-limit.png"), full_page=True)
    assert page.get_by_test_id("stException").count() == 0
    assert [j.name for j in jobs.list_jobs(busy_runs)] == ["someone-elses"]  # nothing was started
    no_server_path(page, busy_runs, fer_small_csv)


def test_a_damaged_zip_entry_is_one_line_and_the_versions_are_still_compared(app_url, page, fer_small_csv,
                                                                          two_versions, artifacts, tmp_path):
    x, y = fer.load_dataset(fer_small_csv).split("test")
    keep = np.concatenate([np.flatnonzero(y == k)[:2] for k in range(len(EMOTIONS))])
    data, damaged = zip_with_a_damaged_entry(x[keep], y[keep])
    archive = tmp_path / "my_faces.zip"
    archive.write_bytes(data)
    page.goto(app_url + "/Compare_versions")
    page.get_by_role("heading", name="Compare versions").wait_for(timeout=SLOW_MS)
    page.locator("input[type='file']").set_input_files(str(archive), timeout=SLOW_MS)
    page.get_by_text(f"left out {damaged}: damaged in the zip").wait_for(timeout=SLOW_MS)
    page.get_by_text(f"of your {len(keep) - 1} faces").wait_for(timeout=SLOW_MS)
    page.get_by_role("tab", name="tiny-b").click(timeout=SLOW_MS)  # each version's confusion matrix in its own tab
    page.get_by_text("tiny-b on your faces").wait_for(timeout=SLOW_MS)
    page.screenshot(path=str(artifacts / "compare-damaged-zip.png"), full_page=True)
    assert page.get_by_test_id("stException").count() == 0
    no_server_path(page, two_versions, fer_small_csv)
