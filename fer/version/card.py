"""The model card: what a version is, what it learned from, how it scores, and the sha256 of every file it runs from.

checkpoints/<version>/ holds card.json (this) beside the version's other files (fer.version.layout names
them all). Cards written before the
typed card (schema 1) are migrated when read; the migration is one-way (a card is written back in schema 2).
"""
from __future__ import annotations

import dataclasses
import functools
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from ..checksum import sha256_of
from ..defaults import NORMALIZATION, TTA_VIEWS
from ..labels import EMOTIONS
from .errors import VersionError
from .layout import CARD_FILE, WEIGHTS_FILE

ENSEMBLE = "ensemble"  # the architecture of an ensemble version
SCHEMA = 2
LABEL_SETS = ("fer2013", "ferplus")
# metrics keys: a split ("val", "val_tta", "test"), with "_ferplus" for the FER+ plurality labels of the same faces
FERPLUS_SUFFIX = "_ferplus"


@dataclass
class Card:
    name: str
    architecture: str
    labels: list[str] = field(default_factory=lambda: list(EMOTIONS))
    model_kwargs: dict = field(default_factory=dict)
    params: int | None = None
    macs: int | None = None
    input_size: list[int] = field(default_factory=lambda: [1, 48, 48])
    normalization: dict = field(default_factory=lambda: dict(NORMALIZATION))
    weights_file: str | None = WEIGHTS_FILE
    weights_sha256: str | None = None        # of weights_file; an ensemble: of its members' weights together
    members: list[dict] = field(default_factory=list)  # an ensemble's {version, weights_sha256, ...}
    data: dict = field(default_factory=dict)  # {file (a file name, never a path), sha256, layout, split_sizes, notes}
    protocol: str = ""
    hyperparameters: dict = field(default_factory=dict)
    seed: int | None = None
    wall_time_s: float | None = None
    hardware: str | None = None
    sittings: list[dict] = field(default_factory=list)
    best_epoch: int | None = None
    epochs_run: int | None = None
    tta: str = "none"                        # the TTA every figure of the card was measured with
    metrics: dict[str, dict] = field(default_factory=dict)  # key -> report (see fer.version.evaluation)
    calibration: dict = field(default_factory=dict)  # {temperature, prior_correction, before, after, ...}
    latency: dict = field(default_factory=dict)      # PyTorch stopwatch: ms_per_view_batch1_1thread, ..._batch64_...
    onnx: dict = field(default_factory=dict)         # export: {fp32: {file, sha256, ...}, int8: {...}, ...}
    created: str | None = None
    schema: int = SCHEMA
    extra: dict = field(default_factory=dict)        # keys this code does not know, kept as they were

    # ------------------------------------------------------------ reading the figures
    @property
    def is_ensemble(self) -> bool:
        return self.architecture == ENSEMBLE

    @property
    def member_names(self) -> list[str]:
        return [m["version"] for m in self.members]

    @property
    def temperature(self) -> float:
        """The calibration temperature (`python -m fer calibrate`); 1.0 = none."""
        return float(self.calibration.get("temperature", 1.0))

    @property
    def class_bias(self) -> list[float] | None:
        """The prior correction (`python -m fer calibrate --prior-tau`): one log-space number a class added to
        the log-probabilities before the temperature; None = none."""
        return self.calibration.get("prior_correction", {}).get("class_bias")

    def calibration_map(self, calibrated: bool = True) -> tuple[float, list[float] | None]:
        """(temperature, class_bias) for fer.version.predict.temper; (1.0, None) for the network's own output."""
        return (self.temperature, self.class_bias) if calibrated else (1.0, None)

    def report(self, split: str = "test", labels: str = "fer2013") -> dict | None:
        """The card's report of a split ("val", "val_tta", "test") on FER2013's or FER+'s labels, or None."""
        if labels not in LABEL_SETS:
            raise ValueError(f"unknown label set {labels!r}; use one of {', '.join(LABEL_SETS)}")
        report = self.metrics.get(split + (FERPLUS_SUFFIX if labels == "ferplus" else ""))
        return report if report and "accuracy" in report else None

    def figure(self, name: str, split: str = "test", labels: str = "fer2013") -> float | None:
        return (self.report(split, labels) or {}).get(name)

    def accuracy(self, split: str = "test", labels: str = "fer2013") -> float | None:
        return self.figure("accuracy", split, labels)

    def macro_f1(self, split: str = "test", labels: str = "fer2013") -> float | None:
        return self.figure("macro_f1", split, labels)

    def ece(self, split: str = "test", labels: str = "fer2013") -> float | None:
        return self.figure("ece", split, labels)

    @property
    def ms_per_view(self) -> float | None:
        """Milliseconds a view at batch 1 on one thread as the app runs it: ONNX Runtime fp32 where the version
        has been exported, else PyTorch."""
        return self.onnx.get("fp32", {}).get("ms_per_view_batch1_1thread",
                                             self.latency.get("ms_per_view_batch1_1thread"))

    @property
    def ms_per_face(self) -> float | None:
        """ms_per_view times the views of the version's TTA: the one latency figure shown anywhere."""
        per_view = self.ms_per_view
        return None if per_view is None else round(per_view * TTA_VIEWS.get(self.tta, 1), 3)

    @property
    def data_file(self) -> str | None:
        return self.data.get("file")

    def onnx_sha256(self, file_name: str) -> str | None:
        """The sha256 the card records for an exported file (None: not recorded, so not to be trusted)."""
        entry = next((e for e in self.onnx.values() if isinstance(e, dict) and e.get("file") == file_name), {})
        return entry.get("sha256")

    # ------------------------------------------------------------ reading and writing
    def to_dict(self) -> dict:
        fields = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "extra"}
        return {**fields, **self.extra}

    @classmethod
    def from_dict(cls, raw: dict) -> "Card":
        raw = migrate(raw)
        known = {f.name for f in dataclasses.fields(cls)} - {"extra"}
        return cls(**{k: v for k, v in raw.items() if k in known},
                   extra={k: v for k, v in raw.items() if k not in known})

    @classmethod
    def read(cls, directory: str | Path) -> "Card":
        """The card of a version folder; VersionError naming the file when it is missing or not a card."""
        path = Path(directory) / CARD_FILE
        try:
            raw = json.loads(path.read_text())
        except FileNotFoundError:
            raise VersionError(f"{path}: missing") from None
        except (OSError, UnicodeDecodeError) as e:
            raise VersionError(f"{path}: cannot be read ({e.__class__.__name__})") from None
        except json.JSONDecodeError as e:
            raise VersionError(f"{path}: not valid JSON ({e.msg} at line {e.lineno}, column {e.colno})") from None
        if not isinstance(raw, dict) or not isinstance(raw.get("architecture"), str):
            raise VersionError(f"{path}: not a model card (no architecture)")
        try:
            return cls.from_dict({"name": Path(directory).name, **raw})
        except (TypeError, AttributeError, ValueError) as e:
            raise VersionError(f"{path}: not a model card ({e})") from None

    def write(self, directory: str | Path) -> None:
        path = Path(directory) / CARD_FILE
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.to_dict(), indent=2))
        os.replace(tmp, path)  # never a half-written card


