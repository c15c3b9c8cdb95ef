"""The verb said against the intent read: "activate the roomba" read as *send it home*.

The tagger sometimes reads a switching command the wrong way round when its wording is rare in
the templates (an article left out, an unusual verb). Such a reading is never acted on: the
reading is kept, and ``decide`` asks first ("Do you want me to send the Robot Vacuum back to its
dock?"), because a wrong action is worse than a question. It never changes the intent: which
way the user meant is exactly what is in doubt.
"""

from __future__ import annotations

from voiced.nlu.units.reading import Reading

# verbs that can only mean on / start, and only off / stop ("turn" alone, "open", "lock" are not
# here): a word, or a verb and its particle
_ON = (("activate",), ("enable",), ("start",), ("launch",), ("turn", "on"), ("switch", "on"), ("power", "on"),
       ("power", "up"), ("fire", "up"), ("toggle", "on"))
_OFF = (("deactivate",), ("disable",), ("turn", "off"), ("switch", "off"), ("power", "off"), ("power", "down"),
        ("shut", "off"), ("shut", "down"), ("dock",), ("recall",), ("toggle", "off"))
NOT_CLOSING = frozenset({"off", "down"})  # after "shut": switching words ("shut off", "shut down"), no closing
_ON_INTENTS = frozenset({"HassTurnOn", "HassVacuumStart"})
_OFF_INTENTS = frozenset({"HassTurnOff", "HassVacuumReturnToBase"})
_OBJECT_START = frozenset({"the", "a", "an", "my", "our", "your", "this", "that", "these", "those", "all", "every"})
_PRONOUNS = frozenset({"it", "them", "this", "that", "everything", "all"})


def _says(words: list[str], verbs: tuple[tuple[str, ...], ...]) -> bool:
    """A one-word verb anywhere; a two-word one as neighbours, around a pronoun ("turn it on"), around
    an object at the sentence's end ("switch the heater off") or before words that start no object
    ("turn the heater off it's wasting money") — not "power down the lights on the landing", where
    "on" is a preposition."""
    for verb in verbs:
        if len(verb) == 1:
            if verb[0] in words:
                return True
            continue
        head, particle = verb
        for i, w in enumerate(words):
            if w != head:
                continue
            after = words[i + 1:i + 6]
            if after[:1] == [particle] or (after[:2] and after[0] in _PRONOUNS and after[1:2] == [particle]) \
                    or (particle in after and words[-1] == particle):
                return True
            if particle in after:  # "turn the heater off, it's wasting money"; not "on the landing"
                k = i + 1 + after.index(particle)
                if k + 1 < len(words) and words[k + 1] not in _OBJECT_START:
                    return True
    return False


def switched_to(words: list[str]) -> str | None:
    """ "on" or "off" when the words switch only that way, else None (neither, or both)."""
    on, off = _says(words, _ON), _says(words, _OFF)
    return None if on == off else "on" if on else "off"


class VerbAgainstIntent:
    """Marks a switching reading whose words say only the opposite way (``extra["verb_against"]``)."""

    name = "verb_against_intent"

    def __call__(self, r: Reading) -> None:
        if r.intent not in _ON_INTENTS and r.intent not in _OFF_INTENTS:
            return
        way = switched_to(r.words)
        if way == ("on" if r.intent in _OFF_INTENTS else "off"):
            r.extra["verb_against"] = way
