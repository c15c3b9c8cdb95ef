"""Every frame the dialogue builds gets a specific, checked sentence, from the templates and from
the shipped model (which falls back to the template when its output fails the check).

The frames come from a real DialogueManager driven through whole conversations (questions,
answers, timers, time-outs), not from hand-written dictionaries, so a new frame shape in the
dialogue that the reply stage phrases badly shows up here.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from tests.conftest import EXAMPLE_HOME
from voiced.config import DEFAULT_MODELS, DialogueSettings
from voiced.dialogue import Decision, DialogueManager
from voiced.events import AMBIGUOUS, Parse, ReplyFrame
from voiced.home import Entity, Home, load_home
from voiced.reply.cases import check
from voiced.reply.frames import length_text, view
from voiced.reply.generate import ReplyGenerator

SITE = "kitchen"
# what a question must never fall back to when the frame says exactly what is asked
VAGUE = {"Which one do you mean?", "Can you be more specific?", "Are you sure?", "Should I really do that?",
         "Sorry, I didn't understand that.", "Sorry, I didn't catch that.", "I'm not sure what you mean."}
ALARM = Entity("alarm_control_panel.house_alarm", "House Alarm", area="hallway")


@pytest.fixture(scope="module")
def home() -> Home:
    h = load_home(EXAMPLE_HOME)
    return dataclasses.replace(h, entities=(*h.entities, ALARM))


@pytest.fixture()
def dm(home: Home) -> DialogueManager:
    return DialogueManager(DialogueSettings(session_timeout=8.0, max_turns=2), home)


@pytest.fixture(scope="module")
def gens() -> list[ReplyGenerator]:
    if not (DEFAULT_MODELS / "reply" / "meta.json").is_file():
        pytest.fail("no shipped reply model in models/reply (train it: voiced train --only reply)")
    return [ReplyGenerator.load(None, use_model=False), ReplyGenerator.load(None)]


def P(text: str, intent: str | None, slots: dict[str, Any] | None = None, targets: tuple[str, ...] = (),
      numbers: list[float] | None = None, **extra: Any) -> Parse:
    """A Parse shaped like the NLU's: slots_raw and numbers always present."""
    slots = dict(slots or {})
    ex: dict[str, Any] = {"slots_raw": dict(slots), "numbers": list(numbers or []), **extra}
    return Parse(text=text, intent=intent, confidence=0.9 if intent else 0.2, slots=slots,
                 targets=targets, extra=ex)


def frame_of(d: Decision | None) -> ReplyFrame:
    assert d is not None and d.frame is not None, d
    return d.frame


def say(gens: list[ReplyGenerator], frame: ReplyFrame, expected: set[str] | None = None) -> set[str]:
    """The frame through both generators in every style: each reply passes the checker, keeps the
    session open exactly for questions, is never a vague question and (when given) is one of
    ``expected``.  Returns the texts."""
    texts = set()
    fv = view(frame)
    for gen in gens:
        case = gen.book.select(fv)
        for style in range(3):
            reply = gen.generate(frame, style=style)
            assert check(reply.text, fv, case, gen.known_names) == [], (frame, reply.text)
            assert reply.end_session == (frame.status != AMBIGUOUS)
            if "question" in frame.values:
                assert reply.text not in VAGUE, (frame, reply.text)
            if expected is not None:
                assert reply.text in expected, (frame, reply.text)
            texts.add(reply.text)
    return texts


# ------------------------------------------------------------------ the questions the brief names

def test_timer_without_duration_asks_for_how_long(gens: list[ReplyGenerator], dm: DialogueManager) -> None:
    f = frame_of(dm.on_parse(SITE, P("set a timer", "HassStartTimer"), 10.0))
    assert f.values == {"question": "duration"} and f.status == AMBIGUOUS
    say(gens, f, {"For how long?", "How much time?", "For how long, then?"})
    dm.end_session(SITE)
    f = frame_of(dm.on_parse(SITE, P("add time to the timer", "HassIncreaseTimer"), 20.0))
    assert f.values["question"] == "duration"
    say(gens, f, {"For how long?", "How much time?", "For how long, then?"})


def test_volume_question_asks_what_volume(gens: list[ReplyGenerator], dm: DialogueManager) -> None:
    p = P("set the tv volume", "HassSetVolume", {"name": "Living Room TV"}, ("media_player.living_room_tv",))
    f = frame_of(dm.on_parse(SITE, p, 10.0))
    assert f.values == {"question": "volume_level", "names": ["Living Room TV"]}
    say(gens, f, {"What volume?", "To what volume?", "How loud?"})


