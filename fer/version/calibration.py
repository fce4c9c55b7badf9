"""Temperature scaling (Guo et al. 2017): one number per version, fitted on the validation split, that makes
its confidence match its accuracy. It is applied to the TTA-averaged probabilities (p^(1/T), renormalised:
fer.version.predict.temper), so the predicted class, and with it every accuracy, stays the same.

An optional prior correction (logit adjustment, Menon et al. 2021, `--prior-tau`) comes before it: log p gets
-tau * log(prior), where the prior is the network's own mean probability of each class over the validation faces
(no labels used). It lifts the emotions a network learned to under-predict (FER+'s raters seldom vote disgust or
fear), trading some accuracy for per-emotion recall; tau is chosen on PublicTest (benchmarks/choose_default.py).

    python -m fer calibrate --model fernet-soft-mixedcw-ens-v7 [--prior-tau 0.5]
    fer.load("fernet-soft-mixedcw-ens-v7").calibrate(prior_tau=0.5)
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..data import FaceData
from ..metrics import expected_calibration_error
from .evaluation import as_data, evaluate_into_card, network_probabilities
from .predict import temper

TEMPERATURES = np.exp(np.linspace(np.log(0.2), np.log(5.0), 241))  # 1.3% apart, 1.0 included


def negative_log_likelihood(probs: np.ndarray, y: np.ndarray) -> float:
    return float(-np.log(np.clip(probs[np.arange(len(y)), y], 1e-12, None)).mean())


def fit_temperature(probs: np.ndarray, y: np.ndarray) -> float:
    """The temperature of least negative log-likelihood on (probs, y), from a fine grid over 0.2-5."""
    return float(min(TEMPERATURES, key=lambda t: negative_log_likelihood(temper(probs, t), y)))


def prior_bias(probs: np.ndarray, tau: float) -> list[float]:
    """The prior correction's class bias: -tau * log of the mean probability of each class over `probs`."""
    prior = np.clip(probs.mean(0), 1e-6, None)
    return [round(float(b), 5) for b in -tau * np.log(prior)]


def _figures(probs: np.ndarray, y: np.ndarray) -> dict:
    return {"nll": round(negative_log_likelihood(probs, y), 4), "ece": round(expected_calibration_error(probs, y), 4),
            "mean_confidence": round(float(probs.max(1).mean()), 4)}


def calibration_labels(card) -> str:
    """The labels a version's confidence is fitted to: the ones it learned from (FER+'s protocol for a version
    that learned from FER+ votes, alone or mixed with FER2013's labels)."""
    hyperparameters = card.hyperparameters or {}
    learned = hyperparameters.get("labels") or hyperparameters.get("selected_on") or "fer2013"  # an ensemble's
    return "fer2013" if learned == "fer2013" else "ferplus"


def calibrate(version, data: str | FaceData | None = None, root: str | Path | None = None,
              prior_tau: float = 0.0, class_bias: list[float] | None = None, chosen_by: str = "") -> dict:
    """Fit the version's temperature on the validation split under its own TTA, on the labels it learned from
    (calibration_labels), after a prior correction of strength `prior_tau` (0: none) or a class bias chosen
    elsewhere (`class_bias`, with `chosen_by` saying how), record both in its card with the before/after figures
    on those labels, and evaluate the card's metrics with them; returns card.calibration."""
    from .model import ModelVersion, load

    version = version if isinstance(version, ModelVersion) else load(version, root)
    data = as_data(data)
    tta, labels = version.card.tta, calibration_labels(version.card)
    raw = network_probabilities(version, data, calibrated=False)  # the network's own probabilities
    splits = {"val_tta": "val", "test": "test"}
    scored = {key: data.labelled_rows(split, labels) for key, split in splits.items()}

    if prior_tau and class_bias is not None:
        raise ValueError("give a prior correction's tau or a chosen class bias, not both")
    bias = prior_bias(raw("val", tta), prior_tau) if prior_tau else class_bias

    def figures(key: str, temperature: float, class_bias) -> dict:
        rows, y = scored[key]
        return _figures(temper(raw(splits[key], tta)[rows], temperature, class_bias), y)

    corrected = temper(raw("val", tta), 1.0, bias)
    temperature = fit_temperature(corrected[scored["val_tta"][0]], scored["val_tta"][1])
    fitted_on = data.split_names.get("val", "val")
    version.card.calibration = {
        "method": ("prior correction, then " if bias is not None else "") + "temperature scaling of the TTA-averaged probabilities",
        "temperature": round(temperature, 4), "fitted_on": fitted_on, "labels": labels, "tta": tta,
        "before": {key: figures(key, 1.0, None) for key in splits},
        "after": {key: figures(key, temperature, bias) for key in splits},
    }
    if prior_tau:
        version.card.calibration["prior_correction"] = {
            "tau": prior_tau, "class_bias": bias,
            "prior_estimated_from": f"the network's mean probability of each class over {fitted_on}'s faces "
                                    "(no labels)"}
    elif bias is not None:
        version.card.calibration["prior_correction"] = {"class_bias": [round(float(b), 5) for b in bias],
                                                        "chosen_by": chosen_by}
    evaluate_into_card(version, data, tta,
                       probs_of=lambda split, mode: temper(raw(split, mode), *version.card.calibration_map()))
    return version.card.calibration


def halve_weights(version, data: str | FaceData | None = None) -> dict:
    """Store the weights in fp16 (save_weights(half=True)), run the network on the rounded values, and
    re-measure the card with them: calibration refitted under the same prior correction, every metric again,
    the record of the ONNX files of the old weights dropped (they are exported again on first use).
    Ensembles built with this version must be rebuilt (they refuse a member whose weights changed).
    Returns card.calibration."""
    from .errors import VersionError
    from .model import rewrite_weights

    if version.card.is_ensemble:
        raise VersionError(f"{version.name}: an ensemble stores no weights of its own; halve its members")
    rewrite_weights(version, half=True)
    return calibrate(version, data, **kept_prior_correction(version.card))


def kept_prior_correction(card) -> dict:
    """calibrate's arguments that give a recalibrated version the prior correction its card has now."""
    prior = (card.calibration or {}).get("prior_correction", {})
    if "tau" in prior:
        return {"prior_tau": prior["tau"]}
    return {"class_bias": prior["class_bias"], "chosen_by": prior.get("chosen_by", "")} if prior else {}
