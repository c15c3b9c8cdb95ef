"""Where voiced keeps its state (timers, the private broker's database), and the timers' file."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

from voiced.dialogue import DialogueManager, load_state, save_state, timers_path

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


class TimerFile:
    """The dialogue's timers survive a restart: loaded at start, saved after each change."""

    def __init__(self, state_dir: str, dialogue: DialogueManager) -> None:
        self.dialogue = dialogue
        self.path = state_file(state_dir, timers_path)
        if self.path is not None:
            dialogue.load_timers(load_state(self.path))
        self._saved = dialogue.timers_revision

    def save(self) -> None:
        """A periodic chore: write the timers when they changed since the last save."""
        if self.path is None or self.dialogue.timers_revision == self._saved:
            return
        try:
            save_state(self.path, self.dialogue.timer_state())
        except OSError as exc:
            log.error("cannot save timers to %s: %s", self.path, exc)
        self._saved = self.dialogue.timers_revision  # an error is logged once per change, not every tick
