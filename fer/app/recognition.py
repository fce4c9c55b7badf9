"""Recognition for the app: one Recognizer shared by all sessions, uploads analysed into results, exports."""
from __future__ import annotations

import ctypes
import ctypes.util
import io
import json
import logging
import threading
from dataclasses import dataclass, field, replace

import cv2
import numpy as np
from PIL import Image

from ..inference import ImageError, draw_faces, read_image
from ..inference.draw import face_caption
from ..inference.results import Face
from ..inference.rows import face_rows, face_table, made_by
from ..inference.summary import group_summaries
from .public import hide_paths
from .settings import MAX_UPLOAD_MB

THUMBNAIL = 96          # px, a face's crop in the gallery
PHOTO_TYPES = ("jpg", "jpeg", "png", "webp", "bmp")
SHOWN_SIDE = 1460       # px, the longest side of the annotated image kept and shown: Streamlit's widest image
                        # (it would resize and re-encode a wider one at every page run)
SHOWN_QUALITY = 90      # JPEG quality of what is kept and shown (Streamlit's own for the images it resizes)
CROP_MARGIN = 0.2       # of the face's size, around its box
FACE_ASPECT = 0.8       # a whole face's box, width / height (YuNet's boxes of frontal faces)
MAX_CAPTIONED = 6       # photos with more faces get only their numbers drawn (long captions would overlap)

log = logging.getLogger(__name__)


class SharedRecognizer:
    """A Recognizer used from many threads (sessions, webcam callbacks): one detection or classification at a
    time, since OpenCV's DNN nets behind the detectors are not safe to run concurrently."""

    def __init__(self, recognizer):
        self.recognizer = recognizer
        self._lock = threading.Lock()

    def detect(self, bgr, use: str = "photo"):
        with self._lock:
            return self.recognizer.detect(bgr, use)

    def classify(self, faces):
        with self._lock:
            return self.recognizer.classify(faces)

    def recognize(self, bgr, detections):
        with self._lock:
            return self.recognizer.recognize(bgr, detections)

    def __getattr__(self, name):  # labels, smoothing, version, max_pixels, ...
        return getattr(self.recognizer, name)


@dataclass
class UploadResult:
    """One uploaded file: its faces, the annotated image as shown (JPEG bytes, at most SHOWN_SIDE px a side; the
    full-size copy is drawn again on download, annotated_png), each face's crop (JPEG bytes, THUMBNAIL px square)
    and what made them (the rows' model and detector fields), or the reason it could not be read. Only encoded
    images are kept: a decoded 12-megapixel photo is 36 MB, its result here well under 1 MB. `pixels`: the photo's
    own size, width x height."""

    name: str
    faces: list[Face] = field(default_factory=list)
    shown: bytes | None = None
    error: str | None = None
    crops: list[bytes] = field(default_factory=list)
    pixels: int = 0
    made_by: dict = field(default_factory=dict)

    def rows(self) -> list[dict]:
        """The faces' rows (fer.inference.rows), as in every table and download."""
        return face_rows(self.faces, source=self.name, **self.made_by)

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def annotated(self) -> np.ndarray | None:
        """The annotated image as shown, decoded (RGB)."""
        return None if self.shown is None else decode_rgb(self.shown)

    def without_images(self) -> UploadResult:
        """The same result holding no image (its faces and rows only)."""
        return replace(self, shown=None, crops=[])


def unsupported_type(name: str) -> str | None:
    """Why a file is not taken as a photo by its name (the uploader takes any file, so that the page, not only a
    tooltip, says so), or None for a photo type."""
    suffix = name.rsplit(".", 1)[1].lower() if "." in name else ""
    if suffix in PHOTO_TYPES:
        return None
    kind = {"svg": "an SVG drawing", "gif": "a GIF (often an animation)", "": "a file without an extension"}.get(
        suffix, f"a .{suffix} file")
    return f"{name}: {kind}, not a photo this page reads; upload JPEG, PNG, WebP or BMP photos"


# Held while a photo is decoded and drawn at full size (a 12-megapixel photo needs about 200 MB for a moment):
# sessions uploading at the same time take turns, so the server's peak is one photo's, not one per session.
ONE_PHOTO_AT_A_TIME = threading.Lock()


def analyse_upload(recognizer, name: str, data: bytes, max_bytes: int = MAX_UPLOAD_MB * 2**20) -> UploadResult:
    """Faces in one uploaded file. Never raises: a bad file becomes a result with a one-line `error`. One photo at a
    time (ONE_PHOTO_AT_A_TIME); the decoded photo and its full-size annotated copy are dropped before it returns
    (memory goes back to the system), only encoded images are kept."""
    if (problem := unsupported_type(name)) is not None:
        return UploadResult(name, error=problem)
    with ONE_PHOTO_AT_A_TIME:
        try:
            bgr = read_image(data, name=name, max_bytes=max_bytes, max_pixels=recognizer.max_pixels)
        except ImageError as e:
            return UploadResult(name, error=str(e))
        release_memory()  # the decoder's buffers, before detection takes its own
        try:
            return _recognised(recognizer, name, bgr)
        finally:
            del bgr
            release_memory()


def _recognised(recognizer, name: str, bgr: np.ndarray) -> UploadResult:
    try:
        faces = recognizer.recognize(bgr, recognizer.detect(bgr))
    except Exception as e:  # keep the other uploads going; the server log keeps the details
        log.exception("recognition failed on %s", name)
        return UploadResult(name, error=f"{name}: recognition failed ({type(e).__name__}: {hide_paths(str(e))})")
    return UploadResult(name, faces, jpeg_bytes(shown_size(annotate(bgr, faces))),
                        crops=[jpeg_bytes(face_thumbnail(bgr, face.box)) for face in faces],
                        pixels=bgr.shape[0] * bgr.shape[1], made_by=made_by(recognizer))


