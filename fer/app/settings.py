"""App settings read from the environment or Streamlit secrets: ICE servers, checkpoints, runs folder, and the
limits on training from the app (README: "Deploying for the public")."""
from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ICE_SERVERS_ENV = "FER_ICE_SERVERS"
ICE_SERVERS_SECRET = "ice_servers"
RUNS_DIR_ENV = "FER_RUNS_DIR"
READ_ONLY_ENV = "FER_READ_ONLY"
MAX_JOBS_ENV = "FER_MAX_JOBS"
MAX_JOBS_PER_SESSION_ENV = "FER_MAX_JOBS_PER_SESSION"
MAX_EPOCHS_ENV = "FER_MAX_EPOCHS"
PRESETS_ENV = "FER_TRAIN_PRESETS"
DATASETS_ENV = "FER_TRAIN_DATA"
THREADS_ENV = "FER_TRAIN_THREADS"
UPLOAD_CACHE_MB_ENV = "FER_UPLOAD_CACHE_MB"
REPO = Path(__file__).resolve().parents[2]
MAX_UPLOAD_MB = 50  # equal to server.maxUploadSize in .streamlit/config.toml (a test checks it)


class SettingError(ValueError):
    """A setting that is present but malformed; the message names the setting."""


def _check_servers(servers, source: str) -> list[dict]:
    if isinstance(servers, Mapping):
        servers = [servers]
    if not isinstance(servers, list) or not all(isinstance(s, Mapping) and "urls" in s for s in servers):
        raise SettingError(f"{source}: expected a list of ICE servers like "
                           '[{"urls": "turn:turn.example.com:3478", "username": "u", "credential": "p"}]')
    return [dict(s) for s in servers]


def ice_servers(environ: Mapping[str, str] = os.environ, secrets: Mapping | None = None) -> list[dict]:
    """ICE servers for WebRTC: env FER_ICE_SERVERS (JSON) first, then the secret `ice_servers`, else none.

    None by default on purpose: with an empty list the browser and the server only use host candidates,
    which is all localhost needs, and nothing calls out to a public STUN server."""
    raw = environ.get(ICE_SERVERS_ENV, "").strip()
    if raw:
        try:
            return _check_servers(json.loads(raw), ICE_SERVERS_ENV)
        except json.JSONDecodeError as e:
            raise SettingError(f"{ICE_SERVERS_ENV}: not valid JSON ({e.msg} at character {e.pos})") from None
    if secrets is not None and secrets.get(ICE_SERVERS_SECRET) is not None:
        value = secrets[ICE_SERVERS_SECRET]
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except json.JSONDecodeError as e:
                raise SettingError(f"secrets {ICE_SERVERS_SECRET}: not valid JSON ({e.msg})") from None
        return _check_servers(list(value) if isinstance(value, (list, tuple)) else value, f"secrets {ICE_SERVERS_SECRET}")
    return []


def runs_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """Where background training jobs started from the app keep their logs and records."""
    return Path(environ.get(RUNS_DIR_ENV, REPO / "runs" / "app"))


@dataclass(frozen=True)
class TrainingLimits:
    """What visitors may start from the Training explorer's "Train a version" tab."""

    read_only: bool = False          # no training tab at all
    max_jobs: int = 2                # running at once, all visitors together
    max_jobs_per_session: int = 1    # running at once, per browser session
    max_epochs: int = 40
    presets: tuple[str, ...] = ("smoke", "cpu")
    datasets: tuple[tuple[str, str], ...] = ()  # (name shown to visitors, path on the server)
    threads: int = 1                 # torch threads per job

    def dataset_path(self, name: str) -> str | None:
        return dict(self.datasets).get(name)


def _flag(environ: Mapping[str, str], name: str) -> bool:
    value = environ.get(name, "").strip().lower()
    if value in ("", "0", "false", "no", "off"):
        return False
    if value in ("1", "true", "yes", "on"):
        return True
    raise SettingError(f"{name}: expected 1/0, true/false, yes/no or on/off, not {value!r}")


def _count(environ: Mapping[str, str], name: str, default: int, smallest: int = 1) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < smallest:
        raise SettingError(f"{name}: expected a whole number of at least {smallest}, not {raw!r}")
    return int(raw)


def _datasets(environ: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """$FER_TRAIN_DATA as JSON {"name": "path", ...}; by default FER2013 where the CLI looks for it, if present."""
    from ..data.load import default_data

    raw = environ.get(DATASETS_ENV, "").strip()
    if not raw:
        return (("FER2013", default_data()),) if Path(default_data()).exists() else ()
    try:
        offered = json.loads(raw)
    except json.JSONDecodeError as e:
        raise SettingError(f"{DATASETS_ENV}: not valid JSON ({e.msg} at character {e.pos})") from None
    if not isinstance(offered, dict) or not all(isinstance(v, str) for v in offered.values()):
        raise SettingError(f'{DATASETS_ENV}: expected {{"name shown to visitors": "path on the server", ...}}')
    return tuple((str(k), v) for k, v in offered.items())


def training_limits(environ: Mapping[str, str] = os.environ) -> TrainingLimits:
    """The training limits from the environment (README lists the variables); defaults where unset."""
    from ..training.config import PRESETS

    defaults = TrainingLimits()
    presets = tuple(p.strip() for p in environ.get(PRESETS_ENV, ",".join(defaults.presets)).split(",") if p.strip())
    unknown = [p for p in presets if p not in PRESETS]
    if unknown:
        raise SettingError(f"{PRESETS_ENV}: unknown preset(s) {', '.join(unknown)}; available: {', '.join(PRESETS)}")
    return TrainingLimits(
        read_only=_flag(environ, READ_ONLY_ENV),
        max_jobs=_count(environ, MAX_JOBS_ENV, defaults.max_jobs),
        max_jobs_per_session=_count(environ, MAX_JOBS_PER_SESSION_ENV, defaults.max_jobs_per_session),
        max_epochs=_count(environ, MAX_EPOCHS_ENV, defaults.max_epochs),
        presets=presets, datasets=_datasets(environ), threads=_count(environ, THREADS_ENV, defaults.threads))


def upload_cache_bytes(environ: Mapping[str, str] = os.environ) -> int:
    """The byte budget of the analysed-uploads cache shared by all sessions ($FER_UPLOAD_CACHE_MB, default 256)."""
    return _count(environ, UPLOAD_CACHE_MB_ENV, 256, smallest=0) * 2**20