def test_which_timer_lists_the_timers(gens: list[ReplyGenerator], dm: DialogueManager) -> None:
    dm.on_parse(SITE, P("set a pizza timer for 5 minutes", "HassStartTimer", {"name": "pizza", "minutes": 5}), 0.0)
    dm.on_parse(SITE, P("set a timer for 10 minutes", "HassStartTimer", {"minutes": 10}), 0.0)
    f = frame_of(dm.on_parse(SITE, P("cancel the timer", "HassCancelTimer"), 60.0))
    assert f.status == AMBIGUOUS and f.values["question"] == "which" and f.values["count"] == 2
    choices = "the pizza timer or the timer with 9 minutes left"
    say(gens, f, {f"Which timer: {choices}?", f"Did you mean {choices}?", f"Which one do you mean: {choices}?"})
    # the answer "the pizza one" settles it: the question was understood as a timer choice
    assert frame_of(dm.on_parse(SITE, P("the pizza one", None, {"name": "pizza"}), 62.0)).values["timer"]["name"] \
        == "pizza"


def test_which_timer_names_and_shared_names() -> None:
    gen = ReplyGenerator.load(None, use_model=False)
    two = {"question": "which", "count": 2, "timers": [
        {"name": "pizza", "hours": 0, "minutes": 3, "seconds": 0},
        {"name": None, "hours": 0, "minutes": 5, "seconds": 0}]}
    assert gen.generate(ReplyFrame("HassPauseTimer", AMBIGUOUS, {}, two), style=0).text == \
        "Which timer: the pizza timer or the timer with 5 minutes left?"
    same = {"question": "which", "count": 3, "timers": [
        {"name": "tea", "hours": 0, "minutes": 2, "seconds": 0},
        {"name": "tea", "hours": 1, "minutes": 0, "seconds": 1},
        {"name": "egg", "hours": 0, "minutes": 0, "seconds": 40}]}
    assert gen.generate(ReplyFrame("HassCancelTimer", AMBIGUOUS, {}, same), style=0).text == (
        "Which timer: the tea timer with 2 minutes left, the tea timer with 1 hour and 1 second left "
        "or the egg timer?")


def test_disarm_is_confirmed_by_name(gens: list[ReplyGenerator], dm: DialogueManager) -> None:
    p = P("turn off the house alarm", "HassTurnOff", {"name": "House Alarm"}, (ALARM.id,))
    f = frame_of(dm.on_parse(SITE, p, 10.0))
    assert f.values == {"question": "confirm", "action": "disarm", "names": ["House Alarm"]}
    say(gens, f, {"Are you sure you want to disarm the House Alarm?", "Should I really disarm the House Alarm?"})
    assert view(ReplyFrame("HassTurnOff", "done", {}, {"action": "disarm", "names": ["House Alarm"]})) \
        .surface["action_past"] == "disarmed"


@pytest.mark.parametrize(("slots", "length"), [
    ({"seconds": 30}, "30-second"), ({"minutes": 1}, "1-minute"), ({"minutes": 5}, "5-minute"),
    ({"hours": 2}, "2-hour"), ({"hours": 1, "minutes": 30}, "1-hour 30-minute"),
])
def test_finished_timer_says_its_length_as_an_adjective(gens: list[ReplyGenerator], dm: DialogueManager,
                                                        slots: dict[str, int], length: str) -> None:
    dm.on_parse(SITE, P("set a timer", "HassStartTimer", slots), 0.0)
    (d,) = dm.tick(3 * 3600.0)
    f = frame_of(d)
    assert f.intent == "VoicedTimerFinished" and f.status == "done"
    say(gens, f, {f"Your {length} timer is done.", f"The {length} timer has finished.",
                  f"Time's up: your {length} timer."})


def test_finished_named_timer(gens: list[ReplyGenerator], dm: DialogueManager) -> None:
    dm.on_parse(SITE, P("set a pizza timer for 30 seconds", "HassStartTimer", {"name": "pizza", "seconds": 30}), 0.0)
    (d,) = dm.tick(31.0)
    say(gens, frame_of(d), {"Your pizza timer is done.", "The pizza timer has finished.",
                            "Time's up for the pizza timer."})


