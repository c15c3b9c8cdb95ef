"""Level words said of things: "turn the nest up" is warmer, "lower the soundbar" is not *off*.

The model reads a level word said of a name it never saw as the nearest switching intent, or as
another kind's step: "turn the nest up" (a thermostat) as *on* (its heating mode) or *brighter*,
"lower the soundbar" and "turn the ceiling fan down" as *off*, "raise the front door" as *lock*,
"robot vacuum to full" as *send it home*.  A thermostat's level is its target and a light's its
brightness, so there the words take the step intents; covers and valves are raised and lowered by
opening and closing.  voiced has no level for anything else (a fan's speed, a player's volume
step): lowering one is never switching it off, and a level or value said of a lock, vacuum, scene
or script is none of their commands (``cannot_do``: refused).  Raising a switch, fan or player
stays *on* (the direction asked).  A level of another kind ("make the ceiling fan louder", "mute
the lamp", "make the blinds warmer") is none of the target's; "halfway" said of what only switches
("close the boiler halfway") is no switching either, and a level below zero ("set the soundbar to
minus 20") is none at all.  A quantity word of another kind ("set the tv brightness to 10", "set
the blinds to 22 degrees") or a colour said of what is no light ("set the blinds to green") is a
value that what is reached does not have: refused too.  And the light or warmth told or asked for
decides a step read the other way round ("it's dim in here", "make it less cold": ``_Said``).
"""

from __future__ import annotations

import re

from voiced.intents import names
from voiced.nlu import numbers
from voiced.nlu.units.polarity import switched_to
from voiced.nlu.units.reading import NUMBER_SLOTS, Reading

_UP = re.compile(r"\b(?:raise|increase|louder|higher)\b|\b(?:turn|bring|put)(?: \w+){0,4} up\b|\bup by\b"
                 r"|\bway up\b|\b(?:crank|bump)(?: \w+){0,4} up\b")
_DOWN = re.compile(r"\b(?:lower|decrease|reduce|quieter|softer)\b|\b(?:turn|bring|put)(?: \w+){0,4} down\b"
                   r"|\bdown by\b|\bway down\b|\btone(?: \w+){0,4} down\b")
_PARTWAY = re.compile(r"\b(?:half ?way|part ?way|(?:a|one|three) quarters?(?: of the way)?)\b")
_WARM_COOL = re.compile(r"\b(?:warm|cool)\b(?! white)")  # "warm up the bedroom": a temperature, no white
# the readings a level word is wrongly taken as
_SWITCHING = frozenset({"HassTurnOn", "HassTurnOff", "HassVacuumStart", "HassVacuumReturnToBase",
                        "HassMediaPause", "HassMediaUnpause"})
_STEP = {"climate": ("VoicedClimateWarmer", "VoicedClimateCooler"),
         "light": ("VoicedLightBrighten", "VoicedLightDim")}
_STEPS = frozenset(i for pair in _STEP.values() for i in pair)
_RAISED = frozenset({"cover", "valve"})  # raised by opening, and opened part of the way
_ON_IS_UP = frozenset({"switch", "fan", "media_player"})  # "turn the fan up": on is the way asked
_NO_VALUE = frozenset({"lock", "vacuum", "scene", "script"})
# words of one level, and the kinds that have it: a player's volume, a thermostat's (or a white
# light's) warmth
_LEVEL_OF = ((frozenset({"louder", "quieter", "mute", "unmute", "volume"}), frozenset({"media_player"})),
             (frozenset({"warmer", "cooler", "hotter", "colder"}), frozenset({"climate", "light"})))
_READ_ONLY = names(read_only=True)
# levels in percent, none below zero (a temperature's sign is read by units/fill.py, its range checked
# by the action stage)
_PERCENT_INTENTS = frozenset({"HassLightSet", "VoicedLightBrighten", "VoicedLightDim", "HassSetVolume",
                              "HassSetPosition"})
# what each quantity word is a level of, and the intents that set a level
_QUANTITY = {"brightness": "light", "volume": "media_player", "degrees": "climate", "degree": "climate"}
_VALUE_INTENTS = frozenset({"HassLightSet", "VoicedLightBrighten", "VoicedLightDim", "HassSetVolume",
                            "HassSetPosition", "HassClimateSetTemperature", "VoicedClimateWarmer",
                            "VoicedClimateCooler"})


def _said(r: Reading) -> list[str]:
    """The words but those of the home's names inside name and place spans ("Lower Hallway Light",
    "the Blue Room", not the "louder" the tagger ran into "dustbot louder")."""
    inside, names = r.inside, r.ctx.name_words | r.ctx.place_words
    return [t.text for t in r.toks if t.start not in inside or t.text not in names]


def level_way(words: list[str]) -> str | None:
    """ "up" or "down" when the words change a level only that way, else None."""
    text = " ".join(words)
    up, down = bool(_UP.search(text)), bool(_DOWN.search(text))
    return None if up == down else "up" if up else "down"


def _step_of(kinds: set[str]) -> tuple[str, str] | None:
    """The (up, down) step intents of one kind that has a level, else None."""
    return _STEP.get(next(iter(kinds))) if len(kinds) == 1 else None


def _refuse(r: Reading, kinds: set[str], rule: str) -> None:
    r.extra["cannot_do"] = sorted(kinds)
    r.fired.append(rule)


