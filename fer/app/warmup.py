"""The photo default made ready before the first photo: its ONNX export (in the cache folder, once per weights),
the model and the face detectors, loaded in the background as soon as the server serves its first page.

    warmup.start(root)   # from the entry point, on every page run; only the first call starts anything

The first photo otherwise waited for all of it (16 s when the export was written then). The warm-up fills the
very cache entry the upload page uses (fer.app.ui.cached_recognizer with the page's defaults); a photo uploaded
while it is still running waits for it (Streamlit computes a cached resource once), under the page's spinner.
"""
from __future__ import annotations

import logging
import threading

log = logging.getLogger(__name__)
_lock = threading.Lock()
_thread: threading.Thread | None = None


def _warm(root: str) -> None:
    from .. import version as versions
    from ..inference.detector_policy import DEFAULT_DETECTOR, DEFAULT_SMALL_FACES
    from . import ui

    try:
        name = versions.default_version("photo", root)
        if name is not None:
            ui.cached_recognizer(name, DEFAULT_DETECTOR, root, DEFAULT_SMALL_FACES)
    except Exception as e:  # the page that needs the version says what is wrong with it, in its own words
        log.warning("warming the photo default failed: %s", e)


def start(root: str) -> threading.Thread:
    """Start warming the photo default of `root` (once per server process); the thread."""
    global _thread
    with _lock:
        if _thread is None:
            _thread = threading.Thread(target=_warm, args=(root,), name="fer-warmup", daemon=True)
            _thread.start()
        return _thread
