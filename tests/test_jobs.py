"""Training from the app: limits (global, per session, epochs, presets, offered data), names reserved once, jobs in
their own folder, stop and resume; the settings behind them; the Training explorer's tab under AppTest."""
from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from contextlib import suppress
from pathlib import Path

import pytest

from fer import version as versions
from fer.app import jobs, settings
from fer.app.settings import SettingError, TrainingLimits
from tests.test_app import run_page
from tests.test_hardening import page_text

SLEEP = [sys.executable, "-c", "import time; time.sleep(120)"]  # a stand-in job that runs until stopped


@pytest.fixture
def sleeping_jobs(monkeypatch):
    """Jobs whose process sleeps instead of training (the limits and records do not depend on what runs)."""
    monkeypatch.setattr(jobs, "training_command", lambda *args, **kwargs: list(SLEEP))
    started = []
    real_spawn = jobs._spawn

    def spawn(*args):
        started.append(real_spawn(*args))
        return started[-1]

    monkeypatch.setattr(jobs, "_spawn", spawn)
    yield started
    for pid in started:
        with suppress(ProcessLookupError):
            os.killpg(pid, 15)
        with suppress(ChildProcessError):
            os.waitpid(pid, 0)


def offering(csv: Path, **changes) -> TrainingLimits:
    return TrainingLimits(datasets=(("sample", str(csv)),), **changes)


def wait_for(condition, timeout: float = 60.0) -> None:
    deadline = time.time() + timeout
    while not condition():
        assert time.time() < deadline, "timed out"
        time.sleep(0.2)


# ---------------------------------------------------------------- settings
def test_training_limits_come_from_the_environment(tmp_path):
    data = tmp_path / "faces.csv"
    data.write_text("emotion,pixels,Usage\n")
    limits = settings.training_limits({"FER_MAX_JOBS": "3", "FER_MAX_JOBS_PER_SESSION": "2", "FER_MAX_EPOCHS": "5",
                                       "FER_TRAIN_PRESETS": "smoke", "FER_TRAIN_DATA": json.dumps({"mine": str(data)})})
    assert (limits.max_jobs, limits.max_jobs_per_session, limits.max_epochs) == (3, 2, 5)
    assert limits.presets == ("smoke",) and limits.dataset_path("mine") == str(data) and not limits.read_only
    assert settings.training_limits({"FER_READ_ONLY": "1"}).read_only
    defaults = settings.training_limits({"FER_TRAIN_DATA": "{}"})
    assert (defaults.max_jobs, defaults.max_jobs_per_session, defaults.presets) == (2, 1, ("smoke", "cpu"))
    for name, value, message in [("FER_MAX_JOBS", "0", "at least 1"), ("FER_MAX_EPOCHS", "ten", "whole number"),
                                 ("FER_READ_ONLY", "maybe", "true/false"), ("FER_TRAIN_PRESETS", "huge", "unknown"),
                                 ("FER_TRAIN_DATA", "[1]", "name shown to visitors")]:
        with pytest.raises(SettingError, match=f"{name}: .*{message}"):
            settings.training_limits({name: value})


# ---------------------------------------------------------------- requests and names
def test_requests_outside_the_limits_are_refused_before_anything_runs(tmp_path, fer_small_csv):
    limits, runs = offering(fer_small_csv, max_epochs=10), tmp_path / "runs"
    refused = [(dict(dataset="/etc/passwd"), "dataset '/etc/passwd' is not offered here"),
               (dict(preset="gpu"), "preset 'gpu' is not offered here"),
               (dict(epochs=200), "200 epochs: choose 1 to 10"), (dict(epochs=0), "0 epochs"),
               (dict(name="../evil"), "letters, digits"), (dict(name="x" * 65), "up to 64")]
    for change, message in refused:
        request = {**dict(name="new", dataset="sample", preset="smoke", epochs=2), **change}
        with pytest.raises(jobs.JobError, match=re.escape(message)):
            jobs.start_training(request.pop("name"), request.pop("dataset"), runs, limits, "me", **request)
    with pytest.raises(jobs.JobError, match="read-only"):
        jobs.start_training("new", "sample", runs, offering(fer_small_csv, read_only=True), "me")
    gone = offering(tmp_path / "moved.csv")
    with pytest.raises(jobs.JobError, match="not available on this server") as refused_missing:
        jobs.start_training("new", "sample", runs, gone, "me")
    assert str(tmp_path) not in str(refused_missing.value)  # no server path in a visitor's message
    assert not jobs.list_jobs(runs)


