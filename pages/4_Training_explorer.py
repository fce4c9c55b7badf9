"""Training explorer: learning curves, confusion matrix, per-class scores, misclassified faces, settings."""
import streamlit as st

from fer import viz
from fer.app import predictions, settings, summaries, training_tab, ui
from fer.app.public import public_card
from fer.labels import EMOTIONS
from fer.version import read_history
from fer.version.card import locate_data

ui.page_header("Training explorer")
name = ui.require_model("photo", load=False)  # the cards and curves need no model; the faces tab loads it
root = served_root = ui.checkpoints_root()
try:
    limits = settings.training_limits()
except settings.SettingError as e:
    st.error(f"Training from the app is off: the server's setting {e}")
    limits = settings.TrainingLimits(read_only=True)
if not limits.read_only:  # or a run this visitor trained here, once it has finished
    with st.container():  # always there: the box appearing inside must not move the tabs (they would reset)
        name, root = training_tab.version_shown(name, root, settings.runs_dir(), ui.session_id())
card = ui.read_cards(root)[name]
report = card.report("test")
st.caption(f"Version **{name}** · {card.architecture} · {card.protocol}")
st.caption(" · ".join(f"{label} test accuracy {summaries.format_value('test accuracy', value)}" for label, value in
                      (("FER2013", card.accuracy("test")), ("FER+", card.accuracy("test", "ferplus")))))


def show_mistakes(name: str, true_class: str, predicted: str, data_path) -> None:
    stored = predictions.test_predictions(name, root, card, data_path)
    images, labels = ui.cached_dataset(str(data_path)).split("test")
    cell = summaries.confusion_cell(labels, stored.predicted, EMOTIONS.index(true_class), EMOTIONS.index(predicted))
    if len(stored.misclassified(labels)) != len(report.get("misclassified", stored.misclassified(labels))):
        st.warning("The recomputed predictions differ from the card's; the data file may have changed.")
    if len(cell) == 0:
        st.info(f"No test face of {true_class} was predicted as {predicted}.")
        return
    shown = cell[:60]
    st.write(f"{len(cell)} faces; showing {len(shown)}.")
    st.image([images[i] for i in shown], width=96, caption=[f"#{i} · {stored.confidence[i]:.0%}" for i in shown])


tab_names = ["Learning curves", "Confusion matrix", "Per class", "Misclassified faces", "Hyper-parameters"]
curves, confusion, per_class, mistakes, settings_tab, *train_tab = st.tabs(
    tab_names + ([] if limits.read_only else ["Train a version"]))

with curves:
    members = card.member_names
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
    data_path = locate_data(card)
    if report is None:
        st.info(f"{name} has no test report.")
    elif data_path is None:
        st.info(f"The data file this version was tested on ({card.data_file or 'unknown'}) is not on this "
                "machine, so its misclassified faces cannot be shown.")
    else:
        commonest_true, commonest_predicted = summaries.largest_confusion(report)
        true_col, pred_col = st.columns(2)
        true_class = true_col.selectbox("True emotion", EMOTIONS, index=commonest_true, key="mistake_true")
        others = [e for e in EMOTIONS if e != true_class]
        default_predicted = others.index(EMOTIONS[commonest_predicted]) if EMOTIONS[commonest_predicted] in others else 0
        predicted = pred_col.selectbox("Predicted emotion", others, index=default_predicted, key="mistake_pred")
        cell_count = report["confusion"][EMOTIONS.index(true_class)][EMOTIONS.index(predicted)]
        st.caption(f"The card counts {cell_count} test faces of {true_class} predicted as {predicted}.")
        stored = predictions.is_stored(name, root, card)
        if st.toggle("Show these faces" if stored else "Show these faces (runs the model over the test split once, "
                     "with a progress bar; stored for next time)", key="show_mistakes"):
            with ui.errors_in_one_line(f"The faces of {name} cannot be shown"):
                show_mistakes(name, true_class, predicted, data_path)

with settings_tab:
    shown_card = public_card(card.to_dict(), [root, served_root])  # no server path: the data file and folders by their names
    st.dataframe(summaries.hyperparameters_table(card), hide_index=True, width="stretch")
    with st.expander("The whole model card (JSON)"):
        st.json({k: v for k, v in shown_card.items() if k != "metrics"}, expanded=False)

for tab in train_tab:  # absent in a read-only deployment
    with tab:
        training_tab.render(limits, settings.runs_dir(), ui.session_id(), served_root)
