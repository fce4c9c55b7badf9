"""Training explorer: learning curves, confusion matrix, per-class scores, misclassified faces, settings."""
import streamlit as st

from fer import viz
from fer.app import jobs, settings, summaries, ui
from fer.labels import EMOTIONS
from fer.training.config import DEFAULT_DATA, PRESETS
from fer.versions import read_history

ui.page_header("Training explorer")
name = ui.require_model("photo")
root = ui.checkpoints_root()
card = ui.read_cards(root)[name]
report = summaries.test_report(card)
st.caption(f"Version **{name}** · {card.get('architecture', '?')} · {card.get('protocol', '')}")

curves, confusion, per_class, mistakes, settings_tab, train_tab = st.tabs(
    ["Learning curves", "Confusion matrix", "Per class", "Misclassified faces", "Hyper-parameters", "Train a version"])

with curves:
    members = summaries.ensemble_members(card)
    if members:
        st.info(f"{name} averages the probabilities of {len(members)} versions: {', '.join(members)}. "
                "Their learning curves:")
    for curve_name in members or [name]:
        history = read_history(ui.version_dir(curve_name, root))
        if history:
            st.plotly_chart(viz.learning_curves(history, f"Learning curves of {curve_name}"), width="stretch")
        else:
            st.info(f"{curve_name} has no history.csv, so there are no learning curves to show.")

with confusion:
    if report is None:
        st.info(f"{name} has no test report.")
    else:
        mode = st.radio("Values", ["counts", "row-normalised"], horizontal=True, key="confusion_mode")
        st.plotly_chart(viz.confusion_heatmap(report, normalized=mode == "row-normalised",
                                              title=f"Test confusion of {name} (n={report['n']})"), width="stretch")

with per_class:
    if report is not None:
        st.dataframe(summaries.per_class_table(report).style.format(
            {"precision": "{:.3f}", "recall": "{:.3f}", "f1": "{:.3f}"}), width="stretch")
        st.plotly_chart(viz.per_class_bars(report), width="stretch")

with mistakes:
    data_path = summaries.data_file(card)
    if report is None:
        st.info(f"{name} has no test report.")
    elif data_path is None:
        st.info(f"The data file this version was tested on ({card.get('data', {}).get('file', 'unknown')}) is not "
                "on this machine, so its misclassified faces cannot be shown.")
    else:
        commonest_true, commonest_predicted = summaries.largest_confusion(report)
        true_col, pred_col = st.columns(2)
        true_class = true_col.selectbox("True emotion", EMOTIONS, index=commonest_true, key="mistake_true")
        others = [e for e in EMOTIONS if e != true_class]
        default_predicted = others.index(EMOTIONS[commonest_predicted]) if EMOTIONS[commonest_predicted] in others else 0
        predicted = pred_col.selectbox("Predicted emotion", others, index=default_predicted, key="mistake_pred")
        cell_count = report["confusion"][EMOTIONS.index(true_class)][EMOTIONS.index(predicted)]
        st.caption(f"The card counts {cell_count} test faces of {true_class} predicted as {predicted}.")
        if st.toggle("Show these faces (runs the model on the test split once, then cached)", key="show_mistakes"):
            evaluation = ui.cached_evaluation(name, root, str(data_path), "test", card.get("tta", "none"))
            images, labels = ui.cached_dataset(str(data_path)).split("test")
            cell = summaries.confusion_cell(labels, evaluation["predictions"],
                                            EMOTIONS.index(true_class), EMOTIONS.index(predicted))
            if len(evaluation["misclassified"]) != len(report.get("misclassified", evaluation["misclassified"])):
                st.warning("The recomputed predictions differ from the card's; the data file may have changed.")
            if len(cell) == 0:
                st.info(f"No test face of {true_class} was predicted as {predicted}.")
            else:
                shown = cell[:60]
                st.write(f"{len(cell)} faces; showing {len(shown)}.")
                st.image([images[i] for i in shown], width=96,
                         caption=[f"#{i} · {evaluation['probabilities'][i][EMOTIONS.index(predicted)]:.0%}" for i in shown])

with settings_tab:
    st.dataframe(summaries.hyperparameters_table(card), hide_index=True, width="stretch")
    with st.expander("The whole model card (JSON)"):
        st.json({k: v for k, v in card.items() if k != "metrics"}, expanded=False)

with train_tab:
    st.write("Start a training run in the background. It keeps running if you close or reload the page; "
             "the new version appears in the model picker when it finishes.")
    runs = settings.runs_dir()
    with st.form("train_form"):
        new_name = st.text_input("New version name", value=f"{name}-retrain")
        preset = st.selectbox("Preset", sorted(PRESETS), index=sorted(PRESETS).index("smoke"))
        data = st.text_input("Data", value=str(summaries.data_file(card) or DEFAULT_DATA))
        epochs = st.number_input("Epochs", min_value=1, max_value=200, value=2)
        submitted = st.form_submit_button("Start training")
    if submitted:
        try:
            job = jobs.start_training(new_name, data, root, runs, preset=preset, epochs=int(epochs))
            st.success(f"Started training {job.name} (process {job.pid}); log: {job.log}")
        except jobs.JobError as e:
            st.error(str(e))
    recorded = jobs.list_jobs(runs)
    if recorded:
        st.button("Refresh progress")
    for job in recorded:
        status = jobs.job_status(job)
        st.progress(jobs.progress(job), text=f"{job.name}: {status}, epoch {jobs.epochs_done(job)}/{job.epochs}")
        with st.expander(f"Log of {job.name}"):
            st.code(jobs.log_tail(job) or "(empty)")
