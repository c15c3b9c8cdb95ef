"""What an intent is, in one place: the intents of shared/spec/intents.md and the facts every stage
needs about them.  The parser, the evidence and decision units, the dialogue, the training-data
generator and the dataset checks read these tables; a new intent is one ``IntentSpec`` here (plus
its templates and reply cases), not an edit in six packages.
"""

from __future__ import annotations

from dataclasses import dataclass

_TARGET = ("name", "area", "floor")
_TIMER = ("hours", "minutes", "seconds", "start_hours", "start_minutes", "start_seconds", "name", "area")
_ONOFF = ("light", "switch", "fan", "media_player")
_MEDIA = ("media_player",)


@dataclass(frozen=True)
class IntentSpec:
    slots: tuple[str, ...]  # the slots it may carry (the spec's table)
    # target domains: None = any domain, () = it has no home targets at all
    domains: tuple[str, ...] | None = ()
    area_default: tuple[str, ...] = ()  # what an area said without a device word reaches
    context_area: bool = False  # takes the satellite's own room when no place is said
    group: bool = False  # may reach every device of a kind in a room ("dim the lights")
    domain_slot: bool = False  # a device word becomes the `domain` slot of an area command
    class_slot: bool = False  # ... and its device class the `device_class` slot
    required: tuple[str, ...] = ()  # values it cannot do without ("a|b": any one of them)
    askable: bool = False  # the dialogue asks for a missing required value (else: not understood)
    timer: bool = False  # a timer intent, run by the dialogue's timers
    topic: str | None = None  # the words a request of this kind is about (voiced/nlu/evidence.py)
    by_target: bool = False  # a device command: a target said (or the context's) is evidence enough
    read_only: bool = False  # a question that changes nothing in the home
    weight: float = 1.0  # share of the generated training data
    action: str | None = None  # what it does, for "Are you sure you want to …?" (reply ACTION_FORMS)



