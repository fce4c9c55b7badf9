"""The app's pages: the home page (what the app does, the active model version at a glance) and the navigation to
the pages under pages/. Served by streamlit_app.py (the entry point), which prepares the server before its first
visitor; every page run starts here."""
import streamlit as st

from fer.app import summaries, ui, yardsticks


def home() -> None:
    ui.page_header("Facial emotion recognition", ui.HOME_ICON,
                   "Find the faces in a photo, a video or a live webcam stream and read their expression as one of "
                   "seven emotions (angry, disgust, fear, happy, sad, surprise, neutral), with models trained on "
                   "FER2013 and scored on both its labels and FER+'s (ten raters a face). "
                   "Each page starts with the version that suits it (the live webcam a faster one); a version you "
                   "pick in the sidebar then holds on every page.")
    name = ui.sidebar_model_picker("photo")
    if name is None:
        st.error("No model version is available yet, so there is nothing to show. Train one with "
                 "`python -m fer train --preset cpu` (or point FER_CHECKPOINTS at a checkpoints folder).")
        st.stop()

    root = ui.checkpoints_root()
    cards = ui.read_cards(root)
    card = cards[name]
    st.subheader(f"Active model: {name}")
    st.caption(yardsticks.plain_description(card, summaries.training_data_name(card)))
    figures = summaries.headline(card)
    for column, (label, value) in zip(st.columns(len(figures)), figures.items()):
        column.metric(label, summaries.format_value(label, value))
    if card.report("test") is None:
        st.info("This version has no test report (its dataset has no test split).")
    else:
        st.markdown(yardsticks.meaning())

    st.subheader("Pages")
    for page in ui.PAGES:
        st.page_link(page.path, label=f"{page.title}: {page.purpose}", icon=page.icon)

    st.subheader("All model versions")
    st.dataframe(summaries.compare_table(cards, {n: ui.version_dir(n, root) for n in cards}).T, width="stretch")


pages = [st.Page(home, title="Home", icon=ui.HOME_ICON, default=True)]
pages += [st.Page(p.path, title=p.title, icon=p.icon, url_path=p.url_path) for p in ui.PAGES]
st.navigation(pages).run()
