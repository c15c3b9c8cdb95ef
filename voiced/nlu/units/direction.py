"""A relative light change with no direction said is a set: "dim the bedroom lamp to" (the value
is still to come) and "set the lamp ..." want a brightness, which the dialogue asks for."""

from __future__ import annotations

import re

from voiced.nlu.units.reading import Reading

_SET_VERB = re.compile(r"\b(set|change|adjust)\b")
_LIGHT_DIRECTION = re.compile(r"\b(up|down|raise|lower|increase|decrease|reduce|bump|brighter|brighten|lighter|"
                              r"dimmer|dim|darker|by)\b")
_DANGLING = re.compile(r"\b(to|at)$")
LIGHT = ("VoicedLightBrighten", "VoicedLightDim")


class SetLight:
    """Brighten/dim with a dangling "to"/"at", or a set verb and no direction, without a value: LightSet."""

    name = "set_light"

    def __call__(self, r: Reading) -> None:
        if r.intent in LIGHT and "brightness" not in r.slots and (
                _DANGLING.search(r.low) or (_SET_VERB.search(r.low) and not _LIGHT_DIRECTION.search(r.low))):
            r.intent = "HassLightSet"
