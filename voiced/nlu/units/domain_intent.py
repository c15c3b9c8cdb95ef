"""The entity decides the intent: what a command does depends on the kind of thing it is said of.

"Stop the sprinkler" is no media pause, and a percentage is a position for a blind, a brightness
for a light and a volume for a player.  The model cannot know these for a home it was not trained
on ("set the skylight to twenty percent": a cover, though its name says light).
"""

from __future__ import annotations

from voiced.nlu.units.levels import level_way
from voiced.nlu.units.polarity import NOT_CLOSING, switched_to
from voiced.nlu.units.reading import Reading
from voiced.nlu.units.values import fix_numbers

# (intent, the one domain of the entities) → the intent that takes a value for that domain
_VALUE_INTENT = {("HassLightSet", "cover"): "HassSetPosition", ("HassLightSet", "valve"): "HassSetPosition",
                 ("HassSetPosition", "light"): "HassLightSet", ("HassLightSet", "media_player"): "HassSetVolume",
                 ("HassSetVolume", "light"): "HassLightSet"}

_TURN = {"on": "HassTurnOn", "off": "HassTurnOff"}
_RUN = frozenset({"run", "start", "activate", "use"})  # verbs that start a thing
_WARMTH = frozenset({"warmer", "cooler", "hotter", "colder", "warm", "cool", "heat", "up", "down"})


# what pausing means switching off: not a lock (off is *unlock*), a cover (stopping is not closing)
# or a vacuum (off is *go home*)
_PAUSED_IS_OFF = frozenset({"light", "switch", "fan", "climate", "valve"})


class StopNonMedia:
    """Pause/resume said of things that only switch: turn them off/on ("stop the sprinkler")."""

    name = "stop_non_media"

    def __call__(self, r: Reading) -> None:
        if r.entities and r.intent in ("HassMediaPause", "HassMediaUnpause") and \
                all(x.domain in _PAUSED_IS_OFF for x in r.entities):
            r.intent = "HassTurnOff" if r.intent == "HassMediaPause" else "HassTurnOn"


_HALT = frozenset({"stop", "halt", "freeze", "pause", "hold"})
_CLOSING = frozenset({"close", "shut", "lower", "down", "off"})


class StopIsNoClose:
    """"Stop the garage door" is halting it where it is, which voiced cannot do — never closing it
    (the model reads *off*, a cover's close: the door would go on closing on whatever made someone
    say stop).  ``cannot_do``, so decide.py refuses it."""

    name = "stop_is_no_close"

    def __call__(self, r: Reading) -> None:
        if r.intent not in ("HassTurnOff", "HassTurnOn") or not r.entities or \
                any(x.domain != "cover" for x in r.entities):
            return
        said = r.words_outside
        if any(w in _HALT for w in said) and not any(w in _CLOSING for w in said):
            r.extra["cannot_do"] = ["cover"]


# a door's lock: opening it is unlocking (HassTurnOff), closing or shutting it is locking (HassTurnOn) —
# the other way round from a cover, so the model, which cannot know the name is a lock, reads it
# backwards ("close the front door" as *off*: unlock)
_OPEN_LOCK = frozenset({"open", "unlock", "unlatch", "unbolt"})
_CLOSE_LOCK = frozenset({"close", "shut", "lock", "bolt", "secure"})
_LOCKING = frozenset({"lock", "unlock", "relock", "bolt", "unbolt"})  # verbs only a lock can do


class LockWords:
    """Opening a lock unlocks it, closing it locks it; a lock is unlocked on an unlocking word only
    ("stop the front door" read as *off* is asked about: ``verb_against``); locking what has no
    lock is not done ("lock the garage door", a cover: *on* would open it — ``cannot_do``), nor is
    a lock switched with things of other kinds ("close the garage door and the front door": one
    *off* would unlock it)."""

    name = "lock_words"
    rules = ("open_close", "no_unlock_word", "no_lock", "with_others")

    def __call__(self, r: Reading) -> None:
        if r.intent not in ("HassTurnOn", "HassTurnOff"):
            return
        kinds = r.target_domains
        if not kinds:
            return
        words = r.words
        if "lock" not in kinds:
            if _LOCKING & set(r.words_outside):
                r.extra["cannot_do"] = sorted(kinds)
                r.fired.append("no_lock")
            return
        if kinds != {"lock"}:
            # "close the garage door and the front door" read as one *off*: the door closes, the lock
            # unlocks — one reading cannot lock one thing and close or switch another
            r.extra["cannot_do"] = sorted(kinds)
            r.fired.append("with_others")
            return
        opens = any(w in _OPEN_LOCK for w in words)
        closes = any(w in _CLOSE_LOCK and words[i + 1:i + 2] not in ([x] for x in NOT_CLOSING)
                     for i, w in enumerate(words))
        if opens != closes:
            turned = "HassTurnOff" if opens else "HassTurnOn"
            if turned != r.intent:
                r.intent = turned
                r.fired.append("open_close")
        elif r.intent == "HassTurnOff" and not opens:
            r.extra["verb_against"] = "unlock"
            r.fired.append("no_unlock_word")


class SwitchNotClimate:
    """Warmer/cooler said of things that are no thermostat, with words that only switch ("turn the
    outdoor heater off": a plug-in heater is a switch): turn them on/off; "turn the shed heater up"
    is on (the way asked: a switch has no level); and where the warmth
    word is the thing's own name ("run the towel warmer", a switch), a verb that starts it is *on*."""

    name = "switch_not_climate"
    rules = ("up_is_on", "run_named")

    def __call__(self, r: Reading) -> None:
        if not r.entities or r.intent not in ("VoicedClimateWarmer", "VoicedClimateCooler") or \
                any(x.domain == "climate" for x in r.entities):
            return
        way = switched_to(r.words)
        if way is not None:
            r.intent = _TURN[way]
            return
        if r.intent == "VoicedClimateWarmer" and level_way(r.words) == "up":
            r.intent = "HassTurnOn"  # "turn the shed heater up", a switch: on is the way asked
            r.fired.append("up_is_on")
            return
        rest = f" {r.low} "
        for n in sorted((n.lower() for x in r.entities for n in x.names), key=len, reverse=True):
            rest = rest.replace(f" {n} ", " ", 1)  # the name as said, once
        if _RUN & set(r.words) and not _WARMTH & set(rest.split()):
            r.intent = "HassTurnOn"
            r.fired.append("run_named")


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
