"""The Streamlit side of the app's helpers: cached loading, the shared sidebar model picker, session state.

Models and datasets load once per server process (`st.cache_resource`) and are shared by all sessions;
evaluations are cached as data. Cache keys include the checkpoints root so that two roots never mix.
"""
from __future__ import annotations

import contextlib
from pathlib import Path
from typing import NamedTuple

import streamlit as st

from .. import version as versions
from ..data import DataError, load_dataset
from ..version.evaluation import evaluate
from ..version.model import ModelVersion, load
from ..inference import ModelFileError, Recognizer, list_detectors
from ..inference.detector_policy import DEFAULT_DETECTOR, DEFAULT_SMALL_FACES, MIN_FACE_BY_SENSITIVITY, SMALL_FACES
from . import settings, tempfiles
from .photo_list import UploadBudget
from .public import hide_paths
from .recognition import SharedRecognizer, release_memory
from .sessions import SessionReaper

MODEL_KEY = "model_version"          # the version the user picked; shared by all pages
_PICKER_KEY = "_model_version_picker"  # the widget's own key (Streamlit drops widget state across pages)
DETECTOR_KEY = "face_detector"
_DETECTOR_PICKER_KEY = "_face_detector_picker"
SMALL_FACES_KEY = "small_faces"
_SMALL_FACES_PICKER_KEY = "_small_faces_picker"


def checkpoints_root() -> str:
    return str(versions.checkpoints_root())


@st.cache_resource(show_spinner="Loading the model…")
def cached_version(name: str, root: str) -> ModelVersion:
    return load(name, root)


@st.cache_resource(show_spinner="Reading the dataset…")
def cached_dataset(path: str):
    return load_dataset(path)


@st.cache_data(show_spinner="Running the model on the test split…", max_entries=16)
def cached_evaluation(name: str, root: str, data_path: str, split: str = "test", tta: str = "none") -> dict:
    """A report with per-face predictions (keep_predictions) for one version on one split."""
    return evaluate(cached_version(name, root), cached_dataset(data_path), split=split, tta=tta, keep_predictions=True)


@st.cache_resource(show_spinner="Loading the face detector and the model…")
def cached_recognizer(name: str, detector: str, root: str, small_faces: str = DEFAULT_SMALL_FACES) -> SharedRecognizer:
    """One Recognizer per (version, detector, small-faces sensitivity) per server process, shared by every
    session, as fer.Recognizer runs a version by default (the CLI and the API too): its own TTA and calibration,
    on ONNX Runtime (about 10x faster than PyTorch for one face; the file's sha256 is checked against the card),
    or PyTorch where the version cannot be exported. Its detect(bgr, use) has the photo and stream settings."""
    return SharedRecognizer(Recognizer(cached_version(name, root), detector=detector, small_faces=small_faces))


@st.cache_resource(show_spinner="Reading the faces in the zip…", max_entries=4)
def cached_labelled_zip(digest: str, _data: bytes):
    """An uploaded zip of <class>/*.jpg folders as a FaceData (fer.app.own_faces), keyed by its sha256."""
    from .own_faces import read_labelled_zip

    return read_labelled_zip(_data)


@st.cache_data(show_spinner=False, max_entries=32)
def cached_zip_evaluation(name: str, root: str, digest: str, _data: bytes, tta: str = "none") -> dict:
    """One version evaluated (fer.evaluate, per-face predictions kept) on a zip read by cached_labelled_zip."""
    from .own_faces import evaluate_on

    return evaluate_on(cached_version(name, root), cached_labelled_zip(digest, _data), tta)


@st.cache_resource
def upload_budget() -> UploadBudget:
    """One per server process: every session's upload-page photos (fer.app.photo_list) within $FER_UPLOAD_CACHE_MB."""
    return UploadBudget(settings.upload_cache_bytes())


def page_recognizer(name: str, detector: str, root: str, small_faces: str = DEFAULT_SMALL_FACES) -> SharedRecognizer:
    """cached_recognizer, or the page stopped with one line when a file it runs is refused (the version's ONNX
    export or weights, the detector's model file: changed since the page's version check, or failing export)."""
    try:
        return cached_recognizer(name, detector, root, small_faces)
    except (versions.VersionError, ModelFileError) as e:
        st.error(f"Version {name} with the {detector} detector cannot be used: "
                 f"{hide_paths(str(e), [checkpoints_root()])}. Pick another version or detector in the sidebar.")
        st.stop()


