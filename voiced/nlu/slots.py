"""Tagged spans → slot values (before resolution against the home).

The tagger marks spans with these labels; several map to the same output slot (a timer's name,
a list's name and an entity's name are all ``name`` in intents.md), and durations expand into
``hours``/``minutes``/``seconds``.  Used both to label generated data and at parse time, so the
held-out figures of training measure the same thing the parser returns.
"""

from __future__ import annotations

from typing import Any

from voiced.nlu import numbers
from voiced.nlu.text import normalise

LABELS = ("name", "area", "floor", "brightness", "color", "temperature", "position", "volume_level",
          "duration", "start_duration", "timer_name", "item", "list", "message", "state",
          "conversation_command")

STATE_WORDS = {
    "on": "on", "off": "off", "open": "open", "opened": "open", "closed": "closed", "shut": "closed",
    "close": "closed", "locked": "locked", "unlocked": "unlocked", "up": "open", "down": "closed",
    "running": "on", "playing": "playing", "paused": "paused", "detected": "detected", "clear": "clear",
    "left open": "open", "left on": "on", "still on": "on", "still open": "open", "switched on": "on",
    "switched off": "off", "turned on": "on", "turned off": "off", "going off": "on", "ringing": "on",
    "beeping": "on", "sounding": "on", "triggered": "on",
}


def state_value(text: str) -> str | None:
    low = normalise(text)
    if low in STATE_WORDS:
        return STATE_WORDS[low]
    for w in reversed(low.split()):
        if w in STATE_WORDS:
            return STATE_WORDS[w]
    return None


def span_slots(label: str, text: str) -> dict[str, Any]:
    """The slot(s) one tagged span contributes; empty when the text does not normalise."""
    low = normalise(text)
    if not low:
        return {}
    if label in ("brightness", "position", "volume_level"):
        v = numbers.parse_percent(text)
        return {} if v is None else {label: v}
    if label == "temperature":
        v = numbers.parse_temperature(text)
        return {} if v is None else {label: v}
    if label == "color":
        c = numbers.parse_color(text)
        return {"color": c if c else low}
    if label in ("duration", "start_duration"):
        d = numbers.parse_duration(text)
        if not d:
            return {}
        prefix = "start_" if label == "start_duration" else ""
        return {prefix + k: v for k, v in d.items()}
    if label == "state":
        s = state_value(text)
        return {} if s is None else {"state": s}
    if label in ("timer_name", "list"):
        return {"name": low}
    return {label: low}
