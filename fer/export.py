"""ONNX export of a model version (fp32 and int8) and its parity check; the runtime classifiers that run
the exports live in fer.inference.classifiers.

    python -m fer export --model V --format onnx --int8

checkpoints/<V>/model.onnx (and model.int8.onnx) take a float [N,1,48,48] normalised as in training
(fer.data.transforms.to_tensor) and return logits [N,7]; the batch axis is dynamic. Each file carries the
sha256 of the weights it was exported from, so a stale export is redone rather than trusted.
"""
from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import torch

from .data.transforms import to_tensor
from .inference.classifiers import INPUT_NAME, OUTPUT_NAME, OnnxClassifier, ms_per_face
from .versions import ModelVersion, is_ensemble, load, sha256_of, write_card

ONNX_FILE = "model.onnx"
INT8_FILE = "model.int8.onnx"
QUANTIZATION_MODES = ("static", "dynamic")
OPSET = 17
WEIGHTS_KEY = "weights_sha256"            # metadata key inside the .onnx files
MIN_FP32_AGREEMENT = 0.995                # top-1 agreement with PyTorch an fp32 export must reach
MAX_INT8_ACCURACY_DROP_PT = 0.5           # accuracy points int8 may lose against PyTorch
CALIBRATION_FACES = 500


# ---------------------------------------------------------------- export

def _weights_sha(version: ModelVersion) -> str:
    return version.card.get("weights_sha256") or sha256_of(version.path / version.card.get("weights_file", "weights.safetensors"))


def _weights_size(version: ModelVersion) -> int:
    """Bytes of the weights the version runs (an ensemble: its members' files)."""
    if is_ensemble(version.card):
        return sum((version.path.parent / m["version"] / "weights.safetensors").stat().st_size
                   for m in version.card["members"])
    return (version.path / version.card.get("weights_file", "weights.safetensors")).stat().st_size


def _stamp(path: Path, weights_sha: str) -> None:
    import onnx

    model = onnx.load(str(path))
    del model.metadata_props[:]
    entry = model.metadata_props.add()
    entry.key, entry.value = WEIGHTS_KEY, weights_sha
    onnx.save(model, str(path))


def stamped_weights(path: Path) -> str | None:
    """The weights sha256 an .onnx file was exported from (None if unknown)."""
    import onnx

    model = onnx.load(str(path), load_external_data=False)
    return next((p.value for p in model.metadata_props if p.key == WEIGHTS_KEY), None)


