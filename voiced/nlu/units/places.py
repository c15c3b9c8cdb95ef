"""Tagged spans → the name span, rooms and floors, and the spans reported.

The tagger's label is a guess of *what kind* of place a span is; the home says what it is: an
"area" that is no room but a device's name ("the bedroom lamb") is the name.  What resolves to
nothing is reported unresolved.
"""

from __future__ import annotations

from voiced.events import Span
from voiced.home.resolve import norm
from voiced.intents import names
from voiced.nlu.units.reading import INTENT_DOMAINS, Reading

TIMER_INTENTS = names(timer=True)
_REPORTED = {"timer_name": "name", "list": "name"}  # the output slot of each label (intents.md)
# a room said without its name ("turn the room light off", "my room lights"; norm() drops "the",
# "my", "this"): the room the speaker is in, as "in here" — the satellite's area, else the dialogue
# asks which room; never unresolved
_THIS_ROOM = "room"


class TaggedSpans:
    """Reports every span; a tagged name (not a timer's) is the name span; areas/floors resolved."""

    name = "tagged_spans"
    rules = ("area_is_name", "area_is_floor", "room_is_here")  # counted on their own as ``tagged_spans.<rule>``

    def __call__(self, r: Reading) -> None:
        res = r.resolver
        for sp in r.spans:
            label, s, e, t = sp.slot, sp.start, sp.end, sp.text
            r.out_spans.append(Span(_REPORTED.get(label, label), s, e, t))
            if label in ("name", "list") and r.intent not in TIMER_INTENTS:
                r.name_span = sp
            elif label == "area":
                a = res.area(t)
                if a:
                    r.area, r.area_span = a, (s, e)
                elif r.name_span is None and r.intent not in TIMER_INTENTS and res.name(t).entities:
                    r.name_span = Span("name", s, e, t)  # a device's name tagged as a room ("the bedroom lamb")
                    r.out_spans[-1] = Span("name", s, e, t)
                    r.fired.append("area_is_name")
                elif r.floor is None and (floor := res.floor(t)) is not None:
                    r.floor = floor  # a floor tagged as a room ("which lights are on in the mezzanine")
                    r.out_spans[-1] = Span("floor", s, e, t)
                    r.fired.append("area_is_floor")
                elif norm(t) == _THIS_ROOM:
                    r.here = True
                    r.out_spans.pop()
                    r.fired.append("room_is_here")
                else:
                    r.unresolved.append(Span("area", s, e, t))
                    r.slots["area"] = norm(t)
            elif label == "floor":
                f = res.floor(t)
                if f:
                    r.floor = f
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
