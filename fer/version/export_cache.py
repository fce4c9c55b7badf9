"""Where a version's ONNX export lives when it was not shipped: the cache folder, keyed by the weights' sha256.

    <cache>/exports/<weights sha256>/model.onnx        (and model.int8.onnx)
    <cache>/exports/<weights sha256>/export.json       {weights_sha256, fp32: {file, sha256, parity...}, int8: ...}

<cache> is $FER_CACHE_DIR, else ~/.cache/fer (fer.data.fer2013.cache_dir, the one cache-folder setting). A first
use exports here, never into checkpoints/<version>/ (which may be read-only, and stays as git has it); a file
exported there by `python -m fer export` or shipped in git and vouched for by the card is used first. Every
file is checked against its recorded sha256 before it is run (`open_export`, the one place that verifies).
No torch on this path: running a cached export needs only onnxruntime.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from ..data.fer2013 import cache_dir
from ..checksum import verify_file
from .card import Card
from .errors import VersionError
from .layout import current_export, onnx_file
from .runtime import OnnxClassifier

RECORD_FILE = "export.json"

def kind_of(int8: bool) -> str:
    return "int8" if int8 else "fp32"


def exports_dir(card: Card) -> Path:
    """The cache folder of the exports of the weights `card` vouches for."""
    return cache_dir() / "exports" / card.weights_sha256


def read_record(card: Card) -> dict:
    """The cache's record of this weights' exports ({} when none, or when it records other weights)."""
    try:
        record = json.loads((exports_dir(card) / RECORD_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return record if record.get("weights_sha256") == card.weights_sha256 else {}


def write_record(card: Card, int8: bool, path: Path, sha256: str, figures: dict) -> None:
    """Record one exported file (its sha256 and the figures measured at its export); atomic."""
    record = read_record(card) or {"weights_sha256": card.weights_sha256}
    record[kind_of(int8)] = {**figures, "file": path.name, "sha256": sha256, "size_bytes": path.stat().st_size}
    target = exports_dir(card) / RECORD_FILE
    tmp = target.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(record, indent=1) + "\n")
    os.replace(tmp, target)


def shipped_export(directory: Path, card: Card, int8: bool) -> tuple[Path, str] | None:
    """(file, sha256) of the export in the version's folder when its card vouches for it (shipped in git, or
    written by `python -m fer export`), else None."""
    path = current_export(directory, card, int8)
    return None if path is None else (path, card.onnx_sha256(path.name))


def cached_export(card: Card, int8: bool) -> tuple[Path, str] | None:
    """(file, sha256) of this weights' export in the cache folder when it is there and recorded, else None."""
    entry = read_record(card).get(kind_of(int8), {})
    path = exports_dir(card) / onnx_file(int8)
    return (path, entry["sha256"]) if entry.get("sha256") and path.is_file() else None


def find_export(directory: Path, card: Card, int8: bool) -> tuple[Path, str] | None:
    """The export to run: the version folder's (vouched for by the card), else the cache's; None: export first."""
    return shipped_export(directory, card, int8) or cached_export(card, int8)


def open_export(found: tuple[Path, str], card: Card, name: str | None = None, threads: int = 0) -> OnnxClassifier:
    """An OnnxClassifier of an export, once its sha256 is the recorded one (VersionError naming the file
    otherwise). The one place an export is verified before it is run."""
    path, sha256 = found
    cached = path.parent == exports_dir(card)
    verify_file(path, sha256, VersionError, recorded_in=f"the cache's {RECORD_FILE}" if cached else "its card",
                advice=f"Delete {path.parent} to export it again" if cached else "")
    return OnnxClassifier(path, card, name, threads=threads, verify=False)
