"""View-model helpers for the Streamlit app: everything a page needs besides drawing widgets.

The modules here are pure Python (no Streamlit import) so they can be tested directly; `fer.app.ui` is
the one module that imports Streamlit (cached model loading, the sidebar model picker, session state).
"""
