"""Processes read from /proc (Linux), for the tests that kill a driver or a node and look at what is left."""
from __future__ import annotations

import os
import signal
import time
from pathlib import Path

ON_LINUX = Path("/proc/self/stat").is_file()


def stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of a process, None when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None
    return fields[0], int(fields[1])


def alive(pid: int) -> bool:
    found = stat(pid)
    return found is not None and found[0] != "Z"  # a zombie has ended, only not been reaped


def all_pids() -> list[int]:
    return [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()]


def descendants(pid: int) -> list[int]:
    parents = {child: stat(child) for child in all_pids()}
    children = [child for child, found in parents.items() if found and found[1] == pid]
    return children + [d for child in children for d in descendants(child)]


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def matching(text: str) -> list[int]:
    """The processes whose command line contains `text` (this test's own folder or port)."""
    return [pid for pid in all_pids() if pid != os.getpid() and text in cmdline(pid)]


def kill_all(pids) -> None:
    for pid in pids:
        if alive(pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def wait_for(condition, timeout: float, every: float = 0.2) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(every)
    return False
