"""What a web visitor may see: messages and model cards without the server's file paths."""
from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

# an absolute path: "/" + at least one component, not inside a word, a URL or a relative path
_ABSOLUTE_PATH = re.compile(r"(?<![\w.~:/-])(?:/[^/\s'\"(),;:]+)+/?")


def hide_paths(text: str, roots: Iterable[str | Path] = ()) -> str:
    """`text` with each of `roots` dropped from the paths under it (checkpoints/tiny/card.json -> tiny/card.json)
    and every other absolute path cut to its file name."""
    for root in roots:
        text = text.replace(str(root).rstrip("/") + "/", "")
    return _ABSOLUTE_PATH.sub(lambda m: PurePosixPath(m.group().rstrip("/")).name, text)


def public_card(value, roots: Iterable[str | Path] = ()):
    """A model card (or any JSON value) with hide_paths applied to every string in it."""
    roots = list(roots)
    if isinstance(value, dict):
        return {k: public_card(v, roots) for k, v in value.items()}
    if isinstance(value, list):
        return [public_card(v, roots) for v in value]
    return hide_paths(value, roots) if isinstance(value, str) else value
