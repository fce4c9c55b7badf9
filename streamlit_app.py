"""Home page of the FER dashboard: what the app does and the active model version at a glance."""
import streamlit as st

from fer.app import summaries, ui

st.set_page_config(page_title="FER dashboard", page_icon="🙂", layout="wide")
st.title("Facial emotion recognition")
st.write(
    "Find the faces in a photo or a live webcam stream and read their expression as one of seven emotions "
    "(angry, disgust, fear, happy, sad, surprise, neutral), with models trained on FER2013. "
    "Pick the model version in the sidebar; the choice holds on every page."
)

name = ui.sidebar_model_picker("photo")
if name is None:
    st.error("No model version is available yet, so there is nothing to show. "
             "Train one with `python -m fer train --preset cpu` (or point FER_CHECKPOINTS at a checkpoints folder).")
    st.stop()

root = ui.checkpoints_root()
cards = ui.read_cards(root)
card = cards[name]
st.subheader(f"Active model: {name}")
st.caption(f"{card.get('architecture', '?')} · trained on {summaries.data_name(card)} · {card.get('hardware', '')}")
for column, (label, value) in zip(st.columns(5), summaries.headline(card).items()):
    column.metric(label, summaries.format_value(label, value))
if summaries.test_report(card) is None:
    st.info("This version has no test report (its dataset has no test split).")

st.subheader("Pages")
st.page_link("pages/1_Upload_photos.py", label="Upload photos: faces, emotions and downloads", icon="📷")
st.page_link("pages/2_Live_webcam.py", label="Live webcam: emotions in real time over WebRTC", icon="🎥")
st.page_link("pages/3_Training_explorer.py", label="Training explorer: curves, confusion, mistakes", icon="📈")
st.page_link("pages/4_Compare_versions.py", label="Compare versions: side by side", icon="⚖️")

st.subheader("All model versions")
st.dataframe(summaries.compare_table(cards, {n: ui.version_dir(n, root) for n in cards}).T, width="stretch")
