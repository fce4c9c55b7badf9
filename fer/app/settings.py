"""App settings read from the environment or Streamlit secrets: ICE servers, checkpoints, runs folder."""
from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

ICE_SERVERS_ENV = "FER_ICE_SERVERS"
ICE_SERVERS_SECRET = "ice_servers"
RUNS_DIR_ENV = "FER_RUNS_DIR"
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
