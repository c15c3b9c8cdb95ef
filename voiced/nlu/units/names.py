"""Name repairs: the tagger's name span against the names the home has, said in full.

A name the home knows is evidence the tagger cannot have: when its span is cut short, runs over,
or is missing, these rules take the home's name as said ("the garden | lights", "vacuum" of
"vacuum cleaner", an untagged "heating").  Each is one unit, so its firings are counted.
"""

from __future__ import annotations

from voiced.events import Span
from voiced.home.resolve import DOMAIN_WORDS
from voiced.nlu.slots import STATE_WORDS
from voiced.nlu.text import Token
from voiced.nlu.units.answer import VALUE_WORDS
from voiced.nlu.units.reading import INTENT_DOMAINS, Reading

ON_OFF = ("HassTurnOn", "HassTurnOff", "HassToggle")
_OBJECT_STOP = {"on", "off", "up", "down", "please", "now", "thanks", "again", "for", "me", "too", "as", "well",
                "right", "away", "then", "quickly", "in", "at", "to", "it", "and", "of"}


def object_phrase(toks: list[Token]) -> tuple[int, int] | None:
    """Character range of the 1–3 words after the last article, up to trailing particles ("on",
    "please"): the thing a bare on/off command names.  None when anything else follows."""
    arts = [k for k, t in enumerate(toks) if t.text in ("the", "my", "our")]
    if not arts:
        return None
    rest = toks[arts[-1] + 1:]
    while rest and rest[-1].text in _OBJECT_STOP:
        rest = rest[:-1]
    if not 1 <= len(rest) <= 3 or any(
            not t.text.isalpha() or t.text in _OBJECT_STOP or t.text in STATE_WORDS or t.text in VALUE_WORDS
            for t in rest):
        return None
    return rest[0].start, rest[-1].end


def _overlaps(s: int, e: int, spans: list[Span]) -> bool:
    return any(s < sp.end and sp.start < e for sp in spans)


def _names_a_thing(r: Reading, start: int, end: int) -> bool:
    """The words from ``start`` to ``end`` (after a room said in the object phrase) are untagged and
    not a device word: they name a thing in that room ("the bedroom | jacuzzi"), not the room."""
    rest = [t for t in r.toks if start <= t.start < end]
    return bool(rest) and not any(t.text in DOMAIN_WORDS for t in rest) and not _overlaps(rest[0].start, end, r.spans)


def _forget_area(r: Reading) -> None:
    """The room tagged was part of a name: the reading has no room."""
    r.area, r.area_span = None, None
    r.slots.pop("area", None)


def _phrase_is_the_name(r: Reading, obj: tuple[int, int], replaced: str, start: int) -> None:
    """The object phrase ``obj`` is the name span, reported in place of the ``replaced`` span at ``start``."""
    r.out_spans = [x for x in r.out_spans if not (x.slot == replaced and x.start == start)]
    r.name_span = Span("name", obj[0], obj[1], r.text[obj[0]:obj[1]])
    r.out_spans.append(r.name_span)


class NameWithDeviceWord:
    """ "The garden lights" tagged as area (or name) + a device word, but it is an entity's own name."""

    name = "name_with_device_word"

    def __call__(self, r: Reading) -> None:
        res = r.resolver
        said = ([(*r.area_span, True)] if r.area_span else []) + \
            ([(r.name_span.start, r.name_span.end, False)] if r.name_span else [])
        for start, end, is_area in said:
            if res.exact(r.text[start:end]):
                continue
            after = [x for x in r.toks if x.start >= end][:2]
            for n in (2, 1):
                if len(after) >= n and after[n - 1].text in DOMAIN_WORDS:
                    cand = r.text[start:after[n - 1].end]
                    if res.exact(cand):
                        r.name_span = Span("name", start, after[n - 1].end, cand)
                        if is_area:
                            _forget_area(r)
                        r.domain, r.device_class = None, None
                        break


