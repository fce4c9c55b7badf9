"""The upload page's photos, kept by the page itself (not by Streamlit's uploader, which is emptied once its files
are analysed): per session a PhotoList, all of them within one byte budget ($FER_UPLOAD_CACHE_MB, an UploadBudget
per server process). Each photo keeps its result (fer.app.recognition.UploadResult: faces, the image as shown and
the face crops as JPEG bytes) and, while it fits, the upload's own bytes (for the full-size download and the
saliency). Over the budget, the oldest photos' bytes go first, then the oldest photos' images; the faces' rows
always stay, so every photo stays listed with its results and in the downloads. Pure Python: fer.app.photo_uploads
binds it to Streamlit."""
from __future__ import annotations

import hashlib
import itertools
import threading
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from .recognition import UploadResult, annotated_png, png_bytes, release_memory, result_bytes

Analyse = Callable[[str, bytes], UploadResult]  # (file name, bytes) -> its result, with the page's settings


@dataclass(eq=False)
class Photo:
    """One analysed upload. `data`: the upload's bytes, None once evicted (or for a refused file); `analysed_with`:
    what analysed it (version, detector, ...), compared with the page's current ones; `number`: its place in the
    server's order of additions (widget keys; the oldest is evicted first)."""

    result: UploadResult
    data: bytes | None
    digest: str
    analysed_with: tuple
    number: int

    @property
    def name(self) -> str:
        return self.result.name

    @property
    def key(self) -> str:
        return f"photo{self.number}"

    @property
    def nbytes(self) -> int:
        return len(self.data or b"") + result_bytes(self.result)

    @property
    def images_dropped(self) -> bool:
        return self.result.ok and self.result.shown is None

    def annotated_png(self) -> bytes:
        """The full-size annotated photo as PNG, drawn again from the kept upload (for a download button, which
        keeps this photo, counted in the budget, not the bytes); the image as shown if they were evicted since."""
        data, result = self.data, self.result  # read once: another session may evict them meanwhile
        if data is not None:
            return annotated_png(result.without_images(), data)
        return png_bytes(result.annotated) if result.shown is not None else b""


class UploadBudget:
    """Every session's PhotoList within `budget` bytes together: after each addition the oldest kept upload bytes
    are dropped, then the oldest shown images and crops, until what is kept fits (or only faces' rows are left).
    A closed session's list goes with its session state (held weakly here), or at once by close_session."""

    def __init__(self, budget: int):
        self.budget = budget
        self._lists: weakref.WeakValueDictionary[str, PhotoList] = weakref.WeakValueDictionary()
        self._numbers = itertools.count()
        self.lock = threading.RLock()

    def new_list(self, session_id: str = "") -> PhotoList:
        """A session's list (its session state holds it; held weakly here)."""
        photos = PhotoList(self)
        with self.lock:
            self._lists[session_id or f"list{id(photos)}"] = photos
        return photos

    def close_session(self, session_id: str) -> None:
        """Empty a closed session's list at once (its session state may be freed only at the next garbage
        collection, after the server has handed its memory back)."""
        with self.lock:
            photos = self._lists.pop(session_id, None)
        if photos is not None:
            photos.clear()

    def next_number(self) -> int:
        return next(self._numbers)

    def _all_photos(self) -> list[Photo]:
        return [photo for photos in list(self._lists.values()) for photo in photos]

    @property
    def nbytes(self) -> int:
        with self.lock:
            return sum(photo.nbytes for photo in self._all_photos())

    def settle(self) -> None:
        """Drop the oldest upload bytes, then the oldest images, until everything kept fits the budget."""
        with self.lock:
            photos = sorted(self._all_photos(), key=lambda photo: photo.number)
            used = sum(photo.nbytes for photo in photos)
            for drop in (_drop_upload, _drop_images):
                for photo in photos:
                    if used <= self.budget:
                        break
                    used -= drop(photo)
        release_memory()


def _drop_upload(photo: Photo) -> int:
    """Forget a photo's upload bytes; returns the bytes freed."""
    freed, photo.data = len(photo.data or b""), None
    return freed


def _drop_images(photo: Photo) -> int:
    """Forget a photo's shown image and crops, keeping its faces; returns the bytes freed."""
    before = result_bytes(photo.result)
    photo.result = photo.result.without_images()
    return before - result_bytes(photo.result)


class PhotoList:
    """One session's analysed photos, in the order they were added (created by UploadBudget.new_list)."""

    def __init__(self, budget: UploadBudget):
        self.budget = budget
        self._photos: list[Photo] = []
        self.notes: list[str] = []  # what the last additions did besides adding (a name already listed, ...)

    def __iter__(self) -> Iterator[Photo]:
        return iter(list(self._photos))

    def __len__(self) -> int:
        return len(self._photos)

    @property
    def nbytes(self) -> int:
        with self.budget.lock:
            return sum(photo.nbytes for photo in self._photos)

    def results(self) -> list[UploadResult]:
        return [photo.result for photo in self]

    def add(self, name: str, data: bytes, analysed_with: tuple, analyse: Analyse) -> Photo | None:
        """Analyse an upload and add it at the end. The same file (name and bytes) again is not added (its entry is
        kept, and says so in `notes`); another file with a name already listed is added as "name (2).jpg"."""
        digest = hashlib.sha256(data).hexdigest()
        if any(photo.name == name and photo.digest == digest for photo in self):
            self.notes.append(f"{name} is already in the list.")
            return None
        shown_name = self._free_name(name)
        if shown_name != name:
            self.notes.append(f"Another {name} is already in the list: this one is listed as {shown_name}.")
        result = analyse(shown_name, data)  # outside the lock: other sessions go on meanwhile
        photo = Photo(result, data if result.ok else None, digest, analysed_with, self.budget.next_number())
        with self.budget.lock:
            self._photos.append(photo)
        self.budget.settle()
        return photo

    def _free_name(self, name: str) -> str:
        taken = {photo.name for photo in self}
        stem, dot, suffix = name.rpartition(".")
        if not dot:
            stem, suffix = name, ""
        candidates = itertools.chain([name], (f"{stem} ({n}){dot}{suffix}" for n in itertools.count(2)))
        return next(candidate for candidate in candidates if candidate not in taken)

    def stale(self, analysed_with: tuple) -> list[Photo]:
        """The photos analysed with other settings whose upload bytes are still kept (those can be redone)."""
        return [photo for photo in self if photo.analysed_with != analysed_with and photo.data is not None]

    def reanalyse(self, photo: Photo, analysed_with: tuple, analyse: Analyse) -> None:
        """Analyse a photo again with `analysed_with`, from its kept bytes (if another session's additions have not
        evicted them meanwhile)."""
        data = photo.data  # read once: another session may evict it meanwhile
        if data is not None:
            photo.result, photo.analysed_with = analyse(photo.name, data), analysed_with
            self.budget.settle()

    def clear(self) -> None:
        with self.budget.lock:
            self._photos.clear()
            self.notes.clear()
        release_memory()