def annotate(bgr: np.ndarray, faces: list[Face]) -> np.ndarray:
    """The photo with its faces boxed and numbered, as RGB."""
    annotated = draw_faces(bgr, faces, numbered=True, numbers_only=len(faces) > MAX_CAPTIONED)
    return cv2.cvtColor(annotated, cv2.COLOR_BGR2RGB, dst=annotated)


def shown_size(rgb: np.ndarray, side: int = SHOWN_SIDE) -> np.ndarray:
    scale = side / max(rgb.shape[:2])
    if scale >= 1:
        return rgb
    return cv2.resize(rgb, (round(rgb.shape[1] * scale), round(rgb.shape[0] * scale)), interpolation=cv2.INTER_AREA)


def annotated_png(result: UploadResult, data: bytes) -> bytes:
    """The full-size annotated photo as PNG, drawn again from the upload's bytes (for its download button: the
    server keeps no full-size drawing)."""
    with ONE_PHOTO_AT_A_TIME:
        bgr = read_image(data, name=result.name, max_bytes=max(len(data), 1), max_pixels=max(result.pixels, 1))
        png = png_bytes(annotate(bgr, result.faces))
        del bgr
        release_memory()
    return png


def release_memory() -> None:
    """Hand freed memory back to the system: glibc keeps freed blocks of a few MB (decoded photos, detector
    pyramids) in its heap, so a server's resident size would otherwise stay at its peak."""
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def _glibc():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc if hasattr(libc, "malloc_trim") else None
    except OSError:  # not glibc (macOS, Windows, musl): nothing to trim
        return None


_LIBC = _glibc()


def whole_face_box(box, shape) -> tuple[int, int, int, int]:
    """A box cut by the photo's edge, extended beyond that edge to a whole face's proportions: centred on it,
    a crop shows the face (and blank where the photo ends), not the neighbour on its inner side."""
    x, y, w, h = box
    height, width = shape[:2]
    if (x <= 0 or x + w >= width) and w < h * FACE_ASPECT:
        full = int(round(h * FACE_ASPECT))
        x, w = (x + w - full if x <= 0 else x), full  # grows outwards, past the edge it touches
    if (y <= 0 or y + h >= height) and h < w / FACE_ASPECT:
        full = int(round(w / FACE_ASPECT))
        y, h = (y + h - full if y <= 0 else y), full
    return x, y, w, h


def face_thumbnail(bgr: np.ndarray, box, size: int = THUMBNAIL) -> np.ndarray:
    """The face with a margin around it, as an RGB square of `size` px (white where the photo ends). Only the
    square is copied, never the whole photo."""
    x, y, w, h = whole_face_box(box, bgr.shape)
    side = int(round(max(w, h) * (1 + 2 * CROP_MARGIN)))
    x0, y0 = int(round(x + w / 2 - side / 2)), int(round(y + h / 2 - side / 2))
    square = np.full((side, side, 3), 255, np.uint8)
    top, left = max(y0, 0), max(x0, 0)
    bottom, right = min(y0 + side, bgr.shape[0]), min(x0 + side, bgr.shape[1])
    if bottom > top and right > left:
        square[top - y0:bottom - y0, left - x0:right - x0] = bgr[top:bottom, left:right]
    crop = cv2.resize(square, (size, size), interpolation=cv2.INTER_AREA if side > size else cv2.INTER_LINEAR)
    return cv2.cvtColor(crop, cv2.COLOR_BGR2RGB)


FACE_BYTES = 1024  # what one Face costs in memory, roughly (box, probabilities, landmarks)


def result_bytes(result: UploadResult) -> int:
    return len(result.shown or b"") + sum(len(c) for c in result.crops) + FACE_BYTES * (1 + len(result.faces))


def face_title(index: int, face: Face) -> str:
    """"3 happy 87%": the face's number (as drawn on the annotated image), label and confidence."""
    return face_caption(face, index + 1)


def results_table(results: list[UploadResult]):
    """The face rows (fer.inference.rows) of every readable upload."""
    return face_table([row for result in results if result.ok for row in result.rows()])


def results_csv(results: list[UploadResult]) -> str:
    return results_table(results).to_csv(index=False)


def summary_table(results: list[UploadResult]):
    """The group summary (fer.inference.summary.group_summaries) of each photo with faces, and over all."""
    return group_summaries(results_table(results))


def summary_csv(results: list[UploadResult]) -> str:
    return summary_table(results).to_csv(index=False)


def filter_faces(table, emotions, min_confidence: float = 0.0):
    """The rows of a per-face table whose label is one of `emotions`, at `min_confidence` or more."""
    return table[table["label"].isin(list(emotions)) & (table["confidence"] >= min_confidence)]


def results_json(results: list[UploadResult]) -> str:
    """Every upload with its faces' rows (fer.inference.rows) or its error."""
    records = [{"file": r.name, "faces": r.rows()} if r.ok else {"file": r.name, "error": r.error} for r in results]
    return json.dumps(records, indent=2)


def png_bytes(rgb: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg_bytes(rgb: np.ndarray, quality: int = SHOWN_QUALITY) -> bytes:
    return cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])[1].tobytes()


def decode_rgb(data: bytes) -> np.ndarray:
    return cv2.cvtColor(cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def annotated_file_name(name: str, suffix: str = ".png") -> str:
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return f"{stem}_faces{suffix}"
