"""Timers for Home Assistant's timer intents: a pure registry (time is passed in, never read).

Times are absolute seconds on the clock the caller passes as ``now``.  The daemon must pass
wall-clock time (``time.time()``) so that stored end times still mean something after a restart.
A running timer keeps its absolute ``end``; a paused one keeps its ``remaining`` seconds.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass, replace
from typing import Any

log = logging.getLogger(__name__)

STATE_VERSION = 1
_NAME_NOISE = {"the", "a", "an", "my", "timer", "timers", "one", "for", "called", "named"}


def duration_seconds(slots: dict[str, Any], prefix: str = "") -> float | None:
    """``hours``/``minutes``/``seconds`` (or ``start_*``) slots as seconds; None when none is given."""
    total = 0.0
    found = False
    for key, factor in (("hours", 3600), ("minutes", 60), ("seconds", 1)):
        value = slots.get(prefix + key)
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            continue  # absent or garbage: never a timer that ends at infinity
        total += float(value) * factor
        found = True
    return total if found else None


def split_seconds(seconds: float) -> dict[str, int]:
    """Whole hours/minutes/seconds, rounding partial seconds up (so 0.2 s left says 1 second)."""
    s = max(0, math.ceil(seconds - 1e-6))
    return {"hours": s // 3600, "minutes": s % 3600 // 60, "seconds": s % 60}


def normalise_name(name: Any) -> str | None:
    """'the Pizza timer' → 'pizza': the words that tell timers apart."""
    if not isinstance(name, str):
        return None
    words = [w for w in re.findall(r"[\w']+", name.lower()) if w not in _NAME_NOISE]
    return " ".join(words) or None


@dataclass(frozen=True)
class Timer:
    id: str
    site: str
    duration: float  # the starting duration in seconds (for "the five minute timer")
    end: float | None  # absolute end time while running
    remaining: float | None = None  # seconds left while paused
    name: str | None = None
    area: str | None = None  # the area of the satellite that started it
    command: str | None = None  # HA conversation_command: text to run when it ends
    created: float = 0.0

    @property
    def paused(self) -> bool:
        return self.end is None

    def left(self, now: float) -> float:
        if self.end is None:
            return max(0.0, self.remaining or 0.0)
        return max(0.0, self.end - now)

    def spoken(self, now: float | None = None) -> dict[str, Any]:
        """The ``timer`` value of a reply frame: remaining time when ``now`` is given, else the duration."""
        secs = self.duration if now is None else self.left(now)
        return {"name": self.name, **split_seconds(secs)}

    def event(self, now: float) -> dict[str, Any]:
        """Payload of the ``timer/...`` MQTT events."""
        return {"id": self.id, "name": self.name, "site": self.site, "area": self.area,
                "duration": round(self.duration, 3), "remaining": round(self.left(now), 3),
                "end": self.end, "paused": self.paused}

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "site": self.site, "duration": self.duration, "end": self.end,
                "remaining": self.remaining, "name": self.name, "area": self.area,
                "command": self.command, "created": self.created}

    @staticmethod
    def from_json(data: Any) -> Timer:
        """Raises ValueError naming the bad field."""
        if not isinstance(data, dict):
            raise ValueError("timer: expected an object")

        def num(key: str, optional: bool = False) -> float | None:
            v = data.get(key)
            if v is None and optional:
                return None
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                raise ValueError(f"timer.{key}: expected a number, got {v!r}")
            return float(v)

        def text(key: str, optional: bool = True) -> str | None:
            v = data.get(key)
            if v is None and optional:
                return None
            if not isinstance(v, str) or (not optional and not v):
                raise ValueError(f"timer.{key}: expected a string, got {v!r}")
            return v

        tid, site = text("id", False), text("site", False)
        assert tid is not None and site is not None
        end, remaining = num("end", True), num("remaining", True)
        if end is None and remaining is None:
            raise ValueError("timer: needs end (running) or remaining (paused)")
        duration = num("duration")
        assert duration is not None
        return Timer(id=tid, site=site, duration=duration, end=end,
                     remaining=None if end is not None else remaining,
                     name=text("name"), area=text("area"), command=text("command"),
                     created=num("created", True) or 0.0)


@dataclass(frozen=True)
class Selection:
    """Result of finding the timer(s) a command is about."""

    timers: tuple[Timer, ...]
    filtered: bool  # True when the command named a timer (name, start duration, area)


class TimerManager:
    """All timers of all sites.  Methods return the changed timers; callers speak and publish."""

    def __init__(self) -> None:
        self._timers: dict[str, Timer] = {}
        self._next = 1
        self.revision = 0  # bumped on every change, so the owner knows when to persist

    # ---------------------------------------------------------------- queries
    def all(self) -> list[Timer]:
        return sorted(self._timers.values(), key=lambda t: (t.created, t.id))

    def get(self, timer_id: str) -> Timer | None:
        return self._timers.get(timer_id)

    def __len__(self) -> int:
        return len(self._timers)

    def select(self, slots: dict[str, Any], site: str, area_names: tuple[str, ...] = (),
               start_from_plain: bool = True) -> Selection:
        """HA's matching: by name, by starting duration, by area; else the only timer, else this site's.

        ``area_names`` are the spellings (id, display name, aliases) of the ``area`` slot.
        ``start_from_plain`` reads hours/minutes/seconds as the starting duration when no
        ``start_*`` slot is present ("cancel the five minute timer" tagged as minutes).
        """
        timers = self.all()
        filtered = False
        name = normalise_name(slots.get("name"))
        if name:
            filtered = True
            timers = [t for t in timers if _name_matches(name, t.name)]
        start = duration_seconds(slots, "start_")
        if start is None and start_from_plain:
            start = duration_seconds(slots)
        if start is not None:
            filtered = True
            timers = [t for t in timers if abs(t.duration - start) < 0.5]
        if slots.get("area") is not None:
            filtered = True
            wanted = {n.lower() for n in area_names} or {str(slots["area"]).lower()}
            timers = [t for t in timers if t.area is not None and t.area.lower() in wanted]
        if not filtered and len(timers) > 1:
            here = [t for t in timers if t.site == site]
            if here:
                timers = here
        return Selection(tuple(timers), filtered)

    # ---------------------------------------------------------------- changes
    def start(self, site: str, seconds: float, now: float, name: str | None = None,
              area: str | None = None, command: str | None = None) -> Timer:
        tid = f"timer-{self._next}"
        self._next += 1
        timer = Timer(id=tid, site=site, duration=float(seconds), end=now + seconds, name=name,
                      area=area, command=command, created=now)
        self._put(timer)
        return timer

    def cancel(self, timer_id: str) -> Timer | None:
        timer = self._timers.pop(timer_id, None)
        if timer is not None:
            self.revision += 1
        return timer

    def pause(self, timer_id: str, now: float) -> Timer:
        t = self._timers[timer_id]
        if t.paused:
            return t
        return self._put(replace(t, end=None, remaining=t.left(now)))

    def unpause(self, timer_id: str, now: float) -> Timer:
        t = self._timers[timer_id]
        if not t.paused:
            return t
        return self._put(replace(t, end=now + t.left(now), remaining=None))

    def add(self, timer_id: str, seconds: float, now: float) -> Timer:
        """Add (or, negative, remove) time; never below zero (a timer cut to zero ends at the next tick)."""
        t = self._timers[timer_id]
        left = max(0.0, t.left(now) + seconds)
        if t.paused:
            return self._put(replace(t, remaining=left))
        return self._put(replace(t, end=now + left))

    def due(self, now: float) -> list[Timer]:
        """Remove and return the running timers that have ended, oldest end first."""
        done = sorted((t for t in self._timers.values() if t.end is not None and t.end <= now),
                      key=lambda t: (t.end or 0.0, t.id))
        for t in done:
            del self._timers[t.id]
        if done:
            self.revision += 1
        return done

    def next_end(self) -> float | None:
        """When the next running timer ends (so a caller can sleep until then)."""
        ends = [t.end for t in self._timers.values() if t.end is not None]
        return min(ends) if ends else None

    def _put(self, timer: Timer) -> Timer:
        self._timers[timer.id] = timer
        self.revision += 1
        return timer

    # ---------------------------------------------------------------- persistence
    def to_json(self) -> dict[str, Any]:
        return {"version": STATE_VERSION, "next": self._next, "timers": [t.to_json() for t in self.all()]}

    @classmethod
    def from_json(cls, data: Any) -> TimerManager:
        """Rebuild from ``to_json`` output; bad entries are logged and skipped, never fatal."""
        mgr = cls()
        if not isinstance(data, dict):
            if data not in (None, {}):
                log.warning("timer state: expected an object, starting with no timers")
            return mgr
        items = data.get("timers", [])
        if not isinstance(items, list):
            log.warning("timer state: 'timers' is not a list, starting with no timers")
            items = []
        highest = 0
        for i, item in enumerate(items):
            try:
                timer = Timer.from_json(item)
            except ValueError as exc:
                log.warning("timer state: timers[%d]: %s (skipped)", i, exc)
                continue
            mgr._timers[timer.id] = timer
            m = re.fullmatch(r"timer-(\d+)", timer.id)
            if m:
                highest = max(highest, int(m.group(1)))
        nxt = data.get("next")
        mgr._next = max(nxt if isinstance(nxt, int) and not isinstance(nxt, bool) else 1, highest + 1)
        return mgr


def _name_matches(wanted: str, name: str | None) -> bool:
    have = normalise_name(name)
    if not have:
        return False
    if have == wanted:
        return True
    # "pizza" finds "pizza oven"; plural/singular tolerated ("eggs" vs "egg")
    wa = {w.rstrip("s") for w in wanted.split()}
    hv = {w.rstrip("s") for w in have.split()}
    return wa <= hv or hv <= wa
