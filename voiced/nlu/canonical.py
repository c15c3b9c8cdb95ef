"""A command said the way a template matcher would match it: a switching verb and one of the
home's names, exactly, and nothing else but courtesy ("turn on the hue go", "switch the tasmota 2
off", "open the awning", "lock the flat door", "start the roborock").

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


@dataclass(frozen=True)
class Canonical:
    intent: str
    entity: Entity
    first: int  # the name's tokens: words[first:last]
    last: int


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
    return None
