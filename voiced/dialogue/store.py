"""Timers on disk: one JSON file in the state directory, written atomically.

The only I/O of the dialogue package.  A missing file means no timers; a corrupt one is logged
and treated as empty (a broken timer file must never stop the daemon from starting).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

TIMERS_FILE = "timers.json"


def timers_path(state_dir: str | Path) -> Path:
    return Path(state_dir) / TIMERS_FILE


def load_state(path: str | Path) -> dict[str, Any]:
    """The saved object, or {} when the file is missing, unreadable or not a JSON object."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        log.warning("%s: cannot read timer state (%s); starting with no timers", p, exc)
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        log.warning("%s:%d: corrupt timer state (%s); starting with no timers", p, exc.lineno, exc.msg)
        return {}
    if not isinstance(data, dict):
        log.warning("%s:1: timer state is not a JSON object; starting with no timers", p)
        return {}
    return data


def save_state(path: str | Path, data: dict[str, Any]) -> None:
    """Write to a temp file in the same directory, fsync, then rename over the old file."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False, indent=1)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, p)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
