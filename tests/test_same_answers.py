"""Issue 16, item 5: one photo gets the same probabilities from the app's code path, the CLI and the API, each
left to its defaults (the version's own TTA and calibration, on ONNX Runtime)."""
import json
import shutil

import numpy as np

import fer
from fer.cli import main
from conftest import REPO

PHOTO = REPO / "tests" / "fixtures" / "astronaut.jpg"


def test_app_cli_and_api_give_one_photo_the_same_probabilities(two_versions, tmp_path, monkeypatch, capsys):
    from fer.app import ui
    from fer.app.recognition import analyse_upload

    root = tmp_path / "checkpoints"
    shutil.copytree(two_versions, root)
    card = fer.version.read_card("tiny-b", root)
    card.tta, card.calibration = "flip", {"temperature": 0.7}  # a version that declares both
    card.write(root / "tiny-b")
    monkeypatch.setenv("FER_CHECKPOINTS", str(root))

    app = analyse_upload(ui.cached_recognizer("tiny-b", "yunet", str(root)), PHOTO.name, PHOTO.read_bytes()).faces
    api = fer.Recognizer("tiny-b").predict(str(PHOTO))
    assert main(["predict", str(PHOTO), "--model", "tiny-b", "--json"]) == 0
    cli = json.loads(capsys.readouterr().out)
    assert cli["backend"] == "auto" and cli["tta"] == "flip"
    [cli_face] = cli["results"][0]["faces"]
    [app_face], [api_face] = app, api
    np.testing.assert_allclose(list(app_face.probabilities.values()), list(api_face.probabilities.values()), atol=1e-6)
    np.testing.assert_allclose([cli_face[e] for e in fer.EMOTIONS], [api_face.probabilities[e] for e in fer.EMOTIONS],
                               atol=6e-6)  # face rows keep 5 decimals
    # and those are the version's calibrated flip probabilities, not the network's plain ones
    plain = fer.Recognizer("tiny-b", backend="torch", tta="none").predict(str(PHOTO))[0]
    assert not np.allclose(list(plain.probabilities.values()), list(api_face.probabilities.values()), atol=1e-3)
    assert fer.Recognizer("tiny-b").backend == "onnx"
