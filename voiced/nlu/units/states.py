"""State questions: the state asked about, and what "door" means when locking is talked of.

"Is the kettle on": the tagger often folds the state word into the name or leaves it untagged; a
state question without a state asks whether the thing is on (an alarm "going off" is on).
"""

from __future__ import annotations

import dataclasses
import re

from voiced.nlu.slots import STATE_WORDS
from voiced.nlu.units.reading import Reading

_STATE_ANY = re.compile(r"\b(locked|unlocked|open|opened|closed|shut|on|off|running)\b")
_ALARM = re.compile(r"\b(going off|ringing|beeping|sounding)\b")
_LOCK = re.compile(r"\b(un)?lock")


def _keep(r: Reading) -> None:
    if r.state:
        r.slots["state"] = r.state


class StateInName:
    """GetState: a state word the tagger folded into the name ("is the kettle on")."""

    name = "state_in_name"

    def __call__(self, r: Reading) -> None:
        sp = r.name_span
        if r.intent != "HassGetState" or sp is None:
            return
        parts = sp.text.rsplit(" ", 1)
        if len(parts) == 2 and parts[1].lower() in STATE_WORDS and not r.resolver.exact(sp.text):
            r.name_span = dataclasses.replace(sp, end=sp.start + len(parts[0]), text=parts[0])
            r.state = r.state or STATE_WORDS[parts[1].lower()]
            _keep(r)


class StateWords:
    """GetState with no state tagged: the last state word said (not "on the ..."); an alarm going off is on."""

    name = "state_words"

    def __call__(self, r: Reading) -> None:
        alarm = bool(_ALARM.search(r.low))
        if r.intent != "HassGetState" or (r.state is not None and not alarm):
            return
        if alarm:
            r.state = "on"
        else:
            said = [m for m in _STATE_ANY.finditer(r.low) if not r.low[m.end():].startswith(" the ")]
            if said:
                r.state = STATE_WORDS.get(said[-1].group(1))
        _keep(r)


class DoorsAreLocks:
    """Lock verbs and locked/unlocked states make "doors" mean locks, not door sensors."""

    def __init__(self, name: str = "doors_are_locks") -> None:
        self.name = name

    def __call__(self, r: Reading) -> None:
        if r.domain == "binary_sensor" and r.device_class == "door" and (
                r.slots.get("state") in ("locked", "unlocked") or _LOCK.search(r.low)):
            r.domain, r.device_class = "lock", None


class MotionState:
    """ "Is there motion in the hall": a motion question asks whether motion is detected (on)."""

    name = "motion_state"

    def __call__(self, r: Reading) -> None:
        if r.intent == "HassGetState" and r.device_class == "motion" and "state" not in r.slots:
            r.slots["state"] = "on"
