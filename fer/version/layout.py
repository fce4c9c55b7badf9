"""The folder of a version, checkpoints/<version>/: the one place its files are named.

    card.json            the card (fer.version.Card)
    weights.safetensors  the weights (none for an ensemble, whose members are sibling versions)
    history.csv          one row per training epoch
    model.onnx, model.int8.onnx   the ONNX exports, vouched for by the card's sha256
    last.pt              while training: the last completed epoch, what --resume continues from
    training.pid         while training: the process training it (a second one is refused while it lives)
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

CARD_FILE = "card.json"
WEIGHTS_FILE = "weights.safetensors"
HISTORY_FILE = "history.csv"
ONNX_FILE = "model.onnx"
INT8_FILE = "model.int8.onnx"
RESUME_FILE = "last.pt"
LOCK_FILE = "training.pid"


def onnx_file(int8: bool) -> str:
    return INT8_FILE if int8 else ONNX_FILE


def current_export(directory: Path, card, int8: bool) -> Path | None:
    """The version's exported file when its card vouches for it (a sha256, and the weights it came from are
    the version's); None when it must be exported first."""
    path = Path(directory) / onnx_file(int8)
    current = card.onnx.get("weights_sha256") == card.weights_sha256 and card.onnx_sha256(path.name)
    return path if current and path.is_file() else None


@dataclass(frozen=True)
class VersionFolder:
    path: Path

    def __post_init__(self):
        object.__setattr__(self, "path", Path(self.path))

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def card(self) -> Path:
        return self.path / CARD_FILE

    @property
    def weights(self) -> Path:
        return self.path / WEIGHTS_FILE

    @property
    def history(self) -> Path:
        return self.path / HISTORY_FILE

    @property
    def resume(self) -> Path:
        return self.path / RESUME_FILE

    @property
    def lock(self) -> Path:
        return self.path / LOCK_FILE

    def onnx(self, int8: bool = False) -> Path:
        return self.path / onnx_file(int8)

    # ------------------------------------------------------------ while training
    def training_process(self) -> int | None:
        """The living process that is training this version (its lock), else None."""
        try:
            pid = int(self.lock.read_text())
            os.kill(pid, 0)
        except (FileNotFoundError, NotADirectoryError, ValueError, ProcessLookupError):
            return None  # no lock, or the process that left it is gone
        except PermissionError:
            pass  # alive, owned by someone else
        return pid

    def refuse_if_in_training(self) -> None:
        """Refuse to train a run that another living process is training (both would write the same files)."""
        pid = self.training_process()
        if pid is not None and pid != os.getpid():
            raise FileExistsError(f"{self.name} is being trained now by process {pid}; wait for it, or stop it "
                                  "first (its completed epochs are saved, and --resume continues from the last one)")

    def claim(self) -> None:
        self.refuse_if_in_training()
        self.lock.write_text(str(os.getpid()))

    def release(self) -> None:
        self.lock.unlink(missing_ok=True)

    @property
    def stopped(self) -> bool:
        """A training run that stopped before it finished (its last completed epoch is kept to resume from)."""
        return self.resume.is_file()
