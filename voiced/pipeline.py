"""The wiring: Transcript → NLU → actions → device commands → reply → publish (and speak).

Stages are injected, so the daemon, ``voiced listen --act`` and tests can swap any of them; this
module holds no stage logic of its own.  A typed stage error (``voiced.errors``) becomes an
``ErrorEvent`` in the log plus a short fallback reply, published like any other: the daemon never
goes silent because one stage failed.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from voiced.asr.doubt import DOUBTFUL, SURE, UNHEARD, assess
from voiced.dialogue import Decision, DialogueManager
from voiced.errors import VoicedError, stage_error
from voiced.events import (
    ERROR,
    NOT_UNDERSTOOD,
    Command,
    ErrorEvent,
    Outcome,
    Parse,
    Reply,
    ReplyFrame,
    Transcript,
)
from voiced.home.model import Home
from voiced.home.state import StateView
from voiced.mqtt import hermes, topics
from voiced.nlu.decide import READ_ONLY
from voiced.nlu.evidence import TARGETED

log = logging.getLogger("voiced.pipeline")

# what is said when a stage fails (no model involved: these must always work)
FALLBACK = {
    "nlu": "Sorry, I could not understand that.",
    "action": "Sorry, I could not do that.",
    "reply": "Sorry, something went wrong.",
    "internal": "Sorry, something went wrong.",
}
DROPPED_TEXT = "Sorry, I could not reach the {names} in time."


class Publisher(Protocol):
    def publish(self, topic: str, payload: str | bytes, qos: int = 0, retain: bool = False, *,
                entity_id: str = "", command: bool = False) -> bool: ...


class NluStage(Protocol):
    def parse(self, text: str, area: str | None = None) -> Parse: ...


class ReplyStage(Protocol):
    def generate(self, frame: ReplyFrame) -> Reply: ...


class SpeakStage(Protocol):
    def speak(self, text: str) -> object: ...


Planner = Callable[..., Outcome]  # actions.plan(parse, home, states, now=, site=, sites=)


def heard_as(parse: Parse, transcript: Transcript, reject_below: float, confirm_below: float) -> Parse:
    """The NLU's decision, tempered by how well the words were heard (voiced/asr/doubt.py): a
    doubtful transcript is never acted on without a yes (act → confirm), an unheard one never at
    all (→ reject, the reading kept in ``extra["rejected"]``)."""
    hearing = assess(transcript, reject_below, confirm_below)
    if hearing.level == SURE:
        return parse
    extra = {**parse.extra, "hearing": hearing.level, "hearing_reason": hearing.reason}
    decision = parse.extra.get("decision", "act" if parse.intent else "reject")
    if hearing.level == UNHEARD and parse.intent is not None:
        extra.update(decision="reject", reason="unheard",
                     rejected={"intent": parse.intent, "slots": dict(parse.slots), "targets": list(parse.targets)})
        return Parse(text=parse.text, intent=None, confidence=parse.confidence, extra=extra)
    if hearing.level == DOUBTFUL and parse.intent is not None and decision == "act" \
            and parse.intent not in _NEVER_CONFIRMED:
        extra.update(decision="confirm", reason="doubtful_speech")
    return dataclasses.replace(parse, extra=extra)


def understand(parse: Callable[[str], Parse], transcript: Transcript, reject_below: float,
               confirm_below: float) -> Parse:
    """The reading of what was heard, through the doubt gate (``heard_as``).  When it means nothing
    to voiced (no intent, or nothing in it backs one) the engine's other hearings of the same audio
    (``Transcript.alternatives``: eSpeak's "what's the weather like" is heard "what's the winner
    like" first) are read in turn; the first that voiced would act on is taken, as a guess: a
    question about the clock, the date, the weather or a timer is answered when the audio was
    heard clearly (a doubtful hearing's guessed questions were measured answering the date to
    weather questions), a command is asked about first ("Did you say: …?"), a question about a
    device is not taken (no question is confirmed).  A doubtful hearing is acted on when a close
    rival reads as the very same command and none as another ("put the blinds at 70%" / "put the
    blind net 70%"; "put the lines at 70%" means nothing): whichever was said, it asks for that
    (reason ``hearings_agree``)."""
    first = heard_as(parse(transcript.text), transcript, reject_below, confirm_below)
    if first.extra.get("reason") == "doubtful_speech" \
            and _hearings_agree(first, [parse(alt) for alt in transcript.alternatives]):
        # every close hearing of the audio asks for the same thing: what was meant is not in doubt
        return dataclasses.replace(first, extra={**first.extra, "decision": "act", "reason": "hearings_agree"})
    if first.intent is not None or first.extra.get("reason") not in _MEANS_NOTHING \
            or first.extra.get("hearing") == UNHEARD:
        return first
    for alt in transcript.alternatives:
        p = heard_as(parse(alt), dataclasses.replace(transcript, text=alt), reject_below, confirm_below)
        decision = p.extra.get("decision")
        if p.intent is None or decision not in ("act", "confirm") or p.intent in _NEVER_GUESSED:
            continue
        if p.intent in _ANSWERED and p.extra.get("hearing") == DOUBTFUL:
            continue  # a guess on a doubtful hearing: the answer would be a guess squared
        if p.intent not in _ANSWERED:
            decision = "confirm"
        return dataclasses.replace(p, extra={**p.extra, "decision": decision, "reason": "another_hearing",
                                             "heard_first": transcript.text})
    return first


def _hearings_agree(first: Parse, rivals: list[Parse]) -> bool:
    """Some rival hearing reads as ``first`` (the same intent, targets and slots, acted on or asked
    about), and none reads as anything else; a rival that means nothing to voiced is neither."""
    agree = 0
    for other in rivals:
        if other.intent is None:
            continue
        if other.intent != first.intent or other.targets != first.targets or other.slots != first.slots:
            return False
        agree += 1
    return agree > 0


# the readings that mean nothing to voiced: no intent, or none backed by the words
_MEANS_NOTHING = frozenset({"null", "no_evidence"})


# answers to a question and "never mind" (confirming them would ask a question about a question), and
# questions that change nothing in the home (a misheard one costs an odd answer)
_ANSWERS = frozenset({"VoicedConfirm", "VoicedDeny", "HassNevermind"})
_NEVER_CONFIRMED = _ANSWERS | READ_ONLY
# another hearing is a guess: questions that are not about a device are answered on it; answers,
# "never mind" and device questions are never taken from it (they cannot be confirmed)
_ANSWERED = READ_ONLY - TARGETED
_NEVER_GUESSED = _NEVER_CONFIRMED - _ANSWERED


@dataclass
class Pipeline:
    """One utterance's way through the house; ``handle_transcript`` is the whole job."""

    site: str
    nlu: NluStage
    planner: Planner
    replier: ReplyStage
    publisher: Publisher
    home: Callable[[], Home]
    states: StateView
    speaker: SpeakStage | None = None
    hermes: bool = True
    sites: Callable[[], Sequence[str]] = lambda: ()
    clock: Callable[[], datetime] = datetime.now
    muted: Callable[[], bool] = lambda: False
    on_error: Callable[[ErrorEvent], None] | None = None
    dialogue: DialogueManager | None = None  # follow-ups, confirmations, timers (None: one-shot commands)
    wall: Callable[[], float] = time.time  # wall-clock seconds for the dialogue (timers survive restarts)
    speaking: Callable[[], bool] = lambda: False  # is this site's speaker playing right now?
    stop_speech: Callable[[], None] = lambda: None
    last: dict[str, Any] = field(default_factory=dict)  # the last parse/outcome/reply, for tests and logs
    hearing: tuple[float, float] = (0.35, 0.6)  # (asr.reject_below, asr.confirm_below): doubtful speech

    # ------------------------------------------------------------------ helpers

    def _pub(self, topic: str, obj: Any, qos: int = 0) -> None:
        text = obj if isinstance(obj, str) else json.dumps(obj, ensure_ascii=False)
        self.publisher.publish(topic, text, qos=qos)

    def _error(self, stage: str, exc: BaseException, session_id: str) -> ErrorEvent:
        """A stage failed: a typed error with the stage's code (voiced/errors.py stage_error)."""
        typed = stage_error(stage, exc)
        event = ErrorEvent(stage=stage, code=typed.code, message=str(typed), session_id=session_id)
        if typed is exc:
            log.error("%s error (%s) in session %s: %s", stage, typed.code, session_id, event.message)
        else:  # not a typed error: a bug or a library's own exception, worth its traceback
            log.exception("unexpected %s failure (%s) in session %s", stage, typed.code, session_id)
        if self.on_error is not None:
            self.on_error(event)
        return event

    def publish_commands(self, commands: Sequence[Command]) -> None:
        for c in commands:
            self.publisher.publish(c.topic, c.payload, qos=c.qos, retain=c.retain, entity_id=c.entity_id,
                                   command=True)

    def say(self, text: str, session_id: str = "") -> float:
        """Publish a reply and speak it (unless muted); returns the ms spent speaking."""
        self._pub(topics.reply(self.site), {"text": text, "session_id": session_id}, qos=1)
        if self.speaker is None or self.muted():
            return 0.0
        t = time.perf_counter()
        try:
            self.speaker.speak(text)
        except VoicedError as exc:
            self._error("tts", exc, session_id)
        return (time.perf_counter() - t) * 1000

    # ------------------------------------------------------------------ the way through

    def handle_transcript(self, transcript: Transcript, timings: dict[str, float] | None = None) -> Reply:
        """NLU → actions → commands → reply → publish; ``timings`` may carry the audio stages' ms
        (vad, asr) and ``t_end_of_speech`` (a ``perf_counter`` stamp) from the audio front end."""
        t0 = time.perf_counter()
        metrics: dict[str, float] = {k: v for k, v in (timings or {}).items() if not k.startswith("t_")}
        start = (timings or {}).get("t_end_of_speech", t0)
        session_id = transcript.session_id or uuid.uuid4().hex[:12]
        if transcript.session_id != session_id:
            transcript = dataclasses.replace(transcript, session_id=session_id)
        text = transcript.text.strip()
        self._pub(topics.transcript(self.site), transcript.to_json())
        if self.hermes:
            topic, payload = hermes.text_captured(transcript, self.site)
            self._pub(topic, payload)

        reply: Reply | None = None
        outcome: Outcome | None = None
        parse: Parse | None = None
        t = time.perf_counter()
        try:
            parse = understand(lambda heard: self.nlu.parse(heard, transcript.area), transcript, *self.hearing)
        except Exception as exc:  # noqa: BLE001 - any stage failure becomes a spoken fallback
            self._error("nlu", exc, session_id)
            reply = Reply(FALLBACK["nlu"], fallback=True, session_id=session_id)
        metrics["nlu"] = (time.perf_counter() - t) * 1000

        if parse is not None:
            self._pub(topics.intent(self.site), {**parse.to_json(), "session_id": session_id, "site": self.site})
            if self.hermes:
                topic, payload = hermes.intent(parse, self.site, session_id)
                self._pub(topic, payload)
            decision = self._decide(parse, session_id, transcript.area)
            session_id = decision.session_id or session_id
            reply, outcome = self._respond(decision, session_id, metrics, start)

        if reply is None:  # nothing to say (e.g. "stop" while speaking only stops the speech)
            reply = Reply("", session_id=session_id)
        metrics["tts"] = self.say(reply.text, session_id) if reply.text else 0.0
        if self.dialogue is not None and not reply.end_session:
            self.dialogue.speaking_stopped(self.site, self.wall())  # the answer window starts now
        metrics["end_of_speech_to_publish"] = (time.perf_counter() - start) * 1000
        self._pub(topics.metrics(self.site), {k: round(v, 3) for k, v in metrics.items()})
        status = outcome.status if outcome else NOT_UNDERSTOOD
        log.info("session %s: %r → %s %s → %s: %r", session_id, text, parse.intent if parse else None,
                 status, ",".join(c.entity_id or c.topic for c in (outcome.commands if outcome else ())) or "-",
                 reply.text)
        self.last = {"parse": parse, "outcome": outcome, "reply": reply, "metrics": metrics}
        return reply

    def _decide(self, parse: Parse, session_id: str, area: str | None) -> Decision:
        """The dialogue's decision; without a dialogue (or when it fails) the parse is acted on as is."""
        if self.dialogue is not None:
            try:
                return self.dialogue.on_parse(self.site, parse, self.wall(), session_id=session_id,
                                              speaking=self.speaking(), area=area)
            except Exception as exc:  # noqa: BLE001 - a dialogue bug must not lose the command
                self._error("dialogue", exc, session_id)
        if parse.extra.get("decision") == "confirm":
            # nobody can be asked (one-shot command, or the dialogue failed): an unsure reading is not acted on
            return Decision(site=self.site, session_id=session_id,
                            frame=ReplyFrame(parse.intent, NOT_UNDERSTOOD, dict(parse.slots)))
        return Decision(site=self.site, session_id=session_id, execute=parse)

    def _respond(self, decision: Decision, session_id: str, metrics: dict[str, float],
                 start: float) -> tuple[Reply | None, Outcome | None]:
        """Carry out one dialogue decision: stop speech, publish its events, act, phrase the reply."""
        if decision.stop_speech:
            self.stop_speech()
        for suffix, payload in decision.events:
            self._pub(f"voiced/{decision.site}/{suffix}", payload, qos=1)
        frame = decision.frame
        outcome: Outcome | None = None
        if decision.execute is not None:
            parse = decision.execute
            t = time.perf_counter()
            try:
                outcome = self.planner(parse, self.home(), self.states, now=self.clock(), site=self.site,
                                       sites=self.sites())
                self.publish_commands(outcome.commands)
            except Exception as exc:  # noqa: BLE001
                self._error("action", exc, session_id)
                outcome = Outcome(parse.intent, ERROR, values={"message": str(exc)}, message=str(exc))
                return Reply(FALLBACK["action"], fallback=True, session_id=session_id), outcome
            finally:
                metrics["act"] = (time.perf_counter() - t) * 1000
                metrics["command_published"] = (time.perf_counter() - start) * 1000
            frame = ReplyFrame(intent=outcome.intent, status=outcome.status, slots=dict(parse.slots),
                               values=dict(outcome.values))
        if frame is None:
            return None, outcome
        t = time.perf_counter()
        try:
            generated = self.replier.generate(frame)
            reply = Reply(generated.text, generated.fallback, session_id,
                          end_session=generated.end_session and not decision.listen_again)
        except Exception as exc:  # noqa: BLE001
            self._error("reply", exc, session_id)
            reply = Reply(FALLBACK["reply"], fallback=True, session_id=session_id)
        metrics["reply"] = (time.perf_counter() - t) * 1000
        return reply, outcome

    def handle_decision(self, decision: Decision) -> Reply | None:
        """A decision the dialogue made on its own (a timer finished, a question timed out)."""
        if decision.site != self.site:
            return None  # another satellite's timer: that daemon announces it
        if decision.run_text:  # a timer's conversation command: handled as if heard
            return self.handle_transcript(Transcript(text=decision.run_text, session_id=decision.session_id))
        reply, _outcome = self._respond(decision, decision.session_id, {}, time.perf_counter())
        if reply is not None and reply.text:
            self.say(reply.text, decision.session_id)
        return reply

    def handle_dropped(self, entity_ids: Sequence[str], session_id: str = "") -> Reply:
        """Commands dropped after waiting too long for the broker: say so (mqtt.md delivery rules)."""
        home = self.home()
        names = [e.name if (e := home.entity(i)) else i for i in entity_ids]
        frame = ReplyFrame(intent=None, status=ERROR, values={
            "message": "the broker was unreachable", "unavailable_names": names, "names": names,
            "count": len(names)})
        text = DROPPED_TEXT.format(names=" and ".join(names) or "devices")
        try:
            generated = self.replier.generate(frame)
            if all(n.lower() in generated.text.lower() for n in names):
                text = generated.text
        except Exception as exc:  # noqa: BLE001
            self._error("reply", exc, session_id)
        self.say(text, session_id)
        return Reply(text, fallback=True, session_id=session_id)
