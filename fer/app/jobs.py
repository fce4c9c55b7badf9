"""Background training runs started from the app: `python -m fer train ...` in its own process.

A job is recorded as <runs_dir>/<name>.json next to its log, so it survives page reloads and server
restarts; its progress is read from the history.csv the trainer writes after each epoch.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from ..version import CARD_FILE, read_history
from .settings import REPO


class JobError(ValueError):
    """A training job that cannot be started (bad name, name taken, missing data)."""


@dataclass
class TrainingJob:
    name: str
    pid: int
    out_dir: str
    log: str
    epochs: int
    command: list[str]
    started: float

    @property
    def version_dir(self) -> Path:
        return Path(self.out_dir) / self.name


def training_command(name: str, data: str, out_dir: str, preset: str = "smoke", epochs: int = 2,
                     subset: int = 0) -> list[str]:
    command = [sys.executable, "-m", "fer", "train", "--preset", preset, "--data", str(data), "--name", name,
               "--out-dir", str(out_dir), "--epochs", str(epochs)]
    if subset:
        command += ["--subset", str(subset)]
    return command


def check_name(name: str, out_dir: str | Path) -> None:
    if not name or not all(c.isalnum() or c in "-_." for c in name) or name.startswith("."):
        raise JobError(f"version name {name!r}: use letters, digits, '-', '_' or '.'")
    if (Path(out_dir) / name).exists():
        raise JobError(f"version name {name!r} is taken ({Path(out_dir) / name} exists)")


def start_training(name: str, data: str, out_dir: str | Path, runs_dir: str | Path, preset: str = "smoke",
                   epochs: int = 2, subset: int = 0) -> TrainingJob:
    """Start a training run in a new process session (it outlives the page and its session)."""
    check_name(name, out_dir)
    if not Path(data).exists():
        raise JobError(f"training data {data}: no such file or folder")
    runs_dir = Path(runs_dir)
    runs_dir.mkdir(parents=True, exist_ok=True)
    log_path = runs_dir / f"{name}.log"
    command = training_command(name, data, str(out_dir), preset, epochs, subset)
    with open(log_path, "w") as log:
        process = subprocess.Popen(command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    job = TrainingJob(name, process.pid, str(out_dir), str(log_path), epochs, command, time.time())
    (runs_dir / f"{name}.json").write_text(json.dumps(asdict(job), indent=2))
    return job


def list_jobs(runs_dir: str | Path) -> list[TrainingJob]:
    """The recorded jobs, newest first."""
    jobs = []
    for path in Path(runs_dir).glob("*.json"):
        try:
            jobs.append(TrainingJob(**json.loads(path.read_text())))
        except (json.JSONDecodeError, TypeError):
            continue  # a record from another tool or a half-written file
    return sorted(jobs, key=lambda j: j.started, reverse=True)


def _alive(pid: int) -> bool:
    try:
        finished, _ = os.waitpid(pid, os.WNOHANG)  # reaps it if it is our own child that exited
        return finished == 0
    except ChildProcessError:  # not our child (started by an earlier server process)
        pass
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def job_status(job: TrainingJob) -> str:
    """running, finished (the version's card exists) or failed."""
    if _alive(job.pid):
        return "running"
    return "finished" if (job.version_dir / CARD_FILE).is_file() else "failed"


def epochs_done(job: TrainingJob) -> int:
    return len(read_history(job.version_dir))


def progress(job: TrainingJob) -> float:
    """Share of epochs completed, 0..1 (1 once the card is written)."""
    if (job.version_dir / CARD_FILE).is_file():
        return 1.0
    return min(epochs_done(job) / max(job.epochs, 1), 1.0)


def log_tail(job: TrainingJob, lines: int = 15) -> str:
    path = Path(job.log)
    if not path.is_file():
        return ""
    text = path.read_text(errors="replace").replace("\r", "\n")  # tqdm redraws its bar with \r
    return "\n".join([line for line in text.splitlines() if line.strip()][-lines:])
