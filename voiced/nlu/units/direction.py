"""Relative changes: the words said fix the direction, and a change with no direction is a set.

"Too cold in here" is warmer whatever the tagger's intent said; "set the thermostat" names no
direction, so a value is wanted (the dialogue asks for it).
"""

from __future__ import annotations

import re

from voiced.nlu.units.reading import Reading
from voiced.nlu.units.values import fix_numbers

_WARMER = re.compile(r"\b(warmer|hotter|heat (it )?up|warm (it |things )?up|too cold|freezing|chilly|cold in)\b")
_COOLER = re.compile(r"\b(cooler|colder|cool (it |things )?down|too (hot|warm)|boiling|roasting)\b")
_BRIGHTER = re.compile(r"\b(brighter|brighten|lighter|too dark|more light)\b")
_DIMMER = re.compile(r"\b(dimmer|dim|darker|too bright|less light)\b")
_SET_VERB = re.compile(r"\b(set|change|adjust)\b")
_CLIMATE_DIRECTION = re.compile(r"\b(up|down|raise|lower|increase|decrease|reduce|bump|knock|drop|warmer|hotter|"
                                r"cooler|colder|warm|heat|cool|cold|hot|freezing|chilly|boiling|roasting|by)\b")
_LIGHT_DIRECTION = re.compile(r"\b(up|down|raise|lower|increase|decrease|reduce|bump|brighter|brighten|lighter|"
                              r"dimmer|dim|darker|by)\b")
_DANGLING = re.compile(r"\b(to|at)$")
CLIMATE = ("VoicedClimateWarmer", "VoicedClimateCooler")
LIGHT = ("VoicedLightBrighten", "VoicedLightDim")


class Direction:
    """Of a pair of opposite intents, the one whose words were said (when only one's were)."""

    def __init__(self, name: str, pair: tuple[str, str], up: re.Pattern[str], down: re.Pattern[str]) -> None:
        self.name, self.pair, self.up, self.down = name, pair, up, down

    def __call__(self, r: Reading) -> None:
        if r.intent in self.pair:
            said_up, said_down = bool(self.up.search(r.low)), bool(self.down.search(r.low))
            if said_up != said_down:
                r.intent = self.pair[0] if said_up else self.pair[1]


def climate_direction() -> Direction:
    return Direction("climate_direction", CLIMATE, _WARMER, _COOLER)


def light_direction() -> Direction:
    return Direction("light_direction", LIGHT, _BRIGHTER, _DIMMER)


class SetClimate:
    """ "Set the thermostat": warmer/cooler with a set verb and no direction is SetTemperature."""

    name = "set_climate"

    def __call__(self, r: Reading) -> None:
        if r.intent in CLIMATE and _SET_VERB.search(r.low) and not _CLIMATE_DIRECTION.search(r.low):
            r.intent = "HassClimateSetTemperature"
            fix_numbers(r.intent, r.slots)


class SetLight:
    """ "Dim the bedroom lamp to": brighten/dim with the value still to come (or set, no direction) is LightSet."""

    name = "set_light"

    def __call__(self, r: Reading) -> None:
        if r.intent in LIGHT and "brightness" not in r.slots and (
                _DANGLING.search(r.low) or (_SET_VERB.search(r.low) and not _LIGHT_DIRECTION.search(r.low))):
            r.intent = "HassLightSet"