def session_id() -> str:
    """This browser session's id (a reload starts a new session)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    context = get_script_run_ctx()
    return context.session_id if context is not None else ""


@contextlib.contextmanager
def errors_in_one_line(what: str):
    """Run a part of a page; a refused version or unusable data becomes one line saying `what` failed and why
    (no server path), and the rest of the page goes on."""
    try:
        yield
    except (versions.VersionError, DataError) as e:
        st.error(f"{what}: {hide_paths(str(e), [checkpoints_root()])}")


def secrets() -> dict:
    """Streamlit secrets as a dict; empty when there is no secrets.toml."""
    try:
        return dict(st.secrets)
    except Exception:  # no secrets file: Streamlit raises its own not-found error
        return {}


HOME_ICON = ":material/sentiment_satisfied:"


class AppPage(NamedTuple):
    path: str
    title: str
    icon: str  # a Material icon (":material/name:"): emoji show as empty boxes where no emoji font is installed
    url_path: str
    purpose: str  # one line for the home page's list


PAGES = [  # the app's navigation, in order, after the home page (home.py)
    AppPage("pages/1_Upload_photos.py", "Upload photos", ":material/photo_camera:", "Upload_photos",
            "faces, emotions, group summaries and downloads"),
    AppPage("pages/2_Video.py", "Video", ":material/movie:", "Video", "per-person summaries and emotion timelines"),
    AppPage("pages/3_Live_webcam.py", "Live webcam", ":material/videocam:", "Live_webcam",
            "emotions in real time over WebRTC"),
    AppPage("pages/4_Training_explorer.py", "Training explorer", ":material/monitoring:", "Training_explorer",
            "curves, confusion, mistakes"),
    AppPage("pages/5_Compare_versions.py", "Compare versions", ":material/compare_arrows:", "Compare_versions",
            "side by side"),
]


def _leave_pages_folder_mode() -> None:
    """Streamlit runs an app that has a pages/ folder as an old-style multipage app until some session has
    called st.navigation: a server's first visitor arriving by a deep link (/Upload_photos) would get the
    folder's navigation (file names, no Home) and never run home.py. Switch the process to
    home.py's navigation and rerun through it, which keeps the requested page."""
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:  # a Streamlit without the flag has no folder mode to leave
        return
    if getattr(PagesManager, "uses_pages_directory", False):
        PagesManager.uses_pages_directory = False
        st.rerun()


@st.cache_resource(show_spinner=False)
def _session_reaper() -> SessionReaper | None:
    """One per server process (fer.app.sessions): closes the sessions whose browser has been gone for longer than
    the reconnect window, with their temporary files, uploads, photo lists and shown images. None without a server
    (AppTest)."""
    from streamlit import config
    from streamlit.runtime import Runtime

    if not Runtime.exists() or not hasattr(Runtime.instance(), "_session_mgr"):
        return None
    manager = Runtime.instance()._session_mgr  # Streamlit offers no public way to close a session

    def close(session_id: str, session) -> None:
        tempfiles.remove_session_files(session_id)
        upload_budget().close_session(session_id)
        if manager.get_session_info(session_id) is not None:
            manager.close_session(session_id)
        elif session is not None:  # forgotten by Streamlit's session storage, never shut down
            session.shutdown()
        release_memory()

    ttl_s = float(config.get_option("server.disconnectedSessionTTL"))
    return SessionReaper(manager.is_active_session, close, ttl_s).start()


def _track_session() -> None:
    reaper = _session_reaper()
    if reaper is not None:
        from streamlit.runtime import Runtime

        info = Runtime.instance()._session_mgr.get_active_session_info(session_id())
        reaper.track(session_id(), info.session if info is not None else None)


def page_header(title: str, icon: str | None = None, intro: str | None = None) -> None:
    """Every page opens the same way: tab title and icon (by default the page's own in PAGES), wide layout,
    heading, one line on what it does."""
    icon = icon or next((page.icon for page in PAGES if page.title == title), HOME_ICON)
    _leave_pages_folder_mode()
    _track_session()
    st.set_page_config(page_title=title, page_icon=icon, layout="wide")
    st.title(title)
    if intro:
        st.write(intro)


def require_model(purpose: str = "photo", load: bool = True) -> str:
    """The sidebar's model version; stops the page (the sidebar says why) when there is none, or (`load`) when
    the version is refused (a file that fails its checksum, ...), saying so in one line."""
    name = sidebar_model_picker(purpose)
    if name is None:
        st.stop()
    if load:
        try:
            cached_version(name, checkpoints_root())
        except versions.VersionError as e:
            st.error(f"Version {name} cannot be used: {hide_paths(str(e), [checkpoints_root()])}. "
                     "Pick another version in the sidebar.")
            st.stop()
    return name


