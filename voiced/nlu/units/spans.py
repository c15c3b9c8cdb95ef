"""Span normalisation: the tagger's spans cut to what they mean before anything is resolved.

A message runs to the end of the sentence (the tagger often stops early on long free text), a
number over all its words ("a hundred and | fifty" is 150, never 50), a
delayed command ("... in ten minutes turn off the lights") only belongs to a timer, and the whole
home ("every light in the flat") is no name or room, unless the home has one called so (a "Flat
Door" is not the flat).
"""

from __future__ import annotations

import dataclasses

from voiced.home.resolve import norm
from voiced.nlu.numbers import NUMBER_WORDS
from voiced.nlu.slots import span_slots
from voiced.nlu.text import normalise
from voiced.nlu.units.reading import HOME_WORDS, NUMBER_SLOTS, Reading

_ARTICLES = ("the", "a", "an", "my", "our")
_PLACE_LIKE = ("name", "area", "floor")
_ANNOUNCE = ("announce", "broadcast", "that", "everyone", "everybody", "house")
_LARGE = frozenset({"hundred", "thousand"})  # the words that make the words before them part of a number


class SpanNormaliser:
    """Drops a delayed command outside a timer and a place that is the whole home; extends a message
    to the end (with its article), and a delayed command over the name and place right after it
    ("in twenty minutes turn off the | patio heater")."""

    name = "span_normaliser"
    rules = ("whole_number",)

    def __call__(self, r: Reading) -> None:
        self._whole_numbers(r)
        if r.intent != "HassStartTimer":
            r.spans = [sp for sp in r.spans if sp.slot != "conversation_command"]
            r.raw.pop("conversation_command", None)
        else:
            self._whole_command(r)
        for sp in [x for x in r.spans if x.slot in _PLACE_LIKE and self._whole_home(r, x.text)]:
            r.spans.remove(sp)
            r.raw.pop(sp.slot, None)
        for k, sp in enumerate(r.spans):
            if sp.slot != "message":
                continue
            s, e = sp.start, len(r.text.rstrip(" .!?\"'"))
            prev = [x for x in r.toks if x.end <= s]
            if prev and prev[-1].text in _ARTICLES and len(prev) > 1 and prev[-2].text in _ANNOUNCE:
                s = prev[-1].start  # "announce the dinner is ready": "the" is part of the message
            r.spans[k] = dataclasses.replace(sp, start=s, end=e, text=r.text[s:e])
            r.raw["message"] = normalise(r.text[s:e])

    @staticmethod
    def _whole_numbers(r: Reading) -> None:
        """A number span whose words run on before it, over a "hundred" or "thousand" ("a hundred
        and | fifty", "one hundred and | twenty percent"): the whole number, one span."""
        for sp in sorted((x for x in r.spans if x.slot in NUMBER_SLOTS), key=lambda x: -x.start):
            if sp not in r.spans:
                continue
            before = [t for t in r.toks if t.end <= sp.start]
            k = len(before)
            while k and (before[k - 1].text in NUMBER_WORDS or before[k - 1].text in ("a", "and")):
                k -= 1
            while k < len(before) and before[k].text == "and":
                k += 1
            run = [t.text for t in before[k:]]
            if not _LARGE & set(run):
                continue
            start = before[k].start
            for other in [x for x in r.spans if x is not sp and start <= x.start and x.end <= sp.start]:
                r.spans.remove(other)  # the run's own span, tagged apart
            value = span_slots(sp.slot, r.text[start:sp.end]).get(sp.slot)
            if value is None:
                continue
            r.spans[r.spans.index(sp)] = dataclasses.replace(sp, start=start, text=r.text[start:sp.end])
            r.raw[sp.slot] = value
            r.fired.append("whole_number")

    @staticmethod
    def _whole_home(r: Reading, text: str) -> bool:
        words = norm(text).split()
        if words[:1] == ["whole"]:
            words = words[1:]
        return len(words) == 1 and words[0] in HOME_WORDS and not r.resolver.exact(text) \
            and r.resolver.area(text, fuzzy=False) is None and r.resolver.floor(text, fuzzy=False) is None

    @staticmethod
    def _whole_command(r: Reading) -> None:
        cmd = next((sp for sp in r.spans if sp.slot == "conversation_command"), None)
        if cmd is None:
            return
        end = cmd.end
        for sp in sorted(r.spans, key=lambda x: x.start):
            if sp.slot in _PLACE_LIKE and sp.start >= end and not r.text[end:sp.start].strip():
                r.spans.remove(sp)
                r.raw.pop(sp.slot, None)
                end = sp.end
        if end != cmd.end:
            r.spans[r.spans.index(cmd)] = dataclasses.replace(cmd, end=end, text=r.text[cmd.start:end])
            r.raw["conversation_command"] = normalise(r.text[cmd.start:end])
