"""Tagged spans → the name span, rooms and floors, and the spans reported.

The tagger's label is a guess of *what kind* of place a span is; the home says what it is.  An area
that is a floor's name is the floor (and the other way round), and an "area" that is no place but
a device's name ("the bedroom lamb") is the name.  What resolves to nothing is reported unresolved.
"""

from __future__ import annotations

from voiced.events import Span
from voiced.home.resolve import norm
from voiced.intents import names
from voiced.nlu.units.reading import INTENT_DOMAINS, Reading

TIMER_INTENTS = names(timer=True)
_REPORTED = {"timer_name": "name", "list": "name"}  # the output slot of each label (intents.md)


class TaggedSpans:
    """Reports every span; a tagged name (not a timer's) is the name span; areas/floors resolved."""

    name = "tagged_spans"

    def __call__(self, r: Reading) -> None:
        res = r.resolver
        for sp in r.spans:
            label, s, e, t = sp.slot, sp.start, sp.end, sp.text
            r.out_spans.append(Span(_REPORTED.get(label, label), s, e, t))
            if label in ("name", "list") and r.intent not in TIMER_INTENTS:
                r.name_span = sp
            elif label == "area":
                a = res.area(t)
                f = None if a else res.floor(t)
                if a:
                    r.area, r.area_span = a, (s, e)
                elif f:
                    r.floor = f
                    r.fired.append("area_is_floor")
                elif r.name_span is None and r.intent not in TIMER_INTENTS and res.name(t).entities:
                    r.name_span = Span("name", s, e, t)  # a device's name tagged as a room ("the bedroom lamb")
                    r.out_spans[-1] = Span("name", s, e, t)
                    r.fired.append("area_is_name")
                else:
                    r.unresolved.append(Span("area", s, e, t))
                    r.slots["area"] = norm(t)
            elif label == "floor":
                f = res.floor(t)
                a = None if f else res.area(t)
                if f:
                    r.floor = f
                elif a:
                    r.area, r.area_span = a, (s, e)
                    r.fired.append("floor_is_area")
                else:
                    r.unresolved.append(Span("floor", s, e, t))
                    r.slots["floor"] = norm(t)


class BareFloorWord:
    """ "Turn off the lights upstairs" with "upstairs" untagged: the floor of that name."""

    name = "bare_floor_word"

    def __call__(self, r: Reading) -> None:
        if r.name_span is not None or r.area is not None or r.floor is not None or r.intent not in INTENT_DOMAINS:
            return
        inside = r.inside
        for x in r.toks:
            f = r.resolver.floor(x.text, fuzzy=False) if x.start not in inside else None
            if f and x.text in ("upstairs", "downstairs"):
                r.floor = f
                return
