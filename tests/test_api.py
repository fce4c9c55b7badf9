"""fer.load() returns a Model: the version (the noun, usable wherever a ModelVersion is) with its verbs, which
give what the modules that do them give."""
from __future__ import annotations

from pathlib import Path

import numpy as np

import fer
from fer.api import Model
from fer.version import VersionFolder
from fer.version.model import ModelVersion

PHOTO = Path(__file__).parent / "fixtures" / "three_faces.jpg"


def test_load_returns_a_model_that_is_a_version(tiny_version):
    model = fer.load(str(tiny_version))
    assert isinstance(model, Model) and isinstance(model, ModelVersion)
    assert model.name == tiny_version.name and model.card.architecture
    assert Model.of(model) is model
    plain = fer.version.load(str(tiny_version))
    assert type(plain) is ModelVersion and not hasattr(plain, "recognizer")  # the noun has no verbs
    faces = np.random.default_rng(0).integers(0, 256, (4, 48, 48), dtype=np.uint8)
    assert np.array_equal(Model.of(plain).predict_proba(faces), plain.predict_proba(faces))


def test_predict_is_the_recognizers(tiny_version):
    model = fer.load(str(tiny_version))
    faces = model.predict(str(PHOTO), backend="torch")
    expected = fer.Recognizer(str(tiny_version), backend="torch").predict(str(PHOTO))
    assert [f.label for f in faces] == [f.label for f in expected] and len(faces) == 3
    assert [f.probabilities for f in faces] == [f.probabilities for f in expected]


def test_val_is_evaluate(tiny_version, fer_small_csv):
    model = fer.load(str(tiny_version))
    report = model.val(str(fer_small_csv), split="PrivateTest", backend="torch")
    assert report["accuracy"] == fer.evaluate(str(tiny_version), str(fer_small_csv), split="PrivateTest",
                                              backend="torch")["accuracy"]
    assert model.evaluate == model.val


def test_the_folder_layout_names_every_file(tmp_path):
    folder = VersionFolder(tmp_path / "v")
    names = {folder.card.name, folder.weights.name, folder.history.name, folder.onnx().name, folder.onnx(True).name,
             folder.resume.name, folder.lock.name}
    assert names == {"card.json", "weights.safetensors", "history.csv", "model.onnx", "model.int8.onnx", "last.pt",
                     "training.pid"}
    folder.path.mkdir()
    assert folder.training_process() is None and not folder.stopped
    folder.claim()
    assert folder.training_process() is not None  # this process, alive
    folder.refuse_if_in_training()  # its own lock does not stop it
    folder.release()
    assert not folder.lock.exists()