class LevelWords:
    """A switching reading of level words takes the level's intent, or is ``cannot_do``; so is a
    value or "halfway" said of what has no level, and a level below zero (the module's docstring)."""

    name = "level_words"
    rules = ("step", "no_level", "value_no_level", "partway", "below_zero", "no_such_level")

    def __call__(self, r: Reading) -> None:
        kinds = r.target_domains
        if not kinds or r.intent is None or r.intent in _READ_ONLY:
            return
        words = _said(r)
        said = set(words)
        if any(said & level and not kinds & has for level, has in _LEVEL_OF):
            _refuse(r, kinds, "no_such_level")  # "make the ceiling fan louder", "mute the lamp"
            return
        if r.intent in _PERCENT_INTENTS and any(sp.slot in NUMBER_SLOTS and numbers.MINUS_BEFORE.search(r.text[:sp.start])
                                                for sp in r.spans):
            _refuse(r, kinds, "below_zero")
            return
        if r.intent in _STEPS:
            self._other_step(r, kinds, words)
            return
        if r.intent not in _SWITCHING:
            return
        if kinds <= _NO_VALUE and any(k in r.slots for k in NUMBER_SLOTS):
            _refuse(r, kinds, "value_no_level")
            return
        if not kinds <= _RAISED and _PARTWAY.search(" ".join(words)):
            _refuse(r, kinds, "partway")
            return
        way = level_way(words)
        if way is None or switched_to(words) is not None:
            return  # no level said, or switching words said too ("power down", "turn it off")
        step = _step_of(kinds)
        if step is not None:
            if r.intent in ("HassTurnOn", "HassTurnOff"):
                r.intent = step[0] if way == "up" else step[1]
                r.fired.append("step")
            return
        if kinds <= _RAISED or (way == "up" and r.intent == "HassTurnOn" and kinds <= _ON_IS_UP):
            return
        _refuse(r, kinds, "no_level")

    @staticmethod
    def _other_step(r: Reading, kinds: set[str], words: list[str]) -> None:
        """ "turn the nest up a little" read as a light's brighten: the thermostat's own step (on
        level words only: "warmer" said of a lamp is its colour, never brighter)."""
        step = _step_of(kinds)
        way = level_way(words)
        if step is not None and r.intent not in step and way is not None:
            r.intent = step[0] if way == "up" else step[1]
            r.fired.append("step")


class QuantityWords:
    """A value said with another kind's quantity word ("the tv brightness"), or a colour said of
    what is no light ("set the blinds to green", "turn the tv red"), is ``cannot_do``."""

    name = "quantity_words"
    rules = ("other_quantity", "colour_of_no_light")

    def __call__(self, r: Reading) -> None:
        if r.intent not in _VALUE_INTENTS:
            return
        kinds = r.target_domains
        if not kinds:
            return
        words = _said(r)
        said = {_QUANTITY[w] for w in words if w in _QUANTITY}
        if len(said) == 1 and not kinds & said:
            _refuse(r, kinds, "other_quantity")
        elif "light" not in kinds and ("color" in r.slots or numbers.parse_color(_WARM_COOL.sub(" ", " ".join(words)))):
            _refuse(r, kinds, "colour_of_no_light")


# a room's light or warmth told, or asked for as it should be: "it's a bit dark in here", "it's dim
# in here" (dim, the adjective) want it brighter; "make it dark in here" dimmer; "it's not warm
# enough", "make it less cold" warmer.  (told word group, the words of the low end, the two steps)
_COPULA = r"\b(?:it's|its|it is|is|are|getting|looks|seems|feels)(?: \w+){0,3}? "
_MAKE = r"\bmake (?:it|this|the \w+|this \w+|my \w+)(?: \w+){0,2}? "
_STEP_VERBS = re.compile(r"\b(?:dim|brighten|darken|lighten|warm up|cool down|heat up|turn up|turn down)\b")


class _Said:
    """A step read against the level told or asked for: the step the words ask for (``told``),
    unless a step verb says it too ("it's too dark, dim the lights": the model's reading stands)."""

    rules = ("told",)
    words: tuple[str, ...] = ()
    low: frozenset[str] = frozenset()
    steps: tuple[str, str] = ("", "")  # (up, down)

    def __init__(self) -> None:
        group = "|".join(self.words)
        self._told = re.compile(rf"{_COPULA}(?:not )?(?:\w+ )?({group})\b( enough)?")
        self._made = re.compile(rf"{_MAKE}({group})\b")

    def __call__(self, r: Reading) -> None:
        if r.intent not in self.steps:
            return
        text = " ".join(_said(r))
        told, made = list(self._told.finditer(text)), list(self._made.finditer(text))
        if not told and not made:
            return
        rest = text
        for m in (*told, *made):
            rest = rest.replace(m.group(0), " ")
        if _STEP_VERBS.search(rest) or level_way(rest.split()):
            return
        last = max((*told, *made), key=lambda m: m.start())
        words = f" {last.group(0)} "
        low = last.group(1) in self.low
        if " less " in words or (" not " in words and last.group(2)):  # "less bright", "not warm enough"
            low = not low
        up = low if last in told else not low  # told low: up; asked low: down
        want = self.steps[0] if up else self.steps[1]
        if want != r.intent:
            r.intent = want
            r.fired.append("told")


class LightSaid(_Said):
    """A light's step read against the light told or asked for ("it's dim in here" read as dim)."""

    name = "light_said"
    words = ("dark", "darker", "dim", "dimmer", "gloomy", "bright", "brighter", "lighter", "blinding", "glaring")
    low = frozenset({"dark", "darker", "dim", "dimmer", "gloomy"})
    steps = ("VoicedLightBrighten", "VoicedLightDim")


class ClimateSaid(_Said):
    """A thermostat's step read against the warmth told or asked for ("it's not warm enough" read as
    cooler)."""

    name = "climate_said"
    words = ("cold", "colder", "chilly", "freezing", "cool", "cooler", "warm", "warmer", "hot", "hotter",
             "boiling", "roasting", "stuffy")
    low = frozenset({"cold", "colder", "chilly", "freezing", "cool", "cooler"})
    steps = ("VoicedClimateWarmer", "VoicedClimateCooler")