def test_a_name_is_reserved_once_even_when_submitted_at_the_same_moment(tmp_path, fer_small_csv, sleeping_jobs):
    limits, runs = offering(fer_small_csv, max_jobs=10, max_jobs_per_session=10), tmp_path / "runs"
    outcomes, barrier = [], threading.Barrier(6)

    def submit(session):
        barrier.wait()
        try:
            outcomes.append(jobs.start_training("twice", "sample", runs, limits, session).pid)
        except jobs.JobError as e:
            outcomes.append(str(e))

    threads = [threading.Thread(target=submit, args=(f"s{i}",)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    pids = [o for o in outcomes if isinstance(o, int)]
    assert len(pids) == 1 and len(sleeping_jobs) == 1  # one process, the one the record tracks
    assert sorted(o for o in outcomes if isinstance(o, str)) == ["version name 'twice' is taken; choose another"] * 5
    assert [(j.name, j.pid) for j in jobs.list_jobs(runs)] == [("twice", pids[0])]
    (tmp_path / "served" / "published").mkdir(parents=True)
    with pytest.raises(jobs.JobError, match="'published' is taken"):  # a name of the served checkpoints too
        jobs.start_training("published", "sample", runs, limits, "s0", checkpoints=tmp_path / "served")


def test_running_jobs_are_limited_per_session_and_in_all(tmp_path, fer_small_csv, sleeping_jobs):
    limits, runs = offering(fer_small_csv, max_jobs=2, max_jobs_per_session=1), tmp_path / "runs"
    first = jobs.start_training("a1", "sample", runs, limits, "alice")
    with pytest.raises(jobs.JobError, match="you are already running 1 training job"):
        jobs.start_training("a2", "sample", runs, limits, "alice")
    jobs.start_training("b1", "sample", runs, limits, "bob")
    with pytest.raises(jobs.JobError, match="the server is already running 2 training job"):
        jobs.start_training("c1", "sample", runs, limits, "carol")
    with pytest.raises(jobs.JobError, match="another session"):
        jobs.stop_training(first, "carol")
    jobs.stop_training(first, "alice")
    wait_for(lambda: jobs.job_status(first) != "running")
    assert jobs.start_training("c1", "sample", runs, limits, "carol").name == "c1"  # a slot is free again
    assert {j.name: j.session for j in jobs.list_jobs(runs)} == {"a1": "alice", "b1": "bob", "c1": "carol"}


# ---------------------------------------------------------------- a real job: own folder, stop, resume
def test_a_job_trains_in_its_own_folder_stops_and_resumes_from_the_page_api(tmp_path, fer_small_csv):
    served = tmp_path / "served"
    served.mkdir()
    limits, runs = offering(fer_small_csv, max_epochs=40), tmp_path / "runs"
    job = jobs.start_training("mine", "sample", runs, limits, "me", preset="smoke", epochs=40, checkpoints=served)
    assert job.version_dir == runs / "versions" / "mine" and not any(served.iterdir())
    assert "--threads" in job.command and job.command[job.command.index("--threads") + 1] == "1"
    try:
        wait_for(lambda: jobs.epochs_done(job) >= 1 or jobs.job_status(job) != "running", timeout=240)
        jobs.stop_training(job, "me")
        wait_for(lambda: jobs.job_status(job) != "running")
        assert jobs.job_status(job) == "stopped"
        assert "stopped (SIGTERM)" in jobs.log_tail(job) and "--resume" in jobs.log_tail(job)
        assert str(tmp_path) not in jobs.log_tail(job, lines=1000)  # the log, as the page shows it
        done_before = jobs.epochs_done(job)
        resumed = jobs.resume_training(job, runs, limits, "me")
        assert resumed.command[-1] == "--resume" and resumed.pid != job.pid
        assert jobs.list_jobs(runs)[0].pid == resumed.pid  # the record follows the new process
        wait_for(lambda: jobs.job_status(resumed) != "running", timeout=300)
    finally:
        for pid in (job.pid, jobs.list_jobs(runs)[0].pid):
            with suppress(ProcessLookupError):
                os.killpg(pid, 9)
    assert jobs.job_status(resumed) == "finished", jobs.log_tail(resumed)
    assert f"resuming mine after epoch {done_before}" in jobs.log_tail(resumed, lines=1000)
    assert versions.read_card("mine", runs / "versions").epochs_run == 40 and not any(served.iterdir())
    with pytest.raises(jobs.JobError, match="finished, not stopped"):
        jobs.resume_training(resumed, runs, limits, "me")


def test_job_progress_and_status_from_its_files(tiny_version, tmp_path):
    out = tmp_path / "versions"
    shutil.copytree(tiny_version, out / "done")
    (out / "done" / "card.json").rename(out / "done" / "card.moved")
    job = jobs.TrainingJob("done", pid=2**22 + 7, out_dir=str(out), log=str(tmp_path / "x.log"), epochs=4,
                           command=[], started=time.time())
    assert jobs.epochs_done(job) == len(versions.read_history(tiny_version)) == 2
    assert jobs.progress(job) == 0.5 and jobs.job_status(job) == "failed"  # no saved epoch to resume from
    (out / "done" / "last.pt").write_bytes(b"state")
    assert jobs.job_status(job) == "stopped"
    (out / "done" / "card.moved").rename(out / "done" / "card.json")
    assert jobs.progress(job) == 1.0 and jobs.job_status(job) == "finished"


def test_a_run_stopped_before_its_first_epoch_reads_stopped_and_starts_again_from_the_beginning(tmp_path, fer_small_csv):
    limits, runs = offering(fer_small_csv), tmp_path / "runs"
    job = jobs.start_training("early", "sample", runs, limits, "me", preset="smoke", epochs=2)
    try:
        stopping = jobs.stop_training(job, "me")  # at once: long before its first epoch ends
        wait_for(lambda: jobs.job_status(stopping) != "running")
        recorded = jobs.list_jobs(runs)[0]
        assert jobs.epochs_done(recorded) == 0 and not jobs.saved_epoch(recorded)
        assert jobs.job_status(recorded) == "stopped"  # not "failed": the visitor stopped it
        again = jobs.resume_training(recorded, runs, limits, "me")
        assert jobs.RESUME_FLAG not in again.command and again.stop_requested == 0
        wait_for(lambda: jobs.job_status(again) != "running", timeout=300)
    finally:
        for recorded in jobs.list_jobs(runs):
            with suppress(ProcessLookupError):
                os.killpg(recorded.pid, 9)
    assert jobs.job_status(again) == "finished", jobs.log_tail(again, lines=1000)
    assert versions.read_card("early", runs / "versions").epochs_run == 2


def test_a_job_that_died_on_its_own_before_an_epoch_is_failed_and_one_stopped_by_its_visitor_is_stopped(tmp_path):
    job = jobs.TrainingJob("x", pid=2**22 + 7, out_dir=str(tmp_path / "versions"), log=str(tmp_path / "jobs" / "x.log"),
                           epochs=3, command=[], started=time.time())
    assert jobs.job_status(job) == "failed"
    assert jobs.job_status(jobs.TrainingJob(**{**job.__dict__, "stop_requested": time.time()})) == "stopped"
    old_record = {k: v for k, v in job.__dict__.items() if k != "stop_requested"}  # records written before the field
    assert jobs.TrainingJob(**old_record).stop_requested == 0


def test_the_log_shows_clean_lines_not_progress_bar_redraws(tmp_path):
    from tqdm import tqdm

    log = io.StringIO()
    print("training fernet_tiny on 256 faces", file=log)
    for epoch in (1, 2):
        for _ in tqdm(range(8), desc=f"epoch {epoch}/3", leave=False, file=log, mininterval=0, unit="batch"):
            pass
        print(f"epoch   {epoch}/3  train loss 1.9 acc 0.2", file=log)
    bar = tqdm(range(8), desc="epoch 3/3", leave=False, file=log, mininterval=0, unit="batch")
    bar.update(3)
    lines = jobs.clean_log_lines("\x1b[32m" + log.getvalue())
    assert lines == ["training fernet_tiny on 256 faces", "epoch   1/3  train loss 1.9 acc 0.2",
                     "epoch   2/3  train loss 1.9 acc 0.2", "epoch 3/3: 3/8 batches (38%)"], lines
    assert not any("\r" in line or "|" in line for line in lines)


# ---------------------------------------------------------------- the tab
@pytest.fixture
def tab_env(tiny_version, fer_small_csv, tmp_path, monkeypatch):
    root = tmp_path / "checkpoints"
    shutil.copytree(tiny_version, root / "tiny")
    monkeypatch.setenv("FER_CHECKPOINTS", str(root))
    monkeypatch.setenv("FER_RUNS_DIR", str(tmp_path / "runs"))
    monkeypatch.setenv("FER_TRAIN_DATA", json.dumps({"FER2013 sample": str(fer_small_csv)}))
    monkeypatch.setenv("FER_MAX_EPOCHS", "12")
    for name in ("FER_READ_ONLY", "FER_MAX_JOBS", "FER_MAX_JOBS_PER_SESSION", "FER_TRAIN_PRESETS"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_the_training_tab_offers_only_what_the_server_allows(tab_env, sleeping_jobs):
    at = run_page("pages/4_Training_explorer.py", model_version="tiny")
    assert at.tabs[-1].label == "Train a version"
    assert not [t for t in at.text_input if t.label == "Data"]  # no free path
    data = next(s for s in at.selectbox if s.label == "Data")
    assert data.options == ["FER2013 sample"]
    assert next(s for s in at.selectbox if s.label == "Preset").options == ["smoke", "cpu"]
    assert at.number_input[0].max == 12
    assert not at.text_input[0].value.startswith("tiny")  # a new name, not one that reads as retraining "tiny"
    described = " ".join(page_text(at))
    assert "**smoke**: fernet_tiny on 256 training faces" in described and "**cpu**: fernet_small" in described
    at.text_input[0].set_value("first")
    next(b for b in at.button if b.label == "Start training").click().run()
    assert any(s.value == "Started training first." for s in at.success)
    at.text_input[0].set_value("second")
    next(b for b in at.button if b.label == "Start training").click().run()
    assert any("the limit per visitor" in e.value for e in at.error)
    assert len(sleeping_jobs) == 1
    assert [b.label for b in at.button if b.label.startswith("Stop")] == ["Stop first"]
    assert not any(str(tab_env) in text for text in page_text(at))
    next(b for b in at.button if b.label == "Stop first").click().run()
    assert not at.exception
    wait_for(lambda: jobs.job_status(jobs.list_jobs(tab_env / "runs")[0]) != "running")


def test_a_read_only_deployment_has_no_training_tab(tab_env, monkeypatch):
    monkeypatch.setenv("FER_READ_ONLY", "1")
    at = run_page("pages/4_Training_explorer.py", model_version="tiny")
    assert "Train a version" not in [t.label for t in at.tabs]
    assert not [b for b in at.button if b.label == "Start training"]


def test_a_finished_run_opens_in_the_explorer_for_the_visitor_who_trained_it(tab_env, tiny_version, monkeypatch):
    from fer.app import ui

    runs = tab_env / "runs"
    shutil.copytree(tiny_version, runs / "versions" / "mine")
    (runs / "jobs").mkdir(parents=True)
    job = jobs.TrainingJob("mine", pid=2**22 + 7, out_dir=str(runs / "versions"), log=str(runs / "jobs" / "mine.log"),
                           epochs=2, command=[], started=time.time(), session="trainer")
    jobs._write_record(runs, job)
    monkeypatch.setattr(ui, "session_id", lambda: "someone else")
    at = run_page("pages/4_Training_explorer.py", model_version="tiny")
    assert not [s for s in at.selectbox if s.label == "Version shown"]  # not another visitor's run
    assert not [b for b in at.button if b.label.startswith("Open")]
    monkeypatch.setattr(ui, "session_id", lambda: "trainer")
    at = run_page("pages/4_Training_explorer.py", model_version="tiny")
    next(b for b in at.button if b.label == "Open mine in the explorer").click().run()
    assert not at.exception
    assert next(s for s in at.selectbox if s.label == "Version shown").value == "mine"
    assert any("Version **mine**" in c.value for c in at.caption)
    titles = [json.loads(chart.proto.spec)["layout"]["title"]["text"] for chart in at.get("plotly_chart")]
    assert "Learning curves of mine" in titles and any(t.startswith("Test confusion of mine") for t in titles)
    assert not any(str(tab_env) in text for text in page_text(at))
