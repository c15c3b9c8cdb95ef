"""Not a command: an answer, a hesitation or an unsure reading becomes ``intent: null``.

A bare value or choice ("twenty one", "the bedroom one") answers the dialogue's question and must
never act; nor may a yes the model guessed (only the fixed-phrase unit takes a yes).  The null
reading keeps what was said (``extra["slots_raw"]``) so the dialogue can use the answer.
"""

from __future__ import annotations

import re
from typing import Any

from voiced.events import Parse
from voiced.nlu import numbers
from voiced.nlu.units.reading import HomeContext, Reading
from voiced.nlu.units.tagger import find_numbers

# bare answers: the words a value or a choice is made of ("the second one", "twenty one degrees")
CONTENT_WORDS = {"half", "quarter", "percent", "%", "°", "degrees", "degree", "minutes", "minute", "hours", "hour",
                 "seconds", "second", "both", "either", "one", "ones", "first", "third", "fourth", "fifth", "last",
                 "other", "left", "middle", "former", "latter", "them", "all"}
VALUE_WORDS = CONTENT_WORDS | {"a", "an", "and", "point", "celsius", "centigrade", "mins", "min", "hrs", "secs",
                               "the", "of", "in", "at", "to", "for", "that", "this", "those", "these", "over",
                               "there", "same", "mean", "meant", "think", "maybe", "about", "around", "i"}
_FILLER_WORDS = {"please", "thanks", "thank", "you", "just", "um", "uh", "er", "erm", "hmm", "oh", "so", "well",
                 "like", "okay", "ok"}
_HESITATION = {"uh", "um", "er", "erm", "hmm", "mm", "ah", "eh", "oh", "huh", "uhm", "hm"}
_UNIT = re.compile(r"\b(\d+|a|an|" + "|".join(sorted(numbers.NUMBER_WORDS)) + r") (hours?|minutes?|mins?|seconds?|secs?)\b")


def bare_value(words: list[str], ctx: HomeContext) -> bool:
    """Only numbers, units, ordinals, "both", "one" and place/device name words: an answer."""
    content = place = value = named = False
    for w in words:
        if w in VALUE_WORDS or w in _FILLER_WORDS:
            content = content or w in CONTENT_WORDS
            value = value or w in ("percent", "%", "degrees", "degree")
        elif w[0].isdigit() or w in numbers.NUMBER_WORDS or w in ctx.place_words:
            content = True
            place = place or w in ctx.place_words
            value = value or w[0].isdigit() or w in numbers.NUMBER_WORDS
        elif w in ctx.name_words:
            named = True
        else:
            return False  # a verb or any other word: let the model decide
    if place and ctx.resolver.find_place_in_text(" ".join(words)) == (None, None):
        return False  # a word of a place, not the place: "open the stopcock" in a home with an "open plan"
    # a room or a thing and a value together ("bedroom fifty percent", "hue go to fifty percent") is
    # a command, not an answer
    if value and "one" not in words and (place or (named and ctx.resolver.find_in_text(" ".join(words))[0])):
        return False
    return content


def answer_slots(text: str, raw: dict[str, Any], bare: bool, ctx: HomeContext) -> dict[str, Any]:
    """``slots_raw`` of a null parse: tagged slots with names/areas/floors as display names, and
    for a bare answer the place, entity and duration found by lookup when the tagger missed them."""
    resolver = ctx.resolver
    out = dict(raw)
    if isinstance(out.get("area"), str):
        a = resolver.area(out["area"])
        f = None if a else resolver.floor(out["area"])
        if a is not None:
            out["area"] = a.name
        elif f is not None:
            out.pop("area")
            out["floor"] = f.name
    if isinstance(out.get("floor"), str):
        f = resolver.floor(out["floor"])
        if f:
            out["floor"] = f.name
    if isinstance(out.get("name"), str):
        found = resolver.exact(out["name"])
        if len({e.name for e in found}) == 1:
            out["name"] = found[0].name
    if not bare:
        return out
    nums = find_numbers(text)
    if len(nums) == 1:
        # a bare value is one number: the tagger may have cut it ("twenty | one")
        for k in ("temperature", "brightness", "position", "volume_level"):
            if isinstance(out.get(k), int | float) and not isinstance(out[k], bool):
                out[k] = nums[0]
    if "area" not in out and "floor" not in out:
        a, f = resolver.find_place_in_text(text)
        if a is not None:
            out["area"] = a.name
        elif f is not None:
            out["floor"] = f.name
    if "name" not in out:
        ents, _s, _e = resolver.find_in_text(text)
        if ents and len({e.name for e in ents}) == 1:
            out["name"] = ents[0].name
    if not any(k in out for k in ("hours", "minutes", "seconds")) and _UNIT.search(text.lower()):
        out.update(numbers.parse_duration(text) or {})
    return out


class NotACommand:
    """Below the threshold, a bare value, only hesitation, or a model yes/no: ``intent: null``."""

    name = "not_a_command"

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold

    def __call__(self, r: Reading) -> None:
        bare = bool(r.toks) and bare_value(r.words, r.ctx)
        if not r.toks or r.intent is None or r.confidence < self.threshold or bare \
                or all(w in _HESITATION for w in r.words) or r.intent in ("VoicedConfirm", "VoicedDeny"):
            # a yes must be a clear yes (the fixed phrases): a misheard one could confirm an unlock
            r.extra["slots_raw"] = answer_slots(r.text, r.raw, bare, r.ctx)
            r.result = Parse(text=r.text, intent=None, confidence=r.confidence, extra=r.extra)
