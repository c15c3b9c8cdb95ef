"""Text → ``Parse``: the tagger's intent and spans, normalised and resolved against the home.

The network only says *what kind* of thing each span is; everything that depends on the home
(display names, aliases, areas, which entities a command reaches) happens here, so a new home or
new MQTT-discovered devices only need ``set_home`` — never retraining.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import torch

from voiced.config import DEFAULT_MODELS
from voiced.events import Parse, Span
from voiced.home.model import Area, Entity, Floor, Home
from voiced.home.resolve import DOMAIN_WORDS, Resolver, is_device_word, norm, stem
from voiced.intents import INTENTS, names
from voiced.nlu import checkpoint, evidence, numbers
from voiced.nlu.decide import REJECT, Policy, decide
from voiced.nlu.generate import gazetteer_flags, home_names
from voiced.nlu.scope import outdoor, scope
from voiced.nlu.slots import STATE_WORDS, span_slots
from voiced.nlu.text import Token, normalise, tokenize
from voiced.nlu.train import spans_from_tags

# the facts about each intent come from voiced/intents.py
INTENT_DOMAINS: dict[str, tuple[str, ...] | None] = {n: s.domains for n, s in INTENTS.items() if s.domains != ()}
_AREA_DEFAULT: dict[str, tuple[str, ...]] = {n: s.area_default for n, s in INTENTS.items() if s.area_default}
_DOMAIN_SLOT = names(domain_slot=True)
_CLASS_SLOT = names(class_slot=True)
_CONTEXT_AREA = names(context_area=True)  # take the satellite's own area when none is said
_GROUP_ACTIONS = names(group=True)
_TIMER_INTENTS = names(timer=True)
_HERE = re.compile(r"\b(in here|here|this room|in this room|where i am)\b")
_ALL = re.compile(r"\b(all|every|everything|everywhere|whole house|any|(in|around|throughout|all over) the house)\b")
_EXTRA_WORDS = {"humid": ("sensor", "humidity"), "humidity": ("sensor", "humidity"),
                "motion": ("binary_sensor", "motion"), "movement": ("binary_sensor", "motion"),
                # "is anybody in the kitchen": a motion sensor answers
                **dict.fromkeys(("anybody", "anyone", "someone", "somebody", "occupied"), ("binary_sensor", "motion"))}


class Parser:
    """Loaded NLU model + the current home.  ``parse`` is safe to call from one thread at a time."""

    def __init__(self, model: checkpoint.NluModel, home: Home, threshold: float = 0.5, act: float = 0.8) -> None:
        self.model = model
        self.threshold = threshold
        self.policy = Policy(act=max(act, threshold), ask=threshold, answer=max(threshold, min(act, 0.6)))
        self.set_home(home)

    @classmethod
    def load(cls, model_dir: Path | None, home: Home, threshold: float = 0.5, act: float = 0.8) -> Parser:
        """Load a checkpoint (default: the shipped ``models/nlu``); ModelError when it cannot."""
        torch.set_num_threads(1)  # batch-1 inference: one thread avoids multi-ms scheduling spikes
        directory = Path(model_dir) if model_dir is not None else DEFAULT_MODELS / "nlu"
        if not (directory / "meta.json").exists() and (directory / "nlu" / "meta.json").exists():
            directory = directory / "nlu"  # --model models/ means the shipped set
        return cls(checkpoint.load(directory), home, threshold, act)

    def set_home(self, home: Home) -> None:
        """Switch to a new home (e.g. after MQTT discovery): new names resolve at once, no retraining."""
        self.home = home
        self.resolver = Resolver(home)
        self._gaz = home_names(home)
        # words of names that may make up an answer ("the desk one"); device words ("lock", "lamp")
        # are left out because they double as verbs and group words in commands
        self._place_words = {w for n in (*self._gaz[1], *self._gaz[2]) for w in n.split()} - set(DOMAIN_WORDS)
        self._name_words = {w for n in self._gaz[0] for w in n.split()} - set(DOMAIN_WORDS)

    def known_words(self) -> set[str]:
        """Words the model has embeddings for plus every word of the home's names."""
        return {w for w in self.model.vocab.words if not w.startswith("<")} | self.home.vocabulary()

    # ------------------------------------------------------------------ parse
    def parse(self, text: str, area: str | None = None) -> Parse:
        """The reading of ``text``, then act / confirm / refuse (voiced/nlu/decide.py): a refused
        reading comes back as ``intent: None`` with the reading in ``extra["rejected"]``."""
        toks = tokenize(text)
        words = [t.text for t in toks]
        reading = self._read(text, area)
        if reading.intent is None and len(toks) > 2 and words[0] in _CORRECTION:
            reading = self._correction(text, toks[1].start, area) or reading
        reading = outdoor(reading, words, self.resolver)
        found = evidence.find(reading, words, satellite=self._satellite_area(area) is not None)
        verdict = decide(reading, found, self.policy)
        extra = {**reading.extra, "decision": verdict.decision, "reason": verdict.reason, "evidence": found}
        where = scope(reading.intent, " ".join(words), self.resolver)
        if where:
            extra["scope"] = where
        if verdict.decision == REJECT and reading.intent is not None:
            extra["rejected"] = {"intent": reading.intent, "slots": dict(reading.slots),
                                 "targets": list(reading.targets)}
            # a name said that the home does not have stays reported ("I don't know a pool pump")
            return Parse(text=text, intent=None, confidence=reading.confidence, extra=extra,
                         unresolved=reading.unresolved if verdict.reason == "no_evidence" else ())
        return dataclasses.replace(reading, extra=extra)

    def _correction(self, text: str, start: int, area: str | None) -> Parse | None:
        """ "no, turn on the kitchen lights": a denial followed by the command that replaces it."""
        alt = self._read(text[start:], area)
        if alt.intent is None or alt.intent in ("VoicedConfirm", "VoicedDeny"):
            return None
        def moved(spans: tuple[Span, ...]) -> tuple[Span, ...]:
            return tuple(dataclasses.replace(x, start=x.start + start, end=x.end + start) for x in spans)
        return dataclasses.replace(alt, text=text, spans=moved(alt.spans), unresolved=moved(alt.unresolved))

    def _read(self, text: str, area: str | None) -> Parse:
        toks = tokenize(text)
        words = [t.text for t in toks]
        gaz = gazetteer_flags(words, *self._gaz)
        intent, conf, tags, _dist = self.model.predict(words, gaz)
        spans: list[tuple[str, int, int, str]] = []  # (label, start, end, text)
        for label, i, j in spans_from_tags(words, tags):
            start, end = toks[i].start, toks[j - 1].end
            spans.append((label, start, end, text[start:end]))
        raw: dict[str, Any] = {}
        for label, _s, _e, span_text in spans:
            raw.update(span_slots(label, span_text))
        extra: dict[str, Any] = {"slots_raw": dict(raw), "numbers": find_numbers(text)}
        fixed = fixed_reply(words)
        if fixed is not None:
            # yes / no / stop are whole-utterance replies: a rule, so a stray "stop" never pauses media
            return Parse(text=text, intent=fixed, confidence=conf if intent == fixed else 1.0, extra=extra)
        if not toks or intent is None or conf < self.threshold or self._bare_value(words) \
                or all(w in _HESITATION for w in words) or intent in ("VoicedConfirm", "VoicedDeny"):
            # a yes must be a clear yes (the rule above): a misheard one could confirm an unlock
            # a bare value or choice ("twenty one", "the bedroom one") answers a question; never a command
            extra["slots_raw"] = self._answer_slots(text, raw, bare=bool(toks) and self._bare_value(words))
            return Parse(text=text, intent=None, confidence=conf, extra=extra)
        return self._resolve(text, words, intent, conf, spans, raw, extra, area)

    def _bare_value(self, words: list[str]) -> bool:
        """Only numbers, units, ordinals, "both", "one" and place/device name words: an answer."""
        content = place = value = False
        for w in words:
            if w in _VALUE_WORDS or w in _FILLER_WORDS:
                content = content or w in _CONTENT_WORDS
                value = value or w in ("percent", "%", "degrees", "degree")
            elif w[0].isdigit() or w in numbers.NUMBER_WORDS or w in self._place_words:
                content = True
                place = place or w in self._place_words
                value = value or w[0].isdigit() or w in numbers.NUMBER_WORDS
            elif w not in self._name_words:
                return False  # a verb or any other word: let the model decide
        # a room and a value together ("bedroom fifty percent") is a command, not an answer
        return content and not (place and value and "one" not in words)

    def _answer_slots(self, text: str, raw: dict[str, Any], bare: bool) -> dict[str, Any]:
        """``slots_raw`` of a null parse: tagged slots with names/areas/floors as display names, and
        for a bare answer the place, entity and duration found by lookup when the tagger missed them."""
        out = dict(raw)
        if isinstance(out.get("area"), str):
            a = self.resolver.area(out["area"])
            f = None if a else self.resolver.floor(out["area"])
            if a is not None:
                out["area"] = a.name
            elif f is not None:
                out.pop("area")
                out["floor"] = f.name
        if isinstance(out.get("floor"), str):
            f = self.resolver.floor(out["floor"])
            if f:
                out["floor"] = f.name
        if isinstance(out.get("name"), str):
            found = self.resolver.exact(out["name"])
            if len({e.name for e in found}) == 1:
                out["name"] = found[0].name
        if not bare:
            return out
        nums = find_numbers(text)
        if len(nums) == 1:
            # a bare value is one number: the tagger may have cut it ("twenty | one")
            for k in ("temperature", "brightness", "position", "volume_level"):
                if isinstance(out.get(k), int | float) and not isinstance(out[k], bool):
                    out[k] = nums[0]
        if "area" not in out and "floor" not in out:
            a, f = self.resolver.find_place_in_text(text)
            if a is not None:
                out["area"] = a.name
            elif f is not None:
                out["floor"] = f.name
        if "name" not in out:
            ents, _s, _e = self.resolver.find_in_text(text)
            if ents and len({e.name for e in ents}) == 1:
                out["name"] = ents[0].name
        if not any(k in out for k in ("hours", "minutes", "seconds")) and _UNIT.search(text.lower()):
            out.update(numbers.parse_duration(text) or {})
        return out

    def _satellite_area(self, area: str | None) -> Area | None:
        if not area:
            return None
        found = self.home.area(area)
        return found if found else self.resolver.area(area, fuzzy=False)

    def _domain_words(self, toks: list[Token], inside: set[int], intent: str) -> tuple[str | None, str | None, str]:
        """Domain, device class and the word itself from words like "lights", "blinds" outside name spans."""
        domain: str | None = None
        device_class: str | None = None
        said = ""
        words = [t.text for t in toks]
        for k, t in enumerate(toks):
            if t.start in inside:
                continue
            hit = DOMAIN_WORDS.get(t.text) or _EXTRA_WORDS.get(t.text)
            if not hit:
                continue
            if t.text in DOMAIN_WORDS and not is_device_word(words, k):
                continue  # "switch on ...", "light up ..." are verbs
            if hit[0] == "sensor" and intent != "HassGetState":
                continue
            said = t.text  # the noun comes last: "lock the door" → "door"
            if domain is None:
                domain, device_class = hit
        if domain == "media_player" and intent not in ("HassTurnOn", "HassTurnOff", "HassGetState"):
            domain, device_class = None, None
        return domain, device_class, said

    def _resolve(self, text: str, words: list[str], intent: str, conf: float,
                 spans: list[tuple[str, int, int, str]], raw: dict[str, Any], extra: dict[str, Any],
                 satellite: str | None) -> Parse:
        sat_area = self._satellite_area(satellite)
        toks = tokenize(text)
        low = " ".join(words)
        slots: dict[str, Any] = {}
        out_spans: list[Span] = []
        unresolved: list[Span] = []
        targets: list[str] = []
        allowed = INTENT_DOMAINS.get(intent)
        here = bool(_HERE.search(low))

        # messages run to the end of the sentence; a delayed command only belongs to a timer
        fixed = []
        if intent != "HassStartTimer":
            spans = [sp for sp in spans if sp[0] != "conversation_command"]
            raw.pop("conversation_command", None)
        for label, s, e, t in spans:
            if label == "message":
                e = len(text.rstrip(" .!?\"'"))
                prev = [x for x in toks if x.end <= s]
                if prev and prev[-1].text in ("the", "a", "an", "my", "our") and len(prev) > 1 and \
                        prev[-2].text in ("announce", "broadcast", "that", "everyone", "everybody", "house"):
                    s = prev[-1].start
                t = text[s:e]
                raw["message"] = normalise(t)
            fixed.append((label, s, e, t))
        spans = fixed

        inside: set[int] = set()
        for label, s, e, _t in spans:
            if label in ("name", "area", "floor", "item", "message", "list", "timer_name", "conversation_command"):
                inside.update(x.start for x in toks if s <= x.start < e)
        domain, device_class, device_word = self._domain_words(toks, inside, intent)

        name_span: tuple[str, int, int, str] | None = None
        area_span: tuple[int, int] | None = None
        area_obj: Area | None = None
        floor_obj: Floor | None = None
        for label, s, e, t in spans:
            slot_label = {"timer_name": "name", "list": "name"}.get(label, label)
            out_spans.append(Span(slot_label, s, e, t))
            if label in ("name", "list") and intent not in _TIMER_INTENTS:
                name_span = (label, s, e, t)
            elif label == "area":
                a = self.resolver.area(t)
                f = None if a else self.resolver.floor(t)
                if a:
                    area_obj, area_span = a, (s, e)
                elif f:
                    floor_obj = f
                elif name_span is None and intent not in _TIMER_INTENTS and self.resolver.name(t).entities:
                    name_span = ("name", s, e, t)  # a device's name tagged as a room ("the bedroom lamb")
                    out_spans[-1] = Span("name", s, e, t)
                else:
                    unresolved.append(Span("area", s, e, t))
                    slots["area"] = norm(t)
            elif label == "floor":
                f = self.resolver.floor(t)
                a = None if f else self.resolver.area(t)
                if f:
                    floor_obj = f
                elif a:
                    area_obj, area_span = a, (s, e)
                else:
                    unresolved.append(Span("floor", s, e, t))
                    slots["floor"] = norm(t)
        for k, v in raw.items():  # numbers, durations, colour, state, free text: already normalised
            if k not in ("name", "area", "floor") and v is not None:
                slots[k] = v
        if intent in _TIMER_INTENTS and "name" in raw:
            slots["name"] = raw["name"]
        self._fix_numbers(intent, slots)

        # "the garden lights" tagged as area (or name) + a domain word, but it is an entity's own name
        for span_start, span_end, is_area in ([(area_span[0], area_span[1], True)] if area_span else []) + (
                [(name_span[1], name_span[2], False)] if name_span else []):
            if self.resolver.exact(text[span_start:span_end]):
                continue
            after = [x for x in toks if x.start >= span_end][:2]
            for n in (2, 1):
                if len(after) >= n and after[n - 1].text in DOMAIN_WORDS:
                    cand = text[span_start:after[n - 1].end]
                    if self.resolver.exact(cand):
                        name_span = ("name", span_start, after[n - 1].end, cand)
                        if is_area:
                            area_obj, area_span = None, None
                            slots.pop("area", None)
                        domain, device_class = None, None
                        break

        # a tagged name that is part of (or overlaps) a home name said in full: "vacuum" of "vacuum cleaner"
        if name_span is not None and not self.resolver.exact(name_span[3]):
            ents, fs, fe = self.resolver.find_in_text(text, allowed)
            if ents and fs < name_span[2] and name_span[1] < fe:
                name_span = ("name", fs, fe, text[fs:fe])

        # GetState: a state word the tagger folded into the name ("is the kettle on")
        state = slots.get("state")
        if intent == "HassGetState" and name_span is not None:
            _l, s, e, t = name_span
            parts = t.rsplit(" ", 1)
            if len(parts) == 2 and parts[1].lower() in STATE_WORDS and not self.resolver.exact(t):
                name_span = (_l, s, s + len(parts[0]), parts[0])
                state = state or STATE_WORDS[parts[1].lower()]
        if intent == "HassGetState" and (state is None or _ALARM.search(low)):
            if _ALARM.search(low):
                state = "on"
            else:
                said = [m for m in _STATE_ANY.finditer(low) if not low[m.end():].startswith(" the ")]
                if said:
                    state = STATE_WORDS.get(said[-1].group(1))
        if state:
            slots["state"] = state

        # lock verbs and locked/unlocked states make "doors" mean locks
        if domain == "binary_sensor" and device_class == "door" and (
                state in ("locked", "unlocked") or re.search(r"\b(un)?lock", low)):
            domain, device_class = "lock", None
        if intent == "HassGetState" and device_class == "motion" and "state" not in slots:
            slots["state"] = "on"

        # no name tagged: a name or alias of the home said anyway ("set the heating to 20")
        if name_span is None and area_obj is None and floor_obj is None and "area" not in slots \
                and intent in INTENT_DOMAINS and intent not in ("HassListAddItem",):
            ents, s, e = self.resolver.find_in_text(text, allowed)
            if ents and not any(s < se and ss < e for _lb, ss, se, _t in spans):
                name_span = ("name", s, e, text[s:e])
                out_spans.append(Span("name", s, e, text[s:e]))
                domain, device_class = None, None
        if name_span is None and area_obj is not None and intent in INTENT_DOMAINS \
                and intent not in ("HassListAddItem",):
            # "the spotlights in the kitchen": an alias of something in that area, untagged
            local = Resolver(Home(entities=tuple(self.resolver.entities_in(area=area_obj, domains=allowed))))
            ents, s, e = local.find_in_text(text)
            if ents and not any(s < se and ss < e for _lb, ss, se, _t in spans):
                name_span = ("name", s, e, text[s:e])
                out_spans.append(Span("name", s, e, text[s:e]))
        if name_span is None and area_obj is None and floor_obj is None and domain is None \
                and intent in ("HassTurnOn", "HassTurnOff", "HassToggle") and "area" not in slots \
                and not here and not _ALL.search(low):
            # "switch on the hot tub": the object after the article is a name the tagger missed
            obj = _object_phrase(toks)
            if obj is not None:
                name_span = ("name", obj[0], obj[1], text[obj[0]:obj[1]])
                out_spans.append(Span("name", *obj, text[obj[0]:obj[1]]))
        elif name_span is not None and intent in ("HassTurnOn", "HassTurnOff", "HassToggle"):
            # a name cut short ("the lava | lamp", "the bedroom | lamb"): the whole object phrase is the
            # name when the part alone means nothing, or only the longer one is an entity
            obj = _object_phrase(toks)
            if obj is not None and obj[0] <= name_span[1] and obj[1] > name_span[2] and \
                    not any(obj[0] < se and ss < obj[1] for lb, ss, se, _t in spans if lb != "name") and (
                    not self._resolves(name_span[3]) or (self.resolver.name(text[obj[0]:obj[1]]).entities
                                                         and not self.resolver.name(name_span[3]).entities)):
                out_spans = [x for x in out_spans if not (x.slot == "name" and x.start == name_span[1])]
                name_span = ("name", obj[0], obj[1], text[obj[0]:obj[1]])
                out_spans.append(Span("name", *obj, text[obj[0]:obj[1]]))
        if name_span is None and area_obj is None and floor_obj is None and intent in INTENT_DOMAINS:
            for x in toks:
                f = self.resolver.floor(x.text, fuzzy=False) if x.start not in inside else None
                if f and x.text in ("upstairs", "downstairs"):
                    floor_obj = f
                    break

        entities: list[Entity] = []
        bare_word = False
        if name_span is not None:
            _l, s, e, t = name_span
            doms = allowed or ((domain,) if domain else None)
            context_area = area_obj or (sat_area if not floor_obj else None)
            m = self.resolver.name(t, area=context_area, domains=doms)
            if m.entities:
                extra["name_match"] = m.how
                entities = self.resolver.narrow(m.entities, doms, device_class, area_obj or sat_area, floor_obj)
                if intent == "HassGetState" and state and len(entities) > 1:
                    entities = self.resolver.narrow(entities, _STATE_DOMAINS.get(state))
                if len({x.id for x in entities}) > 1:
                    extra["ambiguous_slot"] = "name"
                    extra["candidates"] = [
                        {"id": x.id, "name": x.name,
                         "area": a.name if (a := self.home.area(x.area)) else None} for x in entities]
                    slots["name"] = entities[0].name if len({x.name for x in entities}) == 1 else norm(t)
                else:
                    slots["name"] = entities[0].name
                    targets = [entities[0].id]
                domain, device_class = None, None
            elif m.domain and not (m.area or m.floor) and not (area_obj or floor_obj):
                domain, device_class, device_word = m.domain, m.device_class, norm(t)  # "the door": a device word
                bare_word = True
            elif m.area or m.floor or m.domain:
                area_obj = m.area or area_obj
                floor_obj = m.floor or floor_obj
                if m.domain:
                    domain, device_class = m.domain, m.device_class
            else:
                unresolved.append(Span("name", s, e, t))
                slots["name"] = norm(t)

        if domain == "binary_sensor" and device_class == "door" and (
                slots.get("state") in ("locked", "unlocked") or re.search(r"\b(un)?lock", low)):
            domain, device_class = "lock", None
        if (name_span is None or bare_word) and area_obj is None and floor_obj is None and "area" not in slots \
                and "floor" not in slots and device_word and domain and intent in INTENT_DOMAINS \
                and not here and not _ALL.search(low):
            picked = self._device_word(device_word, intent, domain, device_class, sat_area)
            if len(picked) == 1:
                entities = picked
                slots["name"] = picked[0].name
                targets = [picked[0].id]
                domain, device_class = None, None
            elif picked:
                entities = picked
                extra["ambiguous_slot"] = "name"
                extra["candidates"] = [
                    {"id": x.id, "name": x.name, "area": a.name if (a := self.home.area(x.area)) else None}
                    for x in picked]
                slots["name"] = norm(device_word)
                domain, device_class = None, None
        if area_obj is None and floor_obj is None and "name" not in slots and "area" not in slots \
                and sat_area is not None and (here or (intent in _CONTEXT_AREA and not _ALL.search(low))):
            area_obj = sat_area
        if area_obj is not None:
            slots["area"] = area_obj.name
        if floor_obj is not None:
            slots["floor"] = floor_obj.name

        # area / floor / domain targets
        if not entities and "name" not in slots and intent in INTENT_DOMAINS:
            doms2: tuple[str, ...] | None = (domain,) if domain else (allowed or _AREA_DEFAULT.get(intent))
            if intent == "HassGetState" and domain is None and state is None:
                doms2 = None
            house_wide = area_obj is None and floor_obj is None
            if house_wide and intent in _GROUP_ACTIONS and (here or not _ALL.search(low)):
                # "turn on the lights (in here)" with no known room: never the whole house by default
                doms2 = ()
            if area_obj or floor_obj or domain or intent not in ("HassTurnOn", "HassTurnOff", "HassToggle",
                                                                  "HassGetState"):
                found = self.resolver.entities_in(area_obj, floor_obj, doms2, device_class)
                if intent == "HassClimateGetTemperature" and not found:
                    found = self.resolver.entities_in(area_obj, floor_obj, ("sensor",), "temperature")
                targets = [x.id for x in found]
            if domain and intent in _DOMAIN_SLOT:
                slots["domain"] = domain
                if device_class and intent in _CLASS_SLOT:
                    slots["device_class"] = device_class
        if intent not in INTENT_DOMAINS:
            targets = []
        if entities and intent in ("HassMediaPause", "HassMediaUnpause") and \
                all(x.domain not in ("media_player",) for x in entities):
            intent = "HassTurnOff" if intent == "HassMediaPause" else "HassTurnOn"  # "stop the sprinkler"
        for pair, up, down in ((("VoicedClimateWarmer", "VoicedClimateCooler"), _WARMER, _COOLER),
                               (("VoicedLightBrighten", "VoicedLightDim"), _BRIGHTER, _DIMMER)):
            if intent in pair:
                said_up, said_down = bool(up.search(low)), bool(down.search(low))
                if said_up != said_down:
                    intent = pair[0] if said_up else pair[1]
        if intent in ("VoicedClimateWarmer", "VoicedClimateCooler") and _SET_VERB.search(low) \
                and not _CLIMATE_DIRECTION.search(low):
            intent = "HassClimateSetTemperature"  # "set the thermostat": no direction said, a value is wanted
            self._fix_numbers(intent, slots)
        if intent in ("VoicedLightBrighten", "VoicedLightDim") and "brightness" not in slots and (
                _DANGLING.search(low) or (_SET_VERB.search(low) and not _LIGHT_DIRECTION.search(low))):
            intent = "HassLightSet"  # "dim the bedroom lamp to": the value is still to come
        if intent in _TIMER_INTENTS and intent != "HassStartTimer" and _NEW_TIMER.search(low):
            intent = "HassStartTimer"  # "start a timer" is a new timer, not resuming one
            self._fix_numbers(intent, slots)
        if intent == "HassListAddItem" and "item" not in slots:
            m_item = _LIST_ITEM.search(text.lower())
            if m_item:
                slots["item"] = normalise(m_item.group(1))
        if intent == "HassTurnOn" and entities and all(x.domain == "vacuum" for x in entities):
            intent = "HassVacuumStart"  # "start the dustbot": starting a vacuum is its own intent
        if entities and len({x.domain for x in entities}) == 1:
            # a percentage for a cover is a position, for a light a brightness, for a player a volume
            dom = entities[0].domain
            fix = {("HassLightSet", "cover"): "HassSetPosition", ("HassLightSet", "valve"): "HassSetPosition",
                   ("HassSetPosition", "light"): "HassLightSet", ("HassLightSet", "media_player"): "HassSetVolume",
                   ("HassSetVolume", "light"): "HassLightSet"}.get((intent, dom))
            if fix:
                intent = fix
                self._fix_numbers(intent, slots)
        if intent == "HassLightSet" and "color" not in slots and "brightness" not in slots:
            named = set(range(name_span[1], name_span[2])) if name_span else set()
            outside = "".join(ch if i not in named else " " for i, ch in enumerate(text))
            colour = numbers.parse_color(outside)
            if colour:
                slots["color"] = colour
        if domain:
            extra["domain_hint"] = domain
        extra["slots_raw"] = dict(raw)
        missing = [_MISSING_NAME.get(k, k) for k in _REQUIRED.get(intent, ())
                   if not any(x in slots for x in k.split("|"))]
        if missing:
            extra["missing"] = missing
            if intent not in _ASKABLE:
                # an item or message the dialogue cannot ask for: not understood rather than a guess
                return Parse(text=text, intent=None, confidence=conf, extra=extra)
        return Parse(text=text, intent=intent, confidence=conf, slots=slots, targets=tuple(targets),
                     spans=tuple(out_spans), unresolved=tuple(unresolved), extra=extra)

    def _resolves(self, spoken: str) -> bool:
        m = self.resolver.name(spoken)
        return bool(m.entities or m.area or m.floor or m.domain)

    def _device_word(self, word: str, intent: str, domain: str, device_class: str | None,
                     sat_area: Area | None) -> list[Entity]:
        """Entities a device word stands for when no name or room was said ("turn on the lamp").

        One entity with that word in its name: it.  Several: the ones in the satellite's room when
        that leaves one, else all of them (ambiguous, the dialogue asks which).  A plural ("the
        blinds") only names a single entity; with a satellite room it keeps meaning the group there.
        """
        allowed = INTENT_DOMAINS.get(intent) or (None if intent == "HassGetState" else _ACTIONABLE)
        cands = self.resolver.narrow(self.resolver.with_word(word, allowed), (domain,), device_class)
        plural = stem(word) != word
        if sat_area is not None:
            if plural:
                return []
            local = [e for e in cands if e.area == sat_area.id]
            return local
        if len(cands) > 1 and not plural:
            return cands
        if len(cands) == 1 and intent in _GROUP_ACTIONS | {"HassGetState"}:
            return cands  # other intents already reach every entity of the domain: the same one
        return []

    @staticmethod
    def _fix_numbers(intent: str, slots: dict[str, Any]) -> None:
        """Put a percentage/duration in the slot this intent uses (the tagger may pick a sibling)."""
        want = {"HassSetPosition": "position", "HassLightSet": "brightness", "VoicedLightBrighten": "brightness",
                "VoicedLightDim": "brightness", "HassSetVolume": "volume_level",
                "HassClimateSetTemperature": "temperature", "VoicedClimateWarmer": "temperature",
                "VoicedClimateCooler": "temperature"}.get(intent)
        if want:
            for k in ("brightness", "position", "volume_level", "temperature"):
                if k != want and k in slots and want not in slots:
                    slots[want] = slots.pop(k)
                elif k != want:
                    slots.pop(k, None)
        start = intent in ("HassCancelTimer", "HassPauseTimer", "HassUnpauseTimer", "HassTimerStatus")
        for unit in ("hours", "minutes", "seconds"):
            if start and unit in slots:
                slots["start_" + unit] = slots.pop(unit)
            if intent == "HassStartTimer" and "start_" + unit in slots:
                slots[unit] = slots.pop("start_" + unit)


