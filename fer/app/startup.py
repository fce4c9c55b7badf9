"""What the server does once, when it starts, before its first visitor: the lifespan of streamlit_app.py's
st.App (Streamlit runs it before it accepts a connection).

1. The temporary uploads of server processes that are gone (killed, crashed) are removed
   (fer.app.tempfiles.clean_stale).
2. The photo default is warmed (fer.app.warmup: its ONNX export written to the cache folder, the recognizer
   loaded into the upload page's cache entry); the server waits for it, at most WARM_WAIT_S, so that the first
   photo answers at once. A longer warm-up goes on in the background while the server opens.

Nothing here stops the server from starting: a version that cannot be loaded is logged, and the page that uses
it says what is wrong.
"""
from __future__ import annotations

import asyncio
import contextlib
import time

from streamlit.logger import get_logger

from . import tempfiles, warmup

log = get_logger(__name__)
WARM_WAIT_S = 120.0


def remove_stale_uploads() -> None:
    try:
        removed = tempfiles.clean_stale()
    except OSError as e:  # an unreadable temporary folder: the uploads stay, the server still starts
        log.warning("could not look for the temporary uploads of stopped servers: %s", e)
        return
    if removed:
        log.info("removed the temporary uploads of %d stopped server(s): %s", len(removed),
                 ", ".join(p.name for p in removed))


async def warm_photo_default(root: str, wait_s: float = WARM_WAIT_S) -> None:
    start = time.perf_counter()
    thread = warmup.start(root)
    await asyncio.to_thread(thread.join, wait_s)
    if thread.is_alive():
        log.warning("the photo default is still warming after %.0f s: the server opens now, and the first "
                    "photo waits for the rest", time.perf_counter() - start)


@contextlib.asynccontextmanager
async def lifespan(app):
    from .. import version as versions

    remove_stale_uploads()
    await warm_photo_default(str(versions.checkpoints_root()))
    yield
