"""Closing the sessions whose browser has gone, without waiting for another visitor.

Streamlit keeps a disconnected session for `server.disconnectedSessionTTL` seconds (120 by default) so that a
browser coming back after a network blip finds its page as it was; after that the session is only forgotten, never
shut down, so its uploaded files and the images it was shown stay in the server's memory, and its temporary files
on disk, until something else happens to clean them. The reaper closes such sessions itself: a session last seen
connected more than the TTL (and one sweep) ago is closed, and `on_closed` removes what the app kept for it.
Pure Python: fer.app.ui binds it to Streamlit's runtime.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

SWEEP_EVERY_S = 10.0


class SessionReaper:
    """`is_active(id)`: whether the session's browser is connected; `close(id, handle)`: end the session
    (`handle`: what `track` was given for it); both called from the reaper's thread."""

    def __init__(self, is_active: Callable[[str], bool], close: Callable[[str, object], None], ttl_s: float,
                 every_s: float = SWEEP_EVERY_S, clock: Callable[[], float] = time.monotonic):
        self.is_active, self.close, self.ttl_s, self.every_s, self.clock = is_active, close, ttl_s, every_s, clock
        self._seen: dict[str, tuple[float, object]] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def track(self, session_id: str, handle: object = None) -> None:
        """Note a session seen connected now (each page run calls it)."""
        if session_id:
            with self._lock:
                self._seen[session_id] = (self.clock(), handle)

    def __len__(self) -> int:
        return len(self._seen)

    def sweep(self) -> list[str]:
        """Close the sessions gone for longer than the TTL; returns their ids."""
        now, gone = self.clock(), []
        with self._lock:
            for session_id, (seen, handle) in list(self._seen.items()):
                if self.is_active(session_id):
                    self._seen[session_id] = (now, handle)
                elif now - seen > self.ttl_s + self.every_s:
                    del self._seen[session_id]
                    gone.append((session_id, handle))
        for session_id, handle in gone:
            try:
                self.close(session_id, handle)
            except Exception:  # one session that cannot be closed must not stop the others' cleaning
                log.exception("closing session %s failed", session_id)
        return [session_id for session_id, _ in gone]

    def start(self) -> SessionReaper:
        """Sweep every `every_s` seconds in a daemon thread (once)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="fer-session-reaper", daemon=True)
            self._thread.start()
        return self

    def _run(self) -> None:
        while True:
            time.sleep(self.every_s)
            self.sweep()
