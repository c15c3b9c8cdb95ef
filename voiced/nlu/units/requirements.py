"""Requirement check: a command without a value it cannot do without, or on things that cannot do it.

The dialogue asks for an askable value ("to what brightness?"); an item or message it cannot ask
for makes the reading null — not understood rather than a guess.  A command whose targets are all
of domains that have no such action ("pause the front door", "hold the door" read as *pause* on a
door sensor) is marked ``cannot_do``: decide.py refuses it, since the words do not fit the reading.
"""

from __future__ import annotations

from voiced.intents import DOMAIN_ACTIONS, INTENTS, names
from voiced.nlu.units.reading import Reading

# values an intent cannot do without ("|": any one of them)
_REQUIRED: dict[str, tuple[str, ...]] = {n: s.required for n, s in INTENTS.items() if s.required}
_ASKABLE = names(askable=True)
_MISSING_NAME = {"brightness|color": "brightness", "hours|minutes|seconds": "duration"}
# the domains each command can act on (the action layer's own table where it has one)
_CAN_DO: dict[str, frozenset[str]] = {
    n: frozenset(DOMAIN_ACTIONS[n]) if n in DOMAIN_ACTIONS else frozenset(s.domains or ())
    for n, s in INTENTS.items() if not s.read_only and (n in DOMAIN_ACTIONS or s.domains)}


class Requirements:
    """Lists the missing values in ``extra["missing"]``; a missing one nobody can ask for → null."""

    name = "requirements"

    def __call__(self, r: Reading) -> None:
        if r.intent is None:
            return
        can = _CAN_DO.get(r.intent)
        if can and r.targets:
            domains = r.target_domains
            if domains and not domains & can:
                r.extra["cannot_do"] = sorted(domains)
        elif can and r.domain and r.domain not in can and "name" not in r.slots:
            r.extra["cannot_do"] = [r.domain]  # "close the windows", "turn on the motion sensor": sensors
        missing = [_MISSING_NAME.get(k, k) for k in _REQUIRED.get(r.intent, ())
                   if not any(x in r.slots for x in k.split("|"))]
        if missing:
            r.extra["missing"] = missing
            if r.intent not in _ASKABLE:
                r.intent = None
