"""The app's entry point: `streamlit run streamlit_app.py` (or any ASGI server: `uvicorn streamlit_app:app`).
Its pages are home.py's navigation; before the server accepts its first visitor, fer.app.startup removes the
temporary uploads of servers that were killed and warms the photo default (fer.app.warmup)."""
from pathlib import Path

import streamlit as st

from fer.app.startup import lifespan

app = st.App(Path(__file__).with_name("home.py"), lifespan=lifespan)