# ---------------------------------------------------------------- schema 1 -> 2
def migrate(raw: dict) -> dict:
    """A schema-1 card (an untyped dict) as schema 2: the data named by its file name, not a machine's path;
    latency per TTA view under unambiguous names; the strict FER+ majority report under its own key."""
    if raw.get("schema", 1) >= SCHEMA:
        return raw
    raw = json.loads(json.dumps(raw))  # a deep copy
    if raw.get("data", {}).get("file"):
        raw["data"]["file"] = Path(str(raw["data"]["file"]).replace("\\", "/")).name
    if raw.get("hyperparameters"):
        raw["hyperparameters"] = portable_hyperparameters(raw["hyperparameters"])
    export_data = raw.get("onnx", {}).get("data")
    if isinstance(export_data, dict) and export_data.get("file"):
        export_data["file"] = Path(str(export_data["file"]).replace("\\", "/")).name
    latency = raw.get("latency", {})
    raw["latency"] = {k.replace("ms_per_face_", "ms_per_view_"): v for k, v in latency.items() if k != "tta_views"}
    for kind in ("fp32", "int8"):
        entry = raw.get("onnx", {}).get(kind)
        if entry:
            raw["onnx"][kind] = {k.replace("ms_per_face_", "ms_per_view_"): v for k, v in entry.items()}
            if "calibration" in entry:  # int8 quantisation's calibration faces: not temperature scaling
                raw["onnx"][kind]["quantization_faces"] = raw["onnx"][kind].pop("calibration")
    if "test_ferplus" in raw.get("metrics", {}):  # schema 1 reported FER+'s strict majority
        raw["metrics"]["test_ferplus_majority"] = raw["metrics"].pop("test_ferplus")
    if raw.get("architecture") == ENSEMBLE:
        raw["weights_file"] = None
    raw["schema"] = SCHEMA
    return raw


def portable_hyperparameters(hyperparameters: dict) -> dict:
    """Training options as a card keeps them: files and folders by name, never a path of the machine that
    trained (the data, a teacher or a starting version given by path); where the run was written is left out."""
    kept = {k: v for k, v in hyperparameters.items() if k != "out_dir"}
    for key in ("data", "teacher", "init_from"):
        if kept.get(key):
            kept[key] = Path(str(kept[key]).replace("\\", "/")).name
    return kept


def data_identity(source: str, layout: str, split_sizes: dict, notes: list[str] | None = None) -> dict:
    """How a card names its data: the file's name and sha256 (a folder dataset: its name), never a path."""
    path = Path(source)
    identity = {"file": path.name, "layout": layout, "split_sizes": split_sizes, "notes": list(notes or [])}
    if path.is_file():
        identity["sha256"] = sha256_of(path)
    return identity


def locate_data(card: Card) -> Path | None:
    """The data file a card names, where this machine keeps data (fer.defaults.data_dirs), when its sha256 is
    the card's (or the card records none); None when it is not here."""
    from ..defaults import data_dirs

    name = card.data_file
    if not name:
        return None
    for folder in data_dirs():
        path = folder / name
        if path.is_file() and card.data.get("sha256") in (None, _cached_sha256(path)):
            return path
    return None


@functools.lru_cache(maxsize=32)
def _sha256_at(path: Path, size: int, mtime_ns: int) -> str:
    return sha256_of(path)


def _cached_sha256(path: Path) -> str:
    stat = path.stat()
    return _sha256_at(path, stat.st_size, stat.st_mtime_ns)
