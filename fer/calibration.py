"""Temperature scaling (Guo et al. 2017): one number per version, fitted on the validation split, that makes
its confidence match its accuracy. It is applied to the TTA-averaged probabilities (p^(1/T), renormalised),
so the predicted class, and with it every accuracy, stays the same.

    python -m fer calibrate --model fernet_small-cpu-v4-ens
    fer.calibration.calibrate("fernet_small-cpu-v4-ens")
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from . import versions
from .data import FaceData, load_dataset
from .evaluate import report_from_probs
from .metrics import expected_calibration_error

TEMPERATURES = np.exp(np.linspace(np.log(0.2), np.log(5.0), 241))  # 1.3% apart, 1.0 included


def temper(probs: np.ndarray, temperature: float) -> np.ndarray:
    """p^(1/T), renormalised: T < 1 sharpens under-confident probabilities, T > 1 softens over-confident ones."""
    logp = np.log(np.clip(probs, 1e-12, None)) / temperature
    logp -= logp.max(1, keepdims=True)
    p = np.exp(logp)
    return p / p.sum(1, keepdims=True)


def negative_log_likelihood(probs: np.ndarray, y: np.ndarray) -> float:
    return float(-np.log(np.clip(probs[np.arange(len(y)), y], 1e-12, None)).mean())


def fit_temperature(probs: np.ndarray, y: np.ndarray) -> float:
    """The temperature of least negative log-likelihood on (probs, y), from a fine grid over 0.2-5."""
    return float(min(TEMPERATURES, key=lambda t: negative_log_likelihood(temper(probs, t), y)))


def calibrate(name: str, data: str | FaceData | None = None, root: str | Path | None = None) -> dict:
    """Fit the version's temperature on the validation split under its own TTA, write it into its card with
    the before/after figures, and recompute the card's metrics with it; returns card["calibration"]."""
    from .training.config import DEFAULT_DATA

    version = versions.load(name, root)
    data = data if isinstance(data, FaceData) else load_dataset(data or DEFAULT_DATA)
    card, tta = version.card, version.card.get("tta", "none")
    splits = {"val": ("val", "none"), "val_tta": ("val", tta), "test": ("test", tta)}
    raw = {}  # the network's own probabilities per card entry; "val" (no TTA) only where the card has it
    for key, (split, mode) in splits.items():
        if key == "val" and key not in card.get("metrics", {}):
            continue
        x, y = data.split(split)
        raw[key] = (version.predict_proba(x, tta=mode, calibrated=False), y)
    val_probs, y_val = raw["val_tta"]
    temperature = fit_temperature(val_probs, y_val)
    val_split = data.split_names.get("val", "val")

    def figures(probs, y):
        return {"nll": round(negative_log_likelihood(probs, y), 4), "ece": round(expected_calibration_error(probs, y), 4),
                "mean_confidence": round(float(probs.max(1).mean()), 4)}

    calibration = {
        "method": "temperature scaling of the TTA-averaged probabilities", "temperature": round(temperature, 4),
        "fitted_on": val_split, "tta": tta,
        "before": {key: figures(p, y) for key, (p, y) in raw.items() if key != "val"},
        "after": {key: figures(temper(p, temperature), y) for key, (p, y) in raw.items() if key != "val"},
    }
    card["calibration"] = calibration
    metrics = card.setdefault("metrics", {})
    for key, (probs, y) in raw.items():
        metrics[key] = report_from_probs(temper(probs, temperature), y, splits[key][1])
    versions.write_card(version.path, card)
    return calibration
