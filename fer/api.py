"""fer.load() and Model: a model version with its verbs, the floor above fer.version (the noun), fer.training
and fer.inference, which binds them as ultralytics' Model binds its trainer and predictor.

    model = fer.load("fernet_small-rt-v3")      # None: the shipped default for photos
    model.predict("photo.jpg")                  # faces and their emotions (a Recognizer's predict)
    model.val("fer2013.csv.gz", split="PrivateTest")       # a report (also: model.evaluate)
    model.train(data="my_faces/", epochs=10)    # fine-tuned into a new version, returned as a Model
    model.export(data, int8=True); model.calibrate(data); model.halve_weights(data)
    model.recognizer(detector="yunet"); model.classifier("onnx")
    model.card, model.predict_proba(faces_uint8)            # everything a fer.version.ModelVersion has
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

from .version.model import ModelVersion
from .version.model import load as load_version


class Model(ModelVersion):
    """A loaded version (a fer.version.ModelVersion, usable wherever one is) with the verbs that train, run and
    measure it."""

    @classmethod
    def of(cls, version: ModelVersion) -> "Model":
        return version if isinstance(version, cls) else \
            cls(**{f.name: getattr(version, f.name) for f in dataclasses.fields(version)})

    # ------------------------------------------------------------ inference
    def recognizer(self, **options):
        """A fer.Recognizer of this version (options: detector, backend, tta, small_faces, ...)."""
        from .inference import Recognizer

        return Recognizer(self, **options)

    def predict(self, image, **options) -> list:
        """The faces of one image and their emotions (fer.inference.Face); for many images, keep a
        .recognizer() (it loads the detector and the ONNX session once)."""
        return self.recognizer(**options).predict(image)

    def classifier(self, backend: str = "auto", threads: int = 0):
        from .version.classifiers import load_classifier

        return load_classifier(self, backend, threads)

    # ------------------------------------------------------------ measuring
    def val(self, data, split: str = "PrivateTest", **options) -> dict:
        """A report of this version on a split of `data` (fer.version.evaluation.evaluate's options)."""
        from .version.evaluation import evaluate

        return evaluate(self, data, split, **options)

    evaluate = val

    def export(self, data=None, **options) -> dict:
        from .version.export import export_version

        return export_version(self, data, **options)

    def calibrate(self, data=None, prior_tau: float = 0.0) -> dict:
        from .version.calibration import calibrate

        return calibrate(self, data, prior_tau=prior_tau)

    def halve_weights(self, data=None) -> dict:
        """fp16 weights, the card re-measured (fer.version.calibration.halve_weights)."""
        from .version.calibration import halve_weights

        return halve_weights(self, data)

    # ------------------------------------------------------------ training
    def train(self, preset: str | None = None, **options) -> "Model":
        """Fine-tune this version (e.g. on your own image folders: data="my_faces/") into a new version, which
        is returned; options are fer.make_config's (name, epochs, lr, labels, ...)."""
        from .training import make_config, train

        config = make_config(preset, **{**options, "init_from": str(self.path)})
        return load(train(config))


def load(version: str | Path | None = None, root: str | Path | None = None, device: str = "cpu",
         verify: bool = True, purpose: str = "photo") -> Model:
    """Load a model version (None: the shipped default for `purpose`), refusing files that fail their checksum."""
    return Model.of(load_version(version, root, device, verify, purpose))


__all__ = ["Model", "load"]
