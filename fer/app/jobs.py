"""Background training runs started from the app: `python -m fer train ...` in its own process.

Everything a job writes stays under the runs folder ($FER_RUNS_DIR), never in the served checkpoints:
  <runs>/jobs/<name>.json   its record (created exclusively: this reserves the name), <runs>/jobs/<name>.log
  <runs>/versions/<name>/   the version being trained (the trainer's --out-dir)
Records survive page reloads and server restarts; progress is read from the history.csv the trainer writes
after each epoch. Starting and resuming happen under one lock on the runs folder, so the limits on running
jobs (fer.app.settings.TrainingLimits) hold even when many visitors submit at the same moment.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from ..version import CARD_FILE, RESUME_FILE, read_history
from .public import hide_paths
from .settings import REPO, TrainingLimits

MAX_NAME_LENGTH = 64
RESUME_FLAG = "--resume"


class JobError(ValueError):
    """A training job that cannot be started, resumed or stopped; the message is for the visitor."""


@dataclass
class TrainingJob:
    name: str
    pid: int
    out_dir: str
    log: str
    epochs: int
    command: list[str]
    started: float
    session: str = ""
    dataset: str = ""
    preset: str = ""

    @property
    def version_dir(self) -> Path:
        return Path(self.out_dir) / self.name


def jobs_dir(runs_dir: str | Path) -> Path:
    return Path(runs_dir) / "jobs"


def versions_dir(runs_dir: str | Path) -> Path:
    """Where the app's jobs write their versions (a separate checkpoints folder, not the served one)."""
    return Path(runs_dir) / "versions"


def training_command(name: str, data: str, out_dir: str, preset: str = "smoke", epochs: int = 2,
                     threads: int = 1) -> list[str]:
    return [sys.executable, "-m", "fer", "train", "--preset", preset, "--data", str(data), "--name", name,
            "--out-dir", str(out_dir), "--epochs", str(epochs), "--threads", str(threads)]


def check_name(name: str, runs_dir: str | Path, checkpoints: str | Path | None = None) -> None:
    if not name or len(name) > MAX_NAME_LENGTH or name.startswith(".") \
            or not all(c.isascii() and (c.isalnum() or c in "-_.") for c in name):
        raise JobError(f"version name {name[:MAX_NAME_LENGTH]!r}: use up to {MAX_NAME_LENGTH} letters, digits, "
                       "'-', '_' or '.'")
    taken = [jobs_dir(runs_dir) / f"{name}.json", versions_dir(runs_dir) / name]
    if checkpoints is not None:
        taken.append(Path(checkpoints) / name)
    if any(path.exists() for path in taken):
        raise JobError(f"version name {name!r} is taken; choose another")


def check_request(limits: TrainingLimits, dataset: str, preset: str, epochs: int) -> str:
    """The server path of `dataset`, once the request is within the limits; JobError otherwise."""
    if limits.read_only:
        raise JobError("this server does not train models (read-only deployment)")
    if preset not in limits.presets:
        raise JobError(f"preset {preset!r} is not offered here; choose one of {', '.join(limits.presets)}")
    if not 1 <= epochs <= limits.max_epochs:
        raise JobError(f"{epochs} epochs: choose 1 to {limits.max_epochs}")
    path = limits.dataset_path(dataset)
    if path is None:
        raise JobError(f"dataset {dataset!r} is not offered here")
    if not Path(path).exists():
        raise JobError(f"dataset {dataset!r} is not available on this server right now")
    return path