# bare answers: the words a value or a choice is made of ("the second one", "twenty one degrees")
_CONTENT_WORDS = {"half", "quarter", "percent", "%", "°", "degrees", "degree", "minutes", "minute", "hours", "hour",
                  "seconds", "second", "both", "either", "one", "ones", "first", "third", "fourth", "fifth", "last",
                  "other", "left", "middle", "former", "latter", "them", "all"}
_VALUE_WORDS = _CONTENT_WORDS | {"a", "an", "and", "point", "celsius", "centigrade", "mins", "min", "hrs", "secs",
                                 "the", "of", "in", "at", "to", "for", "that", "this", "those", "these", "over",
                                 "there", "same", "mean", "meant", "think", "maybe", "about", "around", "i"}
_FILLER_WORDS = {"please", "thanks", "thank", "you", "just", "um", "uh", "er", "erm", "hmm", "oh", "so", "well",
                 "like", "okay", "ok"}
_CORRECTION = {"no", "nope", "nah", "sorry", "actually", "wait"}  # "no, turn on the kitchen lights"
_HESITATION = {"uh", "um", "er", "erm", "hmm", "mm", "ah", "eh", "oh", "huh", "uhm", "hm"}
_LEAD = {"oh", "okay", "ok", "um", "uh", "er", "erm", "hmm", "hey", "so", "well", "just", "please", "sorry",
         "actually", "alright", "computer", "oops"}
