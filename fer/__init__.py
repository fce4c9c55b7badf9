"""fer: facial-emotion recognition. Datasets, models, training, evaluation, model versions, inference.

    import fer
    fer.list_models(); fer.list_versions()
    model = fer.load()                         # the shipped default (fer.api.Model: a version with its verbs)
    model.evaluate("fer2013.csv.gz", split="PrivateTest")   # or fer.evaluate(model, ...)
    model.card.accuracy("test", labels="ferplus")
    fer.Recognizer().predict("photo.jpg")      # the version's own TTA and calibration, on ONNX Runtime
    fer.train(fer.make_config("cpu"))          # python -m fer train --preset cpu
    fer.explain(model, faces_uint8)            # Grad-CAM: why each face got its label
    fer.analyze(["videos/"], out="r.parquet")  # python -m fer analyze: a collection into Parquet
    fer.read_results("r.parquet")              # one row per face per photo or video frame

Every name loads its module on first use (PEP 562), so that `import fer` costs no PyTorch: the ONNX path, the
CLI's help and the batch workers never load it.
"""
from importlib import import_module

_LAZY = {
    "analyze": "fer.batch", "read_results": "fer.batch",
    "DataError": "fer.data", "FaceData": "fer.data", "load_dataset": "fer.data",
    "Recognizer": "fer.inference",
    "EMOTIONS": "fer.labels",
    "count_macs": "fer.models", "count_params": "fer.models", "create_model": "fer.models", "list_models": "fer.models",
    "explain": "fer.saliency", "explain_faces": "fer.saliency",
    "TrainConfig": "fer.training", "make_config": "fer.training", "train": "fer.training",
    "Card": "fer.version", "VersionError": "fer.version", "default_version": "fer.version",
    "list_versions": "fer.version",
    "evaluate": "fer.version.evaluation",
    "ModelVersion": "fer.version.model",
    "Model": "fer.api", "load": "fer.api",
}


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value  # the next lookup is a plain attribute
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


__all__ = list(_LAZY)
