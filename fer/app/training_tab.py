"""The Training explorer's "Train a version" tab: a form within the server's limits, and the jobs' progress with
stop and resume, refreshed by itself while a run is active (the jobs themselves: fer.app.jobs)."""
from __future__ import annotations

import time

import streamlit as st

from ..training.config import PRESETS
from . import jobs
from .settings import TrainingLimits

REFRESH_S = 3  # how often the runs' progress is re-read while one is running
NAME_KEY = "train_new_name"
OPEN_RUN_KEY = "explorer_shown_version"  # the explorer page's "Version shown" choice
OPEN_REQUEST_KEY = "explorer_open_request"  # a run to show there, asked for by its Open button
FLASH_KEY = "train_flash"  # a message that outlives the rerun a button asked for
PRESET_PURPOSES = {"smoke": "seconds, to check that everything runs; the model learns little",
                   "cpu": "the recipe that trains best on a CPU in about an hour",
                   "gpu": "a larger net and a long schedule, for a GPU"}


def preset_description(preset: str) -> str:
    """"cpu: fernet_small on every training face, SGD, one-cycle schedule: the recipe that ..." from the preset."""
    options = PRESETS[preset]
    faces = f"{options['subset']} training faces" if options.get("subset") else "every training face"
    return f"**{preset}**: {options['model']} on {faces}; {PRESET_PURPOSES.get(preset, '')}".rstrip("; ")


def default_run_name() -> str:
    """A new name (not one that suggests retraining the version shown): my-model-<date>-<time>."""
    return time.strftime("my-model-%Y%m%d-%H%M")


def render(limits: TrainingLimits, runs, session: str, checkpoints: str) -> None:
    st.write("Start a training run in the background. It keeps running if you close or reload the page. "
             "It is written to the server's training folder, not among the versions offered here: the "
             "server's owner decides what to publish. When it finishes, you can open it in this explorer.")
    train_form(limits, runs, session, checkpoints)
    job_list(limits, runs, session)


def train_form(limits: TrainingLimits, runs, session: str, checkpoints: str) -> None:
    st.caption(f"Limits on this server: {limits.max_jobs} training job(s) at a time in all, "
               f"{limits.max_jobs_per_session} per visitor, presets {', '.join(limits.presets)}, "
               f"up to {limits.max_epochs} epochs.")
    if not limits.datasets:
        st.info("This server offers no training data, so no version can be trained here.")
        return
    st.markdown("Presets: " + " · ".join(preset_description(p) for p in limits.presets) + ".")
    st.session_state.setdefault(NAME_KEY, default_run_name())
    with st.form("train_form"):
        new_name = st.text_input("New version name", key=NAME_KEY, max_chars=jobs.MAX_NAME_LENGTH)
        preset = st.selectbox("Preset", limits.presets)
        dataset = st.selectbox("Data", [offered for offered, _ in limits.datasets],
                               help="The datasets this server offers for training.")
        epochs = st.number_input("Epochs", min_value=1, max_value=limits.max_epochs, value=min(2, limits.max_epochs))
        submitted = st.form_submit_button("Start training")
    if submitted:
        try:
            job = jobs.start_training(new_name, dataset, runs, limits, session, preset=preset, epochs=int(epochs),
                                      checkpoints=checkpoints)
            st.success(f"Started training {job.name}.")
        except jobs.JobError as e:
            st.error(f"Not started: {e}")


def job_list(limits: TrainingLimits, runs, session: str) -> None:
    """The recorded runs; re-read every REFRESH_S seconds while one of them is running."""
    active = any(jobs.job_status(job) == "running" for job in jobs.list_jobs(runs))
    st.fragment(run_every=REFRESH_S if active else None)(_job_rows)(limits, runs, session, active)


def _job_rows(limits: TrainingLimits, runs, session: str, was_active: bool) -> None:
    if FLASH_KEY in st.session_state:
        st.success(st.session_state.pop(FLASH_KEY))
    recorded = jobs.list_jobs(runs)
    statuses = {job.name: jobs.job_status(job) for job in recorded}
    if was_active and "running" not in statuses.values():
        st.rerun()  # the last run ended: the whole page again (its finished run can be opened; no more timer)
    if was_active:
        st.caption(f"Progress refreshes by itself every {REFRESH_S} s while a run is active.")
    for job in recorded:
        _job_row(job, statuses[job.name], limits, runs, session)


def status_line(job: jobs.TrainingJob, status: str) -> str:
    done = jobs.epochs_done(job)
    line = f"{job.name}: {status}, epoch {done}/{job.epochs}"
    if status == "stopped":
        line += (f"; resume continues after epoch {done}" if jobs.saved_epoch(job)
                 else "; stopped before its first epoch ended, so resume starts it again from the beginning")
    return line


def _job_row(job: jobs.TrainingJob, status: str, limits: TrainingLimits, runs, session: str) -> None:
    st.progress(jobs.progress(job), text=status_line(job, status))
    try:
        if status == "running" and job.session == session and st.button(f"Stop {job.name}", key=f"stop_{job.name}"):
            jobs.stop_training(job, session)
            st.info(f"Stopping {job.name}: its completed epochs are kept, and it can be resumed here."
                    if jobs.saved_epoch(job) else f"Stopping {job.name} before its first epoch ends: Resume will "
                    "start it again from the beginning.")
        if status == "stopped" and st.button(f"Resume {job.name}", key=f"resume_{job.name}"):
            from_start = not jobs.saved_epoch(job)
            jobs.resume_training(job, runs, limits, session)
            st.session_state[FLASH_KEY] = (
                f"Started {job.name} again from the beginning (no epoch had been completed)." if from_start
                else f"Resumed {job.name} after epoch {jobs.epochs_done(job)}.")
            st.rerun()  # the whole page: the progress refreshes by itself again
        if status == "finished" and job.session == session and st.button(f"Open {job.name} in the explorer",
                                                                         key=f"open_{job.name}"):
            st.session_state[OPEN_REQUEST_KEY] = job.name
            st.rerun()
    except jobs.JobError as e:
        st.error(str(e))
    with st.expander(f"Log of {job.name}"):
        st.code(jobs.log_tail(job) or "(empty)", language=None)


def finished_runs(runs, session: str) -> list[str]:
    """The runs this visitor trained (started or resumed in this session) that finished: they may open them."""
    return [job.name for job in jobs.list_jobs(runs) if job.session == session and jobs.job_status(job) == "finished"]


def version_shown(name: str, root: str, runs, session: str) -> tuple[str, str]:
    """The explorer's version: the sidebar's (`name` in `root`), or one of this visitor's finished runs, chosen
    in a "Version shown" box that appears once there is one (or asked for by a run's Open button)."""
    mine = finished_runs(runs, session)
    if not mine:
        return name, root
    if OPEN_REQUEST_KEY in st.session_state:
        st.session_state[OPEN_RUN_KEY] = st.session_state.pop(OPEN_REQUEST_KEY)
    if st.session_state.get(OPEN_RUN_KEY) not in [name, *mine]:
        st.session_state[OPEN_RUN_KEY] = name
    shown = st.selectbox("Version shown", [name, *mine], key=OPEN_RUN_KEY,
                         format_func=lambda n: n if n == name else f"{n} (your training run)")
    return (name, root) if shown == name else (shown, str(jobs.versions_dir(runs)))
