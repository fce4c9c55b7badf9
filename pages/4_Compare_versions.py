"""Compare model versions: figures side by side, per-class F1, confusion difference, agreement."""
import streamlit as st

from fer import viz
from fer.app import summaries, ui

ui.page_header("Compare versions", "⚖️")
name = ui.require_model("photo")
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

st.subheader("Side by side (test split)")
st.dataframe(summaries.compare_table(picked, {n: ui.version_dir(n, root) for n in chosen}), width="stretch")

reports = {n: summaries.test_report(c) for n, c in picked.items() if summaries.test_report(c)}
if len(reports) < 2:
    st.info("Fewer than two of these versions have a test report; nothing more to compare.")
    st.stop()
st.plotly_chart(viz.grouped_f1_bars(reports), width="stretch")

st.subheader("Two versions in detail")
col_a, col_b = st.columns(2)
name_a = col_a.selectbox("Version A", list(reports), index=0, key="compare_a")
name_b = col_b.selectbox("Version B", [n for n in reports if n != name_a], index=0, key="compare_b")
st.plotly_chart(viz.confusion_difference(reports[name_a], reports[name_b], name_a, name_b), width="stretch")

card_a, card_b = cards[name_a], cards[name_b]
data_path = summaries.data_file(card_a)
if not summaries.same_test_data([card_a, card_b]):
    st.info(f"{name_a} and {name_b} were tested on different data, so their predictions cannot be matched face by face.")
elif data_path is None:
    st.info(f"The test data ({card_a.get('data', {}).get('file')}) is not on this machine, "
            "so agreement cannot be computed.")
elif st.toggle("Compare their predictions face by face (runs both models on the test split once, then cached)",
               key="compare_predictions"):
    eval_a = ui.cached_evaluation(name_a, root, str(data_path), "test", card_a.get("tta", "none"))
    eval_b = ui.cached_evaluation(name_b, root, str(data_path), "test", card_b.get("tta", "none"))
    _, labels = ui.cached_dataset(str(data_path)).split("test")
    agree = summaries.agreement(labels, eval_a["predictions"], eval_b["predictions"])
    cols = st.columns(5)
    cols[0].metric("They agree on", f"{agree['agree']:.1%}")
    cols[1].metric("Both right", agree["both right"])
    cols[2].metric(f"Only {name_a} right", agree["only A right"])
    cols[3].metric(f"Only {name_b} right", agree["only B right"])
    cols[4].metric("Both wrong", agree["both wrong"])
    st.dataframe(summaries.disagreement_by_class(labels, eval_a["predictions"], eval_b["predictions"], name_a, name_b),
                 hide_index=True, width="stretch")
