"""The version store: checkpoints/<version>/ folders, listed, chosen by default, loaded (files verified).

Every place that resolves "which version" goes through resolve(): a name in the checkpoints folder, a folder
path, or None for the default of a purpose ("photo" or "realtime", from checkpoints/defaults.json).
"""
from __future__ import annotations

import csv
import json
import os
import sysconfig
from pathlib import Path
from typing import NamedTuple

from ..checksum import sha256_of_text
from .card import Card
from .errors import VersionError
from .layout import CARD_FILE, HISTORY_FILE, WEIGHTS_FILE

DEFAULTS_FILE = "defaults.json"
CHECKPOINTS_ENV = "FER_CHECKPOINTS"


class VersionEntry(NamedTuple):
    """A version folder as listed: its card, or the one-line error that keeps it from loading."""
    name: str
    card: Card | None
    error: str | None


SOURCE_CHECKPOINTS = Path(__file__).resolve().parents[2] / "checkpoints"  # in a source checkout (or `pip install -e .`)
INSTALLED_CHECKPOINTS = Path(sysconfig.get_path("data")) / "share" / "fer-studio" / "checkpoints"  # from the wheel


def checkpoints_root(root: str | Path | None = None) -> Path:
    """The folder of model versions: `root` when given, else $FER_CHECKPOINTS, else the source checkout's
    checkpoints/, else the versions the defaults need, installed with the package (<prefix>/share/fer-studio/
    checkpoints). Point it at your own checkpoints/ folder (versions you trained, or a clone's every version)
    with `export FER_CHECKPOINTS=/path/to/checkpoints`, `--root /path/to/checkpoints` on the command line, or
    `root=` in the API (fer.load(name, root=...)); versions are trained into it too."""
    if root is not None:
        return Path(root)
    if os.environ.get(CHECKPOINTS_ENV):
        return Path(os.environ[CHECKPOINTS_ENV])
    if (SOURCE_CHECKPOINTS / DEFAULTS_FILE).is_file() or not (INSTALLED_CHECKPOINTS / DEFAULTS_FILE).is_file():
        return SOURCE_CHECKPOINTS
    return INSTALLED_CHECKPOINTS


def _runnable(directory: Path, card: Card) -> bool:
    """An ensemble, or a version whose training has finished (its weights are written)."""
    return card.is_ensemble or (directory / (card.weights_file or WEIGHTS_FILE)).is_file()


def scan_versions(root: str | Path | None = None) -> list[VersionEntry]:
    """Every version folder, sorted by name; a folder whose card cannot be read is listed with its error, so
    that callers can show the others."""
    root = checkpoints_root(root)
    if not root.is_dir():
        return []
    entries = []
    for directory in sorted(p for p in root.iterdir() if (p / CARD_FILE).is_file()):
        try:
            card = Card.read(directory)
        except VersionError as e:
            entries.append(VersionEntry(directory.name, None, str(e)))
            continue
        if _runnable(directory, card):
            entries.append(VersionEntry(directory.name, card, None))
    return entries


def list_versions(root: str | Path | None = None) -> list[str]:
    """The names of the versions whose cards can be read (scan_versions also lists the broken ones)."""
    return [e.name for e in scan_versions(root) if e.error is None]


def default_version(purpose: str = "photo", root: str | Path | None = None) -> str:
    """The version shipped as default for `purpose` ("photo" or "realtime"); else the best on validation."""
    root = checkpoints_root(root)
    cards = {e.name: e.card for e in scan_versions(root) if e.error is None}
    if not cards:
        raise VersionError(f"no model versions in {root}; train one with `python -m fer train`")
    defaults_path = root / DEFAULTS_FILE
    if defaults_path.is_file():
        try:
            chosen = json.loads(defaults_path.read_text()).get(purpose)
        except (json.JSONDecodeError, AttributeError):
            raise VersionError(f"{defaults_path}: not a JSON object of defaults") from None
        if chosen in cards:
            return chosen
    return max(cards, key=lambda name: cards[name].accuracy("val") or 0.0)


def version_dir(version: str | Path, root: str | Path | None = None) -> Path:
    """The folder of a version given by name (in the checkpoints folder) or by its folder's path."""
    text = str(version)
    if os.sep in text or "/" in text or (Path(text) / CARD_FILE).is_file():
        return Path(text)
    return checkpoints_root(root) / text


def resolve(version: str | Path | None = None, root: str | Path | None = None, purpose: str = "photo") -> Path:
    """The folder of `version` (None: the default for `purpose`); VersionError naming the known ones if none."""
    directory = version_dir(version or default_version(purpose, root), root)
    if not (directory / CARD_FILE).is_file():
        known = ", ".join(list_versions(directory.parent)) or "none"
        raise VersionError(f"model version {directory.name!r} not found in {directory.parent} (known versions: {known})")
    return directory


def read_card(version: str | Path, root: str | Path | None = None) -> Card:
    return Card.read(resolve(version, root))


def read_history(directory: str | Path) -> list[dict]:
    path = Path(directory) / HISTORY_FILE
    if not path.is_file():
        return []
    with open(path, newline="") as f:
        return [{k: float(v) if k != "epoch" else int(v) for k, v in row.items()} for row in csv.DictReader(f)]


def write_history(directory: str | Path, history: list[dict]) -> None:
    if not history:
        return
    with open(Path(directory) / HISTORY_FILE, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(history[0]))
        writer.writeheader()
        writer.writerows(history)


def members_sha256(member_shas: list[str]) -> str:
    """One fingerprint of an ensemble's weights."""
    return sha256_of_text("".join(member_shas))
