"""Text → ``Parse``: a list of small units (voiced/nlu/units/) run in order on one reading.

The network only says *what kind* of thing each span is; everything that depends on the home
(display names, aliases, areas, which entities a command reaches) happens in the units after it,
so a new home or new MQTT-discovered devices only need ``set_home`` — never retraining.  Then
three pure units decide what to do with the reading: ``scope.py``, ``evidence.py``, ``decide.py``.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path

import torch

from voiced.config import DEFAULT_MODELS
from voiced.events import Parse, Span
from voiced.home.model import Home
from voiced.nlu import canonical, checkpoint, clauses, evidence
from voiced.nlu.decide import ACT, REJECT, Policy, decide
from voiced.nlu.scope import outdoor, scope
from voiced.nlu.text import Token, tokenize
from voiced.nlu.units import (
    Unit,
    answer,
    attributes,
    device_words,
    domain_intent,
    entities,
    fill,
    fixed,
    levels,
    mood,
    names,
    places,
    polarity,
    requirements,
    spans,
    states,
    tagger,
    taught,
    timers,
    values,
)
from voiced.nlu.units.fixed import fixed_reply
from voiced.nlu.units.reading import HomeContext, Reading

__all__ = ["Parser", "fixed_reply", "units"]

_CORRECTION = {"no", "nope", "nah", "sorry", "actually", "wait"}  # "no, turn on the kitchen lights"


def units(model: checkpoint.NluModel, threshold: float) -> list[Unit]:
    """The parser's units in the order they run (the order matters: each sees what the ones before did)."""
    return [
        tagger.Tagger(model), fixed.FixedPhrases(), answer.NotACommand(threshold),
        spans.SpanNormaliser(), device_words.DeviceWords(), places.TaggedSpans(), values.SlotValues(),
        values.NumberSlot(), names.NameWithDeviceWord(), names.WholeHomeName(),
        states.StateWords(), states.DoorsAreLocks(), states.MotionState(),
        names.UntaggedName(), names.NameCutShort(), names.ObjectPhraseName(), places.BareFloorWord(),
        entities.NameResolver(), entities.NameList(), entities.NameElsewhere(), entities.DeviceWordEntities(), entities.SatelliteArea(),
        entities.Targets(), entities.AreaList(), attributes.AttributeAsked(),
        domain_intent.StopNonMedia(), domain_intent.StopIsNoClose(), domain_intent.LockWords(),
        domain_intent.SwitchNotClimate(), domain_intent.ToggleSaysWhich(),
        domain_intent.ValueByDomain(), levels.LevelWords(), levels.QuantityWords(), levels.LightSaid(),
        levels.ClimateSaid(),
        fill.ColourWords(), fill.PositionWords(), fill.TemperatureWords(), timers.TimerLength(), polarity.VerbAgainstIntent(), taught.UntaughtVerb(), mood.NotForNow(),
        requirements.Requirements(),
    ]


