"""Where voiced keeps its state (timers, the private broker's database)."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger("voiced.service")


def state_file(state_dir: str, name: Callable[[Path], Path]) -> Path | None:
    """A file in the state directory; when that is not writable (a plain user running the example
    home, not the service), ``$XDG_STATE_HOME/voiced`` instead; None when neither is."""
    candidates = [Path(state_dir)]
    xdg = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    candidates.append(Path(xdg) / "voiced")
    for d in candidates:
        try:
            d.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if os.access(d, os.W_OK):
            if d != candidates[0]:
                log.warning("state directory %s is not writable: keeping state (timers, the private "
                            "broker's database) in %s", state_dir, d)
            return name(d)
    log.error("no writable state directory (%s): timers will not survive a restart", state_dir)
    return None
