"""ONNX export of a model version (fp32 and int8), its parity check, and the sha256 of every file in the card.

    python -m fer export --model V --format onnx --int8

checkpoints/<V>/model.onnx (and model.int8.onnx) take float32 faces [N,1,48,48] normalised as in training and
return logits [N,7]; the batch axis is dynamic. card.onnx records the weights each file was exported from and
the file's sha256, which the runtime (fer.version.runtime) checks before it runs the file.
"""
from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import torch

from ..checksum import sha256_of
from ..defaults import default_data
from ..stopwatch import stopwatch_ms_per_view
from .errors import VersionError
from .layout import INT8_FILE, ONNX_FILE, current_export
from .model import ModelVersion, load
from .predict import normalize
from .runtime import INPUT_NAME, OUTPUT_NAME, OnnxClassifier

QUANTIZATION_MODES = ("static", "dynamic")
OPSET = 17
MAX_FP32_PROB_DIFF = 1e-3                 # an fp32 export's largest probability difference from PyTorch
MIN_FP32_AGREEMENT = 0.995                # top-1 agreement with PyTorch an fp32 export must reach on a split
MAX_INT8_ACCURACY_DROP_PT = 0.5           # accuracy points int8 may lose against PyTorch
QUANTIZATION_FACES = 500                  # Training faces that calibrate static int8 quantisation
PARITY_FACES = 64


# ---------------------------------------------------------------- writing the files
def export_fp32(version: ModelVersion, path: str | Path) -> Path:
    """Write the version's network as ONNX."""
    return write_onnx(version.model.float().cpu().eval(), version.card.input_size, path)


