"""Compare model versions: figures side by side, on your own labelled faces, per-class F1, confusion difference,
agreement."""
import hashlib

import streamlit as st

from fer import viz
from fer.app import own_faces, predictions, summaries, ui
from fer.data import DataError
from fer.version.card import locate_data

ui.page_header("Compare versions")
name = ui.require_model("photo", load=False)  # a version that cannot be loaded is reported where it is run
root = ui.checkpoints_root()
cards = ui.read_cards(root)
if len(cards) < 2:
    st.info(f"There is only one model version ({name}); train another to compare them.")
    st.stop()

default = [name] + [n for n in cards if n != name][:1]
chosen = st.multiselect("Versions to compare", list(cards), default=default, key="compare_versions")
if len(chosen) < 2:
    st.warning("Pick at least two versions.")
    st.stop()
picked = {n: cards[n] for n in chosen}
colors = viz.version_colors(chosen)  # one colour per version in every chart of the page


def show_own_faces(own_zip) -> None:
    """Every chosen version run on an uploaded zip of labelled faces; an unusable image or version is one line."""
    own_data = own_zip.getvalue()
    digest = hashlib.sha256(own_data).hexdigest()
    try:
        faces = ui.cached_labelled_zip(digest, own_data)
    except DataError as e:
        st.error(f"Could not use {own_zip.name}. {e}")
        return
    for left_out in faces.notes:
        st.warning(f"{own_zip.name}: {left_out}")
    own_x, own_y = faces.split("test")
    own = {}
    with st.spinner(f"Running {len(chosen)} versions on your {len(own_y)} faces…"):
        for n in chosen:
            with ui.errors_in_one_line(f"{n} was not run on your faces"):
                own[n] = ui.cached_zip_evaluation(n, root, digest, own_data, cards[n].tta)
    if not own:
        return
    st.dataframe(own_faces.scores_table(own), hide_index=True, width="stretch")
    st.plotly_chart(viz.version_accuracy_bars(own, colors=colors), width="stretch", key="own_scores")
    st.markdown("**Confusion matrices on your faces**")
    for tab, (n, report) in zip(st.tabs(list(own)), own.items()):  # one at a time, at the page's full width
        tab.plotly_chart(viz.confusion_heatmap(report, title=f"{n} on your faces (n={report['n']})"),
                         width="stretch", key=f"own_confusion_{n}")
    own_predictions = {n: r["predictions"] for n, r in own.items()}
    differ = own_faces.disagreements(own_predictions)[:60]
    st.markdown(f"**The versions disagree on {len(own_faces.disagreements(own_predictions))} of your "
                f"{len(own_y)} faces**" + (" (the first 60):" if len(differ) == 60 else ":" if len(differ) else "."))
    if len(differ):
        st.image([own_x[i] for i in differ], width=96,
                 caption=own_faces.disagreement_captions(differ, own_y, own_predictions))
        st.dataframe(own_faces.disagreement_table(differ, own_y, own_predictions), hide_index=True, width="stretch")


def show_agreement(name_a: str, name_b: str, data_path) -> None:
    card_a, card_b = cards[name_a], cards[name_b]
    pred_a = predictions.test_predictions(name_a, root, card_a, data_path).predicted  # stored, else computed once
    pred_b = predictions.test_predictions(name_b, root, card_b, data_path).predicted
    _, labels = ui.cached_dataset(str(data_path)).split("test")
    agree = summaries.agreement(labels, pred_a, pred_b)
    cols = st.columns(5)
    cols[0].metric("They agree on", f"{agree['agree']:.1%}")
    cols[1].metric("Both right", agree["both right"])
    cols[2].metric(f"Only {name_a} right", agree["only A right"])
    cols[3].metric(f"Only {name_b} right", agree["only B right"])
    cols[4].metric("Both wrong", agree["both wrong"])
    st.dataframe(summaries.disagreement_by_class(labels, pred_a, pred_b, name_a, name_b),
                 hide_index=True, width="stretch")


st.subheader("Side by side (test split, FER2013's labels and FER+'s)")
st.dataframe(summaries.compare_table(picked, {n: ui.version_dir(n, root) for n in chosen}), width="stretch")

with st.expander("On your own faces: evaluate these versions on a zip of labelled face photos", expanded=True):
    own_zip = st.file_uploader("Labelled faces (zip)", type=["zip"], key="own_faces_zip",
                               help="Folders named after the emotions, each holding face photos: happy/1.jpg, "
                                    "sad/2.png…")
    if own_zip is None:
        st.caption("A zip of `<class>/*.jpg` folders (angry, disgust, fear, happy, sad, surprise, neutral, or the "
                   "usual synonyms), at its top or in one folder. Each image is taken as the face (crop it like "
                   "FER2013: brows to chin), as `python -m fer evaluate --data folder/` does.")
    else:
        show_own_faces(own_zip)

reports = {n: c.report("test") for n, c in picked.items() if c.report("test")}
if len(reports) < 2:
    st.info("Fewer than two of these versions have a test report; nothing more to compare.")
    st.stop()
st.plotly_chart(viz.grouped_f1_bars(reports, colors=colors), width="stretch")
ferplus = {n: c.report("test", labels="ferplus") for n, c in picked.items()}
ferplus = {n: r for n, r in ferplus.items() if r}
st.plotly_chart(viz.class_share_bars(ferplus or reports, "How often each version says each emotion (test split, "
                                     f"{'FER+' if ferplus else 'FER2013'} labels)", colors=colors), width="stretch")

st.subheader("Two versions in detail")
col_a, col_b = st.columns(2)
name_a = col_a.selectbox("Version A", list(reports), index=0, key="compare_a")
name_b = col_b.selectbox("Version B", [n for n in reports if n != name_a], index=0, key="compare_b")
st.plotly_chart(viz.confusion_difference(reports[name_a], reports[name_b], name_a, name_b), width="stretch")

card_a, card_b = cards[name_a], cards[name_b]
data_path = locate_data(card_a)
if not summaries.same_test_data([card_a, card_b]):
    st.info(f"{name_a} and {name_b} were tested on different data, so their predictions cannot be matched face by face.")
elif data_path is None:
    st.info(f"The test data ({card_a.data_file}) is not on this machine, "
            "so agreement cannot be computed.")
elif st.toggle("Compare their predictions face by face (stored test predictions; a version without them runs once, "
               "with a progress bar)",
               key="compare_predictions"):
    with ui.errors_in_one_line(f"{name_a} and {name_b} cannot be compared face by face"):
        show_agreement(name_a, name_b, data_path)
