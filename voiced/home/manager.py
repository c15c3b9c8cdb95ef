"""The running home: the devices file's home (the base) plus the entities MQTT discovery found,
one merge for both ways it changes (a discovery burst, a reload), and the listeners told when it
does.  Discovery never overrides an entity of the devices file; a burst of retained discovery
messages is applied once, after ``settle`` seconds of quiet.  Single-threaded: the daemon's main
loop owns it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from voiced.home.model import Entity, Home

log = logging.getLogger("voiced.home")

DISCOVERY_SETTLE = 0.3  # s of quiet before a burst of retained discovery messages is applied

Listener = Callable[[Home], None]


class HomeManager:
    def __init__(self, base: Home, *, settle: float = DISCOVERY_SETTLE,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.base = base  # from the devices file
        self.home = base  # base + discovered
        self.discovered: dict[str, Entity] = {}
        self.settle = settle
        self.clock = clock
        self.due: float | None = None  # when the pending discovery is applied
        self._pending: dict[str, Entity] = {}
        self._listeners: list[Listener] = []

    def on_change(self, listener: Listener) -> None:
        """``listener(home)`` after every change of the running home, in the order registered."""
        self._listeners.append(listener)

    # ------------------------------------------------------------------ discovery

    def offer(self, entities: list[Entity]) -> None:
        """Discovered entities, applied after the settle time (those of the devices file are not)."""
        base_ids = {e.id for e in self.base.entities}
        for e in entities:
            if e.id not in base_ids:
                self._pending[e.id] = e
        if self._pending:
            self.due = self.clock() + self.settle

    def apply_if_due(self) -> list[str]:
        """Apply the pending discovery once it has settled; the ids added or changed."""
        if self.due is None or self.clock() < self.due:
            return []
        self.due = None
        new = {k: v for k, v in self._pending.items() if self.discovered.get(k) != v}
        self._pending = {}
        if new:
            self.discovered.update(new)
            self._set(self._merged())
            log.info("discovery: %d entities added or updated (%s)", len(new), ", ".join(sorted(new)[:10]))
        return sorted(new)

    # ------------------------------------------------------------------ reload

    def set_base(self, base: Home, *, always: bool = False) -> bool:
        """A new devices-file home (a reload); the discovered entities it does not describe stay.
        Without ``always``, an identical home changes nothing.  True when the home was replaced."""
        if not always and (base.floors, base.areas, base.entities) == (self.base.floors, self.base.areas,
                                                                       self.base.entities):
            return False
        self.base = base
        self._set(self._merged())
        return True

    def _merged(self) -> Home:
        ids = {e.id for e in self.base.entities}
        return self.base.with_entities([e for k, e in self.discovered.items() if k not in ids])

    def _set(self, home: Home) -> None:
        self.home = home
        for listener in self._listeners:
            listener(home)
