"""fer: facial-emotion recognition. Datasets, models, training, evaluation, model versions, inference.

    import fer
    fer.list_models(); fer.list_versions()
    version = fer.load()                       # the shipped default model (fer.version.ModelVersion)
    version.evaluate("fer2013.csv.gz", split="PrivateTest")   # or fer.evaluate(version, ...)
    version.card.accuracy("test", labels="ferplus")
    fer.Recognizer().predict("photo.jpg")      # the version's own TTA and calibration, on ONNX Runtime
    fer.train(fer.make_config("cpu"))          # python -m fer train --preset cpu
    fer.explain(version, faces_uint8)          # Grad-CAM: why each face got its label
    fer.analyze(["videos/"], out="r.parquet")  # python -m fer analyze: a collection into Parquet
    fer.read_results("r.parquet")              # one row per face per photo or video frame
"""
from .batch import analyze, read_results
from .data import DataError, FaceData, load_dataset
from .inference import Recognizer
from .labels import EMOTIONS
from .models import count_macs, count_params, create_model, list_models
from .saliency import explain, explain_faces
from .training import TrainConfig, make_config, train
from .version import Card, VersionError, default_version, list_versions
from .version.evaluation import evaluate
from .version.model import ModelVersion, load

__all__ = ["EMOTIONS", "DataError", "FaceData", "load_dataset", "create_model", "list_models", "count_params",
           "count_macs", "TrainConfig", "make_config", "train", "evaluate", "Card", "ModelVersion", "VersionError",
           "load", "list_versions", "default_version", "Recognizer", "explain", "explain_faces", "analyze", "read_results"]