S = IntentSpec
_L = ("light",)
_C = ("climate",)
_V = ("vacuum",)
INTENTS: dict[str, IntentSpec] = {
    "HassTurnOn": S((*_TARGET, "domain", "device_class"), None, _L, context_area=True, group=True, domain_slot=True,
                    class_slot=True, by_target=True, weight=4, action="on"),
    "HassTurnOff": S((*_TARGET, "domain", "device_class"), None, _L, context_area=True, group=True, domain_slot=True,
                     class_slot=True, by_target=True, weight=4, action="off"),
    "HassToggle": S((*_TARGET, "domain"), _ONOFF, _L, context_area=True, group=True, domain_slot=True,
                    class_slot=True, by_target=True, weight=1, action="toggle"),
    "HassLightSet": S((*_TARGET, "brightness", "color"), _L, context_area=True, group=True,
                      required=("brightness|color",), askable=True, topic="light", by_target=True, weight=3,
                      action="brightness"),
    "VoicedLightBrighten": S((*_TARGET, "brightness"), _L, context_area=True, group=True, topic="light",
                             by_target=True, weight=1.5, action="brighter"),
    "VoicedLightDim": S((*_TARGET, "brightness"), _L, context_area=True, group=True, topic="light", by_target=True,
                        weight=1.5, action="dimmer"),
    "HassClimateSetTemperature": S((*_TARGET, "temperature"), _C, context_area=True, required=("temperature",),
                                   askable=True, topic="climate", by_target=True, weight=2, action="temperature"),
    "VoicedClimateWarmer": S((*_TARGET, "temperature"), _C, context_area=True, topic="climate", by_target=True,
                             weight=1, action="warmer"),
    "VoicedClimateCooler": S((*_TARGET, "temperature"), _C, context_area=True, topic="climate", by_target=True,
                             weight=1, action="cooler"),
    "HassClimateGetTemperature": S(_TARGET, ("climate", "sensor"), _C, context_area=True, topic="climate",
                                   by_target=True, read_only=True, weight=1.5),
    "HassGetState": S((*_TARGET, "domain", "device_class", "state"), None,
                      ("light", "switch", "fan", "media_player", "cover", "lock"), domain_slot=True, class_slot=True,
                      by_target=True, read_only=True, weight=4),
    "HassSetPosition": S((*_TARGET, "domain", "position"), ("cover", "valve"), context_area=True, group=True,
                         domain_slot=True, required=("position",), askable=True, by_target=True, weight=1.5,
                         action="position"),
    "HassStartTimer": S(("hours", "minutes", "seconds", "name", "conversation_command"),
                        required=("hours|minutes|seconds",), askable=True, timer=True, topic="timer", weight=2.5),
    "HassCancelTimer": S(_TIMER, timer=True, topic="timer", weight=1),
    "HassCancelAllTimers": S(_TIMER, timer=True, topic="timer", weight=0.6),
    "HassPauseTimer": S(_TIMER, timer=True, topic="timer", weight=0.6),
    "HassUnpauseTimer": S(_TIMER, timer=True, topic="timer", weight=0.6),
    "HassIncreaseTimer": S(_TIMER, required=("hours|minutes|seconds",), askable=True, timer=True, topic="timer",
                           weight=0.8),
    "HassDecreaseTimer": S(_TIMER, required=("hours|minutes|seconds",), askable=True, timer=True, topic="timer",
                           weight=0.8),
    "HassTimerStatus": S(_TIMER, timer=True, topic="timer", read_only=True, weight=1),
    "HassGetCurrentTime": S((), topic="time", read_only=True, weight=1.0),
    "HassGetCurrentDate": S((), topic="date", read_only=True, weight=1.2),
    "HassGetWeather": S(("name",), ("weather",), topic="weather", read_only=True, weight=2.0),
    "HassMediaPause": S(("name", "area"), _MEDIA, context_area=True, topic="media", by_target=True, weight=1,
                        action="pause"),
    "HassMediaUnpause": S(("name", "area"), _MEDIA, context_area=True, topic="media", by_target=True, weight=1,
                          action="play"),
    "HassMediaNext": S(("name", "area"), _MEDIA, context_area=True, topic="media", by_target=True, weight=0.8,
                       action="next"),
    "HassMediaPrevious": S(("name", "area"), _MEDIA, context_area=True, topic="media", by_target=True, weight=0.8,
                           action="previous"),
    "HassSetVolume": S(("name", "area", "volume_level"), _MEDIA, context_area=True, required=("volume_level",),
                       askable=True, topic="media", by_target=True, weight=1.2, action="volume"),
    "HassVacuumStart": S(("name", "area"), _V, topic="vacuum", by_target=True, weight=1, action="start"),
    "HassVacuumReturnToBase": S(("name", "area"), _V, topic="vacuum", by_target=True, weight=1, action="return"),
    "HassListAddItem": S(("item", "name"), ("todo",), required=("item",), topic="list", weight=1.2),
    "HassBroadcast": S(("message",), required=("message",), topic="broadcast", weight=1),
    "HassNevermind": S((), topic="cancel", weight=0.8),
    "VoicedConfirm": S((), weight=0.6),
    "VoicedDeny": S((), weight=0.6),
}
NULL_WEIGHT = 12.0  # requests for nothing voiced does: a large share, acting on them is the worst error

# what switching on/off/toggling does to each domain ("turn on" a lock is to lock it); a domain
# missing from a map cannot do that intent (the planner acts on this, the dialogue asks about it)
DOMAIN_ACTIONS: dict[str, dict[str, str]] = {
    "HassTurnOn": {"light": "on", "switch": "on", "fan": "on", "media_player": "on", "climate": "on",
                   "lock": "lock", "cover": "open", "valve": "open", "scene": "activate", "script": "activate",
                   "vacuum": "start"},
    "HassTurnOff": {"light": "off", "switch": "off", "fan": "off", "media_player": "off", "climate": "off",
                    "lock": "unlock", "cover": "close", "valve": "close", "vacuum": "return"},
    "HassToggle": {"light": "toggle", "switch": "toggle", "fan": "toggle", "media_player": "toggle"},
}

# the spec's table: every intent voiced may return → the slots it may carry
INTENT_SLOTS: dict[str, tuple[str, ...]] = {name: spec.slots for name, spec in INTENTS.items()}


def names(**where: object) -> frozenset[str]:
    """The intents whose spec has all the given field values (``names(group=True)``)."""
    return frozenset(n for n, s in INTENTS.items() if all(getattr(s, k) == v for k, v in where.items()))
