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
import re
import shutil
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
    stop_requested: float = 0.0  # when a visitor pressed Stop (0: never); a run stopped before its first
    # epoch ended has no saved epoch, and this is how it is told from a run that failed

    @property
    def version_dir(self) -> Path:
        return Path(self.out_dir) / self.name

    @property
    def record(self) -> Path:
        return Path(self.log).with_suffix(".json")  # <runs>/jobs/<name>.json, beside its log


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


def saved_epoch(job: TrainingJob) -> bool:
    """Whether the run has a completed epoch saved to continue from (the trainer's resume file)."""
    return (job.version_dir / RESUME_FILE).is_file()


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
    """Continue a stopped job from its last completed epoch (`python -m fer train ... --resume`), or start it
    again from the beginning when it was stopped before its first epoch ended (nothing was saved to continue)."""
    runs_dir = Path(runs_dir)
    if limits.read_only:
        raise JobError("this server does not train models (read-only deployment)")
    with _runs_locked(runs_dir):
        status = job_status(job)
        if status != "stopped":
            raise JobError(f"{job.name} is {status}, not stopped: there is nothing to resume")
        _check_capacity(runs_dir, limits, session)
        base = [part for part in job.command if part != RESUME_FLAG]
        if saved_epoch(job):
            command = [*base, RESUME_FLAG]
        else:  # the folder holds only what an unfinished first epoch left (the trainer refuses a non-empty one)
            shutil.rmtree(job.version_dir, ignore_errors=True)
            command = base
        resumed = TrainingJob(**{**asdict(job), "pid": _spawn(command, Path(job.log), "a"), "command": command,
                                 "session": session, "stop_requested": 0.0})
        _write_record(runs_dir, resumed)
    return resumed


def stop_training(job: TrainingJob, session: str) -> TrainingJob:
    """SIGTERM to the job's processes (the trainer saves nothing half-written and says --resume continues it);
    the record notes the stop first, so a run stopped before its first epoch ended reads "stopped", not "failed".
    Only the session that started or resumed a job may stop it. Returns the job as now recorded."""
    if job.session != session:
        raise JobError(f"{job.name} was started from another session; only that session can stop it")
    if job_status(job) != "running":
        raise JobError(f"{job.name} is not running")
    stopping = TrainingJob(**{**asdict(job), "stop_requested": time.time()})
    runs_dir = job.record.parent.parent
    with _runs_locked(runs_dir):
        _write_record(runs_dir, stopping)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(job.pid, signal.SIGTERM)
    return stopping


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
    """running; finished (the version's card exists); stopped (an epoch is saved, or a visitor stopped it:
    resumable); or failed."""
    if _alive(job.pid):
        return "running"
    if (job.version_dir / CARD_FILE).is_file():
        return "finished"
    return "stopped" if saved_epoch(job) or job.stop_requested else "failed"


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


TQDM_BAR = re.compile(r"^(?P<what>.*?):?\s*(?P<percent>\d+)%\|.*?\|\s*(?P<done>\d+)/(?P<total>\d+)")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def clean_log_lines(text: str) -> list[str]:
    """What a terminal would show of a log: each line as last redrawn (tqdm redraws its bar with \\r), no
    colour codes, no blank lines; progress bars dropped except the newest, written as "epoch 1/3: 12/27 batches"."""
    shown = [ANSI.sub("", line.split("\r")[-1] if line.split("\r")[-1].strip() else "").rstrip()
             for line in text.split("\n")]
    shown = [line for line in shown if line.strip()]
    bars = [i for i, line in enumerate(shown) if TQDM_BAR.match(line)]
    out = []
    for i, line in enumerate(shown):
        bar = TQDM_BAR.match(line)
        if bar is None:
            out.append(line)
        elif i == bars[-1] and i == len(shown) - 1:  # the bar being drawn now
            out.append(f"{bar['what'].strip() or 'progress'}: {bar['done']}/{bar['total']} batches ({bar['percent']}%)")
    return out


def log_tail(job: TrainingJob, lines: int = 15) -> str:
    """The end of the job's log as clean lines, with the server's paths cut to file names (it is shown to
    visitors)."""
    path = Path(job.log)
    if not path.is_file():
        return ""
    tail = "\n".join(clean_log_lines(path.read_text(errors="replace"))[-lines:])
    return hide_paths(tail, [job.out_dir])
