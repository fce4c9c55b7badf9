"""The recipes (recipes/<version>.sh) make each shipped version as its card records it: the training command gives
the card's configuration, an ensemble's command its members and TTA, the calibration its prior correction."""
from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

import pytest

import fer
from fer.cli import build_parser
from fer.version import read_card

REPO = Path(__file__).resolve().parents[1]
RECIPES = REPO / "recipes"
CHECKPOINTS = REPO / "checkpoints"
# where and in how many parts a run went, not what it learned
NOT_COMPARED = {"name", "out_dir", "resume", "max_minutes", "device", "num_workers"}
BY_NAME = {"data", "teacher", "init_from"}  # a file or version: the card records its name, a recipe its path
SHIPPED = fer.list_versions(CHECKPOINTS)


def commands(script: Path, verb: str) -> list[list[str]]:
    """The script's `fer_cli VERB ...` commands, continuation lines joined; $ROOT read as the shipped checkpoints
    (where the versions a recipe builds on are found when it is checked, not run)."""
    text = script.read_text().replace("\\\n", " ").replace('"$ROOT"', str(CHECKPOINTS))
    text = text.replace("$ROOT", str(CHECKPOINTS)).replace("$V", script.stem)
    lines = [shlex.split(line)[1:] for line in text.splitlines() if line.strip().startswith("fer_cli ")]
    return [line for line in lines if line[0] == verb]


def parsed(argv: list[str]):
    return build_parser().parse_args(argv)


def recorded_name(value):
    return Path(value).name if value else value


def test_every_shipped_version_has_a_recipe():
    assert SHIPPED
    missing = [name for name in SHIPPED if not (RECIPES / f"{name}.sh").is_file()]
    assert not missing, f"no recipes/<version>.sh for {missing}"


@pytest.mark.parametrize("script", sorted(RECIPES.glob("*.sh")), ids=lambda p: p.stem)
def test_recipe_is_valid_bash_and_needs_only_versions_with_recipes(script):
    subprocess.run(["bash", "-n", str(script)], check=True)
    needed = [word for line in script.read_text().splitlines() if line.strip().startswith(("need ", "for member"))
              for word in line.replace(";", " ").split() if word.startswith("fernet")]
    assert all((RECIPES / f"{name}.sh").is_file() for name in needed), needed


@pytest.mark.parametrize("name", SHIPPED)
def test_recipe_makes_what_the_card_records(name):
    script, card = RECIPES / f"{name}.sh", read_card(name, CHECKPOINTS)
    if card.is_ensemble:
        (argv,) = commands(script, "ensemble")
        args = parsed(argv)
        assert (args.name, args.members, args.tta) == (name, card.member_names, card.tta)
    else:
        (argv,) = commands(script, "train")
        args = parsed(argv)
        assert args.name == name
        options = {k: v for k, v in vars(args).items() if k not in ("verb", "run", "preset")}
        made = fer.make_config(args.preset, **options).to_dict()
        recorded = card.hyperparameters
        keys = (set(made) & set(recorded)) - NOT_COMPARED
        made = {k: recorded_name(made[k]) if k in BY_NAME else made[k] for k in keys}
        recorded = {k: recorded_name(recorded[k]) if k in BY_NAME else recorded[k] for k in keys}
        differ = {k: (made[k], recorded[k]) for k in sorted(keys) if made[k] != recorded[k]}
        assert not differ, f"recipe gives, card records: {differ}"
    correction = card.calibration.get("prior_correction", {})
    if "combine_label_sources.py --two-head" in correction.get("chosen_by", ""):
        # the heads' mix and class bias chosen on PublicTest and written into the version by the benchmark
        (line,) = [line for line in script.read_text().splitlines() if "combine_label_sources.py" in line]
        assert {"--two-head", '"$ROOT/$V"', "--write"} <= set(line.split())
        return
    (calibrate,) = commands(script, "calibrate")
    assert parsed(calibrate).prior_tau == correction.get("tau", 0.0)
