"""verify_version: every file a version runs, checked against its card before anything runs.

load() (the app's version check, fer.load) and load_classifier() (the CLI, fer.Recognizer, analyze workers, the
app's recognizer) both call it, so a changed file gets the same one-line VersionError everywhere: the weights
(an ensemble: each member's, which must be the weights it was built with) and every ONNX export the card vouches
for, wherever layout.current_export finds it. A missing export is not an error: it is exported on first use.
"""
from __future__ import annotations

from pathlib import Path

from ..checksum import verify_file
from .card import Card
from .errors import VersionError
from .layout import WEIGHTS_FILE, current_export
from .store import resolve


def verify_version(directory: Path, card: Card) -> None:
    """VersionError naming the first file of the version that is missing or not the one its card records."""
    if card.is_ensemble:
        for member in card.members:
            _verify_member(directory, member)
    else:
        verify_file(directory / (card.weights_file or WEIGHTS_FILE), card.weights_sha256, VersionError)
    for int8 in (False, True):
        path = current_export(directory, card, int8)
        if path is not None:
            verify_file(path, card.onnx_sha256(path.name), VersionError)


def _verify_member(directory: Path, member: dict) -> None:
    name = member["version"]
    try:
        member_dir = resolve(name, directory.parent)
        member_card = Card.read(member_dir)
        verify_file(member_dir / (member_card.weights_file or WEIGHTS_FILE), member_card.weights_sha256, VersionError)
    except VersionError as e:
        raise VersionError(f"ensemble {directory.name!r}: member {name!r} cannot be loaded ({e})") from None
    if member_card.weights_sha256 != member["weights_sha256"]:
        raise VersionError(f"ensemble {directory.name!r}: member {name!r} has other weights than the ensemble was "
                           "built and evaluated with; rebuild it (python -m fer ensemble)")
