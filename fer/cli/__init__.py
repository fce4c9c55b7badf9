"""`python -m fer <verb>` (installed: `fer-studio <verb>`): one module per verb, each with add_arguments(parser),
run(args) -> exit code, and SHARED: which of the options every verb spells alike (--model, --data, --root) it
takes, from one parent parser. Only the verb that runs is imported (`--help` alone imports none: no PyTorch)."""
from __future__ import annotations

import argparse
import importlib
import os
import sys

VERBS = {
    "train": "train a model version (FER2013 csv or image folders)",
    "evaluate": "evaluate a model version on a dataset split",
    "predict": "find faces and their emotions in images or videos",
    "analyze": "analyse a collection of photos and videos into Parquet, resumable, on many cores or Ray",
    "ensemble": "build an ensemble version from trained versions (probabilities averaged)",
    "calibrate": "fit a version's confidence to its accuracy (temperature scaling on PublicTest)",
    "export": "export a model version to ONNX (fp32 or int8)",
    "bench": "benchmark the classifier, the detector and the whole pipeline",
    "versions": "list the model versions and their headline metrics",
}


def shared_options(names: tuple[str, ...]) -> argparse.ArgumentParser:
    """The parent parser of the options shared by the verbs, resolved the same way by each (fer.version.resolve)."""
    from ..defaults import default_data

    parent = argparse.ArgumentParser(add_help=False)
    if "model" in names:
        parent.add_argument("--model", help="model version: a name in the checkpoints folder or a version folder "
                                            "(default: the shipped default for photos)")
    if "data" in names:
        parent.add_argument("--data", default=default_data(),
                            help="FER2013's csv (plain or .gz; FER+'s fer2013new.csv beside it is joined) or an "
                                 "image-folder root (default: $FER_DATA, else shared/data/fer2013.csv.gz)")
    if "root" in names:
        parent.add_argument("--root", help="checkpoints folder (default: $FER_CHECKPOINTS, else checkpoints/)")
    return parent


def build_parser(verbs=VERBS) -> argparse.ArgumentParser:
    """The parser; the options of `verbs` only (each imports its module), the other verbs by name and help."""
    parser = argparse.ArgumentParser(prog=program(),
                                     description="Facial-emotion recognition: train, evaluate, predict.")
    sub = parser.add_subparsers(dest="verb", metavar="VERB", required=True)
    for verb, help_text in VERBS.items():
        if verb not in verbs:
            sub.add_parser(verb, help=help_text, description=help_text)
            continue
        module = importlib.import_module(f"fer.cli.{verb}")
        p = sub.add_parser(verb, help=help_text, description=help_text, parents=[shared_options(module.SHARED)])
        module.add_arguments(p)
        p.set_defaults(run=module.run)
    return parser


def program() -> str:
    return "fer-studio" if os.path.basename(sys.argv[0]) == "fer-studio" else "python -m fer"


def chosen_verb(argv: list[str]) -> tuple[str, ...]:
    """The verb the command line names (its first word, after any top-level option), or none."""
    words = [a for a in argv if not a.startswith("-")]
    return (words[0],) if words and words[0] in VERBS else ()


def user_errors() -> tuple[type[Exception], ...]:
    """What a user's input can cause: printed as one line, never a traceback."""
    from ..data import DataError
    from ..inference.detect import ModelFileError
    from ..version import VersionError

    return DataError, VersionError, ModelFileError, FileNotFoundError, FileExistsError, ValueError


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser(chosen_verb(argv)).parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except Exception as e:
        if not isinstance(e, user_errors()):
            raise
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and the like: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
