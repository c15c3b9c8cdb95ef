"""Requirement check: a command without a value it cannot do without.

The dialogue asks for an askable one ("to what brightness?"); an item or message it cannot ask for
makes the reading null — not understood rather than a guess.
"""

from __future__ import annotations

from voiced.intents import INTENTS, names
from voiced.nlu.units.reading import Reading

# values an intent cannot do without ("|": any one of them)
_REQUIRED: dict[str, tuple[str, ...]] = {n: s.required for n, s in INTENTS.items() if s.required}
_ASKABLE = names(askable=True)
_MISSING_NAME = {"brightness|color": "brightness", "hours|minutes|seconds": "duration"}


class Requirements:
    """Lists the missing values in ``extra["missing"]``; a missing one nobody can ask for → null."""

    name = "requirements"

    def __call__(self, r: Reading) -> None:
        if r.intent is None:
            return
        missing = [_MISSING_NAME.get(k, k) for k in _REQUIRED.get(r.intent, ())
                   if not any(x in r.slots for x in k.split("|"))]
        if missing:
            r.extra["missing"] = missing
            if r.intent not in _ASKABLE:
                r.intent = None
