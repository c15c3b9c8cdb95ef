"""A timer's length as said: time taken off a timer is a decrease, and a length of nothing is asked for.

"remove 6 min off my timer" was read as *cancel* (the tagger kept "6" alone as the running timer's
start duration): a duration followed by "off"/"from" is time taken off, so the reading becomes
``HassDecreaseTimer`` with that duration — "cancel the 5 minute timer" keeps naming the timer.  A
timer to start, or a change, of zero length or with "minus" before it ("set a timer for 0
minutes", "set a timer for minus 5 minutes") had started at once or for five minutes: its duration
is dropped, and the dialogue asks how long (the intent's duration is required and askable).
"""

from __future__ import annotations

import re

from voiced.intents import names
from voiced.nlu import numbers
from voiced.nlu.units.reading import Reading

_DURATION_SLOTS = ("duration", "start_duration")
# after the number: its unit if the tagger left it out, then "off"/"from" (taken off the timer)
_UNIT_AFTER = re.compile(r"^\s*(hours?|hrs?|minutes?|mins?|seconds?|secs?)\b", re.IGNORECASE)
_TAKEN_OFF = re.compile(r"^\s*(?:off|from)\b(?!\s+now)", re.IGNORECASE)
# the timer intents that need a length (start, increase, decrease: voiced/intents.py)
_CHANGES = names(timer=True, required=("hours|minutes|seconds",))


class TimerLength:
    """Time taken off a timer is a decrease; a timer or change of no length, or below zero, has its
    length asked for (the module's docstring)."""

    name = "timer_length"
    rules = ("taken_off", "no_length")

    def __call__(self, r: Reading) -> None:
        if r.intent == "HassCancelTimer":
            self._taken_off(r)
        if r.intent in _CHANGES:
            self._no_length(r)

    @staticmethod
    def _taken_off(r: Reading) -> None:
        for sp in r.spans:
            if sp.slot not in _DURATION_SLOTS:
                continue
            end = sp.end
            unit = _UNIT_AFTER.match(r.text[end:])
            if unit:
                end += unit.end()
            if not _TAKEN_OFF.match(r.text[end:]):
                continue
            said = numbers.parse_duration(r.text[sp.start:end])
            if not said:
                return
            for u in numbers.DURATION_UNITS:
                r.slots.pop(u, None)
                r.slots.pop("start_" + u, None)
            r.slots.update(said)
            r.intent = "HassDecreaseTimer"
            r.fired.append("taken_off")
            return

    @staticmethod
    def _no_length(r: Reading) -> None:
        said = [u for u in numbers.DURATION_UNITS if u in r.slots]
        if not said:
            return
        minus = any(sp.slot in _DURATION_SLOTS and numbers.MINUS_BEFORE.search(r.text[:sp.start]) for sp in r.spans)
        if minus or all(not r.slots[u] for u in said):
            for u in said:
                del r.slots[u]
            r.fired.append("no_length")
