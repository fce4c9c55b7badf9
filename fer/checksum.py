"""The one sha256 helper and the one file check: model files, ONNX exports and data files are all identified by
their sha256, and every file that is run is checked by verify_file first."""
from __future__ import annotations

import hashlib
from pathlib import Path


class FileCheckError(ValueError):
    """A file that is missing, has no recorded sha256, or is not the recorded file; the message names it."""


def sha256_of(path: str | Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def sha256_of_text(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def verify_file(path: str | Path, expected: str | None, error: type[Exception] = FileCheckError,
                recorded_in: str = "its card", advice: str = "") -> Path:
    """`path` as a Path when its sha256 is `expected`; else `error` in one line naming the file (and `advice`:
    what to do about it). The same file gets the same verdict wherever it is run from."""
    path = Path(path)
    if not path.is_file():
        problem = "missing"
    elif expected is None:
        problem = f"no sha256 for it in {recorded_in}, refusing to run it"
    elif sha256_of(path) != expected:
        problem = f"sha256 does not match {recorded_in}; the file was changed or corrupted, refusing to run it"
    else:
        return path
    raise error(f"{path}: {problem}" + (f". {advice}" if advice else ""))