@contextlib.contextmanager
def _runs_locked(runs_dir: Path):
    """One start or resume at a time, across the server's threads and processes."""
    runs_dir.mkdir(parents=True, exist_ok=True)
    with open(runs_dir / ".jobs.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _check_capacity(runs_dir: Path, limits: TrainingLimits, session: str) -> None:
    running = [job for job in list_jobs(runs_dir) if job_status(job) == "running"]
    if len(running) >= limits.max_jobs:
        raise JobError(f"the server is already running {len(running)} training job(s), its limit; "
                       "try again when one finishes")
    mine = [job for job in running if job.session == session]
    if len(mine) >= limits.max_jobs_per_session:
        raise JobError(f"you are already running {len(mine)} training job(s), the limit per visitor; "
                       "wait for it to finish, or stop it")


def _spawn(command: list[str], log_path: Path, mode: str) -> int:
    """The command in a new process session (it outlives the page; a stop signals its whole group)."""
    with open(log_path, mode) as log:
        process = subprocess.Popen(command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    return process.pid


def _write_record(runs_dir: Path, job: TrainingJob) -> None:
    path = jobs_dir(runs_dir) / f"{job.name}.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(job), indent=2))
    os.replace(tmp, path)


def start_training(name: str, dataset: str, runs_dir: str | Path, limits: TrainingLimits, session: str = "",
                   preset: str = "smoke", epochs: int = 2, checkpoints: str | Path | None = None) -> TrainingJob:
    """Start a training run of `dataset` (a name the server offers) within the limits; JobError says why not."""
    runs_dir = Path(runs_dir)
    check_name(name, runs_dir, checkpoints)
    data = check_request(limits, dataset, preset, epochs)
    with _runs_locked(runs_dir):
        _check_capacity(runs_dir, limits, session)
        jobs_dir(runs_dir).mkdir(exist_ok=True)
        try:  # the record is created exclusively: a second submission of the name fails here
            open(jobs_dir(runs_dir) / f"{name}.json", "x").close()
        except FileExistsError:
            raise JobError(f"version name {name!r} is taken; choose another") from None
        out_dir = versions_dir(runs_dir)
        out_dir.mkdir(exist_ok=True)
        log_path = jobs_dir(runs_dir) / f"{name}.log"
        command = training_command(name, data, str(out_dir), preset, epochs, limits.threads)
        job = TrainingJob(name, _spawn(command, log_path, "w"), str(out_dir), str(log_path), epochs, command,
                          time.time(), session, dataset, preset)
        _write_record(runs_dir, job)
    return job


def resume_training(job: TrainingJob, runs_dir: str | Path, limits: TrainingLimits, session: str = "") -> TrainingJob:
    """Continue a stopped job from its last completed epoch (`python -m fer train ... --resume`)."""
    runs_dir = Path(runs_dir)
    if limits.read_only:
        raise JobError("this server does not train models (read-only deployment)")
    with _runs_locked(runs_dir):
        status = job_status(job)
        if status != "stopped":
            raise JobError(f"{job.name} is {status}, not stopped: there is nothing to resume")
        _check_capacity(runs_dir, limits, session)
        command = job.command if RESUME_FLAG in job.command else [*job.command, RESUME_FLAG]
        resumed = TrainingJob(**{**asdict(job), "pid": _spawn(command, Path(job.log), "a"), "command": command,
                                 "session": session})
        _write_record(runs_dir, resumed)
    return resumed


def stop_training(job: TrainingJob, session: str) -> None:
    """SIGTERM to the job's processes (the trainer saves nothing half-written and says --resume continues it).
    Only the session that started or resumed a job may stop it."""
    if job.session != session:
        raise JobError(f"{job.name} was started from another session; only that session can stop it")
    if job_status(job) != "running":
        raise JobError(f"{job.name} is not running")
    with contextlib.suppress(ProcessLookupError):
        os.killpg(job.pid, signal.SIGTERM)


def list_jobs(runs_dir: str | Path) -> list[TrainingJob]:
    """The recorded jobs, newest first."""
    jobs = []
    for path in jobs_dir(runs_dir).glob("*.json"):
        try:
            jobs.append(TrainingJob(**json.loads(path.read_text())))
        except (json.JSONDecodeError, TypeError, OSError):
            continue  # a name being reserved right now, or a record from another tool
    return sorted(jobs, key=lambda j: j.started, reverse=True)


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
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
    """running; finished (the version's card exists); stopped (an epoch is saved: resumable); or failed."""
    if _alive(job.pid):
        return "running"
    if (job.version_dir / CARD_FILE).is_file():
        return "finished"
    return "stopped" if (job.version_dir / RESUME_FILE).is_file() else "failed"


def epochs_done(job: TrainingJob) -> int:
    try:
        return len(read_history(job.version_dir))
    except (ValueError, TypeError):  # the trainer is rewriting history.csv at this moment
        return 0


def progress(job: TrainingJob) -> float:
    """Share of epochs completed, 0..1 (1 once the card is written)."""
    if (job.version_dir / CARD_FILE).is_file():
        return 1.0
    return min(epochs_done(job) / max(job.epochs, 1), 1.0)


def log_tail(job: TrainingJob, lines: int = 15) -> str:
    """The end of the job's log, with the server's paths cut to file names (it is shown to visitors)."""
    path = Path(job.log)
    if not path.is_file():
        return ""
    text = path.read_text(errors="replace").replace("\r", "\n")  # tqdm redraws its bar with \r
    tail = "\n".join([line for line in text.splitlines() if line.strip()][-lines:])
    return hide_paths(tail, [job.out_dir])
