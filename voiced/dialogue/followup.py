"""What a request still lacks, and how a short follow-up answer fills it (pure helpers)."""

from __future__ import annotations

import dataclasses
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from voiced.dialogue.timers import duration_seconds
from voiced.events import Parse
from voiced.home import Home
from voiced.intents import DOMAIN_ACTIONS, INTENTS, names

# intent → (question asked, slots any one of which satisfies it)
REQUIRED_VALUES: dict[str, tuple[str, tuple[str, ...]]] = {
    "HassClimateSetTemperature": ("temperature", ("temperature",)),
    "HassLightSet": ("brightness", ("brightness", "color")),
    "HassSetPosition": ("position", ("position",)),
    "HassSetVolume": ("volume_level", ("volume_level",)),
    "HassStartTimer": ("duration", ("hours", "minutes", "seconds")),
    "HassIncreaseTimer": ("duration", ("hours", "minutes", "seconds")),
    "HassDecreaseTimer": ("duration", ("hours", "minutes", "seconds")),
}
PERCENT_SLOTS = ("brightness", "position", "volume_level")
_COLOUR_WORDS = {"colour", "color", "hue", "tint"}  # as words() gives them ("colours" → "colour")

# words that never tell candidates apart ("the bedroom one", "I mean the desk lamp please")
_STOP = {
    "the", "a", "an", "one", "ones", "please", "in", "on", "at", "of", "to", "that", "this", "it",
    "i", "mean", "meant", "want", "wanted", "said", "say", "uh", "um", "er", "yes", "no", "just",
    "turn", "switch", "set", "put", "make", "thanks", "thank", "you", "my", "with", "and", "room",
}
_ORDINALS = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3,
             "4th": 3, "fifth": 4, "5th": 4, "last": -1}
_ALL = {"all", "both", "every", "everything", "each"}


@dataclass(frozen=True)
class Candidate:
    id: str
    name: str
    area: str | None


def words(text: str) -> list[str]:
    out = []
    for w in re.findall(r"[a-z0-9']+", text.lower().replace("'s ", " ")):
        w = w.strip("'")
        if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
            w = w[:-1]  # "lamps" answers "lamp"
        if w:
            out.append(w)
    return out


def answer_slots(parse: Parse) -> dict[str, Any]:
    """Slots of an answer, including those tagged while the intent stayed null (``slots_raw``)."""
    raw = parse.extra.get("slots_raw")
    merged: dict[str, Any] = dict(raw) if isinstance(raw, dict) else {}
    merged.update(parse.slots)
    return merged


def answer_numbers(parse: Parse) -> list[float]:
    nums = parse.extra.get("numbers")
    if not isinstance(nums, list):
        return []
    return [float(n) for n in nums
            if isinstance(n, int | float) and not isinstance(n, bool) and math.isfinite(n)]


def candidates(parse: Parse) -> tuple[Candidate, ...]:
    """The NLU's candidates when it flagged an ambiguous name/area; () when there is nothing to ask."""
    if not parse.extra.get("ambiguous_slot"):
        return ()
    raw = parse.extra.get("candidates")
    if not isinstance(raw, list):
        return ()
    out: list[Candidate] = []
    for c in raw:
        if isinstance(c, dict) and isinstance(c.get("id"), str) and isinstance(c.get("name"), str):
            area = c.get("area")
            out.append(Candidate(c["id"], c["name"], area if isinstance(area, str) else None))
    return tuple(out) if len(out) >= 2 else ()


def spoken_names(cands: tuple[Candidate, ...]) -> list[str]:
    """How the "which one" question names the candidates: a name that two share comes with its room
    ("the Ceiling Light in the Main Bedroom or the Ceiling Light in the Living Area")."""
    seen = Counter(c.name.lower() for c in cands)
    return [f"{c.name} in the {c.area}" if seen[c.name.lower()] > 1 and c.area else c.name for c in cands]


def _candidate_words(c: Candidate, home: Home) -> set[str]:
    spellings: list[str] = [c.name, c.area or ""]
    entity = home.entity(c.id)
    if entity is not None:
        spellings.extend(entity.names)
        area = home.area(entity.area)
        if area is not None:
            spellings.extend(area.names)
    return {w for s in spellings for w in words(s)}