def test_length_text() -> None:
    assert length_text(0, 0, 30) == "30-second" and length_text(1, 2, 3) == "1-hour 2-minute 3-second"
    assert length_text(0, 1.5, 0) == "1.5-minute" and length_text(0, 0, 0) is None


def test_timed_out_question_says_never_mind(gens: list[ReplyGenerator], dm: DialogueManager) -> None:
    dm.on_parse(SITE, P("set the thermostat", "HassClimateSetTemperature", {"name": "Living Room Thermostat"},
                        ("climate.living_room_thermostat",)), 10.0)
    (d,) = dm.tick(100.0)
    f = frame_of(d)
    assert f.status == "not_understood" and f.values == {"question": "timeout"}
    say(gens, f, {"Okay, never mind.", "Alright, never mind."})
    dm.on_parse(SITE, P("set a timer", "HassStartTimer"), 200.0)
    say(gens, frame_of(dm.on_timeout(SITE, 300.0)), {"Okay, never mind.", "Alright, never mind."})


def test_timer_not_found_by_name(gens: list[ReplyGenerator], dm: DialogueManager) -> None:
    f = frame_of(dm.on_parse(SITE, P("cancel the pizza timer", "HassCancelTimer", {"name": "pizza"}), 1.0))
    assert f.status == "not_found" and f.values == {"count": 0, "timer": {"name": "pizza"}}
    say(gens, f, {"There's no pizza timer.", "I couldn't find a pizza timer."})


# ------------------------------------------------------------------ every frame the dialogue builds

def conversation_frames(dm: DialogueManager) -> list[ReplyFrame]:
    """Drive the dialogue through every path that ends in a frame; collect the frames."""
    frames: list[ReplyFrame] = []

    def on(p: Parse, now: float) -> None:
        d = dm.on_parse(SITE, p, now)
        if d.frame is not None:
            frames.append(d.frame)

    lamps = [{"id": "light.bedroom_lamp", "name": "Bedroom Lamp", "area": "Bedroom"},
             {"id": "light.desk_lamp", "name": "Desk Lamp", "area": "Office"}]
    on(P("turn on the lamp", "HassTurnOn", {"name": "lamp"}, ambiguous_slot="name", candidates=lamps), 1)
    on(P("the blue one", None), 2)  # re-ask
    on(P("the green one", None), 3)  # give up after max_turns
    on(P("set the light", "HassLightSet", {"name": "Desk Lamp"}, ("light.desk_lamp",)), 10)
    on(P("no", "VoicedDeny"), 11)
    on(P("change the light colour", "HassLightSet", {"name": "Desk Lamp"}, ("light.desk_lamp",)), 12)
    on(P("stop", "HassNevermind"), 13)
    on(P("set the thermostat", "HassClimateSetTemperature", {"name": "Living Room Thermostat"},
         ("climate.living_room_thermostat",)), 20)
    on(P("stop", "HassNevermind"), 21)
    on(P("set the blinds", "HassSetPosition", {"name": "Living Room Blinds"}, ("cover.living_room_blinds",)), 30)
    dm.end_session(SITE)
    on(P("unlock the front door", "HassTurnOff", {"name": "Front Door"}, ("lock.front_door",)), 40)
    on(P("no", "VoicedDeny"), 41)
    on(P("open the garage door", "HassTurnOn", {"name": "Garage Door"}, ("cover.garage_door",)), 50)
    dm.end_session(SITE)
    on(P("yes", "VoicedConfirm"), 60)  # nothing asked
    on(P("no", "VoicedDeny"), 61)
    # timers
    on(P("cancel all timers", "HassCancelAllTimers"), 100)
    on(P("how long is left", "HassTimerStatus"), 101)
    on(P("pause the timer", "HassPauseTimer"), 102)
    on(P("set a pizza timer for 10 minutes", "HassStartTimer", {"name": "pizza", "minutes": 10}), 110)
    on(P("how long is left", "HassTimerStatus"), 170)
    on(P("pause the timer", "HassPauseTimer"), 171)
    on(P("pause the timer", "HassPauseTimer"), 172)  # already paused
    on(P("resume the timer", "HassUnpauseTimer"), 173)
    on(P("resume the timer", "HassUnpauseTimer"), 174)  # already running
    on(P("add 2 minutes", "HassIncreaseTimer", {"minutes": 2}), 175)
    on(P("take off 1 minute", "HassDecreaseTimer", {"minutes": 1}), 176)
    on(P("set a timer for 90 seconds", "HassStartTimer", {"seconds": 90}), 180)
    on(P("how long is left", "HassTimerStatus"), 181)  # two timers
    on(P("pause the timer", "HassPauseTimer"), 182)  # which timer?
    on(P("the pizza one", None, {"name": "pizza"}), 183)
    on(P("cancel the tea timer", "HassCancelTimer", {"name": "tea"}), 184)  # not found
    on(P("cancel the timer", "HassCancelTimer"), 185)  # which timer?
    on(P("the ninety second one", None, {"seconds": 90}), 186)
    on(P("cancel all timers", "HassCancelAllTimers"), 187)
    on(P("set a timer for 5 minutes", "HassStartTimer", {"minutes": 5}), 200)
    for d in dm.tick(600.0):
        frames.append(frame_of(d))
    on(P("set a timer", "HassStartTimer"), 700)
    for d in dm.tick(800.0):  # the duration question timed out
        frames.append(frame_of(d))
    return frames


