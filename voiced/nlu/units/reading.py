"""The reading the units pass along: one utterance on its way from the tagger's output to a ``Parse``.

Every unit reads and amends the same ``Reading``; what a unit changed is what ``snapshot`` sees, so
the parser can count each unit's firings without the units keeping books themselves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from voiced.events import Parse, Span
from voiced.home.model import Area, Entity, Floor, Home
from voiced.home.resolve import DOMAIN_WORDS, Resolver
from voiced.intents import INTENTS
from voiced.nlu.generate import home_names
from voiced.nlu.text import Token

NUMBER_SLOTS = ("brightness", "position", "volume_level", "temperature")  # siblings the tagger may swap

# target domains of each intent that has home targets (None: any domain) — voiced/intents.py
INTENT_DOMAINS: dict[str, tuple[str, ...] | None] = {n: s.domains for n, s in INTENTS.items() if s.domains != ()}
HERE = re.compile(r"\b(in here|here|this room|in this room|where i am)\b")
_NAME_LIKE = ("name", "area", "floor", "item", "message", "list", "timer_name", "conversation_command")
HOME_WORDS = ("house", "home", "flat", "apartment", "place", "condo")  # the whole home, never a room or a name
_HOME = "|".join(HOME_WORDS)
ALL = re.compile(rf"\b(all|every|everything|everywhere|any|(the )?whole ({_HOME})|(in|around|throughout|all over|across) "
                 rf"the ({_HOME}))\b")


class HomeContext:
    """What the units know of the home; rebuilt by ``Parser.set_home``, never per utterance."""

    def __init__(self, home: Home) -> None:
        self.home = home
        self.resolver = Resolver(home)
        self.gaz = home_names(home)
        # words of names that may make up an answer ("the desk one"); device words ("lock", "lamp")
        # are left out because they double as verbs and group words in commands
        self.place_words = {w for n in (*self.gaz[1], *self.gaz[2]) for w in n.split()} - set(DOMAIN_WORDS)
        self.name_words = {w for n in self.gaz[0] for w in n.split()} - set(DOMAIN_WORDS)

    def satellite_area(self, area: str | None) -> Area | None:
        """The satellite's own room as one of the home's areas (by id, else by exact name)."""
        if not area:
            return None
        found = self.home.area(area)
        return found if found else self.resolver.area(area, fuzzy=False)


@dataclass(eq=False)
class Reading:
    """One utterance being read.  ``spans`` are the tagger's (slot = its label); ``out_spans`` the
    ones reported; ``name_span`` / ``area`` / ``floor`` / ``domain`` what the target is found from."""

    text: str
    toks: list[Token]
    ctx: HomeContext
    sat_area: Area | None = None  # the satellite's room, when it is one of the home's
    intent: str | None = None
    confidence: float = 0.0
    spans: list[Span] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)  # slot values as tagged, before resolution
    extra: dict[str, Any] = field(default_factory=dict)
    slots: dict[str, Any] = field(default_factory=dict)
    out_spans: list[Span] = field(default_factory=list)
    unresolved: list[Span] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)
    domain: str | None = None
    device_class: str | None = None
    device_word: str = ""
    name_span: Span | None = None
    area_span: tuple[int, int] | None = None
    area: Area | None = None
    floor: Floor | None = None
    state: str | None = None
    entities: list[Entity] = field(default_factory=list)
    bare_word: bool = False  # the "name" said was only a device word ("the door")
    result: Parse | None = None  # set by a unit that decides the whole reading: no unit runs after it
    fired: list[str] = field(default_factory=list)  # named rules inside a unit that changed the reading

    def __post_init__(self) -> None:
        self.words = [t.text for t in self.toks]
        self.low = " ".join(self.words)
        self.here = bool(HERE.search(self.low))
        self.all = bool(ALL.search(self.low))

    @property
    def resolver(self) -> Resolver:
        return self.ctx.resolver

    @property
    def inside(self) -> set[int]:
        """Start offsets of the tokens inside name-like spans (names, places, free text)."""
        return {x.start for sp in self.spans if sp.slot in _NAME_LIKE for x in self.toks if sp.start <= x.start < sp.end}

    @property
    def words_outside(self) -> list[str]:
        """The words said outside name-like spans (a verb, not a name's word: "lock" in "Lock Battery")."""
        inside = self.inside
        return [t.text for t in self.toks if t.start not in inside]

    @property
    def target_domains(self) -> set[str]:
        """The domains of the entities the reading reaches now."""
        return {e.domain for t in self.targets if (e := self.ctx.home.entity(t)) is not None}

    @property
    def allowed(self) -> tuple[str, ...] | None:
        """The domains the intent may target (None: any, or the intent has no targets)."""
        return INTENT_DOMAINS.get(self.intent) if self.intent else None

    def snapshot(self) -> tuple[Any, ...]:
        """Everything a unit may change, copied: two snapshots differ iff the unit changed the reading."""
        return (self.intent, self.confidence, tuple(self.spans), dict(self.raw), dict(self.extra),
                dict(self.slots), tuple(self.out_spans), tuple(self.unresolved), tuple(self.targets),
                self.domain, self.device_class, self.device_word, self.name_span,
                self.area_span, self.area, self.floor, self.state, tuple(self.entities), self.bare_word,
                self.result)

    def to_parse(self) -> Parse:
        """The reading as the parser's output (before evidence and decision)."""
        if self.result is not None:
            return self.result
        if self.domain:
            self.extra["domain_hint"] = self.domain
        self.extra["slots_raw"] = dict(self.raw)
        if self.intent is None:
            return Parse(text=self.text, intent=None, confidence=self.confidence, extra=self.extra)
        return Parse(text=self.text, intent=self.intent, confidence=self.confidence, slots=self.slots,
                     targets=tuple(self.targets), spans=tuple(self._number_spans()),
                     unresolved=tuple(self.unresolved), extra=self.extra)

    def _number_spans(self) -> list[Span]:
        """The spans, a number's labelled as the slot it ended in ("fifty percent" tagged as a
        position, moved to a light's brightness: voiced/nlu/units/values.py)."""
        held = [k for k in NUMBER_SLOTS if k in self.slots]
        return [Span(held[0], sp.start, sp.end, sp.text)
                if sp.slot in NUMBER_SLOTS and sp.slot not in self.slots and len(held) == 1 else sp
                for sp in self.out_spans]
