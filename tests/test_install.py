"""The package installs: a wheel built from this tree, installed into a fresh venv outside the repository, runs
`fer-studio predict` with the versions the wheel ships; pyproject.toml ships what the defaults need."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest

import fer
from fer.labels import EMOTIONS
from fer.version import Card

REPO = Path(fer.__file__).resolve().parents[1]
PHOTO = REPO / "tests" / "fixtures" / "three_faces.jpg"
SHARE = "share/fer-studio/checkpoints"


def shipped_files() -> dict[str, list[str]]:
    """pyproject's data-files: installed folder -> the repository files it gets."""
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    return pyproject["tool"]["setuptools"]["data-files"]


def test_the_wheel_ships_every_version_the_defaults_need():
    files = shipped_files()
    checkpoints = REPO / "checkpoints"
    defaults = json.loads((checkpoints / "defaults.json").read_text())
    needed = set(defaults.values())
    needed |= {m for name in defaults.values() for m in Card.read(checkpoints / name).member_names}
    assert "checkpoints/defaults.json" in files[SHARE]
    for name in needed:
        shipped = {Path(f).name for f in files.get(f"{SHARE}/{name}", [])}
        card = Card.read(checkpoints / name)
        assert "card.json" in shipped, name
        assert card.is_ensemble or card.weights_file in shipped, name
    for folder, sources in files.items():
        assert all((REPO / source).is_file() for source in sources), folder


def source_tree(target: Path) -> Path:
    """What a source distribution holds: the package, pyproject.toml, the README and the shipped versions (a copy,
    so that the build leaves nothing in the repository and no stale build/ of it goes into the wheel)."""
    shutil.copytree(REPO / "fer", target / "fer", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, target / name)
    for sources in shipped_files().values():
        for source in sources:
            (target / source).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(REPO / source, target / source)
    return target


@pytest.mark.slow
def test_a_wheel_installed_outside_the_repository_predicts(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "FER_CHECKPOINTS")}
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(wheels), str(source_tree(tmp_path / "src"))], check=True, cwd=tmp_path, env=env)
    (wheel,) = wheels.glob("fer_studio-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, env=env)
    python = venv / "bin" / "python"
    site = Path(subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                               check=True, capture_output=True, text=True, env=env).stdout.strip())
    # the dependencies (torch...) from this interpreter's site-packages, not downloaded again
    (site / "dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    subprocess.run([python, "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)], check=True,
                   env=env)

    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    code = "import fer, fer.version as v; print(fer.__file__); print(v.checkpoints_root())"
    where = subprocess.run([python, "-c", code], check=True, capture_output=True, text=True, cwd=cwd,
                           env=env).stdout.split("\n")
    assert Path(where[0]).is_relative_to(venv) and Path(where[1]).is_relative_to(venv)
    done = subprocess.run([venv / "bin" / "fer-studio", "predict", str(PHOTO), "--json"],
                          capture_output=True, text=True, cwd=cwd, env=env)
    assert done.returncode == 0, done.stderr
    (result,) = json.loads(done.stdout)["results"]
    assert len(result["faces"]) == 3
    for face in result["faces"]:  # face rows (fer.inference.rows)
        assert face["label"] in EMOTIONS and face["label"] == max(EMOTIONS, key=face.get)
        assert sum(face[e] for e in EMOTIONS) == pytest.approx(1.0, abs=2e-3)