_TAIL = {"please", "thanks", "now", "then", "computer"}
_NEVERMIND = re.compile(
    r"(stop|stop it|stop that|stop talking|stop speaking|stop listening|be quiet|quiet|keep quiet|shut up|hush|"
    r"sh+|silence|enough|that's enough|cancel|cancel it|cancel that|never ?mind|forget it|forget that|"
    r"forget about it|scratch that|ignore (me|that)|not now)( (thank you|thanks|please|now|then))*"
    r"( i (don't|do not|didn't|did not) (need|want|mean) (anything|it|that|to))?")
_YES = (r"(yes|yeah|yea|yep|yup|sure|sure thing|ok|okay|correct|right|that's right|that's correct|do it|go ahead|"
        r"go for it|please do|absolutely|definitely|of course|confirm|confirmed|affirmative|sounds good|exactly|"
        r"i'm sure|i am sure|yes please)")
_CONFIRM = re.compile(rf"{_YES}( ({_YES[1:-1]}|please|thanks|thank you))*")
_DENY = re.compile(
    r"(no|nope|nah|negative)( (thanks|thank you|not that|not that one|that's wrong|wrong|don't|don't do it|"
    r"don't do that|do not|do not do that|leave it|cancel|cancel it|cancel that|never ?mind|forget it|stop|not now|"
    r"not really|i don't want that|i don't need that|way|don't bother|please))*"
    r"|don't|do not|don't do it|don't do that|do not do that|not that|not that one|wrong|that's wrong|"
    r"that's not right|definitely not|not really|no way|don't bother")