def test_every_dialogue_frame_gets_a_checked_specific_reply(gens: list[ReplyGenerator],
                                                            dm: DialogueManager) -> None:
    frames = conversation_frames(dm)
    shapes = {(f.intent, f.status, f.values.get("question")) for f in frames}
    assert len(frames) >= 30 and ("VoicedTimerFinished", "done", None) in shapes
    said: dict[tuple[Any, ...], set[str]] = {}
    for f in frames:
        said.setdefault((f.intent, f.status, f.values.get("question")), set()).update(say(gens, f))
    # spot-check the wording class of the frames not covered above
    expect = {
        ("HassTurnOn", AMBIGUOUS, "which"): "Which one: the Bedroom Lamp or the Desk Lamp?",
        ("HassLightSet", AMBIGUOUS, "brightness"): "How bright?",
        ("HassLightSet", AMBIGUOUS, "color"): "Which colour?",
        ("HassClimateSetTemperature", AMBIGUOUS, "temperature"): "To what temperature?",
        ("HassSetPosition", AMBIGUOUS, "position"): "To what position?",
        ("HassTurnOff", AMBIGUOUS, "confirm"): "Are you sure you want to unlock the Front Door?",
        ("HassTurnOn", AMBIGUOUS, "confirm"): "Are you sure you want to open the Garage Door?",
        ("HassTurnOn", "not_understood", None): "Sorry, I didn't understand that.",
        ("VoicedDeny", "done", None): "Okay, I won't.",
        ("VoicedConfirm", "not_understood", None): "I didn't ask anything.",
        ("HassCancelAllTimers", "not_found", None): "There's no timer running.",
        ("HassPauseTimer", "already", None): "The pizza timer is already paused.",
        ("HassUnpauseTimer", "already", None): "The pizza timer is already running.",
        ("HassTimerStatus", "answer", None): "9 minutes left for the pizza timer.",
        ("HassIncreaseTimer", "done", None): "Added 2 minutes to the timer.",
        ("HassDecreaseTimer", "done", None): "Took 1 minute away from the timer.",
        ("HassCancelAllTimers", "done", None): "Cancelled one timer.",
        ("VoicedTimerFinished", "done", None): "Your 5-minute timer is done.",
        ("HassStartTimer", "not_understood", "timeout"): "Okay, never mind.",
    }
    for shape, text in expect.items():
        assert text in said.get(shape, set()), (shape, said.get(shape))


def test_doubtful_speech_is_said_back_as_heard_and_a_yes_acts(gens: list[ReplyGenerator], dm: DialogueManager) -> None:
    p = P("turn off the kitchen lights.", "HassTurnOff", {"area": "Kitchen", "domain": "light"},
          ("light.kitchen_spots",), decision="confirm", reason="doubtful_speech")
    d = dm.on_parse(SITE, p, 10.0)
    f = frame_of(d)
    assert d.execute is None and f.values["heard"] == "turn off the kitchen lights."
    say(gens, f, {"Did you say: turn off the kitchen lights?"})
    d = dm.on_parse(SITE, P("yes", "VoicedConfirm"), 11.0)
    assert d.execute is not None and d.execute.targets == ("light.kitchen_spots",)
    # the NLU's own doubt (words heard well) still names the action
    p = dataclasses.replace(p, extra={**p.extra, "reason": "low_confidence"})
    assert "heard" not in frame_of(dm.on_parse("hall", p, 20.0)).values
