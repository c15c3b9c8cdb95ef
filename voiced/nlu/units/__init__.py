"""The parser's processing units, run in order on one ``Reading`` (voiced/nlu/units/reading.py).

As in snips-nlu, a parser is a list of small units, each in its own file with its own tests:

1. ``tagger``: the network's intent, confidence and BIO spans (the only learned step);
2. ``fixed``: whole-utterance replies (yes / no / stop) — a lookup, never the model;
3. ``answer``: a bare value, a hesitation or an unsure reading is no command (``intent: null``);
4. ``spans``: span normalisation (messages to the end, timer-only parts, device words);
5. ``places`` / ``values``: tagged rooms, floors and values into slots;
6. consistency rules (``names``, ``states``, ``domain_intent``, ``levels``, ``fill``): each repairs
   one kind of tagger slip against the home or the words said;
7. ``entities``: names, device words and places resolved against the home → targets
   (``attributes``: an attribute asked of a device is its sensor's);
8. guards (``polarity``, ``taught``, ``mood``): words against the intent, a verb never taught for
   it, a command not asked for now — asked about or refused, never repaired;
9. ``requirements``: a value the intent cannot do without, targets that cannot do it.

Each unit is a callable with a ``name``; the parser counts how often each one changed the reading
(``Parser.fired``, reported by ``voiced eval``), so a rule that never fires can be seen and deleted.
"""

from __future__ import annotations

from typing import Protocol

from voiced.nlu.units.reading import Reading


class Unit(Protocol):
    """One step of the parser: amends the reading in place; sets ``reading.result`` to end it."""

    name: str

    def __call__(self, r: Reading) -> None: ...