def fixed_reply(words: list[str]) -> str | None:
    """HassNevermind / VoicedConfirm / VoicedDeny when the whole utterance is such a reply.

    "no ..." forms are a denial; "stop"/"be quiet" alone cancel (the dialogue stops speech);
    "stop the music" is not matched and stays a media command.
    """
    core = list(words)
    while len(core) > 1 and core[0] in _LEAD:
        core.pop(0)
    while len(core) > 1 and core[-1] in _TAIL:
        core.pop()
    if len(core) > 1 and core[-2:] == ["thank", "you"]:
        core = core[:-2]
    full, text = " ".join(words), " ".join(core)
    if not text:
        return None
    if _CONFIRM.fullmatch(full) or _CONFIRM.fullmatch(text):
        return "VoicedConfirm"
    if _DENY.fullmatch(text):
        return "VoicedDeny"
    if _NEVERMIND.fullmatch(text):
        return "HassNevermind"
    return None


_OBJECT_STOP = {"on", "off", "up", "down", "please", "now", "thanks", "again", "for", "me", "too", "as", "well",
                "right", "away", "then", "quickly", "in", "at", "to", "it", "and", "of"}


def _object_phrase(toks: list[Token]) -> tuple[int, int] | None:
    """Character range of the 1–3 words after the last article, up to trailing particles ("on",
    "please"): the thing a bare on/off command names.  None when anything else follows."""
    arts = [k for k, t in enumerate(toks) if t.text in ("the", "my", "our")]
    if not arts:
        return None
    rest = toks[arts[-1] + 1:]
    while rest and rest[-1].text in _OBJECT_STOP:
        rest = rest[:-1]
    if not 1 <= len(rest) <= 3 or any(
            not t.text.isalpha() or t.text in _OBJECT_STOP or t.text in STATE_WORDS or t.text in _VALUE_WORDS
            for t in rest):
        return None
    return rest[0].start, rest[-1].end


