"""State questions: the state asked about, and what "door" means when locking is talked of.

"Is the kettle on": the tagger may leave the state word untagged; a state question about an alarm
"going off" asks whether it is on, and one about motion whether motion is detected.
"""

from __future__ import annotations

import re

from voiced.nlu.slots import STATE_WORDS
from voiced.nlu.units.reading import Reading

_STATE_ANY = re.compile(r"\b(locked|unlocked|open|opened|closed|shut|on|off|running)\b")
_ALARM = re.compile(r"\b(going off|ringing|beeping|sounding)\b")
_LOCK = re.compile(r"\b(un)?lock")


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
        if r.state:
            r.slots["state"] = r.state


class DoorsAreLocks:
    """Lock verbs and locked/unlocked states make "doors" mean locks, not door sensors."""

    name = "doors_are_locks"

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
