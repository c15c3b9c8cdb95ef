"""Tagged values into slots, and each number in the slot its intent uses.

Numbers, durations, colours, states and free text are already normalised by the tagger unit; the
tagger may still pick a sibling slot for a number ("position" for a light), which the intent fixes.
"""

from __future__ import annotations

from typing import Any

from voiced.nlu import numbers
from voiced.nlu.units.places import TIMER_INTENTS
from voiced.nlu.units.reading import NUMBER_SLOTS, Reading

# the slot a percentage or temperature goes to, per intent
_NUMBER_SLOT = {"HassSetPosition": "position", "HassLightSet": "brightness", "VoicedLightBrighten": "brightness",
                "VoicedLightDim": "brightness", "HassSetVolume": "volume_level",
                "HassClimateSetTemperature": "temperature", "VoicedClimateWarmer": "temperature",
                "VoicedClimateCooler": "temperature"}
_STARTED = ("HassCancelTimer", "HassPauseTimer", "HassUnpauseTimer", "HassTimerStatus")


def fix_numbers(intent: str, slots: dict[str, Any]) -> None:
    """Put a percentage/duration in the slot this intent uses (the tagger may pick a sibling):
    other number slots are dropped; a running timer is named by its start duration."""
    want = _NUMBER_SLOT.get(intent)
    if want:
        for k in NUMBER_SLOTS:
            if k != want and k in slots and want not in slots:
                slots[want] = slots.pop(k)
            elif k != want:
                slots.pop(k, None)
    start = intent in _STARTED
    for unit in numbers.DURATION_UNITS:
        if start and unit in slots:
            slots["start_" + unit] = slots.pop(unit)
        if intent == "HassStartTimer" and "start_" + unit in slots:
            slots[unit] = slots.pop("start_" + unit)


class SlotValues:
    """Every tagged value but the places into ``slots``; a timer's name as tagged."""

    name = "slot_values"

    def __call__(self, r: Reading) -> None:
        for k, v in r.raw.items():
            if k not in ("name", "area", "floor") and v is not None:
                r.slots[k] = v
        if r.intent in TIMER_INTENTS and "name" in r.raw:
            r.slots["name"] = r.raw["name"]
        r.state = r.slots.get("state")


class NumberSlot:
    """A number tagged in a sibling slot moves to the intent's own ("position" of a light → brightness)."""

    name = "number_slot"

    def __call__(self, r: Reading) -> None:
        if r.intent is not None:
            fix_numbers(r.intent, r.slots)