class Parser:
    """Loaded NLU model + the current home.  ``parse`` is safe to call from one thread at a time."""

    def __init__(self, model: checkpoint.NluModel, home: Home, threshold: float = 0.5, act: float = 0.8) -> None:
        self.model = model
        self.threshold = threshold
        self.policy = Policy(act=max(act, threshold), ask=threshold, answer=max(threshold, min(act, 0.6)))
        self.units = units(model, threshold)
        # how often each unit (and each named rule inside one) changed a reading; ``voiced eval`` reports it
        self.fired: Counter[str] = Counter()
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
        self.ctx = HomeContext(home)
        self.resolver = self.ctx.resolver

    def known_words(self) -> set[str]:
        """Words the model has embeddings for plus every word of the home's names."""
        return {w for w in self.model.vocab.words if not w.startswith("<")} | self.home.vocabulary()

    def unit_names(self) -> list[str]:
        """Every counter name ``fired`` may hold, in pipeline order."""
        out = []
        for u in self.units:
            out += [u.name] + [f"{u.name}.{rule}" for rule in getattr(u, "rules", ())]
        return [*out, "correction", "clause", "canonical", "outdoor"]

    # ------------------------------------------------------------------ parse
    def parse(self, text: str, area: str | None = None) -> Parse:
        """The reading of ``text``, then act / confirm / refuse (voiced/nlu/decide.py): a refused
        reading comes back as ``intent: None`` with the reading in ``extra["rejected"]``."""
        toks = tokenize(text)
        words = [t.text for t in toks]
        reading = self._read(text, toks, area)
        if reading.intent is None and len(toks) > 2 and words[0] in _CORRECTION:
            corrected = self._correction(text, toks, area)
            if corrected is not None:
                self.fired["correction"] += 1
                reading = corrected
        turned = outdoor(reading, words, self.resolver)
        if turned is not reading:
            self.fired["outdoor"] += 1
            reading = turned
        satellite = self.ctx.satellite_area(area) is not None
        found = evidence.find(reading, words, satellite=satellite)
        verdict = decide(reading, found, self.policy)
        # a reading not acted on: a command within talk, then one a template matcher would match
        for name, second in (("clause", self._clause), ("canonical", self._canonical)):
            if verdict.decision == ACT:
                break
            alt = second(text, toks, area)
            if alt is not None:
                self.fired[name] += 1
                reading = alt
                found = evidence.find(reading, words, satellite=satellite)
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

    def _correction(self, text: str, toks: list[Token], area: str | None) -> Parse | None:
        """ "no, turn on the kitchen lights": a denial followed by the command that replaces it."""
        alt = self._read_part(text, toks, 1, len(toks), area)
        if alt.intent is None or alt.intent in ("VoicedConfirm", "VoicedDeny"):
            return None
        return alt

    def _clause(self, text: str, toks: list[Token], area: str | None) -> Parse | None:
        """A command said within talk (voiced/nlu/clauses.py), taken only when its clause alone is
        read surely, with evidence: acted on as it stands, never a guess to confirm."""
        for i, j in clauses.command_clauses([t.text for t in toks]):
            alt = self._read_part(text, toks, i, j, area)
            if alt.intent is None or alt.intent in ("VoicedConfirm", "VoicedDeny"):
                continue
            words = [t.text for t in toks[i:j]]
            alt = outdoor(alt, words, self.resolver)
            found = evidence.find(alt, words, satellite=self.ctx.satellite_area(area) is not None)
            verdict = decide(alt, found, self.policy)
            if verdict.decision == ACT and verdict.reason == "sure":
                return dataclasses.replace(alt, extra={**alt.extra, "clause": " ".join(words)})
        return None

    def _canonical(self, text: str, toks: list[Token], area: str | None) -> Parse | None:
        """A command a template matcher would match (voiced/nlu/canonical.py), read by the units from
        the matched intent and name; taken only when they reach exactly that entity with that intent."""
        found = canonical.match([t.text for t in toks], self.resolver.exact)
        if found is None:
            return None
        start, end = toks[found.first].start, toks[found.last - 1].end
        spans = [Span("name", start, end, text[start:end])]
        if found.value is not None:
            slot, first, last = found.value
            vs, ve = toks[first].start, toks[last - 1].end
            spans.append(Span(slot, vs, ve, text[vs:ve]))
        alt = self._read(text, toks, area, tagger.Given(found.intent, spans))
        if alt.intent != found.intent or alt.targets != (found.entity.id,):
            return None
        return dataclasses.replace(alt, extra={**alt.extra, "canonical": True})

    def _read_part(self, text: str, toks: list[Token], i: int, j: int, area: str | None) -> Parse:
        """The reading of tokens [i, j) alone, its spans placed in the whole ``text``."""
        start, end = toks[i].start, toks[j - 1].end
        # the tokens of text[start:end] are the sentence's own, moved
        part = [Token(t.text, t.start - start, t.end - start) for t in toks[i:j]]
        alt = self._read(text[start:end], part, area)

        def moved(spans: tuple[Span, ...]) -> tuple[Span, ...]:
            return tuple(dataclasses.replace(x, start=x.start + start, end=x.end + start) for x in spans)
        return dataclasses.replace(alt, text=text, spans=moved(alt.spans), unresolved=moved(alt.unresolved))

    def _read(self, text: str, toks: list[Token], area: str | None, first: Unit | None = None) -> Parse:
        """Runs the units on one reading, counting each one that changed it; ``first`` in the
        tagger's place."""
        r = Reading(text, toks, self.ctx, self.ctx.satellite_area(area))
        before = r.snapshot()
        for unit in self.units if first is None else [first, *self.units[1:]]:
            unit(r)
            after = r.snapshot()
            if after != before:
                self.fired[unit.name] += 1
                before = after
            if r.fired:
                self.fired.update(f"{unit.name}.{n}" for n in r.fired)
                r.fired.clear()
            if r.result is not None:
                break
        return r.to_parse()
