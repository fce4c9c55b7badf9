"""The seven FER2013 emotions, in label order, and the class-name synonyms image folders use."""

EMOTIONS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
NUM_CLASSES = len(EMOTIONS)
# each emotion's colour, the same on photos, videos and every chart (neutral grey)
EMOTION_HEX = {"angry": "#dc2828", "disgust": "#288c28", "fear": "#a03ca0", "happy": "#ffc800", "sad": "#2878c8",
               "surprise": "#ff8c00", "neutral": "#c8c8c8"}

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