_PRONOUN_ONE = re.compile(r"\b((?:the|that|this|which|each|every|other)(?: (?!(?:by|to|at|for|of|up|down)\b)[a-z']+){0,2}"
                          r") (ones?)\b(?! (?:percent|degrees?|minutes?|hours?|seconds?|point|and)\b)")


def find_numbers(text: str) -> list[int | float]:
    """Every number in ``text``; the pronoun "one" ("the bedroom one", "the second one") is not 1."""
    low = text.lower()
    masked = _PRONOUN_ONE.sub(lambda m: m.group(1) + " " + "x" * len(m.group(2)), low)
    return numbers.find_numbers(masked)


# values an intent cannot do without ("|": any one of them); the dialogue asks for the askable ones
_REQUIRED: dict[str, tuple[str, ...]] = {n: s.required for n, s in INTENTS.items() if s.required}
_ASKABLE = names(askable=True)
_MISSING_NAME = {"brightness|color": "brightness", "hours|minutes|seconds": "duration"}
_ACTIONABLE = ("light", "switch", "fan", "cover", "lock", "valve", "media_player", "climate", "vacuum", "scene",
               "script")
_SET_VERB = re.compile(r"\b(set|change|adjust)\b")
_CLIMATE_DIRECTION = re.compile(r"\b(up|down|raise|lower|increase|decrease|reduce|bump|knock|drop|warmer|hotter|"
                                r"cooler|colder|warm|heat|cool|cold|hot|freezing|chilly|boiling|roasting|by)\b")