def choose(parse: Parse, cands: tuple[Candidate, ...], home: Home) -> tuple[tuple[Candidate, ...], bool]:
    """The candidate(s) an answer picks, and whether that settles the question.

    Order: the answer's resolved targets; its tagged name/area (``slots_raw``); the distinctive
    words it shares with one candidate's name, aliases or area; an ordinal ("the second one");
    "both"/"all of them" picks every candidate.  An answer that only narrows the choice ("the
    living room one" with two lamps there) returns the narrower set with False, to ask again;
    an answer that picks nothing returns ((), False).
    """
    by_id = {c.id: c for c in cands}
    hit = tuple(by_id[t] for t in parse.targets if t in by_id)
    if hit:
        return hit, True
    narrowed: list[Candidate] = []
    slots = answer_slots(parse)
    name, area = slots.get("name"), slots.get("area")
    pool = list(cands)
    if isinstance(name, str):
        named = [c for c in pool if c.name.lower() == name.lower()]
        if named:
            pool = named
    if isinstance(area, str):
        in_area = [c for c in pool if (c.area or "").lower() == area.lower()]
        if in_area:
            pool = in_area
    if len(pool) == 1:
        return (pool[0],), True
    if len(pool) < len(cands):
        narrowed = pool
    said = [w for w in words(parse.text) if w not in _STOP]
    if said:
        scores = [(len(set(said) & _candidate_words(c, home)), c) for c in cands]
        best = max(s for s, _ in scores)
        top = [c for s, c in scores if s == best]
        if best > 0 and len(top) == 1:
            return (top[0],), True
        if best > 0 and len(top) < len(cands) and (not narrowed or len(top) < len(narrowed)):
            narrowed = top
    for w in said:
        if w in _ORDINALS:
            i = _ORDINALS[w]
            if -len(cands) <= i < len(cands):
                return (cands[i],), True
    if any(w in _ALL for w in said):
        return cands, True
    return tuple(narrowed), False


def rebuild_with(parse: Parse, chosen: tuple[Candidate, ...]) -> Parse:
    """The original request, now aimed at the chosen candidate(s)."""
    slots = dict(parse.slots)
    if len(chosen) == 1:
        slots["name"] = chosen[0].name
        if chosen[0].area and "area" in slots:
            slots["area"] = chosen[0].area
    extra = {k: v for k, v in parse.extra.items() if k not in ("ambiguous_slot", "candidates")}
    return dataclasses.replace(parse, slots=slots, targets=tuple(c.id for c in chosen), extra=extra)


# commands that may reach every device of a kind in one room ("dim the lights")
GROUP_INTENTS = names(group=True)


def _kind(parse: Parse) -> tuple[str | None, str | None]:
    domain = parse.slots.get("domain") or parse.extra.get("domain_hint")
    dc = parse.slots.get("device_class")
    return (domain if isinstance(domain, str) else None), (dc if isinstance(dc, str) else None)


def _of_kind(home: Home, domain: str, dc: str | None) -> list[Any]:
    return [e for e in home.entities if e.domain == domain and (dc is None or e.device_class == dc) and e.area]


def missing_area(parse: Parse, home: Home) -> list[tuple[str, str]]:
    """(area id, display name) of the rooms that a room-less group command could mean ("brighten the
    lights" with no room said and no satellite room): the dialogue asks which; [] when there is
    nothing to ask (a target, a name, a room, or a choice of devices already known)."""
    if parse.intent not in GROUP_INTENTS or parse.targets or parse.extra.get("candidates") \
            or any(k in parse.slots for k in ("name", "area", "floor")):
        return []
    domain, dc = _kind(parse)
    if domain is None:
        return []
    rooms: dict[str, str] = {}
    for e in _of_kind(home, domain, dc):
        a = home.area(e.area)
        if a is not None:
            rooms.setdefault(a.id, a.name)
    return list(rooms.items())


def area_from_answer(parse: Parse, rooms: list[tuple[str, str]], home: Home) -> str | None:
    """The room (area id) an answer names: its tagged area, or the one room whose words it says."""
    said = answer_slots(parse).get("area")
    if isinstance(said, str):
        hit = [i for i, n in rooms if n.lower() == said.lower()]
        if len(hit) == 1:
            return hit[0]
    heard = set(words(parse.text)) - _STOP
    hits = []
    for area_id, name in rooms:
        a = home.area(area_id)
        spellings = a.names if a is not None else (name,)
        if any(set(words(s)) <= heard for s in spellings):
            hits.append(area_id)
    return hits[0] if len(hits) == 1 else None


def aim_at_area(parse: Parse, area_id: str, home: Home) -> Parse:
    """The request, now aimed at the devices of its kind in that room."""
    domain, dc = _kind(parse)
    targets = tuple(e.id for e in _of_kind(home, domain or "", dc) if e.area == area_id)
    a = home.area(area_id)
    slots = {**parse.slots, "area": a.name if a is not None else area_id}
    return dataclasses.replace(parse, slots=slots, targets=targets)


def missing_value(parse: Parse) -> str | None:
    """The question to ask when the intent needs a value the request did not give."""
    need = REQUIRED_VALUES.get(parse.intent or "")
    if need is None:
        return None
    question, slots = need
    if question == "brightness" and _COLOUR_WORDS & set(words(parse.text)):
        question = "color"  # "change the light colour": which colour, not how bright
    if question == "duration":
        total = duration_seconds(parse.slots)
        return None if total is not None and total > 0 else question
    if any(parse.slots.get(s) is not None for s in slots):
        return None
    return question


