"""Messages between stages: small frozen dataclasses, data flows one way.

audio → ``AudioChunk`` → ``Utterance`` → ``Transcript`` → ``Parse`` → ``Command``/``Outcome``
→ ``ReplyFrame`` → ``Reply`` → audio out.  No stage imports another; they share only these.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

SAMPLE_RATE = 16000  # every AudioChunk is 16 kHz mono signed 16-bit little endian


@dataclass(frozen=True)
class AudioChunk:
    audio: bytes  # s16le mono at ``rate``
    rate: int = SAMPLE_RATE
    timestamp: float = 0.0  # seconds since the source started (stream time, not wall clock)

    @property
    def seconds(self) -> float:
        return len(self.audio) / 2 / self.rate


@dataclass(frozen=True)
class Utterance:
    """One segmented stretch of speech, ready for ASR."""

    audio: bytes
    rate: int = SAMPLE_RATE
    start: float = 0.0
    end: float = 0.0
    reason: str = "silence"  # why the segment ended: silence | max_length | flush


@dataclass(frozen=True)
class Transcript:
    text: str
    confidence: float = 1.0
    seconds: float = 0.0  # length of the audio it came from (0 for typed text)
    session_id: str = ""
    area: str | None = None  # the satellite's own area, for "in here"
    # how well it was heard, where the engine and the VAD can tell (empty for typed text):
    # no_speech_prob, avg_logprob, compression_ratio (Whisper), speech_ratio (the VAD); read by
    # voiced.asr.doubt.  Not part of the MQTT transcript object.
    evidence: dict[str, float] = field(default_factory=dict, compare=False)
    # what else the engine heard in the same audio, best first, nearly as likely as ``text``
    # (Whisper's other beam hypotheses); tried by voiced.pipeline.understand when ``text`` means
    # nothing.  Not part of the MQTT transcript object.
    alternatives: tuple[str, ...] = field(default=(), compare=False)

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "confidence": self.confidence, "seconds": self.seconds,
                "session_id": self.session_id}


@dataclass(frozen=True)
class Span:
    slot: str
    start: int  # character offsets into Parse.text
    end: int
    text: str

    def to_json(self) -> dict[str, Any]:
        return {"slot": self.slot, "start": self.start, "end": self.end, "text": self.text}


@dataclass(frozen=True)
class Parse:
    """The ``voiced parse`` object (see shared/spec/intents.md)."""

    text: str
    intent: str | None
    confidence: float
    slots: dict[str, Any] = field(default_factory=dict)
    targets: tuple[str, ...] = ()
    spans: tuple[Span, ...] = ()
    unresolved: tuple[Span, ...] = ()
    # resolution notes that later stages need but that are not part of the output contract:
    # e.g. {"ambiguous": {"name": ["light.a", "light.b"]}}
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The spec's object.  ``intent`` is what voiced would do without asking: a reading that it
        would first confirm ("Do you want me to …?") is ``intent: null`` with ``decision: confirm``
        and the reading under ``proposal``; a refused one has ``decision: reject``."""
        decision = self.extra.get("decision")
        out: dict[str, Any] = {
            "text": self.text,
            "intent": self.intent,
            "confidence": round(float(self.confidence), 4),
            "slots": dict(self.slots),
            "targets": list(self.targets),
            "spans": [s.to_json() for s in self.spans],
        }
        if self.unresolved:
            out["unresolved"] = [s.to_json() for s in self.unresolved]
        if decision:
            out["decision"] = decision
        if decision == "confirm":
            out["proposal"] = {k: out[k] for k in ("intent", "slots", "targets")}
            out.update(intent=None, slots={}, targets=[])
        return out

    def dumps(self) -> str:
        return json.dumps(self.to_json(), ensure_ascii=False)


@dataclass(frozen=True)
class Command:
    """One MQTT publish to a device."""

    topic: str
    payload: str
    entity_id: str = ""
    qos: int = 1
    retain: bool = False


# Outcome.status values, shared with the reply stage.
DONE = "done"
ALREADY = "already"
PARTIAL = "partial"
NOT_FOUND = "not_found"
AMBIGUOUS = "ambiguous"
UNAVAILABLE = "unavailable"
ERROR = "error"
NOT_UNDERSTOOD = "not_understood"
ANSWER = "answer"  # a question answered from state (HassGetState, temperature, time...)
OUTCOME_STATUSES = (DONE, ALREADY, PARTIAL, NOT_FOUND, AMBIGUOUS, UNAVAILABLE, ERROR,
                    NOT_UNDERSTOOD, ANSWER)


@dataclass(frozen=True)
class Outcome:
    """What an action did, for the reply stage to speak and for logs."""

    intent: str | None
    status: str
    commands: tuple[Command, ...] = ()
    done: tuple[str, ...] = ()  # entity ids commanded
    already: tuple[str, ...] = ()  # entity ids already in the wanted state
    unknown: tuple[str, ...] = ()  # names/spans that matched nothing
    unavailable: tuple[str, ...] = ()  # entity ids that cannot be commanded (no mqtt, no state)
    values: dict[str, Any] = field(default_factory=dict)  # answers: state, temperature, unit, names...
    message: str = ""  # for errors: a short human explanation


@dataclass(frozen=True)
class ReplyFrame:
    """Everything the reply generator may say; it must copy values from here, never invent them."""

    intent: str | None
    status: str
    slots: dict[str, Any] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Reply:
    text: str
    fallback: bool = False  # True when the model's sentence failed the check and a template was used
    session_id: str = ""
    end_session: bool = True  # False when the dialogue waits for an answer (listen again without wake)


@dataclass(frozen=True)
class ErrorEvent:
    stage: str
    code: str
    message: str
    session_id: str = ""
