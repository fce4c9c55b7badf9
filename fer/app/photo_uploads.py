"""The upload page's Streamlit side of fer.app.photo_list: the session's photo list, and an uploader emptied once
its photos are analysed.

Streamlit keeps every uploaded file in its UploadedFileManager for as long as the session is open: a file leaves
it only when the visitor removes it from the uploader, or when the session ends (streamlit/runtime/
memory_uploaded_file_manager.py; a widget that is no longer drawn loses its state, not its files). So, once a
file is analysed, the page removes it from the manager itself (as Streamlit's own st.chat_input does with its
attachments), then draws a new uploader (its key counts the rounds) so that the browser's list of files empties
and the old widget's state, which refers to the files, is dropped at the end of the next run.
"""
from __future__ import annotations

from typing import NamedTuple

import streamlit as st

from . import ui
from .photo_list import Analyse, PhotoList
from .recognition import UploadResult, analyse_upload, release_memory

PHOTOS_KEY = "_photo_list"          # the session's PhotoList
ROUND_KEY = "_photo_uploader_round"  # how many times the uploader was emptied: part of its key


class AnalysedWith(NamedTuple):
    """What a photo is analysed with (the page's sidebar)."""

    version: str
    detector: str
    root: str
    small_faces: str


def analyser(current: AnalysedWith) -> Analyse:
    """Faces in one uploaded file with the sidebar's settings (the page stops with one line if they are refused)."""
    def analyse(name: str, data: bytes) -> UploadResult:
        return analyse_upload(ui.page_recognizer(*current), name, data)

    return analyse


def session_photos() -> PhotoList:
    if PHOTOS_KEY not in st.session_state:
        st.session_state[PHOTOS_KEY] = ui.upload_budget().new_list(ui.session_id())
    return st.session_state[PHOTOS_KEY]


def uploader_key() -> str:
    """"photos", then "photos_1", "photos_2", ... once emptied."""
    emptied = st.session_state.get(ROUND_KEY, 0)
    return f"photos_{emptied}" if emptied else "photos"


def photo_uploader() -> list:
    """The uploader, empty after each round of analysis; any file is taken (a refused one is named on the page)."""
    return st.file_uploader("Photos", accept_multiple_files=True, key=uploader_key(),
                            help="JPEG, PNG, WebP or BMP photos; any other file is named on the page with the "
                                 "reason.") or []


def take_uploads(files: list, photos: PhotoList, current: AnalysedWith, analyse: Analyse) -> None:
    """Analyse each uploaded file into `photos`, take it out of Streamlit's uploader, and rerun the page with an
    empty uploader."""
    photos.notes.clear()
    for upload in files:
        if not hasattr(upload, "getvalue"):  # a file removed from the uploader meanwhile
            continue
        with st.spinner(f"Looking for faces in {upload.name}…"):
            photos.add(upload.name, upload.getvalue(), current, analyse)
        forget_upload(upload)
    st.session_state[ROUND_KEY] = st.session_state.get(ROUND_KEY, 0) + 1
    release_memory()
    st.rerun()


def forget_upload(upload) -> None:
    """Remove an uploaded file from Streamlit's UploadedFileManager and close its buffer: its bytes are then
    held only where the photo list keeps them."""
    from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    context = get_script_run_ctx()
    if context is not None and isinstance(context.uploaded_file_mgr, MemoryUploadedFileManager):
        context.uploaded_file_mgr.remove_file(session_id=context.session_id, file_id=upload.file_id)
    upload.close()


def reanalyse(photos: PhotoList, current: AnalysedWith, analyse: Analyse) -> None:
    """The photos analysed with other sidebar settings, analysed again with these (where their bytes are kept)."""
    for photo in photos.stale(current):
        with st.spinner(f"Looking for faces in {photo.name} with version {current.version}…"):
            photos.reanalyse(photo, current, analyse)


def list_header(photos: PhotoList) -> None:
    """What the last upload did besides adding photos (said once), how many are listed, and a button that empties
    the list."""
    for note in photos.notes:
        st.info(note)
    photos.notes.clear()
    count_col, clear_col = st.columns([4, 1])
    count_col.caption(f"{len(photos)} photo{'s' if len(photos) != 1 else ''} listed; drop more above to add them.")
    clear_col.button("Clear photos", on_click=photos.clear, key="clear_photos", icon=":material/delete:",
                     width="stretch")


def analysed_with_note(photo, current: AnalysedWith) -> str | None:
    """One line for a photo whose results were made with other sidebar settings and cannot be made again."""
    if photo.analysed_with == current:
        return None
    made = AnalysedWith(*photo.analysed_with)
    return (f"Analysed with version {made.version}, the {made.detector} detector and small faces "
            f"'{made.small_faces}': its upload is no longer kept (the server's memory budget), so upload it again "
            "to analyse it with the sidebar's settings.")