def write_onnx(model: torch.nn.Module, input_size, path: str | Path) -> Path:
    """Write an fp32 network taking [N, *input_size] as ONNX (legacy TorchScript exporter: predictable, needs no
    onnxscript)."""
    path = Path(path)
    dummy = torch.zeros(1, *input_size)
    tmp = path.with_suffix(".tmp.onnx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the legacy exporter's deprecation notices
        torch.onnx.export(model, dummy, str(tmp), input_names=[INPUT_NAME], output_names=[OUTPUT_NAME],
                          dynamic_axes={INPUT_NAME: {0: "batch"}, OUTPUT_NAME: {0: "batch"}},
                          opset_version=OPSET, do_constant_folding=True, dynamo=False)
    os.replace(tmp, path)
    return path


class _FaceBatches:
    """onnxruntime CalibrationDataReader over normalised faces, in small batches."""

    def __init__(self, x: np.ndarray, batch: int = 50):
        self._batches = iter(x[i:i + batch] for i in range(0, len(x), batch))

    def get_next(self):
        batch = next(self._batches, None)
        return None if batch is None else {INPUT_NAME: batch}


def quantize_int8(fp32_path: Path, out_path: Path, mode: str = "static", faces: np.ndarray | None = None) -> Path:
    """int8 weights (and, for static, int8 activations whose ranges are measured on normalised `faces`)."""
    from onnxruntime.quantization import QuantFormat, QuantType, quantize_dynamic, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    if mode not in QUANTIZATION_MODES:
        raise ValueError(f"unknown quantisation {mode!r}; use one of {', '.join(QUANTIZATION_MODES)}")
    out_path = Path(out_path)
    prepared, tmp = out_path.with_suffix(".prep.onnx"), out_path.with_suffix(".tmp.onnx")
    try:
        quant_pre_process(str(fp32_path), str(prepared), skip_symbolic_shape=True)
        if mode == "static":
            if faces is None or not len(faces):
                raise ValueError("static int8 quantisation needs Training faces to measure activation ranges")
            quantize_static(str(prepared), str(tmp), _FaceBatches(faces), quant_format=QuantFormat.QDQ,
                            per_channel=True, activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8)
        else:
            quantize_dynamic(str(prepared), str(tmp), per_channel=True, weight_type=QuantType.QInt8)
        os.replace(tmp, out_path)
    finally:
        prepared.unlink(missing_ok=True)
        tmp.unlink(missing_ok=True)
    return out_path


def quantization_faces(data, n: int = QUANTIZATION_FACES, seed: int = 0) -> np.ndarray:
    """n random Training faces of `data` (a path or FaceData), as uint8 [n,48,48]."""
    from ..data import FaceData, load_dataset

    data = data if isinstance(data, FaceData) else load_dataset(data)
    x, _ = data.split("train")
    return x[np.sort(np.random.default_rng(seed).permutation(len(x))[:n])]


def parity_faces(n: int = PARITY_FACES) -> np.ndarray:
    """Fixed faces (smooth random patterns) on which an export must give PyTorch's probabilities."""
    rng = np.random.default_rng(0)
    coarse = rng.integers(0, 256, (n, 12, 12)).astype(np.float32)
    return np.clip(np.kron(coarse, np.ones((4, 4), np.float32)) + rng.normal(0, 12, (n, 48, 48)), 0, 255).astype(np.uint8)


# ---------------------------------------------------------------- the card's record of the files
def _record(version: ModelVersion, kind: str, path: Path, figures: dict) -> None:
    """card.onnx[kind] = the file, its sha256 and figures; a record of other weights' exports is dropped."""
    onnx = version.card.onnx
    if onnx.get("weights_sha256") != version.card.weights_sha256:
        onnx.clear()
        onnx.update(opset=OPSET, weights_sha256=version.card.weights_sha256)
    onnx[kind] = {**figures, "file": path.name, "sha256": sha256_of(path), "size_bytes": path.stat().st_size}
    version.save_card()


def _parity(version: ModelVersion, path: Path, faces: np.ndarray) -> dict:
    exported = OnnxClassifier(path, version.card, version.name, verify=False).predict_proba(faces, "none", calibrated=False)
    reference = version.predict_proba(faces, "none", calibrated=False)
    return {"parity_faces": int(len(faces)), "max_abs_prob_diff": float(f"{np.abs(exported - reference).max():.3g}"),
            "top1_agreement_with_torch": round(float((exported.argmax(1) == reference.argmax(1)).mean()), 5)}


def _record_first_use(version: ModelVersion, int8: bool, path: Path, figures: dict) -> None:
    """Record an export made on first use, unless the card already vouches for these very bytes (a version shipped
    without its .onnx file: its card and the figures measured at its export stay as shipped)."""
    if current_export(version.path, version.card, int8) is None:
        _record(version, "int8" if int8 else "fp32", path, figures)


def ensure_exported(version: ModelVersion, int8: bool = False, data=None) -> Path:
    """The version's .onnx file: the one its card vouches for, else exported now from the verified weights,
    checked against PyTorch (fp32: every probability within 1e-3 on fixed faces) and recorded in the card
    (`_record_first_use`).
    The int8 file is calibrated on Training faces of `data` (default: the default data)."""
    fp32 = current_export(version.path, version.card, False)
    if fp32 is None:
        fp32 = export_fp32(version, version.path / ONNX_FILE)
        parity = _parity(version, fp32, parity_faces())
        if parity["max_abs_prob_diff"] > MAX_FP32_PROB_DIFF:
            fp32.unlink(missing_ok=True)
            raise VersionError(f"{fp32}: the export's probabilities differ from PyTorch's by up to "
                               f"{parity['max_abs_prob_diff']}; export discarded")
        _record_first_use(version, False, fp32, parity)
    if not int8:
        return fp32
    path = current_export(version.path, version.card, True)
    if path is None:
        faces = quantization_faces(data or default_data())
        path = quantize_int8(fp32, version.path / INT8_FILE, "static", normalize(faces, version.normalization))
        _record_first_use(version, True, path, {"quantization": "static",
                                                "quantization_faces": {"split": "Training", "n": len(faces)},
                                                **_parity(version, path, parity_faces())})
    return path


# ---------------------------------------------------------------- python -m fer export
def _file_report(path: Path, version: ModelVersion, x: np.ndarray, y: np.ndarray, torch_probs: np.ndarray,
                 torch_accuracy: float, min_seconds: float) -> dict:
    from ..metrics import classification_report

    probs = OnnxClassifier(path, version.card, version.name).predict_proba(x, "none", calibrated=False)
    pred = probs.argmax(1)
    report = classification_report(y, pred)
    one_thread = OnnxClassifier(path, version.card, version.name, threads=1)
    all_threads = OnnxClassifier(path, version.card, version.name, threads=0)
    return {
        "top1_agreement_with_torch": round(float((pred == torch_probs.argmax(1)).mean()), 5),
        "max_abs_prob_diff": float(f"{np.abs(probs - torch_probs).max():.3g}"),
        "accuracy": round(report["accuracy"], 5),
        "macro_f1": round(report["macro_f1"], 5),
        "accuracy_diff_pt": round(100 * (report["accuracy"] - torch_accuracy), 3),
        "ms_per_view_batch1_1thread": round(stopwatch_ms_per_view(one_thread.logits, 1, min_seconds=min_seconds), 4),
        "ms_per_view_batch64_all_threads": round(stopwatch_ms_per_view(all_threads.logits, 64, min_seconds=min_seconds), 4),
    }


def _weights_size(version: ModelVersion) -> int:
    """Bytes of the weights the version runs (an ensemble: its members' files)."""
    folders = [version.path.parent / m for m in version.card.member_names] or [version.path]
    return sum((folder / "weights.safetensors").stat().st_size for folder in folders)


def export_version(version, data=None, int8: bool = False, quantization: str = "static", split: str = "PrivateTest",
                   quantization_size: int = QUANTIZATION_FACES, min_seconds: float = 0.5) -> dict:
    """Export, check parity on `split`, measure, and record everything under card.onnx; returns that entry.

    Raises VersionError when the fp32 export disagrees with PyTorch on more than 0.5% of the faces.
    """
    import onnxruntime

    from ..data import FaceData, load_dataset
    from ..metrics import classification_report

    if not isinstance(version, ModelVersion):
        version = load(version)  # refuses tampered weights (VersionError)
    data = data if data is not None else default_data()
    data = data if isinstance(data, FaceData) else load_dataset(data)
    x, y = data.split(split)
    torch_probs = version.predict_proba(x, "none", calibrated=False)
    torch_accuracy = classification_report(y, torch_probs.argmax(1))["accuracy"]

    fp32 = export_fp32(version, version.path / ONNX_FILE)
    _record(version, "fp32", fp32, {})
    figures = _file_report(fp32, version, x, y, torch_probs, torch_accuracy, min_seconds)
    if figures["top1_agreement_with_torch"] < MIN_FP32_AGREEMENT:
        fp32.unlink(missing_ok=True)
        version.card.onnx.pop("fp32")
        version.save_card()
        raise VersionError(f"{fp32}: ONNX fp32 agrees with PyTorch on only {figures['top1_agreement_with_torch']:.2%} "
                           f"of {split} faces (needs {MIN_FP32_AGREEMENT:.1%}); export discarded")
    _record(version, "fp32", fp32, figures)
    version.card.onnx.update({
        "torch": torch.__version__, "onnxruntime": onnxruntime.__version__,
        "data": {"file": Path(data.source).name, "split": split, "n": int(len(y))},
        "torch_accuracy": round(torch_accuracy, 5), "torch_weights_size_bytes": _weights_size(version),
    })
    if int8:
        faces = quantization_faces(data, quantization_size) if quantization == "static" else None
        path = quantize_int8(fp32, version.path / INT8_FILE, quantization,
                             None if faces is None else normalize(faces, version.normalization))
        _record(version, "int8", path, {})
        figures = _file_report(path, version, x, y, torch_probs, torch_accuracy, min_seconds)
        figures.update(quantization=quantization, within_tolerance=figures["accuracy_diff_pt"] >= -MAX_INT8_ACCURACY_DROP_PT,
                       quantization_faces={"split": "Training", "n": int(len(faces))} if faces is not None else None)
        _record(version, "int8", path, figures)
    version.save_card()
    return version.card.onnx

