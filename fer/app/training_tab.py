"""The Training explorer's "Train a version" tab: a form within the server's limits, and the jobs' progress with
stop and resume (the jobs themselves: fer.app.jobs)."""
from __future__ import annotations

import streamlit as st

from . import jobs
from .settings import TrainingLimits


def render(limits: TrainingLimits, runs, session: str, default_name: str, checkpoints: str) -> None:
    st.write("Start a training run in the background. It keeps running if you close or reload the page. "
             "It is written to the server's training folder, not among the versions offered here: the "
             "server's owner decides what to publish.")
    train_form(limits, runs, session, default_name, checkpoints)
    job_list(limits, runs, session)


def train_form(limits: TrainingLimits, runs, session: str, default_name: str, checkpoints: str) -> None:
    st.caption(f"Limits on this server: {limits.max_jobs} training job(s) at a time in all, "
               f"{limits.max_jobs_per_session} per visitor, presets {', '.join(limits.presets)}, "
               f"up to {limits.max_epochs} epochs.")
    if not limits.datasets:
        st.info("This server offers no training data, so no version can be trained here.")
        return
    with st.form("train_form"):
        new_name = st.text_input("New version name", value=default_name, max_chars=jobs.MAX_NAME_LENGTH)
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
    recorded = jobs.list_jobs(runs)
    if recorded:
        st.button("Refresh progress")
    for job in recorded:
        status = jobs.job_status(job)
        st.progress(jobs.progress(job), text=f"{job.name}: {status}, epoch {jobs.epochs_done(job)}/{job.epochs}")
        try:
            if status == "running" and job.session == session and st.button(f"Stop {job.name}", key=f"stop_{job.name}"):
                jobs.stop_training(job, session)
                st.info(f"Stopping {job.name}: its completed epochs are kept, and it can be resumed here.")
            if status == "stopped" and st.button(f"Resume {job.name}", key=f"resume_{job.name}"):
                jobs.resume_training(job, runs, limits, session)
                st.success(f"Resumed {job.name} from its last completed epoch.")
        except jobs.JobError as e:
            st.error(str(e))
        with st.expander(f"Log of {job.name}"):
            st.code(jobs.log_tail(job) or "(empty)")