def _cards_and_problems(root: str) -> tuple[dict[str, versions.Card], list[str]]:
    entries = versions.scan_versions(root)
    return ({e.name: e.card for e in entries if e.error is None},
            [f"Version {e.name} is left out: {hide_paths(e.error, [root])}" for e in entries if e.error])


def read_cards(root: str) -> dict[str, versions.Card]:
    """Every readable version's card, by name (cards are small JSON files; read fresh so new versions appear).
    A version whose card cannot be read is left out (the sidebar's model picker says why)."""
    return _cards_and_problems(root)[0]


def _remember_pick() -> None:
    st.session_state[MODEL_KEY] = st.session_state[_PICKER_KEY]


def sidebar_model_picker(purpose: str = "photo") -> str | None:
    """The model version chosen in the sidebar (the same on every page), default: the `purpose` default.

    Returns None, after saying why in the sidebar, when there is no model version at all."""
    root = checkpoints_root()
    cards, problems = _cards_and_problems(root)
    for problem in problems:
        st.sidebar.warning(problem)
    names = list(cards)
    if not names:
        st.sidebar.error("No model versions on this server. Train one with `python -m fer train --preset cpu`.")
        return None
    default = _default_version(purpose, root, names)
    chosen = st.session_state.get(MODEL_KEY)
    if chosen not in names:
        chosen = default
    st.session_state[_PICKER_KEY] = chosen
    st.sidebar.selectbox("Model version", names, key=_PICKER_KEY, on_change=_remember_pick,
                         format_func=lambda name: f"{name}: {cards[name].summary}" if cards[name].summary else name,
                         help=f"Default for this page: the {purpose} default ({default}). "
                              + (cards[chosen].summary or ""))
    return chosen


def _default_version(purpose: str, root: str, readable: list[str]) -> str:
    """The shipped default for `purpose`, or the first readable version when that cannot be worked out."""
    try:
        default = versions.default_version(purpose, root)
    except versions.VersionError:  # a card that cannot be read among those it compares
        return readable[0]
    return default if default in readable else readable[0]


def _remember_detector() -> None:
    st.session_state[DETECTOR_KEY] = st.session_state[_DETECTOR_PICKER_KEY]


def sidebar_detector_picker() -> str:
    """The face detector chosen in the sidebar (the same on every page)."""
    options = list_detectors()
    chosen = st.session_state.get(DETECTOR_KEY)
    if chosen not in options:
        chosen = DEFAULT_DETECTOR if DEFAULT_DETECTOR in options else options[0]
    st.session_state[_DETECTOR_PICKER_KEY] = chosen
    st.sidebar.selectbox("Face detector", options, key=_DETECTOR_PICKER_KEY, on_change=_remember_detector,
                         help="yunet (default): fast, finds small faces, with landmarks; mtcnn: slower, with "
                              "landmarks; haar: frontal faces only, no landmarks.")
    return chosen


def _remember_small_faces() -> None:
    st.session_state[SMALL_FACES_KEY] = st.session_state[_SMALL_FACES_PICKER_KEY]


def sidebar_small_faces_picker(use: str = "photo") -> str:
    """The "small faces" sensitivity chosen in the sidebar (fewer / normal / more; the same on every page):
    the smallest face the detector looks for, in photos and in camera or video frames."""
    chosen = st.session_state.get(SMALL_FACES_KEY)
    if chosen not in SMALL_FACES:
        chosen = DEFAULT_SMALL_FACES
    st.session_state[_SMALL_FACES_PICKER_KEY] = chosen
    sizes = MIN_FACE_BY_SENSITIVITY[use]
    st.sidebar.select_slider(
        "Small faces", SMALL_FACES, key=_SMALL_FACES_PICKER_KEY, on_change=_remember_small_faces,
        format_func=lambda level: f"{level} (≥ {sizes[level]} px)",
        help=f"The smallest face looked for ({use}s): 'more' finds faces down to {sizes['more']} px (slower, a few "
             f"more false faces), 'fewer' only faces from {sizes['fewer']} px. Default: {DEFAULT_SMALL_FACES}.")
    return chosen


def version_dir(name: str, root: str) -> Path:
    return Path(root) / name
