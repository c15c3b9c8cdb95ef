"""Timers: "start a timer" is a new timer, whatever timer intent the tagger read."""

from __future__ import annotations

import re

from voiced.nlu.units.places import TIMER_INTENTS
from voiced.nlu.units.reading import Reading
from voiced.nlu.units.values import fix_numbers

_NEW_TIMER = re.compile(r"\b(set|start|create|make|need|want)( me)? (a|an|a new|new|another)( \w+)? (timer|countdown)\b")


class NewTimer:
    """A timer intent said with "set/start a (new) timer" is StartTimer, not resuming one."""

    name = "new_timer"

    def __call__(self, r: Reading) -> None:
        if r.intent in TIMER_INTENTS and r.intent != "HassStartTimer" and _NEW_TIMER.search(r.low):
            r.intent = "HassStartTimer"
            fix_numbers(r.intent, r.slots)
