"""Model versions: checkpoints/<version>/ holds weights.safetensors, card.json and history.csv.

An ensemble version holds only card.json: its card names member versions of the same folder (with the
sha256 of the weights it was built from) whose probabilities are averaged.
"""
from __future__ import annotations

import csv
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from .data.transforms import NORMALIZATION, predict_proba_batched
from .models import Ensemble, create_model

WEIGHTS_FILE = "weights.safetensors"
CARD_FILE = "card.json"
HISTORY_FILE = "history.csv"
DEFAULTS_FILE = "defaults.json"
ENSEMBLE = "ensemble"  # card["architecture"] of an ensemble version


class VersionError(RuntimeError):
    """A model version that is missing, incomplete or fails its integrity check."""


def checkpoints_root(root: str | Path | None = None) -> Path:
    if root is not None:
        return Path(root)
    return Path(os.environ.get("FER_CHECKPOINTS", Path(__file__).resolve().parents[1] / "checkpoints"))


def sha256_of(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_card_file(path: Path) -> dict:
    """A card.json; VersionError naming the file when it is not a JSON object."""
    try:
        card = json.loads(path.read_text())
    except json.JSONDecodeError as e:
        raise VersionError(f"{path}: not valid JSON ({e.msg} at line {e.lineno}, column {e.colno})") from None
    except (OSError, UnicodeDecodeError) as e:
        raise VersionError(f"{path}: cannot be read ({e})") from None
    if not isinstance(card, dict):
        raise VersionError(f"{path}: not a model card (expected a JSON object)")
    return card


def _is_version(directory: Path) -> bool:
    """A folder with a card and weights, or an ensemble's card; a card that cannot be read counts, so that
    reading it says what is wrong with it."""
    if not (directory / CARD_FILE).is_file():
        return False
    try:
        return (directory / WEIGHTS_FILE).is_file() or is_ensemble(read_card_file(directory / CARD_FILE))
    except VersionError:
        return True


def list_versions(root: str | Path | None = None) -> list[str]:
    root = checkpoints_root(root)
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if _is_version(p))


def temperature_of(card: dict) -> float:
    """The calibration temperature fitted for this version (`python -m fer calibrate`); 1.0 = none."""
    return float(card.get("calibration", {}).get("temperature", 1.0))


def is_ensemble(card: dict) -> bool:
    return card.get("architecture") == ENSEMBLE


def members_sha256(member_shas: list[str]) -> str:
    """One fingerprint of an ensemble's weights (ONNX exports are stamped with it)."""
    return hashlib.sha256("".join(member_shas).encode()).hexdigest()


def default_version(purpose: str = "photo", root: str | Path | None = None) -> str:
    """The version shipped as default for `purpose` ("photo" or "realtime")."""
    root = checkpoints_root(root)
    versions = list_versions(root)
    if not versions:
        raise VersionError(f"no model versions in {root}; train one with `python -m fer train`")
    defaults_path = root / DEFAULTS_FILE
    if defaults_path.is_file():
        chosen = json.loads(defaults_path.read_text()).get(purpose)
        if chosen in versions:
            return chosen
    return max(versions, key=lambda v: read_card(v, root).get("metrics", {}).get("val", {}).get("accuracy", 0.0))


def read_card(version: str, root: str | Path | None = None) -> dict:
    path = checkpoints_root(root) / version / CARD_FILE
    if not path.is_file():
        raise VersionError(f"model version {version!r} not found ({path} is missing)")
    return read_card_file(path)


def write_card(directory: str | Path, card: dict) -> None:
    path = Path(directory) / CARD_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(card, indent=2, sort_keys=False))
    os.replace(tmp, path)


def read_history(directory: str | Path) -> list[dict]:
    path = Path(directory) / HISTORY_FILE
    if not path.is_file():
        return []
    with open(path, newline="") as f:
        return [{k: float(v) if k != "epoch" else int(v) for k, v in row.items()} for row in csv.DictReader(f)]


