"""`import fer`, the CLI's help and the ONNX prediction path load no PyTorch (each checked in a fresh process)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
PHOTO = str(FIXTURES / "three_faces.jpg")
VERSION = "fernet_small_deep-twohead-rt-v1"  # the realtime default: small, quick to export where it is not yet


def modules_after(code: str) -> dict:
    """Runs `code` in a fresh interpreter; returns what it printed last (JSON) with whether torch was loaded."""
    script = f"import json, sys\n{code}\nprint(json.dumps({{'torch': 'torch' in sys.modules, 'out': out}}))"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_import_fer_loads_no_torch():
    after = modules_after("import fer\nout = [fer.EMOTIONS, sorted(fer.__all__)[:3]]")
    assert not after["torch"]
    assert after["out"][0][0] == "angry"


def test_a_lazy_name_loads_its_module():
    after = modules_after("import fer\nout = fer.create_model('fernet_tiny').__class__.__name__")
    assert after["torch"] and after["out"]


def test_cli_help_loads_no_torch():
    after = modules_after("import contextlib, io, runpy\nsys.argv = ['fer', '--help']\n"
                          "with contextlib.redirect_stdout(io.StringIO()) as text:\n"
                          "    try:\n        runpy.run_module('fer', run_name='__main__')\n"
                          "    except SystemExit:\n        pass\n"
                          "out = text.getvalue()")
    assert not after["torch"]
    assert "predict" in after["out"] and "analyze" in after["out"]


@pytest.fixture(scope="module")
def exported():
    """The version's ONNX file, exported (where missing) in another process, as `fer export` or the app would."""
    modules_after(f"from fer.version.classifiers import load_classifier\n"
                  f"out = str(load_classifier({VERSION!r}, 'onnx').path)")
    return VERSION


def test_onnx_prediction_loads_no_torch(exported):
    after = modules_after(f"import fer\nfaces = fer.Recognizer({exported!r}, backend='onnx').predict({PHOTO!r})\n"
                          "out = [f.label for f in faces]")
    assert not after["torch"]
    assert len(after["out"]) == 3


def test_cli_onnx_predict_loads_no_torch(exported):
    after = modules_after("import contextlib, io\nfrom fer.cli import main\n"
                          "with contextlib.redirect_stdout(io.StringIO()) as text:\n"
                          f"    main(['predict', {PHOTO!r}, '--model', {exported!r}, '--backend', 'onnx', '--json'])\n"
                          "out = json.loads(text.getvalue())")
    assert not after["torch"]
    assert len(after["out"]["results"][0]["faces"]) == 3


def test_analyze_worker_loads_no_torch(exported, tmp_path):
    after = modules_after("from fer.batch import engines\nfrom fer.batch.collection import describe, make_tasks\n"
                          "from fer.batch.settings import JobSettings\n"
                          f"engines._start_worker(JobSettings(model={exported!r}, backend='onnx'), 1)\n"
                          f"(task,) = make_tasks(describe([{PHOTO!r}]))\n"
                          f"out = engines._run_task(task, {str(tmp_path)!r})")
    assert not after["torch"]
    assert [(r["status"], r["faces"]) for r in after["out"]] == [("ok", 3)]
