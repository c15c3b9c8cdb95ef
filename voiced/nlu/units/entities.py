"""Entity resolution: the name, device word and place said → the home's entities and the targets.

Everything that depends on the home happens here and in the rules before, so a new home or newly
discovered devices only need ``Parser.set_home``, never retraining.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from typing import Any

from voiced.events import Span
from voiced.home.model import Entity
from voiced.home.resolve import DOMAIN_WORDS, norm, stem
from voiced.intents import INTENTS, names
from voiced.nlu.units.polarity import NOT_CLOSING
from voiced.nlu.units.reading import INTENT_DOMAINS, Reading

_AREA_DEFAULT: dict[str, tuple[str, ...]] = {n: s.area_default for n, s in INTENTS.items() if s.area_default}
_DOMAIN_SLOT = names(domain_slot=True)
_CLASS_SLOT = names(class_slot=True)
_CONTEXT_AREA = names(context_area=True)  # take the satellite's own area when none is said
_GROUP_ACTIONS = names(group=True)
# what one player is asked to do ("pause" is fine everywhere; a volume or a track is one player's)
_ONE_PLAYER = frozenset({"HassSetVolume", "HassMediaUnpause", "HassMediaNext", "HassMediaPrevious"})
_JOINER = re.compile(r"(,|and|&|, and|as well as)( also)?( the| my| our)?")  # between names said for one command
_AREA_JOINER = frozenset({"and", ",", "&", "the", "in", "on", "my", "our", "also"})
_SPLIT = re.compile(r"\s*(?:,|\band\b|&)\s*(?:the |my |our )?")
_MAX_OTHERS = 3  # devices of the kind in the place said that a "which one" question may list
_ACTIONABLE = ("light", "switch", "fan", "cover", "lock", "valve", "media_player", "climate", "vacuum", "scene",
               "script")
# a state asked about narrows an ambiguous name to the entities that have that state
_STATE_DOMAINS: dict[str, tuple[str, ...]] = {
    "locked": ("lock",), "unlocked": ("lock",), "open": ("cover", "valve", "binary_sensor", "lock"),
    "closed": ("cover", "valve", "binary_sensor", "lock"), "on": ("light", "switch", "fan", "media_player"),
    "off": ("light", "switch", "fan", "media_player"),
}


def _candidates(r: Reading, entities: list[Entity]) -> list[dict[str, Any]]:
    return [{"id": x.id, "name": x.name, "area": a.name if (a := r.ctx.home.area(x.area)) else None}
            for x in entities]


def _locks(r: Reading) -> bool:
    """A lock or unlock verb outside the names ("lock the shed")."""
    return bool({"lock", "unlock"} & set(r.words_outside))


def _opens_or_closes(r: Reading) -> bool:
    """An open/close verb outside the names: "open the bedroom" (a place said) is its curtains, not
    its lamp; the verb alone is no evidence of a target ("open gallery ..." is no command)."""
    inside, words = r.inside, r.words
    return any(t.text in ("open", "close", "shut") and t.start not in inside and
               not (t.text == "shut" and words[k + 1:k + 2] and words[k + 1] in NOT_CLOSING)
               for k, t in enumerate(r.toks))


# what a device word after a name may add to it: the entity's own kind ("the coffee maker switch"),
# or a power word for anything that switches ("the desk lamp plug")
_POWER_WORD_FITS = frozenset({"light", "switch", "fan", "media_player", "climate"})
_CHANGES = frozenset(n for n, s in INTENTS.items() if not s.read_only)
# place words between a device word and a name ("the light by the front door"; "next to", "in front
# of", "close to" end in one), and the small words after them
_NEAR = frozenset({"by", "near", "beside", "above", "below", "over", "under", "behind", "opposite", "next",
                   "nearest", "closest", "front"})
_BEFORE_NAME = frozenset({"the", "a", "an", "my", "our", "to", "of"})


def _other_device_after(r: Reading, sp: Span, found: Sequence[Entity]) -> Span | None:
    """ "The front door light" when the home has a Front Door (a lock) and no such light: the device
    word after the name says it is another thing than the entity (a light at the front door), so
    the name said is that whole phrase, unresolved — never the lock ("turn on" would lock it).  So
    too a device word before a place word and the name ("the light by the front door")."""
    if r.intent not in _CHANGES:
        return None  # "the bedroom heater temperature": a question's word of what to read
    toks = r.toks
    k = next((i for i, t in enumerate(toks) if t.start >= sp.end), len(toks))
    start = next((i for i, t in enumerate(toks) if t.start >= sp.start), 0)
    word, first, last = None, sp.start, sp.end
    if k < len(toks) and toks[k].text in DOMAIN_WORDS and not r.text[sp.end:toks[k].start].strip():
        word, last = toks[k].text, toks[k].end
    else:
        j = start - 1
        while j >= 0 and toks[j].text in _BEFORE_NAME:
            j -= 1
        if j >= 1 and toks[j].text in _NEAR:
            while j >= 1 and toks[j - 1].text in _NEAR | {"in", "close"}:
                j -= 1
            if j >= 1 and toks[j - 1].text in DOMAIN_WORDS:
                word, first = toks[j - 1].text, toks[j - 1].start
    if word is None:
        return None
    kind = DOMAIN_WORDS[word][0]
    if any(e.domain == kind or (kind == "switch" and e.domain in _POWER_WORD_FITS) for e in found):
        return None
    return Span("name", first, last, r.text[first:last])


class NameResolver:
    """The name span → entities (narrowed by domain, class, room, state), or a place or a device
    word said as a name ("the door"), or an unresolved name."""

    name = "name_resolver"
    rules = ("other_device_after",)

    def __call__(self, r: Reading) -> None:
        sp = r.name_span
        if sp is None:
            return
        res = r.resolver
        doms = r.allowed or ((r.domain,) if r.domain else None)
        context_area = r.area or (r.sat_area if not r.floor else None)
        m = res.name(sp.text, area=context_area, domains=doms)
        other = _other_device_after(r, sp, m.entities) if m.entities else None
        if other is not None:
            r.unresolved.append(other)
            r.slots["name"] = norm(other.text)
            r.domain, r.device_class, r.device_word = None, None, ""  # its word is the name's
            r.fired.append("other_device_after")
        elif m.entities:
            r.extra["name_match"] = m.how
            found = res.narrow(m.entities, doms, r.device_class, r.area or r.sat_area, r.floor)
            if r.intent == "HassGetState" and r.state and len(found) > 1:
                found = res.narrow(found, _STATE_DOMAINS.get(r.state))
            r.entities = found
            if len({x.id for x in found}) > 1:
                r.extra["ambiguous_slot"] = "name"
                r.extra["candidates"] = _candidates(r, found)
                r.slots["name"] = found[0].name if len({x.name for x in found}) == 1 else norm(sp.text)
            else:
                r.slots["name"] = found[0].name
                r.targets = [found[0].id]
            r.domain, r.device_class = None, None
        elif m.domain and not (m.area or m.floor) and not (r.area or r.floor):
            r.domain, r.device_class, r.device_word = m.domain, m.device_class, norm(sp.text)  # "the door"
            r.bare_word = True
        elif m.area or m.floor or m.domain:
            r.area = m.area or r.area
            r.floor = m.floor or r.floor
            if m.domain:
                r.domain, r.device_class = m.domain, m.device_class
        else:
            r.unresolved.append(Span("name", sp.start, sp.end, sp.text))
            r.slots["name"] = norm(sp.text)


class AreaList:
    """Several rooms said for one command ("the lights in the garage and the kitchen", "the kitchen
    and bedroom lights", "in the kitchen, the office and the hallway"): the devices of all of them —
    the rooms the tagger missed or ran together were silently dropped.  Only the home's rooms said
    by name one after another, joined by "and" or commas (or only articles, as speech writes a list),
    with an "and" or a comma among them, one of them where the tagger read a room, with a device
    word said."""

    name = "area_list"

    def __call__(self, r: Reading) -> None:
        if r.intent not in _GROUP_ACTIONS or r.entities or "name" in r.slots or r.domain is None:
            return
        tagged = [sp for sp in r.spans if sp.slot == "area"]
        if not tagged or not _has_joiner(r):
            return
        chain = next((c for c in _room_chains(r) if any(a.start < sp.end and sp.start < b.end
                                                           for a, b, _ in c for sp in tagged)), None)
        if chain is None:
            return
        areas = list({area.id: area for _, _, area in chain}.values())
        found = [e for a in areas for e in r.resolver.entities_in(a, None, (r.domain,), r.device_class)]
        if not found:
            return
        r.targets = list(dict.fromkeys(e.id for e in found))
        r.slots["area"] = ", ".join(a.name for a in areas[:-1]) + " and " + areas[-1].name
        r.unresolved = [u for u in r.unresolved if u.slot != "area"]


def _has_joiner(r: Reading) -> bool:
    """An "and", "&" or a comma in the sentence: no list without one."""
    return bool({"and", "&"} & set(r.words)) or "," in r.text


def _list_gap(text: str) -> tuple[bool, bool]:
    """Whether ``text`` between two things holds only list words, and whether it joins them ("and", ",")."""
    gap = text.lower().replace(",", " , ").split()
    return set(gap) <= _AREA_JOINER, bool({"and", ",", "&"} & set(gap))


def _room_chains(r: Reading) -> list[list[tuple[Any, Any, Any]]]:
    """Runs of two or more of the home's rooms said by name."""
    return _chains(r, lambda text: r.resolver.area(text, fuzzy=False))


def _key(thing: Any) -> Any:
    return tuple(e.id for e in thing) if isinstance(thing, tuple) else thing.id


def _chains(r: Reading, lookup: Any) -> list[list[tuple[Any, Any, Any]]]:
    """Runs of two or more things ``lookup`` finds by their words (first token, last token, thing),
    each after the one before with only list words between, with an "and" or a comma in the run."""
    toks, mentions, i = r.toks, [], 0
    while i < len(toks):
        for j in range(min(len(toks), i + 5), i, -1):
            thing = lookup(r.text[toks[i].start:toks[j - 1].end]) if norm(toks[i].text) else None
            if thing is not None:
                mentions.append((toks[i], toks[j - 1], thing))
                i = j - 1
                break
        i += 1
    chains, run, joined = [], mentions[:1], False
    for prev, cur in itertools.pairwise(mentions):
        listed, joins = _list_gap(r.text[prev[1].end:cur[0].start])
        if listed and _key(cur[2]) != _key(prev[2]):
            run.append(cur)
            joined = joined or joins
            continue
        if len(run) > 1 and joined:
            chains.append(run)
        run, joined = [cur], False
    if len(run) > 1 and joined:
        chains.append(run)
    return chains


class NameList:
    """Several names said for one command ("turn on the desk lamp and the tv plug", "lock the front
    door and the back door", "the desk lamp the tv plug and the coffee maker"): all of them, not
    only the last one (the others were silently dropped).  Only names joined by "and" or a comma
    (or only articles, as speech writes a list), each matching one entity by its words (no guess)."""

    name = "name_list"

    def __call__(self, r: Reading) -> None:
        said = sorted((sp for sp in r.spans if sp.slot == "name"), key=lambda x: x.start)
        if r.intent not in INTENT_DOMAINS or r.extra.get("ambiguous_slot"):
            return
        if not said:  # a device word standing for the name ("the tv"): where it was said
            said = [sp for sp in r.out_spans if sp.slot == "name"] or ([r.name_span] if r.name_span else [])
            if not said:
                return
        found = self._tagged(r, said) or self._said(r, said)
        if len(found) > 1:
            r.entities, r.targets = found, [e.id for e in found]
            r.slots["name"] = ", ".join(e.name for e in found[:-1]) + " and " + found[-1].name
            r.domain, r.device_class = None, None

    @staticmethod
    def _tagged(r: Reading, said: list[Span]) -> list[Entity]:
        """The names as the tagger cut them: one span over both ("the kitchen spots and counter
        light") or spans joined by "and" or a comma."""
        if len(said) == 1:
            if r.resolver.exact(said[0].text):
                return []
            parts = [x for x in _SPLIT.split(said[0].text) if x.strip()]
        elif all(_JOINER.fullmatch(r.text[a.end:b.start].strip().lower())
                 for a, b in itertools.pairwise(said)):
            parts = [sp.text for sp in said]
        else:
            return []
        found: list[Entity] = []
        for text in parts if len(parts) > 1 else ():
            m = r.resolver.name(text, domains=r.allowed)
            if len({e.id for e in m.entities}) != 1 or m.how not in ("exact", "partial"):
                return []
            if m.entities[0].id not in {e.id for e in found}:
                found.append(m.entities[0])
        return found

    @staticmethod
    def _said(r: Reading, said: list[Span]) -> list[Entity]:
        """The home's names said one after another, the tagger's among them, where it tagged only
        some ("the coffee maker and the tv", "the desk lamp the tv plug and the coffee maker"); a
        room's kind of device among them ("the kitchen lights and the desk lamp") is the room's."""
        if not _has_joiner(r):
            return []
        doms = r.allowed
        rooms: set[tuple[str, ...]] = set()  # the groups that are a room's devices
        left_out: list[str] = []

        def one(text: str) -> tuple[Entity, ...] | None:
            found = [e for e in r.resolver.exact(text) if doms is None or e.domain in doms]
            if len(found) == 1:
                return (found[0],)
            words = text.lower().split()
            if len(words) == 1 and words[0] in DOMAIN_WORDS:  # "the blinds": the one thing of that word
                domain, device_class = DOMAIN_WORDS[words[0]]
                if r.sat_area is not None and stem(words[0]) != words[0]:  # "the lights" said in a room: its
                    return tuple(r.resolver.entities_in(r.sat_area, None, (domain,), device_class)) or None
                picked = device_word_entities(r, words[0], domain)
                if len(picked) != 1:
                    left_out.append(words[0])  # "the tv and the lights": which lights is not said
                return (picked[0],) if len(picked) == 1 else None
            kind = DOMAIN_WORDS.get(words[-1]) if len(words) > 1 else None
            area = r.resolver.area(" ".join(words[:-1]), fuzzy=False) if kind else None
            if kind is None or area is None or (doms is not None and kind[0] not in doms):
                return None
            group = tuple(r.resolver.entities_in(area, None, (kind[0],), kind[1]))
            rooms.add(tuple(e.id for e in group))
            return group or None

        chain = next((c for c in _chains(r, one) if any(a.start < sp.end and sp.start < b.end
                                                       for a, b, _ in c for sp in said)), None)
        if left_out and _joined_to(r, left_out, said):
            r.extra["list_left_out"] = left_out  # a part of the list it cannot tell: asked first, never dropped
        if chain is None:
            return []
        if any(_key(group) in rooms for _, _, group in chain):
            r.slots.pop("area", None)  # the room said is one of the list's, not a place for them all
            r.area = None
            r.unresolved = [u for u in r.unresolved if u.slot != "area"]
        return list({e.id: e for _, _, group in chain for e in group}.values())


def _joined_to(r: Reading, words: list[str], said: list[Span]) -> bool:
    """Whether one of ``words`` is said joined by "and" / "," to a tagged name ("the tv and the lights")."""
    low = r.text.lower()
    for sp in said:
        for w in words:
            for m in re.finditer(rf"\b{re.escape(w)}\b", low):
                listed, joins = _list_gap(low[sp.end:m.start()] if m.start() >= sp.end else low[m.end():sp.start])
                if listed and joins:
                    return True
    return False


class NameElsewhere:
    """A name said with a place that it is not in ("the ceiling fan in the office", which hangs in
    the bedroom; "the bedroom lamp downstairs"): the speaker may mean the named device or one of
    that kind in the place said, and a guess could switch the wrong one.  With devices of that
    kind there, the dialogue asks which (the named one or those); without, a command is confirmed
    first (``extra["place_against"]``, decide.py), as it is when too many would make the question long.  Only a place said counts ("in here" with the
    satellite's room included), never the satellite's room by default."""

    name = "name_elsewhere"
    rules = ("ask_which", "confirm")

    def __call__(self, r: Reading) -> None:
        place = r.area or (r.sat_area if r.here else None)
        said = place or r.floor
        if r.name_span is None or not r.entities or said is None:
            return
        home = r.ctx.home

        def there(e: Entity) -> bool:
            if place is not None and e.area == place.id:
                return True
            area = home.area(e.area)
            return r.floor is not None and area is not None and area.floor == r.floor.id

        if any(not e.area or there(e) for e in r.entities):
            return
        named = {e.id for e in r.entities}
        kinds = {e.domain for e in r.entities}
        others = [e for e in r.resolver.entities_in(place, r.floor if place is None else None, kinds)
                  if e.id not in named]
        if 0 < len(others) <= _MAX_OTHERS:
            cands = [*r.entities, *others]
            r.entities, r.targets = cands, []
            r.extra["ambiguous_slot"] = "name"
            r.extra["candidates"] = _candidates(r, cands)
            r.slots["name"] = norm(r.name_span.text)
            r.fired.append("ask_which")
        else:
            r.extra["place_against"] = said.name
            r.fired.append("confirm")


def device_word_entities(r: Reading, word: str, domain: str) -> list[Entity]:
    """Entities a device word stands for when no name or room was said ("turn on the lamp").

    One entity with that word in its name: it.  Several: the ones in the satellite's room when
    that leaves one, else all of them (ambiguous, the dialogue asks which).  A plural ("the
    blinds") only names a single entity; with a satellite room it keeps meaning the group there.
    """
    intent = r.intent
    allowed = INTENT_DOMAINS.get(intent or "") or (None if intent == "HassGetState" else _ACTIONABLE)
    cands = r.resolver.narrow(r.resolver.with_word(word, allowed), (domain,), r.device_class)
    plural = stem(word) != word
    if r.sat_area is not None:
        if plural:
            return []
        return [e for e in cands if e.area == r.sat_area.id]
    if len(cands) > 1 and not plural:
        return cands
    if len(cands) == 1 and intent in _GROUP_ACTIONS | {"HassGetState"}:
        return cands  # other intents already reach every entity of the domain: the same one
    return []


class DeviceWordEntities:
    """No name and no place, only a device word ("unlock the door"): the entities it stands for."""

    name = "device_word_entities"

    def __call__(self, r: Reading) -> None:
        if not ((r.name_span is None or r.bare_word) and r.area is None and r.floor is None
                and "area" not in r.slots and "floor" not in r.slots and r.device_word and r.domain
                and r.intent in INTENT_DOMAINS and not r.here and not r.all):
            return
        picked = device_word_entities(r, r.device_word, r.domain)
        if len(picked) == 1:
            r.entities = picked
            r.slots["name"] = picked[0].name
            r.targets = [picked[0].id]
            r.domain, r.device_class = None, None
        elif picked:
            r.entities = picked
            r.extra["ambiguous_slot"] = "name"
            r.extra["candidates"] = _candidates(r, picked)
            r.slots["name"] = norm(r.device_word)
            r.domain, r.device_class = None, None


class SatelliteArea:
    """No place said: the satellite's own room, for "in here" and for the intents that default to it."""

    name = "satellite_area"

    def __call__(self, r: Reading) -> None:
        if r.area is None and r.floor is None and "name" not in r.slots and "area" not in r.slots \
                and r.sat_area is not None and (r.here or (r.intent in _CONTEXT_AREA and not r.all)):
            r.area = r.sat_area


class Targets:
    """The place into slots, and without a name the entities of the place and domain as targets
    (never the whole house for a group action unless "all" was said)."""

    name = "targets"
    rules = ("open_close_covers", "lock_a_place", "which_player")

    def __call__(self, r: Reading) -> None:
        intent = r.intent
        if r.area is not None:
            r.slots["area"] = r.area.name
        if r.floor is not None:
            r.slots["floor"] = r.floor.name
        if intent not in INTENT_DOMAINS:
            r.targets = []
            return
        if r.entities or "name" in r.slots:
            return
        placed = any(sp.slot in ("area", "floor") for sp in r.spans)
        if r.domain is None and intent in ("HassTurnOn", "HassTurnOff") and placed and _locks(r):
            r.domain = "lock"  # "lock the shed": its lock
            r.fired.append("lock_a_place")
        elif r.domain is None and intent in ("HassTurnOn", "HassTurnOff") and _opens_or_closes(r) and placed:
            r.domain = "cover"  # "close the garage": its door, never its light
            r.fired.append("open_close_covers")
        doms: tuple[str, ...] | None = (r.domain,) if r.domain else (r.allowed or _AREA_DEFAULT.get(intent))
        if r.domain is None and doms and "valve" in doms:
            doms = tuple(d for d in doms if d != "valve")  # "set the garage to 0": its door, never the water main
        if intent == "HassGetState" and r.domain is None and r.state is None:
            doms = None
        if r.area is None and r.floor is None and intent in _GROUP_ACTIONS and (r.here or not r.all):
            doms = ()  # "turn on the lights (in here)" with no known room: never the whole house by default
        if r.area or r.floor or r.domain or intent not in ("HassTurnOn", "HassTurnOff", "HassToggle",
                                                             "HassGetState"):
            found = r.resolver.entities_in(r.area, r.floor, doms, r.device_class)
            if intent == "HassClimateGetTemperature" and not found:
                found = r.resolver.entities_in(r.area, r.floor, ("sensor",), "temperature")
            if intent in _ONE_PLAYER and len(found) > 1 and not (r.area or r.floor or r.domain or r.all):
                # "set the volume to 80" with no room known: which player, never every one in the house
                r.entities = found
                r.extra["ambiguous_slot"] = "name"
                r.extra["candidates"] = _candidates(r, found)
                r.extra["which_player"] = True  # candidates of the intent, not of words said: no evidence
                r.fired.append("which_player")
                return
            r.targets = [x.id for x in found]
        if r.domain and intent in _DOMAIN_SLOT:
            r.slots["domain"] = r.domain
            if r.device_class and intent in _CLASS_SLOT:
                r.slots["device_class"] = r.device_class
