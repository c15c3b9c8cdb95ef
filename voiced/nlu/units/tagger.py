"""The model tagger: the network's intent, confidence and BIO spans, and the slot values they carry.

The only learned unit; everything after it works on its output and the home.
"""

from __future__ import annotations

import re

from voiced.events import Span
from voiced.nlu import checkpoint, numbers
from voiced.nlu.generate import gazetteer_flags
from voiced.nlu.slots import span_slots
from voiced.nlu.train import spans_from_tags
from voiced.nlu.units.reading import Reading

_PRONOUN_ONE = re.compile(r"\b((?:the|that|this|which|each|every|other)(?: (?!(?:by|to|at|for|of|up|down)\b)[a-z']+){0,2}"
                          r") (ones?)\b(?! (?:percent|degrees?|minutes?|hours?|seconds?|point|and)\b)")


def find_numbers(text: str) -> list[int | float]:
    """Every number in ``text``; the pronoun "one" ("the bedroom one", "the second one") is not 1."""
    low = text.lower()
    masked = _PRONOUN_ONE.sub(lambda m: m.group(1) + " " + "x" * len(m.group(2)), low)
    return numbers.find_numbers(masked)


class Tagger:
    """Runs the network on the words (with the home's gazetteer flags) and reads its spans."""

    name = "tagger"

    def __init__(self, model: checkpoint.NluModel) -> None:
        self.model = model

    def __call__(self, r: Reading) -> None:
        gaz = gazetteer_flags(r.words, *r.ctx.gaz)
        r.intent, r.confidence, tags, _dist = self.model.predict(r.words, gaz)
        for label, i, j in spans_from_tags(r.words, tags):
            start, end = r.toks[i].start, r.toks[j - 1].end
            r.spans.append(Span(label, start, end, r.text[start:end]))
        for sp in r.spans:
            r.raw.update(span_slots(sp.slot, sp.text))
        r.extra.update(slots_raw=dict(r.raw), numbers=find_numbers(r.text))


class Given:
    """In the tagger's place: an intent and spans already known (a canonical command,
    voiced/nlu/canonical.py), read by the same units after it as the network's would be."""

    name = "tagger"

    def __init__(self, intent: str, spans: list[Span]) -> None:
        self.intent, self.spans = intent, spans

    def __call__(self, r: Reading) -> None:
        r.intent, r.confidence = self.intent, 1.0
        r.spans.extend(self.spans)
        for sp in r.spans:
            r.raw.update(span_slots(sp.slot, sp.text))
        r.extra.update(slots_raw=dict(r.raw), numbers=find_numbers(r.text))
