"""A collection: the photos and videos named by paths, folders (searched recursively) and globs, in a stable
order, cut into tasks (a batch of photos, or one video) that a worker runs and writes as one part file."""
from __future__ import annotations

import glob
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import cv2

from ..inference.video import VIDEO_EXTENSIONS

PHOTO_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".gif")
PHOTOS_PER_TASK = 16
GLOB_CHARACTERS = set("*?[")


@dataclass(frozen=True)
class InputFile:
    """One file of the collection: absolute path, "photo" or "video", and its frames (1 for a photo; a video's
    count as its container states it, 0 when unknown or unreadable)."""

    source: str
    kind: str
    frames: int = 1


@dataclass(frozen=True)
class Task:
    files: tuple[InputFile, ...]

    @property
    def key(self) -> str:
        """Names the task's part file; the same files give the same key."""
        return hashlib.sha1("\n".join(f.source for f in self.files).encode()).hexdigest()[:16]

    @property
    def frames(self) -> int:
        return sum(f.frames for f in self.files)


def kind_of(path: str) -> str:
    return "video" if Path(path).suffix.lower() in VIDEO_EXTENSIONS else "photo"


def is_media(path: Path) -> bool:
    return path.suffix.lower() in PHOTO_EXTENSIONS + VIDEO_EXTENSIONS and not path.name.startswith(".")


def expand(path: str) -> list[str]:
    """The files one argument names: a file as it is (whatever its type: a bad one is recorded, not skipped),
    the photos and videos under a folder, the matches of a glob (`**` recursive)."""
    if os.path.isdir(path):
        return sorted(str(p) for p in Path(path).rglob("*") if p.is_file() and is_media(p))
    if os.path.isfile(path):
        return [path]
    if GLOB_CHARACTERS & set(path):
        matches = sorted(glob.glob(path, recursive=True))
        files = [m for m in matches if os.path.isfile(m)] + [f for m in matches if os.path.isdir(m) for f in expand(m)]
        if files:
            return files
        raise FileNotFoundError(f"{path}: no file matches")
    raise FileNotFoundError(f"{path}: no such file or folder")


def list_inputs(paths) -> list[str]:
    """Absolute paths of the collection's files, each once, in the order the arguments name them."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    seen: dict[str, None] = {}
    for path in paths:
        for file in expand(str(path)):
            seen.setdefault(os.path.abspath(file), None)
    return list(seen)


def video_frames(path: str) -> int:
    capture = cv2.VideoCapture(path)
    try:
        return max(int(capture.get(cv2.CAP_PROP_FRAME_COUNT)), 0) if capture.isOpened() else 0
    finally:
        capture.release()


def describe(sources) -> list[InputFile]:
    return [InputFile(s, "video", video_frames(s)) if kind_of(s) == "video" else InputFile(s, "photo")
            for s in sources]


def make_tasks(files: list[InputFile], photos_per_task: int = PHOTOS_PER_TASK) -> list[Task]:
    """Each video alone (its rows are many and it runs long), photos in batches of `photos_per_task`."""
    if photos_per_task < 1:
        raise ValueError(f"photos_per_task must be at least 1, not {photos_per_task}")
    photos = [f for f in files if f.kind == "photo"]
    tasks = [Task((f,)) for f in files if f.kind == "video"]
    tasks += [Task(tuple(photos[i:i + photos_per_task])) for i in range(0, len(photos), photos_per_task)]
    return tasks