def write_history(directory: str | Path, history: list[dict]) -> None:
    if not history:
        return
    path = Path(directory) / HISTORY_FILE
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(history[0]))
        writer.writeheader()
        writer.writerows(history)


def save_weights(directory: str | Path, model: torch.nn.Module) -> str:
    """Write the weights as safetensors; returns their sha256."""
    path = Path(directory) / WEIGHTS_FILE
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(path))
    return sha256_of(path)


@dataclass
class ModelVersion:
    name: str
    path: Path
    card: dict
    model: torch.nn.Module
    history: list[dict] = field(default_factory=list)
    device: str = "cpu"

    @property
    def normalization(self) -> dict:
        return self.card.get("normalization", NORMALIZATION)

    @property
    def labels(self) -> list[str]:
        return self.card["labels"]

    @property
    def temperature(self) -> float:
        return temperature_of(self.card)

    @torch.no_grad()
    def predict_proba(self, faces: np.ndarray, tta: str = "none", batch_size: int = 256,
                      calibrated: bool = True) -> np.ndarray:
        """Class probabilities [N,7] for uint8 48x48 faces [N,48,48]; TTA views are averaged, then calibrated
        with the version's temperature (calibrated=False: the network's own probabilities)."""
        return predict_proba_batched(lambda x: self.model(x.to(self.device)), faces, tta, self.normalization,
                                     batch_size, len(self.labels), self.temperature if calibrated else 1.0)


def load(version: str | None = None, root: str | Path | None = None, device: str = "cpu", verify: bool = True) -> ModelVersion:
    """Load a model version (default: the shipped default for photos), refusing tampered weights."""
    root = checkpoints_root(root)
    version = version or default_version("photo", root)
    if os.sep in version or (Path(version) / CARD_FILE).is_file():  # a directory path
        directory = Path(version)
    else:
        directory = root / version
    card_path, weights_path = directory / CARD_FILE, directory / WEIGHTS_FILE
    card = read_card_file(card_path) if card_path.is_file() else {}
    if is_ensemble(card):
        return _load_ensemble(directory, card, device, verify)
    if not card or not weights_path.is_file():
        known = ", ".join(list_versions(root)) or "none"
        raise VersionError(f"model version {version!r} not found in {directory.parent} (known versions: {known})")
    if verify and card.get("weights_sha256") and sha256_of(weights_path) != card["weights_sha256"]:
        raise VersionError(
            f"{weights_path}: sha256 does not match its card; the file was changed or corrupted, refusing to load it"
        )
    model = create_model(card["architecture"], num_classes=len(card["labels"]), **card.get("model_kwargs", {}))
    try:
        model.load_state_dict(load_file(str(weights_path)))
    except Exception as e:  # safetensors header errors, missing/unexpected keys
        raise VersionError(f"{weights_path}: cannot load weights into {card['architecture']} ({e})") from None
    model.to(device).eval()
    return ModelVersion(directory.name, directory, card, model, read_history(directory), device)


def _load_ensemble(directory: Path, card: dict, device: str, verify: bool) -> ModelVersion:
    """Load each member from the ensemble's folder's siblings, refusing members retrained since it was built."""
    members = []
    for member in card["members"]:
        try:
            loaded = load(member["version"], directory.parent, device, verify)
        except VersionError as e:
            raise VersionError(f"ensemble {directory.name!r}: member {member['version']!r} cannot be loaded ({e})") from None
        if verify and loaded.card.get("weights_sha256") != member["weights_sha256"]:
            raise VersionError(f"ensemble {directory.name!r}: member {member['version']!r} has other weights than "
                               "the ensemble was built and evaluated with; rebuild it (python -m fer ensemble)")
        if loaded.normalization != card.get("normalization", NORMALIZATION):
            raise VersionError(f"ensemble {directory.name!r}: member {member['version']!r} normalises its input differently")
        members.append(loaded.model)
    model = Ensemble(members).to(device).eval()
    return ModelVersion(directory.name, directory, card, model, [], device)
