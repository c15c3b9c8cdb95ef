"""A command said the way a template matcher would match it: a switching verb and one of the
home's names, exactly, and nothing else but courtesy ("turn on the hue go", "switch the tasmota 2
off", "open the awning", "lock the flat door", "start the roborock"), or one of the names set to a
number ("set the star projector to 40 percent", "hue go to fifty percent": the value its kind
takes — a light's brightness, a cover's or valve's position, a player's volume, a thermostat's
target).

The model reads the sentence as a whole and a name it never saw ("Hue Go": a verb in it; "Roborock")
can make it unsure or make it read another intent.  A template matcher such as hassil gets these
right by construction, so voiced must never do worse: when the model's reading would not be acted
on, the parser matches these few forms, and an exact name of one entity whose domain the verb fits
makes the reading sure (voiced/nlu/parser.py; decided as ``canonical``).  The name must be one
entity's name or alias word for word (articles and plurals aside): never a partial or fuzzy match,
never several entities of one name (the dialogue asks which).  A pure function of the words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from voiced.home.model import Entity
from voiced.nlu.numbers import NUMBER_WORDS

_ON_OFF = {"on": "HassTurnOn", "off": "HassTurnOff"}
_SWITCH = {"turn", "switch", "power"}
_SWITCHED = ("light", "switch", "fan", "media_player")
# a verb that says what to do by itself, and the domains it fits: "open" is a cover's turn-on, as in
# voiced/intents.py DOMAIN_ACTIONS
_VERB = {"open": ("HassTurnOn", ("cover", "valve")), "close": ("HassTurnOff", ("cover", "valve")),
         "shut": ("HassTurnOff", ("cover", "valve")), "lock": ("HassTurnOn", ("lock",)),
         "unlock": ("HassTurnOff", ("lock",)), "start": ("HassVacuumStart", ("vacuum",))}
_BEFORE = (("please",), ("can", "you"), ("could", "you"), ("would", "you"), ("will", "you"), ("can", "you", "please"),
           ("could", "you", "please"), ("hey",), ("ok",), ("okay",))
_AFTER = (("please",), ("now",), ("now", "please"), ("thanks",), ("thank", "you"), ("for", "me"), ("for", "me", "please"))
_ARTICLES = {"the", "my", "our"}
# a name set to a number: the verb (or none), "to"/"at", then only the number and its unit
_SET = {"set", "put", "turn", "change", "make"}
_TO = {"to", "at"}
_UNITS = {"percent", "per", "cent", "%", "degrees", "degree"}
_VALUE = {"light": ("HassLightSet", "brightness"), "cover": ("HassSetPosition", "position"),
          "valve": ("HassSetPosition", "position"), "media_player": ("HassSetVolume", "volume_level"),
          "climate": ("HassClimateSetTemperature", "temperature")}


@dataclass(frozen=True)
class Canonical:
    intent: str
    entity: Entity
    first: int  # the name's tokens: words[first:last]
    last: int
    value: tuple[str, int, int] | None = None  # a value's slot and tokens: words[first:last]


def _number(words: list[str]) -> bool:
    """Only a number and its unit ("forty four percent", "44 %", "21 degrees")."""
    nums = [w for w in words if w not in _UNITS]
    return bool(nums) and all(w.isdigit() or w.replace(".", "", 1).isdigit() or w in NUMBER_WORDS
                              or w == "and" for w in nums) and nums[0] != "and" and nums[-1] != "and"


def _value_form(words: list[str], i: int, j: int, exact: Callable[[str], list[Entity]]) -> Canonical | None:
    """[set] [the] NAME to|at NUMBER [unit]: the entity's own value intent."""
    a = i + 1 if words[i] in _SET else i
    for k in range(a + 1, j - 1):
        if words[k] not in _TO or not _number(words[k + 1:j]):
            continue
        b = a + 1 if words[a] in _ARTICLES else a
        found = exact(" ".join(words[b:k])) if b < k else []
        if len(found) == 1 and found[0].domain in _VALUE:
            intent, slot = _VALUE[found[0].domain]
            return Canonical(intent, found[0], b, k, (slot, k + 1, j))
    return None


def _core(words: list[str]) -> tuple[int, int]:
    """The words between courtesy said before and after: [i, j)."""
    i, j = 0, len(words)
    for before in sorted(_BEFORE, key=len, reverse=True):
        if tuple(words[:len(before)]) == before:
            i = len(before)
            break
    for after in sorted(_AFTER, key=len, reverse=True):
        if j - len(after) > i and tuple(words[j - len(after):j]) == after:
            j -= len(after)
            break
    return i, j


def match(words: list[str], exact: Callable[[str], list[Entity]]) -> Canonical | None:
    """The canonical command ``words`` say, with ``exact`` the home's exact name lookup
    (``Resolver.exact``), or None."""
    i, j = _core(words)
    if j - i < 2:
        return None
    verb = words[i]
    forms: list[tuple[str, tuple[str, ...], int, int]] = []  # intent, domains, name span
    if verb in _SWITCH and j - i >= 3:
        if words[i + 1] in _ON_OFF:  # turn on the X
            forms.append((_ON_OFF[words[i + 1]], _SWITCHED, i + 2, j))
        if words[j - 1] in _ON_OFF:  # turn the X on
            forms.append((_ON_OFF[words[j - 1]], _SWITCHED, i + 1, j - 1))
    elif verb in _VERB:
        intent, domains = _VERB[verb]
        forms.append((intent, domains, i + 1, j))
    for intent, domains, a, b in forms:
        if a < b and words[a] in _ARTICLES:
            a += 1
        if a >= b:
            continue
        found = exact(" ".join(words[a:b]))
        if len(found) == 1 and found[0].domain in domains:
            return Canonical(intent, found[0], a, b)
    return _value_form(words, i, j, exact)
