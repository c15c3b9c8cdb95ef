"""The entity decides the intent: what a command does depends on the kind of thing it is said of.

"Stop the sprinkler" is no media pause, and a percentage is a position for a blind, a brightness
for a light and a volume for a player.  The model cannot know these for a home it was not trained
on ("set the skylight to twenty percent": a cover, though its name says light).
"""

from __future__ import annotations

from voiced.nlu.units.polarity import switched_to
from voiced.nlu.units.reading import Reading
from voiced.nlu.units.values import fix_numbers

# (intent, the one domain of the entities) → the intent that takes a value for that domain
_VALUE_INTENT = {("HassLightSet", "cover"): "HassSetPosition", ("HassLightSet", "valve"): "HassSetPosition",
                 ("HassSetPosition", "light"): "HassLightSet", ("HassLightSet", "media_player"): "HassSetVolume",
                 ("HassSetVolume", "light"): "HassLightSet"}

_TURN = {"on": "HassTurnOn", "off": "HassTurnOff"}


class StopNonMedia:
    """Pause/resume said of things that are no media player: turn them off/on ("stop the sprinkler")."""

    name = "stop_non_media"

    def __call__(self, r: Reading) -> None:
        if r.entities and r.intent in ("HassMediaPause", "HassMediaUnpause") and \
                all(x.domain != "media_player" for x in r.entities):
            r.intent = "HassTurnOff" if r.intent == "HassMediaPause" else "HassTurnOn"


class SwitchNotClimate:
    """Warmer/cooler said of things that are no thermostat, with words that only switch ("turn the
    outdoor heater off": a plug-in heater is a switch): turn them on/off."""

    name = "switch_not_climate"

    def __call__(self, r: Reading) -> None:
        if not r.entities or r.intent not in ("VoicedClimateWarmer", "VoicedClimateCooler") or \
                any(x.domain == "climate" for x in r.entities):
            return
        way = switched_to(r.words)
        if way is not None:
            r.intent = _TURN[way]


class ToggleSaysWhich:
    """A toggle said with the state it should end in ("toggle the kitchen lights off"): a toggle
    would switch on the ones that were already off, so the words decide — turn them on/off."""

    name = "toggle_says_which"

    def __call__(self, r: Reading) -> None:
        if r.intent != "HassToggle":
            return
        way = switched_to(r.words)
        if way is not None:
            r.intent = _TURN[way]


class ValueByDomain:
    """A value command said of one kind of entity takes that kind's intent (and number slot)."""

    name = "value_by_domain"

    def __call__(self, r: Reading) -> None:
        if not r.entities or len({x.domain for x in r.entities}) != 1 or r.intent is None:
            return
        fix = _VALUE_INTENT.get((r.intent, r.entities[0].domain))
        if fix:
            r.intent = fix
            fix_numbers(r.intent, r.slots)