_LIGHT_DIRECTION = re.compile(r"\b(up|down|raise|lower|increase|decrease|reduce|bump|brighter|brighten|lighter|"
                              r"dimmer|dim|darker|by)\b")
_DANGLING = re.compile(r"\b(to|at)$")
_NEW_TIMER = re.compile(r"\b(set|start|create|make|need|want)( me)? (a|an|a new|new|another)( \w+)? (timer|countdown)\b")
_UNIT = re.compile(r"\b(\d+|a|an|" + "|".join(sorted(numbers.NUMBER_WORDS)) + r") (hours?|minutes?|mins?|seconds?|secs?)\b")
_STATE_ANY = re.compile(r"\b(locked|unlocked|open|opened|closed|shut|on|off|running)\b")
_ALARM = re.compile(r"\b(going off|ringing|beeping|sounding)\b")
# words that fix the direction of a relative change, whatever the tagger's intent said
_WARMER = re.compile(r"\b(warmer|hotter|heat (it )?up|warm (it |things )?up|too cold|freezing|chilly|cold in)\b")
_COOLER = re.compile(r"\b(cooler|colder|cool (it |things )?down|too (hot|warm)|boiling|roasting)\b")
_BRIGHTER = re.compile(r"\b(brighter|brighten|lighter|too dark|more light)\b")
_DIMMER = re.compile(r"\b(dimmer|dim|darker|too bright|less light)\b")
_LIST_ITEM = re.compile(r"\b(?:add|put)\s+(.+?)\s+(?:to|on|onto|in)\s+(?:the|my|our)?\s*\S")
_STATE_DOMAINS: dict[str, tuple[str, ...]] = {
    "locked": ("lock",), "unlocked": ("lock",), "open": ("cover", "valve", "binary_sensor", "lock"),
    "closed": ("cover", "valve", "binary_sensor", "lock"), "on": ("light", "switch", "fan", "media_player"),
    "off": ("light", "switch", "fan", "media_player"),
}