def value_from_answer(question: str, parse: Parse) -> dict[str, Any] | None:
    """Slots that an answer ("twenty one", "red", "five minutes") adds for ``question``; None if it adds none."""
    slots = answer_slots(parse)
    nums = answer_numbers(parse)
    if question == "duration":
        got = {k: slots[k] for k in ("hours", "minutes", "seconds") if _is_num(slots.get(k))}
        if got and sum(float(v) for v in got.values()) > 0:
            return got
        if nums and nums[0] > 0:
            return {"minutes": _clean(nums[0])}  # a bare number answers in minutes ("five")
        return None
    if question in ("brightness", "color") and isinstance(slots.get("color"), str) and slots["color"]:
        return {"color": slots["color"]}
    if question == "color":
        return None  # "which colour?" is answered by a colour
    value = slots.get(question)
    if not _is_num(value):
        value = nums[0] if nums else None
    if value is None:
        return None
    if question in PERCENT_SLOTS and not 0 <= float(value) <= 100:
        return None
    return {question: _clean(float(value))}


def target_names(parse: Parse, home: Home) -> list[str]:
    names = []
    for t in parse.targets:
        e = home.entity(t)
        names.append(e.name if e is not None else t)
    return names


# ------------------------------------------------------------------ unsure readings

_ACTION_OF = {n: s.action for n, s in INTENTS.items() if s.action}


# confirmations of what was heard rather than of what was meant: a doubtful hearing, or another
# hearing of the same audio taken when the first meant nothing (voiced.pipeline)
_WORDS_IN_DOUBT = frozenset({"doubtful_speech", "another_hearing"})


def unsure_question(parse: Parse, home: Home) -> dict[str, Any] | None:
    """The confirmation values for a reading the NLU was not sure of (``extra["decision"] ==
    "confirm"``): "Are you sure you want to turn off the Kitchen Lights?", or, when it was the
    hearing that was in doubt, the words heard ("Did you say: …?"); None for a sure one."""
    if parse.extra.get("decision") != "confirm":
        return None
    action = _ACTION_OF.get(parse.intent or "")
    domains = {t.split(".", 1)[0] for t in parse.targets}
    if action and len(domains) == 1:  # what the planner will do to that domain ("unlock" the door)
        action = DOMAIN_ACTIONS.get(parse.intent or "", {}).get(next(iter(domains)), action)
    if action == "brightness" and "color" in parse.slots:
        action = "color"
    names = target_names(parse, home) or [str(v) for k, v in parse.slots.items() if k in ("name", "area")][:1]
    values: dict[str, Any] = {"question": "confirm", "unsure": True}
    if action and names:
        values.update(action=action, names=names)
    if parse.extra.get("reason") in _WORDS_IN_DOUBT and parse.text.strip():
        values["heard"] = parse.text.strip()  # the words themselves were in doubt: "Did you say: …?"
    return values


# ------------------------------------------------------------------ risky actions

def risky_action(parse: Parse, home: Home, enabled: Iterable[str]) -> tuple[str, str, list[str]] | None:
    """(risk, verb, display names) when the request would do one of the configured risky actions.

    unlock: HassTurnOff/HassToggle on a lock; open_garage/open_gate: HassTurnOn/HassToggle, or
    HassSetPosition above 0, on a cover of device class garage_door/gate; disarm: HassTurnOff/
    HassToggle on an alarm_control_panel (not a voiced domain yet; the hook is ready).
    """
    allowed = set(enabled)
    intent = parse.intent
    found: tuple[str, str] | None = None
    names: list[str] = []
    for target in parse.targets:
        e = home.entity(target)
        domain = target.split(".", 1)[0]
        dc = e.device_class if e is not None else None
        risk: tuple[str, str] | None = None
        if domain == "lock" and intent in ("HassTurnOff", "HassToggle"):
            risk = ("unlock", "unlock")
        elif domain == "alarm_control_panel" and intent in ("HassTurnOff", "HassToggle"):
            risk = ("disarm", "disarm")
        elif domain == "cover" and dc in ("garage_door", "gate"):
            opening = intent in ("HassTurnOn", "HassToggle") or (
                intent == "HassSetPosition" and _is_num(parse.slots.get("position"))
                and float(parse.slots["position"]) > 0)
            if opening:
                risk = ("open_garage" if dc == "garage_door" else "open_gate", "open")
        if risk is None or risk[0] not in allowed:
            continue
        if found is None:
            found = risk
        names.append(e.name if e is not None else target)
    if found is None:
        return None
    return found[0], found[1], names


def _is_num(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _clean(v: float) -> int | float:
    return int(v) if float(v).is_integer() else v
