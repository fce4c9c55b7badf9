"""The seven FER2013 emotions, in label order, and the class-name synonyms image folders use."""

EMOTIONS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
NUM_CLASSES = len(EMOTIONS)

SYNONYMS = {
    "anger": "angry", "angered": "angry", "mad": "angry",
    "disgusted": "disgust",
    "fearful": "fear", "afraid": "fear", "scared": "fear",
    "happiness": "happy", "joy": "happy",
    "sadness": "sad",
    "surprised": "surprise",
    "calm": "neutral", "neutrality": "neutral",
}


def label_index(name: str) -> int:
    """Index of an emotion given any usual spelling (case-insensitive); ValueError when unknown."""
    key = name.strip().lower()
    key = SYNONYMS.get(key, key)
    if key not in EMOTIONS:
        raise ValueError(f"unknown emotion {name!r}; expected one of {', '.join(EMOTIONS)} (or a usual synonym)")
    return EMOTIONS.index(key)