def export_fp32(version: ModelVersion, path: str | Path | None = None) -> Path:
    """Write the version's network as ONNX (legacy TorchScript exporter: predictable, needs no onnxscript)."""
    path = Path(path or version.path / ONNX_FILE)
    model = version.model.float().cpu().eval()
    dummy = torch.zeros(1, *version.card.get("input_size", (1, 48, 48)))
    tmp = path.with_suffix(".tmp.onnx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the legacy exporter's deprecation notices
        torch.onnx.export(model, dummy, str(tmp), input_names=[INPUT_NAME], output_names=[OUTPUT_NAME],
                          dynamic_axes={INPUT_NAME: {0: "batch"}, OUTPUT_NAME: {0: "batch"}},
                          opset_version=OPSET, do_constant_folding=True, dynamo=False)
    _stamp(tmp, _weights_sha(version))
    os.replace(tmp, path)
    return path


class _FaceCalibration:
    """onnxruntime CalibrationDataReader over normalised faces, in small batches."""

    def __init__(self, x: np.ndarray, batch: int = 50):
        self._batches = iter(x[i:i + batch] for i in range(0, len(x), batch))

    def get_next(self):
        batch = next(self._batches, None)
        return None if batch is None else {INPUT_NAME: batch}


def quantize_int8(fp32_path: Path, out_path: Path, mode: str = "static", calibration: np.ndarray | None = None) -> Path:
    """int8 weights (and, for static, int8 activations calibrated on `calibration` float inputs [N,1,48,48])."""
    from onnxruntime.quantization import QuantFormat, QuantType, quantize_dynamic, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    if mode not in QUANTIZATION_MODES:
        raise ValueError(f"unknown quantisation {mode!r}; use one of {', '.join(QUANTIZATION_MODES)}")
    out_path = Path(out_path)
    prepared = out_path.with_suffix(".prep.onnx")
    tmp = out_path.with_suffix(".tmp.onnx")
    try:
        quant_pre_process(str(fp32_path), str(prepared), skip_symbolic_shape=True)
        if mode == "static":
            if calibration is None or not len(calibration):
                raise ValueError("static int8 quantisation needs calibration faces")
            quantize_static(str(prepared), str(tmp), _FaceCalibration(calibration), quant_format=QuantFormat.QDQ,
                            per_channel=True, activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8)
        else:
            quantize_dynamic(str(prepared), str(tmp), per_channel=True, weight_type=QuantType.QInt8)
        _stamp(tmp, stamped_weights(Path(fp32_path)) or "")
        os.replace(tmp, out_path)
    finally:
        prepared.unlink(missing_ok=True)
        tmp.unlink(missing_ok=True)
    return out_path


def calibration_faces(data, n: int = CALIBRATION_FACES, seed: int = 0) -> np.ndarray:
    """n random Training faces of `data` (a path or FaceData), as uint8 [n,48,48]."""
    from .data import FaceData, load_dataset

    data = data if isinstance(data, FaceData) else load_dataset(data)
    x, _ = data.split("train")
    idx = np.sort(np.random.default_rng(seed).permutation(len(x))[:n])
    return x[idx]


def onnx_path(version: ModelVersion, int8: bool) -> Path:
    return version.path / (INT8_FILE if int8 else ONNX_FILE)


def ensure_exported(version: ModelVersion, int8: bool = False, data=None) -> Path:
    """The version's .onnx file, exported now if missing or exported from other weights.

    The int8 file is calibrated on Training faces of `data` (default: the FER2013 csv of the training config).
    """
    fp32 = onnx_path(version, False)
    weights = _weights_sha(version)
    if not fp32.is_file() or stamped_weights(fp32) != weights:
        export_fp32(version, fp32)
    if not int8:
        return fp32
    path = onnx_path(version, True)
    if not path.is_file() or stamped_weights(path) != weights:
        from .training.config import DEFAULT_DATA

        quantize_int8(fp32, path, "static", to_tensor(calibration_faces(data or DEFAULT_DATA), version.normalization).numpy())
    return path


# ---------------------------------------------------------------- measurement

def _file_report(path: Path, probs: np.ndarray, torch_probs: np.ndarray, y: np.ndarray, torch_accuracy: float,
                 card: dict, name: str, min_seconds: float) -> dict:
    from .metrics import classification_report

    pred = probs.argmax(1)
    report = classification_report(y, pred)
    one_thread = OnnxClassifier(path, card, name, threads=1)
    all_threads = OnnxClassifier(path, card, name, threads=0)
    return {
        "file": path.name,
        "size_bytes": path.stat().st_size,
        "top1_agreement_with_torch": round(float((pred == torch_probs.argmax(1)).mean()), 5),
        "max_abs_prob_diff": float(f"{np.abs(probs - torch_probs).max():.3g}"),
        "accuracy": round(report["accuracy"], 5),
        "macro_f1": round(report["macro_f1"], 5),
        "accuracy_diff_pt": round(100 * (report["accuracy"] - torch_accuracy), 3),
        "ms_per_face_batch1_1thread": round(ms_per_face(one_thread, 1, min_seconds=min_seconds), 4),
        "ms_per_face_batch64_all_threads": round(ms_per_face(all_threads, 64, min_seconds=min_seconds), 4),
    }


def export_version(version: str | ModelVersion | None, data=None, int8: bool = False, quantization: str = "static",
                   split: str = "PrivateTest", calibration_size: int = CALIBRATION_FACES, min_seconds: float = 0.5) -> dict:
    """Export, check parity on `split`, measure, and record everything under card["onnx"]; returns that entry.

    Raises ValueError when the fp32 export disagrees with PyTorch on more than 0.5% of the faces.
    """
    import onnxruntime

    from .data import FaceData, load_dataset
    from .metrics import classification_report
    from .training.config import DEFAULT_DATA

    if not isinstance(version, ModelVersion):
        version = load(version)  # refuses tampered weights (VersionError)
    data = data if data is not None else DEFAULT_DATA
    data = data if isinstance(data, FaceData) else load_dataset(data)
    x, y = data.split(split)
    torch_probs = version.predict_proba(x)
    torch_accuracy = classification_report(y, torch_probs.argmax(1))["accuracy"]

    fp32 = export_fp32(version)
    entry = {
        "opset": OPSET, "torch": torch.__version__, "onnxruntime": onnxruntime.__version__,
        "data": {"file": data.source, "split": split, "n": int(len(y))},
        "torch_accuracy": round(torch_accuracy, 5),
        "torch_weights_size_bytes": _weights_size(version),
        "weights_sha256": _weights_sha(version),
    }
    fp32_probs = OnnxClassifier(fp32, version.card, version.name).predict_proba(x)
    entry["fp32"] = _file_report(fp32, fp32_probs, torch_probs, y, torch_accuracy, version.card, version.name, min_seconds)
    if entry["fp32"]["top1_agreement_with_torch"] < MIN_FP32_AGREEMENT:
        fp32.unlink(missing_ok=True)
        raise ValueError(f"{fp32}: ONNX fp32 agrees with PyTorch on only {entry['fp32']['top1_agreement_with_torch']:.2%} "
                         f"of {split} faces (needs {MIN_FP32_AGREEMENT:.1%}); export discarded")
    if int8:
        faces = calibration_faces(data, calibration_size) if quantization == "static" else None
        calibration = None if faces is None else to_tensor(faces, version.normalization).numpy()
        path = quantize_int8(fp32, onnx_path(version, True), quantization, calibration)
        probs = OnnxClassifier(path, version.card, version.name).predict_proba(x)
        report = _file_report(path, probs, torch_probs, y, torch_accuracy, version.card, version.name, min_seconds)
        report["quantization"] = quantization
        report["calibration"] = {"split": "Training", "n": int(len(faces))} if faces is not None else None
        report["within_tolerance"] = report["accuracy_diff_pt"] >= -MAX_INT8_ACCURACY_DROP_PT
        entry["int8"] = report
    card = dict(version.card)
    card["onnx"] = entry
    write_card(version.path, card)
    version.card.update(onnx=entry)
    return entry