class WholeHomeName:
    """A tagged name that is part of (or overlaps) a home name said in full: "vacuum" of "vacuum cleaner"."""

    name = "whole_home_name"

    def __call__(self, r: Reading) -> None:
        sp = r.name_span
        if sp is None or r.resolver.exact(sp.text) or r.resolver.room_and_name(sp.text):
            return
        ents, fs, fe = r.resolver.find_in_text(r.text, r.allowed)
        if ents and fs < sp.end and sp.start < fe:
            r.name_span = Span("name", fs, fe, r.text[fs:fe])


class UntaggedName:
    """No name tagged: a name or alias of the home said anyway ("set the heating to 20"); beside a
    room, one of that room's ("switch off the spotlights in the kitchen": the spots, not every
    light there)."""

    name = "untagged_name"
    rules = ("in_the_room",)

    def __call__(self, r: Reading) -> None:
        if r.name_span is not None or r.floor is not None or ("area" in r.slots and r.area is None) \
                or r.intent not in INTENT_DOMAINS or r.intent == "HassListAddItem":
            return
        ents, s, e = r.resolver.find_in_text(r.text, r.allowed)
        if not ents or _overlaps(s, e, r.spans):
            return
        if r.area is not None:
            if not any(x.area == r.area.id for x in ents):
                return
            r.fired.append("in_the_room")
        r.name_span = Span("name", s, e, r.text[s:e])
        r.out_spans.append(r.name_span)
        r.domain, r.device_class = None, None


class NameCutShort:
    """A name cut short ("the lava | lamp", "the bedroom | lamb", "the bedroom | jacuzzi"): the whole
    object phrase is the name when the part alone means nothing, only the longer one is an entity,
    or the part is a room followed by untagged words that are no device word (also when the room
    was tagged as a room).  Runs before ``ObjectPhraseName``."""

    name = "name_cut_short"

    def __call__(self, r: Reading) -> None:
        obj = object_phrase(r.toks) if r.intent in ON_OFF else None
        if obj is None:
            return
        sp = r.name_span
        if sp is None:
            if r.area_span is not None and r.domain is None:
                self._room_then_a_thing(r, obj, *r.area_span)
            return
        if not (obj[0] <= sp.start and obj[1] > sp.end) or _overlaps(*obj, [x for x in r.spans if x.slot != "name"]):
            return
        res = r.resolver
        part = res.name(sp.text)
        if not self._resolves(r, sp.text) or (res.name(r.text[obj[0]:obj[1]]).entities and not part.entities) \
                or (not part.entities and _names_a_thing(r, sp.end, obj[1])):
            _phrase_is_the_name(r, obj, "name", sp.start)

    @staticmethod
    def _room_then_a_thing(r: Reading, obj: tuple[int, int], start: int, end: int) -> None:
        """A room tagged, the rest of the object phrase untagged ("the bedroom | lamb"): the whole
        phrase is the name (resolved, guessed or reported unknown), never the whole room."""
        if obj[0] <= start < end < obj[1] and _names_a_thing(r, end, obj[1]):
            _forget_area(r)
            _phrase_is_the_name(r, obj, "area", start)

    @staticmethod
    def _resolves(r: Reading, spoken: str) -> bool:
        m = r.resolver.name(spoken)
        return bool(m.entities or m.area or m.floor or m.domain)


class ObjectPhraseName:
    """ "Switch on the hot tub": with nothing tagged, the object after the article is a name."""

    name = "object_phrase_name"

    def __call__(self, r: Reading) -> None:
        if r.name_span is not None or r.area is not None or r.floor is not None or r.domain is not None \
                or r.intent not in ON_OFF or "area" in r.slots or r.here or r.all:
            return
        obj = object_phrase(r.toks)
        if obj is not None:
            r.name_span = Span("name", *obj, r.text[obj[0]:obj[1]])
            r.out_spans.append(r.name_span)
