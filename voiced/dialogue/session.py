"""The dialogue: a pure state machine per site between the NLU and the actions stage.

Inputs are Parses, the time (``now``, passed in; wall-clock seconds so timers survive a restart)
and "speech stopped"/"silence" notices; outputs are ``Decision`` objects saying what to execute,
what to say, whether to listen again without the wake word, and which MQTT events to publish.
It asks when a request is ambiguous or lacks a value, confirms risky actions, runs timers.
No I/O, no clock, no threads: the pipeline calls it and acts on what it returns.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field
from typing import Any

from voiced.config import DialogueSettings
from voiced.dialogue import followup
from voiced.dialogue.followup import Candidate
from voiced.dialogue.timers import Selection, Timer, TimerManager, duration_seconds, normalise_name
from voiced.events import (
    ALREADY,
    AMBIGUOUS,
    ANSWER,
    DONE,
    NOT_FOUND,
    NOT_UNDERSTOOD,
    Parse,
    ReplyFrame,
)
from voiced.home import Home
from voiced.intents import names

log = logging.getLogger(__name__)

NEVERMIND = "HassNevermind"
CONFIRM = "VoicedConfirm"
DENY = "VoicedDeny"
DIALOGUE_INTENTS = (NEVERMIND, CONFIRM, DENY)
TIMER_FINISHED = "VoicedTimerFinished"  # frame intent of a timer's announcement (never a parsed intent)
TIMER_INTENTS = tuple(sorted(names(timer=True)))

Event = tuple[str, dict[str, Any]]


@dataclass(frozen=True)
class Decision:
    """What the pipeline should do after one dialogue step.

    ``execute``: a complete Parse for the actions stage (its Outcome becomes the reply).
    ``frame``: something to say without acting (a question, a timer reply, a cancellation).
    Both None: say nothing (e.g. "stop" while speaking).  ``listen_again``: keep the session
    open and listen without the wake word.  ``stop_speech``: cut the current speech now.
    ``events``: MQTT events, topic relative to ``voiced/<site>/``.  ``run_text``: a timer's
    conversation command to handle as if it had been heard on ``site``.
    """

    site: str
    session_id: str = ""
    execute: Parse | None = None
    frame: ReplyFrame | None = None
    listen_again: bool = False
    stop_speech: bool = False
    events: tuple[Event, ...] = ()
    run_text: str | None = None


@dataclass
class _Pending:
    """An open question on one site."""

    kind: str  # which | area | value | confirm | timer
    parse: Parse  # the request being completed
    session_id: str
    deadline: float
    frame: ReplyFrame  # the question, to ask again
    turns: int = 1  # questions asked so far in this session (re-asks included)
    area: str | None = None  # the satellite's own area when the request came
    candidates: tuple[Candidate, ...] = ()
    question: str = ""  # for kind "value": the question asked
    extra: dict[str, Any] = field(default_factory=dict)


class DialogueManager:
    """Sessions per site plus every site's timers.  See docs/dialogue.md for the frames it makes."""

    def __init__(self, settings: DialogueSettings, home: Home, timers: TimerManager | None = None) -> None:
        self.settings = settings
        self.home = home
        self.timers = timers if timers is not None else TimerManager()
        self._sessions: dict[str, _Pending] = {}
        self._counter = 0

    # ------------------------------------------------------------------ wiring helpers
    def set_home(self, home: Home) -> None:
        self.home = home

    def in_session(self, site: str) -> bool:
        return site in self._sessions

    def end_session(self, site: str) -> None:
        """Forget an open question without saying anything (e.g. the satellite went away)."""
        self._sessions.pop(site, None)

    def speaking_stopped(self, site: str, now: float) -> None:
        """The question has been spoken: the answer window (session_timeout) starts now."""
        self._touch(site, now)

    def heard_speech(self, site: str, now: float) -> None:
        """Speech started on a site with an open question: hold the session while it is heard."""
        self._touch(site, now)

    def next_wakeup(self) -> float | None:
        """The earliest time at which ``tick`` has something to do (a deadline or a timer end)."""
        times = [p.deadline for p in self._sessions.values()]
        end = self.timers.next_end()
        if end is not None:
            times.append(end)
        return min(times) if times else None

    def load_timers(self, data: Any) -> None:
        """Restore timers saved by ``timer_state`` (bad entries are logged and skipped)."""
        self.timers = TimerManager.from_json(data)

    def timer_state(self) -> dict[str, Any]:
        return self.timers.to_json()

    @property
    def timers_revision(self) -> int:
        """Changes whenever the timers change: persist ``timer_state()`` when it differs from the last save."""
        return self.timers.revision

    # ------------------------------------------------------------------ inputs
    def on_parse(self, site: str, parse: Parse, now: float, *, session_id: str = "",
                 speaking: bool = False, area: str | None = None) -> Decision:
        """One understood (or not understood) utterance from ``site``.

        ``speaking``: voiced is speaking on that site right now (so "stop" cuts the speech).
        ``area``: the satellite's own area id (stored with the timers it starts).
        """
        pending = self._sessions.get(site)
        if pending is not None and now > pending.deadline:
            self._sessions.pop(site, None)  # tick() missed it: the old question is void
            pending = None
        sid = pending.session_id if pending is not None else (session_id or self._new_id(site))
        if parse.intent == NEVERMIND:
            self._sessions.pop(site, None)
            if speaking:
                return Decision(site, sid, stop_speech=True)
            return Decision(site, sid, frame=ReplyFrame(NEVERMIND, DONE))
        if pending is not None:
            return self._answer(site, pending, parse, now, area, session_id)
        return self._new(site, parse, now, sid, area, turns=0)

    def on_timeout(self, site: str, now: float) -> Decision | None:
        """No answer came (the listener heard silence): end the open session with a short reply."""
        pending = self._sessions.pop(site, None)
        if pending is None:
            return None
        return self._timeout_decision(site, pending)

    def tick(self, now: float) -> list[Decision]:
        """Expired questions and finished timers, in that order."""
        out: list[Decision] = []
        for site, pending in list(self._sessions.items()):
            if now > pending.deadline:
                del self._sessions[site]
                out.append(self._timeout_decision(site, pending))
        for timer in self.timers.due(now):
            out.append(self._timer_finished(timer, now))
        return out

    # ------------------------------------------------------------------ new requests
    def _new(self, site: str, parse: Parse, now: float, sid: str, area: str | None, turns: int) -> Decision:
        if parse.intent in (CONFIRM, DENY):
            # "yes"/"no" with nothing asked
            return Decision(site, sid, frame=ReplyFrame(parse.intent, NOT_UNDERSTOOD, dict(parse.slots)))
        return self._advance(site, parse, now, sid, area, turns)

    def _advance(self, site: str, parse: Parse, now: float, sid: str, area: str | None,
                 turns: int, confirmed: bool = False) -> Decision:
        """Ask for what is missing (target, value, confirmation) or hand the request on."""
        unsure = None if confirmed or parse.extra.get("confirmed") else followup.unsure_question(parse, self.home)
        if unsure is not None:
            # the NLU was not sure of this reading: ask first ("Are you sure you want to …?"), act on a yes
            return self._ask(site, "confirm", parse, now, sid, area, -1, unsure, AMBIGUOUS, extra={"risk": "unsure"})
        cands = followup.candidates(parse)
        if cands:
            values = {"question": "which", "names": followup.spoken_names(cands)}
            return self._ask(site, "which", parse, now, sid, area, turns, values, AMBIGUOUS,
                             candidates=cands)
        rooms = followup.missing_area(parse, self.home)
        if len(rooms) == 1:
            parse = followup.aim_at_area(parse, rooms[0][0], self.home)
        elif rooms:
            # "dim the lights" with no room said or known: ask which room (named when few)
            values = {"question": "area", **({"names": [n for _i, n in rooms]} if len(rooms) <= 4 else {})}
            return self._ask(site, "area", parse, now, sid, area, turns, values, AMBIGUOUS,
                             extra={"rooms": rooms})
        question = followup.missing_value(parse)
        if question is not None:
            values = {"question": question}
            names = followup.target_names(parse, self.home)
            if names:
                values["names"] = names
            return self._ask(site, "value", parse, now, sid, area, turns, values, AMBIGUOUS,
                             question=question)
        if parse.intent in TIMER_INTENTS:
            return self._timer(site, parse, now, sid, area, turns)
        if not confirmed:
            risky = followup.risky_action(parse, self.home, self.settings.risky_actions)
            if risky is not None:
                risk, verb, names = risky
                values = {"question": "confirm", "action": verb, "names": names}
                # a confirmation is always asked once, whatever max_turns says
                return self._ask(site, "confirm", parse, now, sid, area, -1, values, AMBIGUOUS,
                                 extra={"risk": risk})
        return Decision(site, sid, execute=parse)

    def _ask(self, site: str, kind: str, parse: Parse, now: float, sid: str, area: str | None,
             turns: int, values: dict[str, Any], status: str, candidates: tuple[Candidate, ...] = (),
             question: str = "", extra: dict[str, Any] | None = None) -> Decision:
        frame = ReplyFrame(parse.intent, status, dict(parse.slots), values)
        if turns >= 0 and turns >= self._max_turns():
            return self._give_up(site, sid, parse)
        self._sessions[site] = _Pending(kind, parse, sid, now + self.settings.session_timeout, frame,
                                        turns=max(turns, 0) + 1, area=area, candidates=candidates,
                                        question=question, extra=dict(extra or {}))
        return Decision(site, sid, frame=frame, listen_again=True)

    # ------------------------------------------------------------------ answers
    def _answer(self, site: str, p: _Pending, parse: Parse, now: float, area: str | None,
                session_id: str) -> Decision:
        intent = parse.intent
        new_sid = session_id or self._new_id(site)  # for an answer that turns out to be a new request
        if p.kind == "confirm":
            del self._sessions[site]
            if intent == CONFIRM:
                done = dataclasses.replace(p.parse, extra={**p.parse.extra, "confirmed": True})
                return self._advance(site, done, now, p.session_id, p.area, p.turns, confirmed=True)
            if intent is None or intent == DENY:
                return Decision(site, p.session_id, frame=ReplyFrame(DENY, DONE))
            return self._new(site, parse, now, new_sid, area, turns=0)
        if intent == DENY:
            del self._sessions[site]
            return Decision(site, p.session_id, frame=ReplyFrame(DENY, DONE))
        if p.kind == "which":
            chosen, final = followup.choose(parse, p.candidates, self.home)
            if final:
                del self._sessions[site]
                rebuilt = followup.rebuild_with(p.parse, chosen)
                return self._advance(site, rebuilt, now, p.session_id, p.area, p.turns)
            if chosen:  # narrowed down, not settled: ask again among the rest
                p.candidates = chosen
                p.frame = dataclasses.replace(
                    p.frame, values={**p.frame.values, "names": followup.spoken_names(chosen)})
                return self._retry(site, p, now)
        elif p.kind == "area":
            room = followup.area_from_answer(parse, p.extra.get("rooms", []), self.home)
            if room is not None and not self._replaces(p, parse):
                del self._sessions[site]
                return self._advance(site, followup.aim_at_area(p.parse, room, self.home), now, p.session_id,
                                     p.area, p.turns)
        elif p.kind == "value":
            if not self._replaces(p, parse):
                got = followup.value_from_answer(p.question, parse)
                if got is not None:
                    del self._sessions[site]
                    # "set a pizza timer for five minutes" as the answer: keep everything it says
                    said = dict(parse.slots) if parse.intent == p.parse.intent else {}
                    filled = dataclasses.replace(p.parse, slots={**p.parse.slots, **said, **got})
                    return self._advance(site, filled, now, p.session_id, p.area, p.turns)
        elif p.kind == "timer":
            merged = self._timer_answer(p.parse, parse)
            if merged is not None and len(self._select(merged, site).timers) == 1:
                del self._sessions[site]
                return self._timer(site, merged, now, p.session_id, p.area, p.turns)
        if self._is_new_command(parse):
            del self._sessions[site]
            return self._new(site, parse, now, new_sid, area, turns=0)
        return self._retry(site, p, now)

    def _retry(self, site: str, p: _Pending, now: float) -> Decision:
        if p.turns >= self._max_turns():
            del self._sessions[site]
            return self._give_up(site, p.session_id, p.parse)
        p.turns += 1
        p.deadline = now + self.settings.session_timeout
        return Decision(site, p.session_id, frame=p.frame, listen_again=True)

    def _give_up(self, site: str, sid: str, parse: Parse) -> Decision:
        return Decision(site, sid, frame=ReplyFrame(parse.intent, NOT_UNDERSTOOD, dict(parse.slots)))

    def _timeout_decision(self, site: str, p: _Pending) -> Decision:
        frame = ReplyFrame(p.parse.intent, NOT_UNDERSTOOD, dict(p.parse.slots), {"question": "timeout"})
        return Decision(site, p.session_id, frame=frame)

    def _replaces(self, p: _Pending, parse: Parse) -> bool:
        """Is this answer to a value question really a new complete command?

        Yes when it has its own targets, or a different intent without the value asked for
        ("what time is it" while asked for a temperature).  "twenty one" tagged as the same
        intent without a target is an answer.
        """
        if not self._is_new_command(parse):
            return False
        if parse.targets:
            return True
        if parse.intent == p.parse.intent:
            return False
        wanted = followup.REQUIRED_VALUES.get(p.parse.intent or "", ("", ()))[1]
        return not any(parse.slots.get(s) is not None for s in wanted)

    @staticmethod
    def _is_new_command(parse: Parse) -> bool:
        return parse.intent is not None and parse.intent not in DIALOGUE_INTENTS

    # ------------------------------------------------------------------ timers
    def _area_names(self, slots: dict[str, Any]) -> tuple[str, ...]:
        value = slots.get("area")
        if not isinstance(value, str):
            return ()
        for a in self.home.areas:
            if value.lower() in (a.id.lower(), *(n.lower() for n in a.names)):
                return (a.id, *a.names)
        return (value,)

    def _select(self, parse: Parse, site: str) -> Selection:
        plain = parse.intent not in ("HassIncreaseTimer", "HassDecreaseTimer")
        return self.timers.select(parse.slots, site, self._area_names(parse.slots), start_from_plain=plain)

    def _timer_answer(self, original: Parse, answer: Parse) -> Parse | None:
        """Merge "the pizza one" / "the five minute one" into the timer request being completed."""
        got = followup.answer_slots(answer)
        add: dict[str, Any] = {}
        if isinstance(got.get("name"), str) and normalise_name(got["name"]):
            add["name"] = got["name"]
        for unit in ("hours", "minutes", "seconds"):
            v = got.get("start_" + unit, got.get(unit))
            if v is not None:
                add["start_" + unit] = v
        if not any(k.startswith("start_") for k in add):
            nums = followup.answer_numbers(answer)
            if nums and not add:
                add["start_minutes"] = nums[0]
        if not add:
            return None
        return dataclasses.replace(original, slots={**original.slots, **add})

    def _timer(self, site: str, parse: Parse, now: float, sid: str, area: str | None, turns: int) -> Decision:
        intent = parse.intent
        slots = dict(parse.slots)

        def say(status: str, values: dict[str, Any], events: tuple[Event, ...] = ()) -> Decision:
            return Decision(site, sid, frame=ReplyFrame(intent, status, slots, values), events=events)

        if intent == "HassStartTimer":
            secs = duration_seconds(slots) or 0.0
            command = slots.get("conversation_command")
            t = self.timers.start(site, secs, now, name=normalise_name(slots.get("name")), area=area,
                                  command=command if isinstance(command, str) and command else None)
            return say(DONE, {"timer": t.spoken()}, (("timer/started", t.event(now)),))
        if intent == "HassCancelAllTimers":
            sel = self.timers.select({"area": slots["area"]} if "area" in slots else {}, site,
                                     self._area_names(slots))
            timers = sel.timers if sel.filtered else tuple(self.timers.all())
            if not timers:
                return say(NOT_FOUND, {"count": 0})
            for t in timers:
                self.timers.cancel(t.id)
            return say(DONE, {"count": len(timers)},
                       tuple(("timer/cancelled", t.event(now)) for t in timers))
        sel = self._select(parse, site)
        if not sel.timers:
            asked = normalise_name(slots.get("name"))
            return say(NOT_FOUND, {"count": 0, "timer": {"name": asked}} if asked else {"count": 0})
        if intent == "HassTimerStatus":
            if len(sel.timers) == 1:
                return say(ANSWER, {"timer": sel.timers[0].spoken(now)})
            return say(ANSWER, {"timers": [t.spoken(now) for t in sel.timers], "count": len(sel.timers)})
        if len(sel.timers) > 1:
            values = {"question": "which", "timers": [t.spoken(now) for t in sel.timers],
                      "count": len(sel.timers)}
            return self._ask(site, "timer", parse, now, sid, area, turns, values, AMBIGUOUS)
        t = sel.timers[0]
        if intent == "HassCancelTimer":
            self.timers.cancel(t.id)
            return say(DONE, {"timer": t.spoken()}, (("timer/cancelled", t.event(now)),))
        if intent == "HassPauseTimer":
            if t.paused:
                return say(ALREADY, {"timer": t.spoken(now)})
            t = self.timers.pause(t.id, now)
            return say(DONE, {"timer": t.spoken(now)}, (("timer/paused", t.event(now)),))
        if intent == "HassUnpauseTimer":
            if not t.paused:
                return say(ALREADY, {"timer": t.spoken(now)})
            t = self.timers.unpause(t.id, now)
            return say(DONE, {"timer": t.spoken(now)}, (("timer/unpaused", t.event(now)),))
        if intent in ("HassIncreaseTimer", "HassDecreaseTimer"):
            amount = duration_seconds(slots) or 0.0
            sign = 1.0 if intent == "HassIncreaseTimer" else -1.0
            t = self.timers.add(t.id, sign * amount, now)
            return say(DONE, {"timer": t.spoken(now)}, (("timer/updated", t.event(now)),))
        return Decision(site, sid, execute=parse)  # not reached: every timer intent is handled above

    def _timer_finished(self, t: Timer, now: float) -> Decision:
        payload = {**t.event(now), "late": round(max(0.0, now - (t.end or now)), 3)}
        events: tuple[Event, ...] = (("timer/finished", payload),)
        sid = self._new_id(t.site)
        if t.command:
            return Decision(t.site, sid, events=events, run_text=t.command)
        frame = ReplyFrame(TIMER_FINISHED, DONE, {}, {"timer": t.spoken()})
        return Decision(t.site, sid, frame=frame, events=events)

    # ------------------------------------------------------------------ misc
    def _max_turns(self) -> int:
        return max(1, self.settings.max_turns)

    def _touch(self, site: str, now: float) -> None:
        p = self._sessions.get(site)
        if p is not None:
            p.deadline = max(p.deadline, now + self.settings.session_timeout)

    def _new_id(self, site: str) -> str:
        self._counter += 1
        return f"{site}-{self._counter}"
