"""python -m fer train: train a model version."""
from __future__ import annotations

import argparse
import json
import signal

from ..data import LABEL_SOURCES
from ..data.transforms import AUGMENT_PRESETS
from ..defaults import TTA_MODES
from ..training import PRESETS, make_config, train

SHARED = ("data",)  # its --model is an architecture, not a version


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--preset", choices=sorted(PRESETS), help="start from a preset: " + "; ".join(
        f"{k}: {v.get('model')}, {v.get('epochs')} epochs" for k, v in PRESETS.items()))
    p.add_argument("--labels", choices=LABEL_SOURCES, help="training targets: FER2013's labels (default), or FER+'s "
                   "majority or soft vote shares (needs FER+'s fer2013new.csv beside the FER2013 csv)")
    p.add_argument("--model", help="registered model name (python -m fer versions --models lists them)")
    p.add_argument("--name", help="version name (default <model>-<date>)")
    p.add_argument("--out-dir", help="where versions are written (default checkpoints/)")
    p.add_argument("--resume", action="store_true", default=None, help="continue an interrupted run of --name")
    for name, kind in [("epochs", int), ("batch-size", int), ("lr", float), ("weight-decay", float),
                       ("label-smoothing", float), ("mixup", float), ("cutmix", float), ("early-stopping", int),
                       ("seed", int), ("subset", int), ("threads", int), ("num-workers", int),
                       ("warmup-epochs", float)]:
        p.add_argument(f"--{name}", type=kind)
    p.add_argument("--budget-minutes", type=float,
                   help="wall-clock budget: the LR schedule runs on time and ends within it (default: by epochs)")
    p.add_argument("--max-minutes", type=float,
                   help="end this sitting before it runs past this many minutes; the same command with --resume "
                        "continues the schedule where it stopped")
    p.add_argument("--optimizer", choices=["sgd", "adamw"])
    p.add_argument("--scheduler", choices=["onecycle", "cosine", "plateau", "none"])
    p.add_argument("--augment", choices=AUGMENT_PRESETS)
    p.add_argument("--aug-backend", choices=["batch", "v2"])
    p.add_argument("--eval-tta", choices=TTA_MODES)
    p.add_argument("--device", choices=["auto", "cpu", "cuda"])
    p.add_argument("--class-weighted", action="store_true", default=None)
    p.add_argument("--balanced-sampler", action="store_true", default=None)
    p.add_argument("--pretrained", action="store_true", default=None, help="torchvision backbones: ImageNet weights")
    p.add_argument("--no-amp", dest="amp", action="store_false", default=None,
                   help="train in fp32 (default: bf16 autocast on GPU and on CPUs with native bf16)")
    p.add_argument("--init-from", help="fine-tune: start from this version's weights (name or path); --model "
                   "defaults to its architecture")
    p.add_argument("--teacher", help="distil from this model version (name or path)")
    p.add_argument("--distill-alpha", type=float)
    p.add_argument("--distill-temperature", type=float, help="online distillation's softening temperature")
    p.add_argument("--distill-mode", choices=["online", "offline"],
                   help="online: the teacher sees every augmented batch; offline: its answers on the training faces, "
                        "computed once, become soft targets (a plain epoch's cost)")
    p.add_argument("--model-kwargs", type=json.loads, help='JSON, e.g. \'{"dropout": 0.3}\'')


class Terminated(Exception):
    """SIGTERM (a stop from the app, `kill`, a shutting-down machine) while training."""


def _raise_terminated(signum, frame):
    raise Terminated


def run(args) -> int:
    options = {k: v for k, v in vars(args).items() if k not in ("verb", "run", "preset")}
    config = make_config(args.preset, **options)
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        train(config)
    except (KeyboardInterrupt, Terminated) as e:
        why, code = ("stopped (SIGTERM)", 143) if isinstance(e, Terminated) else ("interrupted", 130)
        print(f"\n{why}: every completed epoch is saved; continue with the same command and --resume", flush=True)
        return code
    finally:
        signal.signal(signal.SIGTERM, previous)
    return 0
