"""Reading images from anything a user may hand over (path, bytes, file object, PIL image, numpy array)
into one form: a uint8 BGR array [H,W,3], refusing oversized or unreadable inputs with a clear error.

Numpy arrays are taken as BGR (OpenCV's order) unless color="rgb"; 2-D arrays are grayscale; a 4th
channel (alpha) is dropped. PIL images and encoded files are decoded by Pillow, in any mode (L, RGB,
RGBA, CMYK, I;16, P, ...), with their EXIF orientation applied.
"""
from __future__ import annotations

import io
import os
import warnings
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps

MAX_PIXELS = 50_000_000
MAX_BYTES = 40 * 1024 * 1024
COLOR_ORDERS = ("bgr", "rgb")


class ImageError(ValueError):
    """An input that is not a readable image, or one over the size limits; the message names the input."""


def describe(source) -> str:
    """A short name for an input, used in error messages."""
    if isinstance(source, (str, os.PathLike)):
        return str(source)
    if isinstance(source, (bytes, bytearray, memoryview)):
        return f"<{len(source)} bytes>"
    if isinstance(source, Image.Image):
        return f"<PIL image {source.mode} {source.width}x{source.height}>"
    if isinstance(source, np.ndarray):
        return f"<array {'x'.join(map(str, source.shape))} {source.dtype}>"
    return str(getattr(source, "name", None) or f"<{type(source).__name__}>")


def read_image(source, color: str = "bgr", name: str | None = None,
               max_pixels: int = MAX_PIXELS, max_bytes: int = MAX_BYTES) -> np.ndarray:
    """Any supported input -> uint8 BGR [H,W,3]. Raises ImageError naming the input when it cannot."""
    if color not in COLOR_ORDERS:
        raise ValueError(f"color must be one of {', '.join(COLOR_ORDERS)}, not {color!r}")
    name = name or describe(source)
    if isinstance(source, np.ndarray):
        check_pixels(source.shape[0] * source.shape[1] if source.ndim >= 2 else 0, name, max_pixels)
        return array_to_bgr(source, color, name)
    if isinstance(source, Image.Image):
        check_pixels(source.width * source.height, name, max_pixels)
        return pil_to_bgr(ImageOps.exif_transpose(source), name)
    return decode(read_bytes(source, name, max_bytes), name, max_pixels)


def read_bytes(source, name: str, max_bytes: int) -> bytes:
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.is_file():
            raise ImageError(f"{name}: no such file" if not path.exists() else f"{name}: not a file")
        check_bytes(path.stat().st_size, name, max_bytes)
        data = path.read_bytes()
    elif hasattr(source, "read"):
        data = source.read(max_bytes + 1)
    else:
        raise ImageError(f"{name}: not an image (expected a path, bytes, a PIL image or a numpy array)")
    check_bytes(len(data), name, max_bytes)
    if not data:
        raise ImageError(f"{name}: empty file")
    return data


def decode(data: bytes, name: str, max_pixels: int) -> np.ndarray:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))  # reads the header only
            check_pixels(image.width * image.height, name, max_pixels)  # before decoding the pixels
            image.load()
    except ImageError:
        raise
    except Image.DecompressionBombError:
        raise ImageError(f"{name}: the image has too many pixels (over {max_pixels / 1e6:g} megapixels)") from None
    except Image.UnidentifiedImageError:
        raise ImageError(f"{name}: not an image (unknown or unsupported format)") from None
    except Exception as e:  # truncated or corrupt data: Pillow raises OSError, SyntaxError, EOFError, ...
        raise ImageError(f"{name}: cannot decode the image, the file is truncated or corrupt ({e})") from None
    ImageOps.exif_transpose(image, in_place=True)  # a new image would be a second full-size copy
    return pil_to_bgr(image, name)


def check_pixels(pixels: int, name: str, max_pixels: int) -> None:
    if pixels > max_pixels:
        raise ImageError(f"{name}: the image has {pixels / 1e6:.1f} megapixels, over the {max_pixels / 1e6:g} MP limit")


def check_bytes(size: int, name: str, max_bytes: int) -> None:
    if size > max_bytes:
        raise ImageError(f"{name}: the file has {size:,} bytes, over the {max_bytes / 2**20:.3g} MB limit "
                         f"({max_bytes:,} bytes)")


def pil_to_bgr(image: Image.Image, name: str) -> np.ndarray:
    mode = image.mode
    if mode in ("1", "L"):
        return cv2.cvtColor(np.asarray(image.convert("L")), cv2.COLOR_GRAY2BGR)
    if mode.startswith("I") or mode == "F":  # 16/32-bit integer or float grayscale
        return cv2.cvtColor(scale_to_uint8(np.asarray(image)), cv2.COLOR_GRAY2BGR)
    if "A" in mode or (mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)  # transparent areas become white, not black
    try:
        rgb = np.asarray(image if image.mode == "RGB" else image.convert("RGB"))  # convert("RGB") copies
    except Exception as e:
        raise ImageError(f"{name}: cannot convert image mode {mode} to RGB ({e})") from None
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)


def scale_to_uint8(values: np.ndarray) -> np.ndarray:
    """Grayscale or color of any depth -> uint8: uint16 divided by 257, floats in [0,1] stretched to 255,
    other values already in 0..255 kept, 0..65535 divided by 257, anything else mapped min..max."""
    values = np.asarray(values)
    if values.dtype == np.uint8:
        return values
    if values.dtype == bool:
        return values.astype(np.uint8) * 255
    if values.dtype == np.uint16:
        return (values.astype(np.float32) / 257).round().astype(np.uint8)
    if values.size == 0:
        return values.astype(np.uint8)
    low, high = float(values.min()), float(values.max())
    if values.dtype.kind == "f" and low >= 0 and high <= 1:
        return np.round(values * 255).astype(np.uint8)
    if low >= 0 and high <= 255:
        return np.round(values).astype(np.uint8)
    if low >= 0 and high <= 65535 and values.dtype.kind in "ui":
        return (values.astype(np.float32) / 257).round().astype(np.uint8)
    span = max(high - low, 1e-12)
    return ((values.astype(np.float64) - low) * (255 / span)).round().astype(np.uint8)


def array_to_bgr(array: np.ndarray, color: str, name: str) -> np.ndarray:
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[..., 0]
    if array.ndim == 2:
        return cv2.cvtColor(scale_to_uint8(array), cv2.COLOR_GRAY2BGR)
    if array.ndim != 3 or array.shape[2] not in (3, 4) or min(array.shape[:2]) == 0:
        raise ImageError(f"{name}: not an image array (expected [H,W] grayscale or [H,W,3|4] color)")
    array = scale_to_uint8(array[..., :3])
    if color == "rgb":
        array = array[..., ::-1]
    return np.ascontiguousarray(array)
