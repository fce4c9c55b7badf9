"""python -m fer train: train a model version."""
from __future__ import annotations

import argparse
import dataclasses
import json
import signal

from ..training.config import PRESETS, TrainConfig, make_config
from ..version.layout import VersionFolder
from ..version.store import read_history

SHARED = ("data",)  # its --model is an architecture, not a version


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--preset", choices=sorted(PRESETS), help="start from a preset: " + "; ".join(
        f"{k}: {v.get('model')}, {v.get('epochs')} epochs" for k, v in PRESETS.items()))
    for option in dataclasses.fields(TrainConfig):
        if option.name not in SHARED:
            add_option(p, option)


def flag(option: dataclasses.Field) -> str:
    """--batch-size for batch_size; --no-amp for a switch that is on by default."""
    name = option.name.replace("_", "-")
    return f"--no-{name}" if option.default is True else f"--{name}"


def add_option(p: argparse.ArgumentParser, option: dataclasses.Field) -> None:
    """The flag of a TrainConfig field: its type, choices and help from the field; its default None, so that
    make_config applies the defaults, then the preset, then what was given."""
    default = option.default if option.default is not dataclasses.MISSING else option.default_factory()
    help_text = option.metadata["help"]
    if default is True:
        help_text = f"turn off: {help_text} (on by default)"
    elif default is not False and default not in ("", {}) and "default" not in help_text:
        help_text += f" (default: {default})"
    if isinstance(default, bool):
        p.add_argument(flag(option), dest=option.name, action="store_false" if default else "store_true",
                       default=None, help=help_text)
        return
    kind = json.loads if isinstance(default, dict) else type(default)
    p.add_argument(flag(option), dest=option.name, type=kind, choices=option.metadata.get("choices"), default=None,
                   metavar="JSON" if kind is json.loads else None, help=help_text)


def what_was_saved(folder: VersionFolder, epochs: int) -> str:
    """What a stopped run kept, and the command that goes on from there."""
    if not folder.stopped:
        return (f"no epoch had ended, so nothing of {folder.name} is saved; "
                f"start again with the same command (--name {folder.name})")
    done = len(read_history(folder.path))
    return (f"epoch {done}/{epochs} of {folder.name} is saved in {folder.resume}; "
            f"continue with the same command and --name {folder.name} --resume")


class Terminated(Exception):
    """SIGTERM (a stop from the app, `kill`, a shutting-down machine) while training."""


def _raise_terminated(signum, frame):
    raise Terminated


def run(args) -> int:
    options = {k: v for k, v in vars(args).items() if k not in ("verb", "run", "preset")}
    config = make_config(args.preset, **options)
    from ..training import train, version_dir

    folder = VersionFolder(version_dir(config))
    config = config.update(name=folder.name)  # named now, so that a stop can say what to resume
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        train(config)
    except (KeyboardInterrupt, Terminated) as e:
        why, code = ("stopped (SIGTERM)", 143) if isinstance(e, Terminated) else ("interrupted", 130)
        print(f"\n{why}: {what_was_saved(folder, config.epochs)}", flush=True)
        return code
    finally:
        signal.signal(signal.SIGTERM, previous)
    return 0
