"""Span normalisation: the tagger's spans cut to what they mean before anything is resolved.

A message runs to the end of the sentence (the tagger often stops early on long free text), and a
delayed command ("... in ten minutes turn off the lights") only belongs to a timer.
"""

from __future__ import annotations

import dataclasses

from voiced.nlu.text import normalise
from voiced.nlu.units.reading import Reading

_ARTICLES = ("the", "a", "an", "my", "our")
_ANNOUNCE = ("announce", "broadcast", "that", "everyone", "everybody", "house")


class SpanNormaliser:
    """Drops a delayed command outside a timer; extends a message to the end (with its article)."""

    name = "span_normaliser"

    def __call__(self, r: Reading) -> None:
        if r.intent != "HassStartTimer":
            r.spans = [sp for sp in r.spans if sp.slot != "conversation_command"]
            r.raw.pop("conversation_command", None)
        for k, sp in enumerate(r.spans):
            if sp.slot != "message":
                continue
            s, e = sp.start, len(r.text.rstrip(" .!?\"'"))
            prev = [x for x in r.toks if x.end <= s]
            if prev and prev[-1].text in _ARTICLES and len(prev) > 1 and prev[-2].text in _ANNOUNCE:
                s = prev[-1].start  # "announce the dinner is ready": "the" is part of the message
            r.spans[k] = dataclasses.replace(sp, start=s, end=e, text=r.text[s:e])
            r.raw["message"] = normalise(r.text[s:e])
