"""ModelVersion: one object for one version, loaded from its verified files: its card, its files, its network
and its predictions. The verbs (evaluate, export, calibrate, train, recognizer) are fer.api.Model's, the object
fer.load() returns; the modules that do them import this one, never the other way.

    v = fer.version.load("fernet_small-rt-v3")   # None: the photo default
    v.card.accuracy("test", labels="ferplus")
    v.predict_proba(faces_uint8)                 # the version's own TTA and calibration
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from ..checksum import sha256_of
from ..models import Ensemble, create_model
from ..stopwatch import stopwatch_ms_per_view
from .card import Card
from .errors import VersionError
from .layout import WEIGHTS_FILE
from .predict import CardClassifier
from .store import read_history, resolve
from .verify import verify_version


@dataclass
class ModelVersion(CardClassifier):
    name: str
    path: Path
    card: Card
    model: torch.nn.Module
    history: list[dict] = field(default_factory=list)
    device: str = "cpu"
    backend = "torch"

    @property
    def normalization(self) -> dict:
        return self.card.normalization

    @torch.no_grad()
    def logits(self, x: np.ndarray) -> np.ndarray:
        """Raw outputs for normalised float inputs [N,1,48,48]."""
        return self.model(torch.from_numpy(x).to(self.device)).float().cpu().numpy()

    def measure_ms_per_view(self, batch: int = 1, threads: int = 1, min_seconds: float = 1.0) -> float:
        """A PyTorch stopwatch: milliseconds per TTA view at a batch size and thread count."""
        previous = torch.get_num_threads()
        torch.set_num_threads(threads)
        try:
            return stopwatch_ms_per_view(self.logits, batch, warmup=10, min_seconds=min_seconds)
        finally:
            torch.set_num_threads(previous)

    def save_card(self) -> None:
        self.card.write(self.path)


def save_weights(directory: str | Path, model: torch.nn.Module, half: bool = False) -> str:
    """Write the weights as safetensors; returns their sha256. half: the learned parameters in fp16 (half the
    file; they load back into the fp32 network), the buffers (BatchNorm's running statistics) as they are."""
    path = Path(directory) / WEIGHTS_FILE
    halved = {name for name, p in model.named_parameters() if p.is_floating_point()} if half else set()
    save_file({k: (v.half() if k in halved else v).detach().cpu().contiguous() for k, v in model.state_dict().items()},
              str(path))
    return sha256_of(path)


def rewrite_weights(version: ModelVersion, half: bool = False) -> None:
    """After the network's weights changed in memory: write them (save_weights), run the network on what was
    written (fp16 values when `half`), record their sha256 in the card and drop the record of the ONNX files of the
    old weights (they are exported again on first use). The card is written by whoever re-measures it."""
    version.card.weights_sha256 = save_weights(version.path, version.model, half=half)
    version.model.load_state_dict(load_file(str(version.path / WEIGHTS_FILE)))
    version.card.onnx = {}


def load(version: str | Path | None = None, root: str | Path | None = None, device: str = "cpu",
         verify: bool = True, purpose: str = "photo") -> ModelVersion:
    """Load a model version (None: the shipped default for `purpose`), refusing it when any of its files fails
    its checksum (verify_version: the weights and the ONNX exports its card vouches for)."""
    directory = resolve(version, root, purpose)
    card = Card.read(directory)
    if verify:
        verify_version(directory, card)
    if card.is_ensemble:
        return _load_ensemble(directory, card, device)
    return from_weights(directory, card, directory / (card.weights_file or WEIGHTS_FILE), device)


def from_weights(directory: Path, card: Card, weights: Path, device: str = "cpu") -> ModelVersion:
    """The version whose network is `card.architecture` with the weights of the file `weights`."""
    model = create_model(card.architecture, num_classes=len(card.labels), **card.model_kwargs)
    try:
        model.load_state_dict(load_file(str(weights)))
    except Exception as e:  # safetensors header errors, missing/unexpected keys
        raise VersionError(f"{weights}: cannot load weights into {card.architecture} ({e})") from None
    model.to(device).eval()
    return ModelVersion(directory.name, directory, card, model, read_history(directory), device)


def _load_ensemble(directory: Path, card: Card, device: str) -> ModelVersion:
    """Load each member from the ensemble's folder's siblings (verify_version checked their weights)."""
    members = []
    for member in card.members:
        try:
            loaded = load(member["version"], directory.parent, device, verify=False)
        except VersionError as e:
            raise VersionError(f"ensemble {directory.name!r}: member {member['version']!r} cannot be loaded ({e})") from None
        if loaded.normalization != card.normalization:
            raise VersionError(f"ensemble {directory.name!r}: member {member['version']!r} normalises its input differently")
        members.append(loaded.model)
    return ModelVersion(directory.name, directory, card, Ensemble(members).to(device).eval(), [], device)
