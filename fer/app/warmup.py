"""The photo default made ready before the first photo: its ONNX export (in the cache folder, once per weights),
the model and the face detectors, loaded and run once on a portrait, in a background thread started when the
server starts (fer.app.startup, which waits for it before accepting visitors). After it, a second thread that
nobody waits for writes the real-time default's ONNX export, so that the webcam's first START does not pause for it.

    warmup.start(root)   # only the first call in a server process starts anything; the photo thread

The first photo otherwise waited for all of it (16 s when the export was written then). The warm-up fills the
very cache entry the upload page uses (fer.app.ui.cached_recognizer with the page's defaults); a photo uploaded
while it is still running waits for it (Streamlit computes a cached resource once), under the page's spinner.
"""
from __future__ import annotations

import threading
import time

import numpy as np

from streamlit.logger import get_logger

log = get_logger(__name__)  # Streamlit's handler and level: the lines appear in the server's output
_lock = threading.Lock()
_thread: threading.Thread | None = None
_stream_thread: threading.Thread | None = None


def _warm(root: str) -> None:
    from .. import version as versions
    from ..inference.detector_policy import DEFAULT_DETECTOR, DEFAULT_SMALL_FACES
    from . import ui

    start = time.perf_counter()
    try:
        name = versions.default_version("photo", root)
        if name is None:
            log.info("no photo default to warm: there is no model version yet")
            return
        log.info("warming the photo default %s (its ONNX export, the model and the face detectors) …", name)
        recognize_once(ui.cached_recognizer(name, DEFAULT_DETECTOR, root, DEFAULT_SMALL_FACES))
        log.info("the photo default %s is ready (%.1f s)", name, time.perf_counter() - start)
    except Exception as e:  # the page that needs the version says what is wrong with it, in its own words
        log.warning("warming the photo default failed (the pages say why when it is used): %s", e)


def _export_stream_default(root: str, photo: threading.Thread) -> None:
    """Once the photo default is warm: the real-time default's ONNX export, into the cache folder (a few seconds,
    once per weights; nothing when it is shipped, or is the photo default)."""
    from .. import version as versions
    from ..version.classifiers import load_classifier

    photo.join()
    start = time.perf_counter()
    try:
        name = versions.default_version("realtime", root)
        if name is None or name == versions.default_version("photo", root):
            return
        load_classifier(name, "auto", threads=1, root=root)
        log.info("the real-time default %s is ready to stream (%.1f s)", name, time.perf_counter() - start)
    except Exception as e:  # the webcam page says what is wrong with it, in its own words
        log.warning("exporting the real-time default failed (the webcam page says why when it is used): %s", e)


def recognize_once(recognizer) -> None:
    """One photo through the recognizer (detection with its second opinion, the classifier with its TTA): what
    their first call costs (ONNX Runtime's first run, the detectors' buffers) is paid here, not by a visitor."""
    from skimage import data

    portrait = np.ascontiguousarray(data.astronaut()[:, :, ::-1])  # public domain, inside the wheel; as BGR
    recognizer.recognize(portrait, recognizer.detect(portrait, "photo"))


def start(root: str) -> threading.Thread:
    """Start warming the photo default of `root`, then the real-time default (once per server process); the
    photo default's thread."""
    global _thread, _stream_thread
    with _lock:
        if _thread is None:
            _thread = threading.Thread(target=_warm, args=(root,), name="fer-warmup", daemon=True)
            _thread.start()
            _stream_thread = threading.Thread(target=_export_stream_default, args=(root, _thread),
                                              name="fer-warmup-stream", daemon=True)
            _stream_thread.start()
        return _thread
