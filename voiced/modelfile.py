"""What every checkpoint directory shares: ``meta.json`` read and its format version checked first,
so a model from another voiced is refused with a message naming the file, never half-loaded."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from voiced.errors import ModelError


def read_meta(meta_path: Path, what: str, version: int, retrain: str, key: str = "format_version") -> dict[str, Any]:
    """The JSON object in ``meta_path`` (``what``: "NLU model", …) if its ``key`` is ``version``;
    else a ModelError saying so and how to make a new one (``retrain``: "`voiced train`")."""
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ModelError(f"{meta_path}: no {what} here (train one with {retrain})") from exc
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ModelError(f"{meta_path}: unreadable {what} metadata: {exc}") from exc
    if not isinstance(meta, dict):
        raise ModelError(f"{meta_path}: expected a JSON object")
    if meta.get(key) != version:
        raise ModelError(f"{meta_path}: {what} format version {meta.get(key)!r}, this voiced reads {version}; "
                         f"retrain with {retrain}")
    return meta
