"""Training options are declared once, in TrainConfig's fields: `python -m fer train`'s flags are derived from
them, one flag per field and no other, with the flag names, types, choices and defaults the CLI always had."""
import dataclasses
import json

import pytest

from fer.app.jobs import training_command
from fer.cli import build_parser
from fer.data import LABEL_SOURCES
from fer.defaults import TTA_MODES
from fer.training.config import TrainConfig, make_config

NOT_OPTIONS = {"help", "preset", "verb", "run"}  # argparse's own, the preset, the dispatch


def train_parser():
    parser = build_parser()
    verbs = next(a for a in parser._actions if a.dest == "verb")
    return verbs.choices["train"]


def parse(*argv):
    return build_parser().parse_args(["train", *argv])


def options(args) -> dict:
    return {k: v for k, v in vars(args).items() if k not in NOT_OPTIONS}


def test_every_field_has_a_flag_and_every_flag_a_field():
    fields = {f.name for f in dataclasses.fields(TrainConfig)}
    dests = {a.dest for a in train_parser()._actions} - NOT_OPTIONS
    assert dests == fields and len(fields) == 43
    assert all(f.metadata.get("help") for f in dataclasses.fields(TrainConfig))


# The flags `python -m fer train` had before they were derived: (flag, value given, what the config holds).
FORMER_FLAGS = [
    ("--labels", "ferplus-soft", "ferplus-soft"), ("--model", "fernet_tiny", "fernet_tiny"),
    ("--name", "run-a", "run-a"), ("--out-dir", "/tmp/versions", "/tmp/versions"),
    ("--epochs", "7", 7), ("--batch-size", "16", 16), ("--lr", "0.3", 0.3), ("--weight-decay", "0.01", 0.01),
    ("--label-smoothing", "0.2", 0.2), ("--mixup", "0.4", 0.4), ("--cutmix", "0.5", 0.5),
    ("--early-stopping", "3", 3), ("--seed", "5", 5), ("--subset", "100", 100), ("--threads", "2", 2),
    ("--num-workers", "0", 0), ("--warmup-epochs", "2.5", 2.5), ("--budget-minutes", "9.5", 9.5),
    ("--max-minutes", "4", 4.0), ("--optimizer", "adamw", "adamw"), ("--scheduler", "plateau", "plateau"),
    ("--augment", "strong", "strong"), ("--aug-backend", "v2", "v2"), ("--eval-tta", "tencrop", "tencrop"),
    ("--device", "cpu", "cpu"), ("--init-from", "", ""), ("--teacher", "big-v1", "big-v1"),
    ("--distill-alpha", "0.7", 0.7), ("--distill-temperature", "2", 2.0), ("--distill-mode", "offline", "offline"),
    ("--model-kwargs", '{"dropout": 0.3}', {"dropout": 0.3}),
]
FORMER_SWITCHES = [("--resume", "resume", True), ("--class-weighted", "class_weighted", True),
                   ("--balanced-sampler", "balanced_sampler", True), ("--pretrained", "pretrained", True),
                   ("--no-amp", "amp", False)]


def test_the_former_flags_keep_their_names_types_and_meaning():
    argv = [part for flag, value, _ in FORMER_FLAGS for part in (flag, value)]
    config = make_config(None, **options(parse(*argv, *(flag for flag, _, _ in FORMER_SWITCHES))))
    for flag, _, expected in FORMER_FLAGS:
        value = getattr(config, flag[2:].replace("-", "_"))
        assert value == expected and type(value) is type(expected), flag
    for _, name, expected in FORMER_SWITCHES:
        assert getattr(config, name) is expected


def test_choices_are_the_fields_and_a_value_outside_them_is_refused():
    choices = {a.dest: a.choices for a in train_parser()._actions if a.choices}
    assert tuple(choices["labels"]) == LABEL_SOURCES and tuple(choices["eval_tta"]) == TTA_MODES
    assert list(choices["scheduler"]) == ["onecycle", "cosine", "plateau", "none"]
    for argv in (["--optimizer", "lion"], ["--epochs", "two"], ["--model-kwargs", "{not json"]):
        with pytest.raises(SystemExit):
            parse(*argv)


def test_flags_not_given_leave_the_defaults_and_the_preset_in_force():
    assert make_config(None, **options(parse())) == TrainConfig()
    smoke = make_config("smoke", **options(parse("--preset", "smoke", "--lr", "0.5")))
    assert smoke == make_config("smoke", lr=0.5) and smoke.model == "fernet_tiny" and smoke.epochs == 2
    assert make_config(None, **options(parse("--no-channels-last", "--momentum", "0.8"))).update(
        channels_last=True, momentum=0.9) == TrainConfig()


def test_the_apps_training_command_parses_into_the_config_it_asks_for(tmp_path):
    command = training_command("mine", str(tmp_path / "data.csv"), str(tmp_path / "out"), epochs=3, threads=1)
    args = parse(*command[command.index("train") + 1:])
    config = make_config(args.preset, **options(args))
    assert (config.name, config.epochs, config.threads, config.model) == ("mine", 3, 1, "fernet_tiny")
    assert config.data == str(tmp_path / "data.csv") and config.out_dir == str(tmp_path / "out")
    assert json.loads(json.dumps(config.to_dict()))["subset"] == 256  # the smoke preset's
