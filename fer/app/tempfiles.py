"""Temporary folders for uploads (videos): under one folder per server process, fer-app-<pid>, and in it one per
browser session, removed with the object using them (fer.app.video.VideoAnalysis: when another upload replaces
it), with their session (fer.app.sessions: once its browser has been gone for the reconnect window), when the
server exits, and by the next server at its start (fer.app.startup, before its first visitor) when a killed
server left them behind."""
from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import time
from pathlib import Path

PROCESS_PREFIX = "fer-app-"
LEGACY_PREFIXES = ("fer-video-", "fer-faces-")  # uploads of servers from before fer-app-<pid>
LEGACY_AGE_S = 24 * 3600


def process_temp_root(tmp: str | Path | None = None) -> Path:
    return Path(tmp or tempfile.gettempdir()) / f"{PROCESS_PREFIX}{os.getpid()}"


def new_temp_dir(prefix: str, session_id: str = "") -> Path:
    """A fresh folder under this server process's temporary root (created, and removed at exit, on first use),
    in the session's own folder when `session_id` is given."""
    root = process_temp_root()
    if not root.is_dir():
        root.mkdir(mode=0o700, exist_ok=True)
        atexit.register(shutil.rmtree, root, True)
    parent = session_temp_dir(session_id) if session_id else root
    parent.mkdir(mode=0o700, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=prefix, dir=parent))


def session_temp_dir(session_id: str) -> Path:
    """The session's folder under this process's root (the id's characters other than letters, digits and "-"
    become "_", so that no id names a path elsewhere)."""
    return process_temp_root() / ("session-" + "".join(c if c.isalnum() or c == "-" else "_" for c in session_id))


def remove_session_files(session_id: str) -> bool:
    """Remove a session's temporary folder; whether there was one."""
    folder = session_temp_dir(session_id)
    existed = folder.is_dir()
    shutil.rmtree(folder, ignore_errors=True)
    return existed


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def clean_stale(tmp: str | Path | None = None, now: float | None = None) -> list[Path]:
    """Remove the temporary roots of server processes that are gone, and day-old folders of older servers;
    returns what was removed."""
    tmp, now = Path(tmp or tempfile.gettempdir()), time.time() if now is None else now
    removed = []
    for path in tmp.iterdir():
        try:
            if _stale(path, now) and path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path)
        except OSError:  # removed meanwhile by its owner
            continue
    return removed


def _stale(path: Path, now: float) -> bool:
    name = path.name
    if name.startswith(PROCESS_PREFIX):
        pid = name[len(PROCESS_PREFIX):]
        return pid.isdigit() and not _process_alive(int(pid))
    return name.startswith(LEGACY_PREFIXES) and now - path.stat().st_mtime > LEGACY_AGE_S
