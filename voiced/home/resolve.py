"""Spoken names → the home's entities, areas and floors.

Exact display names and aliases first (case-insensitive, articles ignored), then structure
("kitchen lights" = the lights in the Kitchen, "lamp" inside a known area), then fuzzy matching
(rapidfuzz) for ASR slips ("bedroom lamb").  Shared by the NLU and the daemon's MQTT discovery
(``Resolver`` is cheap to rebuild when the home changes).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from voiced.home.model import Area, Entity, Floor, Home

_WORD = re.compile(r"\d+(?:[.,]\d+)?|[^\W\d_]+(?:['’][^\W\d_]+)*")
_LEADING = {"the", "my", "our", "a", "an", "all", "every", "both", "this", "that", "these", "those", "of"}

# spoken domain words → (domain, device_class or None)
DOMAIN_WORDS: dict[str, tuple[str, str | None]] = {
    "light": ("light", None), "lights": ("light", None), "lamp": ("light", None), "lamps": ("light", None),
    "lighting": ("light", None), "bulb": ("light", None), "bulbs": ("light", None),
    "switch": ("switch", None), "switches": ("switch", None), "plug": ("switch", None), "plugs": ("switch", None),
    "socket": ("switch", None), "sockets": ("switch", None),
    "fan": ("fan", None), "fans": ("fan", None),
    "blind": ("cover", "blind"), "blinds": ("cover", "blind"), "curtain": ("cover", "curtain"),
    "curtains": ("cover", "curtain"), "shade": ("cover", "shade"), "shades": ("cover", "shade"),
    "shutter": ("cover", "shutter"), "shutters": ("cover", "shutter"), "cover": ("cover", None),
    "covers": ("cover", None), "drapes": ("cover", "curtain"), "awning": ("cover", "awning"),
    "gate": ("cover", "gate"), "gates": ("cover", "gate"),
    "lock": ("lock", None), "locks": ("lock", None),
    "door": ("binary_sensor", "door"), "doors": ("binary_sensor", "door"),
    "window": ("binary_sensor", "window"), "windows": ("binary_sensor", "window"),
    "thermostat": ("climate", None), "thermostats": ("climate", None), "heating": ("climate", None),
    "heater": ("climate", None), "heaters": ("climate", None), "radiator": ("climate", None),
    "radiators": ("climate", None), "ac": ("climate", None), "aircon": ("climate", None),
    "tv": ("media_player", None), "television": ("media_player", None), "speaker": ("media_player", None),
    "speakers": ("media_player", None), "radio": ("media_player", None), "music": ("media_player", None),
    "vacuum": ("vacuum", None), "hoover": ("vacuum", None), "robot": ("vacuum", None),
    "valve": ("valve", None), "valves": ("valve", None), "water": ("valve", None),
    "sensor": ("sensor", None), "sensors": ("sensor", None),
    "motion": ("binary_sensor", "motion"), "smoke": ("binary_sensor", "smoke"),
    "temperature": ("sensor", "temperature"), "humidity": ("sensor", "humidity"),
}

# words that are verbs at the start or after no determiner ("switch on …", "light up …") and a
# device after one ("the switch")
_VERBISH = {"switch", "plug", "light", "water"}
DETERMINERS = {"the", "a", "all", "any", "every", "this", "that", "my", "our", "those", "these", "of"}
# nouns that make the next word a device's ("the room light", "a wall switch", "the smart plug")
_NOUN_BEFORE = {"room", "wall", "smart"}
# a word that ends a device name ("the closet light off") ...
_AFTER_NOUN = {"off", "on", "please", "now"}
# ... unless it is no name's word ("please switch off", "can you light up", "don't switch")
_NOT_A_NAME = {"please", "you", "to", "and", "then", "i", "we", "don't", "not", "also", "just", "now", "will",
               "can", "could", "would", "should", "must", "me", "us", "it", "it's", "lets", "let's"}


def is_device_word(words: list[str], k: int) -> bool:
    """Is ``words[k]`` a device word here (``DOMAIN_WORDS``), not a verb that looks like one?

    "light", "switch", "plug" are nouns after a determiner or a noun of devices, and at the end of
    a name before on/off ("turn the closet light off", "turn off the closet light"); verbs take
    an object ("light the fire", "switch to the news")."""
    w = words[k]
    if w not in DOMAIN_WORDS:
        return False
    if w not in _VERBISH:
        return True
    if k == 0:
        # "light on", "plug off": a state said of it; "switch off …", "light up …", "water the …" are verbs
        rest = [x for x in words[1:] if x not in ("please", "now")]
        return w in ("light", "plug") and rest in (["on"], ["off"])
    before = words[k - 1]
    if before in DETERMINERS or before in _NOUN_BEFORE:
        return True
    return before not in _NOT_A_NAME and (k == len(words) - 1 or words[k + 1] in _AFTER_NOUN)


def stem(key: str) -> str:
    """Plural-insensitive form of a normalised name ("garden light" ~ "garden lights")."""
    return " ".join(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w
                    for w in key.split())


def norm(text: str) -> str:
    """Lower-case words joined by single spaces; leading articles/quantifiers dropped."""
    words = [_DIGITS.get(w, w) for w in (w.replace("’", "'") for w in _WORD.findall(text.lower()))]
    while words and words[0] in _LEADING:
        words.pop(0)
    return " ".join(words)


def spellings(name: str) -> tuple[str, ...]:
    """A name's normalised form and, with an apostrophe, its spelling without: "zoe's room" is
    typed and heard "zoes room"."""
    key = norm(name)
    bare = key.replace("'", "")
    return (key, bare) if bare != key else (key,)


# "lamp 2" and "lamp two" are one name (speech recognisers write either)
_DIGITS = {str(i): w for i, w in enumerate(("zero", "one", "two", "three", "four", "five", "six", "seven", "eight",
                                            "nine", "ten", "eleven", "twelve"))}


@dataclass(frozen=True)
class NameMatch:
    """How a spoken name resolved: entities, or an area/floor (+ domain word) it turned out to be."""

    entities: tuple[Entity, ...] = ()
    area: Area | None = None
    floor: Floor | None = None
    domain: str | None = None
    device_class: str | None = None
    how: str = "none"  # exact | structure | partial | fuzzy | none


class Resolver:
    """Indexes one home's names; build a new one when the home changes (cheap: no model involved)."""

    def __init__(self, home: Home, fuzzy_cutoff: float = 85.0) -> None:
        self.home = home
        self.fuzzy_cutoff = fuzzy_cutoff
        self._sound: dict[str, str] | None = None
        self._entities: dict[str, list[Entity]] = {}
        for e in home.entities:
            for n in e.names:
                for key in spellings(n):
                    if e not in self._entities.get(key, []):
                        self._entities.setdefault(key, []).append(e)
        self._areas: dict[str, Area] = {k: a for a in home.areas for n in a.names for k in spellings(n)}
        self._floors: dict[str, Floor] = {k: f for f in home.floors for n in f.names for k in spellings(n)}
        self._entity_keys = list(self._entities)
        self._stems: dict[str, list[Entity]] = {}
        for k, es in self._entities.items():
            self._stems.setdefault(stem(k), []).extend(x for x in es if x not in self._stems.get(stem(k), []))
        self._area_keys = list(self._areas)
        self._floor_keys = list(self._floors)

    # -------------------------------------------------------------- areas and floors
    @property
    def _sound_keys(self) -> dict[str, str]:
        if self._sound is None:
            self._sound = {k: sound_key(k) for k in self._entity_keys}
        return self._sound

    def area(self, text: str, fuzzy: bool = True) -> Area | None:
        key = norm(text)
        if key in self._areas:
            return self._areas[key]
        stripped = re.sub(r"\b(room|area)$", "", key).strip()
        for k, a in self._areas.items():
            if stripped and re.sub(r"\b(room|area)$", "", k).strip() == stripped:
                return a
        if fuzzy and key and self._area_keys:
            best = process.extractOne(key, self._area_keys, scorer=fuzz.ratio, score_cutoff=self.fuzzy_cutoff)
            if best:
                return self._areas[best[0]]
        return None

    def floor(self, text: str, fuzzy: bool = True) -> Floor | None:
        key = norm(text)
        if key in self._floors:
            return self._floors[key]
        if fuzzy and key and self._floor_keys:
            best = process.extractOne(key, self._floor_keys, scorer=fuzz.ratio, score_cutoff=self.fuzzy_cutoff)
            if best:
                return self._floors[best[0]]
        return None

    def area_floor(self, area: Area | None) -> Floor | None:
        return self.home.floor(area.floor) if area else None

    # -------------------------------------------------------------- entities
    def entities_in(self, area: Area | None = None, floor: Floor | None = None,
                    domains: Iterable[str] | None = None, device_class: str | None = None) -> list[Entity]:
        doms = set(domains) if domains is not None else None
        out = []
        for e in self.home.entities:
            if doms is not None and e.domain not in doms:
                continue
            if device_class and e.device_class and e.device_class != device_class:
                continue
            if area is not None and e.area != area.id:
                continue
            if floor is not None:
                a = self.home.area(e.area)
                if a is None or a.floor != floor.id:
                    continue
            out.append(e)
        return out

    def name(self, text: str, area: Area | None = None, domains: Iterable[str] | None = None) -> NameMatch:
        """Resolve a spoken entity name; ``area`` (spoken or the satellite's) and ``domains`` narrow it."""
        key = norm(text)
        if not key:
            return NameMatch()
        doms = set(domains) if domains else None
        exact = self.exact(key)
        if exact:
            return NameMatch(entities=tuple(exact), how="exact")
        words = key.split()
        # an area or a floor said where a name was expected, with or without a domain word
        tail = words[-1] if words else ""
        dw = DOMAIN_WORDS.get(tail)
        head = " ".join(words[:-1]) if dw else key
        if key in self._areas or (dw and head in self._areas):
            a = self._areas[key] if key in self._areas else self._areas[head]
            return NameMatch(area=a, domain=dw[0] if dw else None, device_class=dw[1] if dw else None,
                             how="structure")
        if key in self._floors or (dw and head in self._floors):
            f = self._floors[key] if key in self._floors else self._floors[head]
            return NameMatch(floor=f, domain=dw[0] if dw else None, device_class=dw[1] if dw else None,
                             how="structure")
        if dw and len(words) == 1:
            return NameMatch(domain=dw[0], device_class=dw[1], how="structure")
        # words of a longer name, inside a known area: "the lamp" in the bedroom → Bedroom Lamp
        wset = set(words)
        partial: list[Entity] = []
        for e in self.home.entities:
            if any(wset <= set(norm(n).split()) for n in e.names):
                partial.append(e)
        if partial and area is not None:
            in_area = [e for e in partial if e.area == area.id]
            if in_area:
                return NameMatch(entities=tuple(in_area), how="partial")
        if partial and doms:
            in_dom = [e for e in partial if e.domain in doms]
            if len(in_dom) == 1:
                return NameMatch(entities=tuple(in_dom), how="partial")
        if len(partial) == 1:
            return NameMatch(entities=tuple(partial), how="partial")
        here = self.room_and_name(key)
        if here:
            return NameMatch(entities=tuple(here), how="exact")
        # ASR slips
        if self._entity_keys:
            best = process.extractOne(key, self._entity_keys, scorer=fuzz.ratio, score_cutoff=self.fuzzy_cutoff)
            if best:
                return NameMatch(entities=tuple(self._entities[best[0]]), how="fuzzy")
        # "<area words> <domain word>" with a fuzzy area ("kichen lights")
        if dw and head:
            a2 = self.area(head)
            if a2:
                return NameMatch(area=a2, domain=dw[0], device_class=dw[1], how="structure")
        # a name that sounds like exactly one entity ("the mac door" → Back Door): a guess to confirm
        heard = sound_key(key)
        if len(heard.replace(" ", "")) >= 3:
            # same words, same sounds; one slip allowed only in a long name
            close = {k for k, sk in self._sound_keys.items() if sk.count(" ") == heard.count(" ")
                     and Levenshtein.distance(heard, sk) <= (0 if len(sk) < 7 else 1)}
            found = {e.id: e for k in close for e in self._entities[k]}
            if len(found) == 1:
                return NameMatch(entities=tuple(found.values()), how="phonetic")
        return NameMatch()

    def room_and_name(self, text: str) -> list[Entity]:
        """A room said before a name that several rooms have ("the bedroom ceiling light"): the
        entities of that name in that room, else []."""
        words = norm(text).split()
        for k in range(1, len(words)):
            room = self._areas.get(" ".join(words[:k]))
            if room is not None:
                here = [e for e in self.exact(" ".join(words[k:])) if e.area == room.id]
                if here:
                    return here
        return []

    def exact(self, text: str) -> list[Entity]:
        """Entities whose name or alias is ``text`` (articles and plurals ignored)."""
        key = norm(text)
        if key in self._entities:
            return list(self._entities[key])
        return list(self._stems.get(stem(key), []))

    def find_in_text(self, text: str, domains: Iterable[str] | None = None) -> tuple[list[Entity], int, int]:
        """The longest entity name/alias said anywhere in ``text`` (whole words): (entities, start, end)."""
        doms = set(domains) if domains else None
        low = text.lower().replace("’", "'")
        best: tuple[list[Entity], int, int] = ([], -1, -1)
        for key, es in self._entities.items():
            if doms is not None:
                es = [e for e in es if e.domain in doms]
            if not es or len(key) <= best[2] - best[1] or key not in low:  # a match is a substring: cheap first
                continue
            m = re.search(rf"(?<![\w']){re.escape(key)}(?![\w'])", low)
            if m:
                best = (es, m.start(), m.end())
        return best

    def with_word(self, word: str, domains: Iterable[str] | None = None) -> list[Entity]:
        """Entities with ``word`` (plural-insensitive) among the words of a name or alias: "lamp" →
        Desk Lamp, Bedroom Lamp, ...; the device word a speaker uses for a thing they don't name."""
        want = stem(norm(word))
        doms = set(domains) if domains else None
        if not want or " " in want:
            return []
        return [e for e in self.home.entities if (doms is None or e.domain in doms)
                and any(want in stem(norm(n)).split() for n in e.names)]

    def find_place_in_text(self, text: str) -> tuple[Area | None, Floor | None]:
        """The longest area or floor name/alias said as whole words in ``text`` ("the bedroom one")."""
        low = " ".join(_WORD.findall(text.lower().replace("’", "'")))

        def longest(keys: Iterable[str]) -> str:
            hits = [k for k in keys if k in low and re.search(rf"(?<![\w']){re.escape(k)}(?![\w'])", low)]
            return max(hits, key=len, default="")

        area_key, floor_key = longest(self._areas), longest(self._floors)
        if area_key and len(area_key) >= len(floor_key):
            return self._areas[area_key], None
        return None, (self._floors[floor_key] if floor_key else None)

    def narrow(self, entities: Iterable[Entity], domains: Iterable[str] | None = None,
               device_class: str | None = None, area: Area | None = None,
               floor: Floor | None = None) -> list[Entity]:
        """Keep the entities that fit each hint in turn, skipping a hint that would leave none."""
        cur = list(entities)
        doms = set(domains) if domains else None
        for keep in (
            (lambda e: e.domain in doms) if doms else None,
            (lambda e: e.device_class == device_class) if device_class else None,
            (lambda e: e.area == area.id) if area else None,
            (lambda e: (self.home.area(e.area) or Area("", "")).floor == floor.id) if floor else None,
        ):
            if keep is None or len(cur) <= 1:
                continue
            nxt = [e for e in cur if keep(e)]
            if nxt:
                cur = nxt
        return cur


# consonants that speech recognisers confuse, by where they are made: b/m/p/f/v/w, d/t/th/n, k/g/c/q/x, s/z/sh/ch/j
_SOUND_CLASSES = [("ph", "P"), ("gh", ""), ("ck", "K"), ("sh", "S"), ("ch", "S"), ("th", "T"), ("qu", "K"),
                  ("wh", "P")]
_SOUND_LETTER = {**dict.fromkeys("bmpfvw", "P"), **dict.fromkeys("dtn", "T"), **dict.fromkeys("kgcqx", "K"),
                 **dict.fromkeys("szj", "S"), "l": "L", "r": "R", "h": "", "y": ""}


def sound_key(text: str) -> str:
    """A rough phonetic key: consonant classes in order, vowels dropped, repeats merged, per word."""
    out = []
    for word in text.lower().split():
        w = "".join(ch for ch in word if ch.isalpha())
        for pair, rep in _SOUND_CLASSES:
            w = w.replace(pair, rep.lower() if rep else "")
        key = ""
        for ch in w:
            c = _SOUND_LETTER.get(ch, "")
            if c and not key.endswith(c):
                key += c
        if key:
            out.append(key)
    return " ".join(out)
