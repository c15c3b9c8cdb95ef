"""Text → ``Parse``: the tagger's intent and spans, normalised and resolved against the home.

The network only says *what kind* of thing each span is; everything that depends on the home
(display names, aliases, areas, which entities a command reaches) happens here, so a new home or
new MQTT-discovered devices only need ``set_home`` — never retraining.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import torch

from voiced.config import DEFAULT_MODELS
from voiced.events import Parse, Span
from voiced.home.model import Area, Entity, Floor, Home
from voiced.home.resolve import DOMAIN_WORDS, Resolver, norm
from voiced.nlu import checkpoint, numbers
from voiced.nlu.generate import gazetteer_flags, home_names
from voiced.nlu.slots import STATE_WORDS, span_slots
from voiced.nlu.text import Token, normalise, tokenize
from voiced.nlu.train import spans_from_tags

# intents whose slots may name home entities, and the domains each can act on
INTENT_DOMAINS: dict[str, tuple[str, ...] | None] = {
    "HassTurnOn": None, "HassTurnOff": None, "HassToggle": ("light", "switch", "fan", "media_player"),
    "HassLightSet": ("light",), "VoicedLightBrighten": ("light",), "VoicedLightDim": ("light",),
    "HassClimateSetTemperature": ("climate",), "VoicedClimateWarmer": ("climate",),
    "VoicedClimateCooler": ("climate",), "HassClimateGetTemperature": ("climate", "sensor"),
    "HassGetState": None, "HassSetPosition": ("cover", "valve"),
    "HassMediaPause": ("media_player",), "HassMediaUnpause": ("media_player",),
    "HassMediaNext": ("media_player",), "HassMediaPrevious": ("media_player",),
    "HassSetVolume": ("media_player",), "HassVacuumStart": ("vacuum",), "HassVacuumReturnToBase": ("vacuum",),
    "HassGetWeather": ("weather",), "HassListAddItem": ("todo",),
}
# what an area-only command reaches when no domain word was said
_AREA_DEFAULT: dict[str, tuple[str, ...]] = {
    "HassTurnOn": ("light",), "HassTurnOff": ("light",), "HassToggle": ("light",),
    "HassGetState": ("light", "switch", "fan", "media_player", "cover", "lock"),
    "HassClimateGetTemperature": ("climate",),
}
_DOMAIN_SLOT = {"HassTurnOn", "HassTurnOff", "HassToggle", "HassGetState", "HassSetPosition"}
_CLASS_SLOT = {"HassTurnOn", "HassTurnOff", "HassToggle", "HassGetState"}
# intents that take the satellite's own area when none is said
_CONTEXT_AREA = {"HassTurnOn", "HassTurnOff", "HassToggle", "HassLightSet", "VoicedLightBrighten",
                 "VoicedLightDim", "HassClimateSetTemperature", "VoicedClimateWarmer", "VoicedClimateCooler",
                 "HassClimateGetTemperature", "HassSetPosition", "HassMediaPause", "HassMediaUnpause",
                 "HassMediaNext", "HassMediaPrevious", "HassSetVolume"}
_GROUP_ACTIONS = {"HassTurnOn", "HassTurnOff", "HassToggle", "HassLightSet", "VoicedLightBrighten",
                  "VoicedLightDim", "HassSetPosition"}
_TIMER_INTENTS = {"HassStartTimer", "HassCancelTimer", "HassCancelAllTimers", "HassPauseTimer",
                  "HassUnpauseTimer", "HassIncreaseTimer", "HassDecreaseTimer", "HassTimerStatus"}
_HERE = re.compile(r"\b(in here|here|this room|in this room|where i am)\b")
_ALL = re.compile(r"\b(all|every|everything|everywhere|whole house|any)\b")
_EXTRA_WORDS = {"humid": ("sensor", "humidity"), "humidity": ("sensor", "humidity"),
                "motion": ("binary_sensor", "motion"), "movement": ("binary_sensor", "motion")}


class Parser:
    """Loaded NLU model + the current home.  ``parse`` is safe to call from one thread at a time."""

    def __init__(self, model: checkpoint.NluModel, home: Home, threshold: float = 0.5) -> None:
        self.model = model
        self.threshold = threshold
        self.set_home(home)

    @classmethod
    def load(cls, model_dir: Path | None, home: Home, threshold: float = 0.5) -> Parser:
        """Load a checkpoint (default: the shipped ``models/nlu``); ModelError when it cannot."""
        torch.set_num_threads(1)  # batch-1 inference: one thread avoids multi-ms scheduling spikes
        directory = Path(model_dir) if model_dir is not None else DEFAULT_MODELS / "nlu"
        if not (directory / "meta.json").exists() and (directory / "nlu" / "meta.json").exists():
            directory = directory / "nlu"  # --model models/ means the shipped set
        return cls(checkpoint.load(directory), home, threshold)

    def set_home(self, home: Home) -> None:
        """Switch to a new home (e.g. after MQTT discovery): new names resolve at once, no retraining."""
        self.home = home
        self.resolver = Resolver(home)
        self._gaz = home_names(home)

    def known_words(self) -> set[str]:
        """Words the model has embeddings for plus every word of the home's names."""
        return {w for w in self.model.vocab.words if not w.startswith("<")} | self.home.vocabulary()

    # ------------------------------------------------------------------ parse
    def parse(self, text: str, area: str | None = None) -> Parse:
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
        extra: dict[str, Any] = {"slots_raw": dict(raw), "numbers": numbers.find_numbers(text)}
        if not toks or intent is None or conf < self.threshold:
            return Parse(text=text, intent=None, confidence=conf, extra=extra)
        return self._resolve(text, words, intent, conf, spans, raw, extra, area)

    def _satellite_area(self, area: str | None) -> Area | None:
        if not area:
            return None
        found = self.home.area(area)
        return found if found else self.resolver.area(area, fuzzy=False)

    def _domain_words(self, toks: list[Token], inside: set[int], intent: str) -> tuple[str | None, str | None]:
        """Domain (and device class) from words like "lights", "blinds" said outside name spans."""
        domain: str | None = None
        device_class: str | None = None
        for k, t in enumerate(toks):
            if t.start in inside:
                continue
            hit = DOMAIN_WORDS.get(t.text) or _EXTRA_WORDS.get(t.text)
            if not hit:
                continue
            if t.text in ("switch", "plug", "light") and (k == 0 or toks[k - 1].text not in _DETERMINERS):
                continue  # "switch on ...", "light up ..." are verbs
            if hit[0] == "sensor" and intent != "HassGetState":
                continue
            if domain is None:
                domain, device_class = hit
        if domain == "media_player" and intent not in ("HassTurnOn", "HassTurnOff", "HassGetState"):
            domain, device_class = None, None
        return domain, device_class

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
        domain, device_class = self._domain_words(toks, inside, intent)

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
        if name_span is None and area_obj is None and floor_obj is None and intent in INTENT_DOMAINS:
            for x in toks:
                f = self.resolver.floor(x.text, fuzzy=False) if x.start not in inside else None
                if f and x.text in ("upstairs", "downstairs"):
                    floor_obj = f
                    break

        entities: list[Entity] = []
        if name_span is not None:
            _l, s, e, t = name_span
            doms = allowed or ((domain,) if domain else None)
            context_area = area_obj or (sat_area if not floor_obj else None)
            m = self.resolver.name(t, area=context_area, domains=doms)
            if m.entities:
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
            elif m.area or m.floor or m.domain:
                area_obj = m.area or area_obj
                floor_obj = m.floor or floor_obj
                if m.domain:
                    domain, device_class = m.domain, m.device_class
            else:
                unresolved.append(Span("name", s, e, t))
                slots["name"] = norm(t)

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
        missing = [k for k in _REQUIRED.get(intent, ()) if not any(x in slots for x in k.split("|"))]
        if missing:
            # an intent without the value it needs cannot be carried out: not understood, not a guess
            extra["missing"] = missing
            return Parse(text=text, intent=None, confidence=conf, extra=extra)
        return Parse(text=text, intent=intent, confidence=conf, slots=slots, targets=tuple(targets),
                     spans=tuple(out_spans), unresolved=tuple(unresolved), extra=extra)

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


_DETERMINERS = {"the", "a", "all", "any", "every", "this", "that", "my", "our", "those", "these", "of"}
# values an intent cannot do without ("|": any one of them)
_REQUIRED: dict[str, tuple[str, ...]] = {
    "HassLightSet": ("brightness|color",), "HassClimateSetTemperature": ("temperature",),
    "HassSetPosition": ("position",), "HassSetVolume": ("volume_level",),
    "HassStartTimer": ("hours|minutes|seconds",), "HassIncreaseTimer": ("hours|minutes|seconds",),
    "HassDecreaseTimer": ("hours|minutes|seconds",), "HassListAddItem": ("item",), "HassBroadcast": ("message",),
}
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
