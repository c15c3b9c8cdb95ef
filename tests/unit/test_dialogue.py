"""The dialogue state machine, case by case: follow-ups, confirmations, nevermind/stop, timeouts."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import EXAMPLE_HOME
from voiced.config import DialogueSettings
from voiced.dialogue import Decision, DialogueManager
from voiced.events import AMBIGUOUS, DONE, NOT_UNDERSTOOD, Parse
from voiced.home import Entity, Home, load_home

LAMPS = [
    {"id": "light.bedroom_lamp", "name": "Bedroom Lamp", "area": "Bedroom"},
    {"id": "light.desk_lamp", "name": "Desk Lamp", "area": "Office"},
    {"id": "light.living_room_lamp", "name": "Living Room Lamp", "area": "Living Room"},
]
SITE = "kitchen"


@pytest.fixture(scope="module")
def home() -> Home:
    return load_home(EXAMPLE_HOME)


@pytest.fixture()
def dm(home: Home) -> DialogueManager:
    return DialogueManager(DialogueSettings(session_timeout=8.0, max_turns=3), home)


def P(text: str, intent: str | None, slots: dict[str, Any] | None = None, targets: tuple[str, ...] = (),
      numbers: list[float] | None = None, slots_raw: dict[str, Any] | None = None,
      **extra: Any) -> Parse:
    """A Parse shaped like the NLU's (docs/frames.md): slots_raw and numbers always present."""
    slots = dict(slots or {})
    ex: dict[str, Any] = {"slots_raw": dict(slots_raw if slots_raw is not None else slots),
                          "numbers": list(numbers or [])}
    ex.update(extra)
    return Parse(text=text, intent=intent, confidence=0.9 if intent else 0.2, slots=slots,
                 targets=targets, extra=ex)


def lamp_request() -> Parse:
    return P("turn on the lamp", "HassTurnOn", {"name": "lamp"}, ambiguous_slot="name", candidates=LAMPS)


def ask_which(dm: DialogueManager, now: float = 100.0) -> Decision:
    d = dm.on_parse(SITE, lamp_request(), now, session_id="s1")
    assert d.execute is None and d.listen_again
    assert d.frame is not None and d.frame.status == AMBIGUOUS
    assert d.frame.values == {"question": "which", "names": ["Bedroom Lamp", "Desk Lamp", "Living Room Lamp"]}
    assert d.frame.intent == "HassTurnOn"
    assert dm.in_session(SITE)
    return d


# ------------------------------------------------------------------ pass-through

def test_complete_command_passes_through(dm: DialogueManager) -> None:
    p = P("turn on the kitchen spots", "HassTurnOn", {"name": "Kitchen Spots"}, ("light.kitchen_spots",))
    d = dm.on_parse(SITE, p, 1.0, session_id="abc")
    assert d == Decision(SITE, "abc", execute=p)
    assert not dm.in_session(SITE)


def test_not_understood_passes_through_to_actions(dm: DialogueManager) -> None:
    p = P("banana phone", None)
    d = dm.on_parse(SITE, p, 1.0)
    assert d.execute is p and d.frame is None and not d.listen_again
    assert d.session_id  # generated when the pipeline gives none


def test_yes_without_question_is_not_understood(dm: DialogueManager) -> None:
    d = dm.on_parse(SITE, P("yes", "VoicedConfirm"), 1.0)
    assert d.execute is None and d.frame is not None and d.frame.status == NOT_UNDERSTOOD


# ------------------------------------------------------------------ ambiguity

def test_ambiguous_answer_by_name_fragment(dm: DialogueManager) -> None:
    ask_which(dm)
    d = dm.on_parse(SITE, P("the desk lamp", None, slots_raw={"name": "Desk Lamp"}), 103.0, session_id="s2")
    assert d.session_id == "s1"  # the conversation keeps its id
    assert d.execute is not None and not d.listen_again
    assert d.execute.intent == "HassTurnOn"
    assert d.execute.targets == ("light.desk_lamp",)
    assert d.execute.slots["name"] == "Desk Lamp"
    assert "candidates" not in d.execute.extra
    assert not dm.in_session(SITE)


def test_ambiguous_answer_by_area_slot(dm: DialogueManager) -> None:
    ask_which(dm)
    d = dm.on_parse(SITE, P("bedroom", None, slots_raw={"area": "Bedroom"}), 102.0)
    assert d.execute is not None and d.execute.targets == ("light.bedroom_lamp",)


def test_ambiguous_answer_by_plain_text_the_bedroom_one(dm: DialogueManager) -> None:
    ask_which(dm)
    d = dm.on_parse(SITE, P("the bedroom one", None, slots_raw={}), 102.0)
    assert d.execute is not None and d.execute.targets == ("light.bedroom_lamp",)


def test_ambiguous_answer_by_area_alias_and_entity_alias(dm: DialogueManager) -> None:
    ask_which(dm)
    d = dm.on_parse(SITE, P("the one in the study", None), 102.0)  # "study" = Office alias
    assert d.execute is not None and d.execute.targets == ("light.desk_lamp",)
    ask_which(dm, 200.0)
    d = dm.on_parse(SITE, P("the reading lamp", None), 202.0)  # alias of Living Room Lamp
    assert d.execute is not None and d.execute.targets == ("light.living_room_lamp",)


def test_ambiguous_answer_with_full_command_targets(dm: DialogueManager) -> None:
    ask_which(dm)
    answer = P("turn on the bedroom lamp", "HassTurnOn", {"name": "Bedroom Lamp"}, ("light.bedroom_lamp",))
    d = dm.on_parse(SITE, answer, 102.0)
    assert d.execute is not None and d.execute.targets == ("light.bedroom_lamp",)


def test_ambiguous_answer_ordinal_and_all(dm: DialogueManager) -> None:
    ask_which(dm)
    d = dm.on_parse(SITE, P("the second one", None, numbers=[2]), 102.0)
    assert d.execute is not None and d.execute.targets == ("light.desk_lamp",)
    ask_which(dm, 200.0)
    d = dm.on_parse(SITE, P("all of them", None), 202.0)
    assert d.execute is not None
    assert d.execute.targets == ("light.bedroom_lamp", "light.desk_lamp", "light.living_room_lamp")


def test_wrong_answer_reasks_then_gives_up(home: Home) -> None:
    dm = DialogueManager(DialogueSettings(max_turns=2), home)
    first = ask_which(dm)
    d = dm.on_parse(SITE, P("the lamp", None), 101.0)  # matches all three: not an answer
    assert d.listen_again and d.frame == first.frame and d.execute is None
    d = dm.on_parse(SITE, P("purple elephant", None), 102.0)
    assert not d.listen_again and d.execute is None
    assert d.frame is not None and d.frame.status == NOT_UNDERSTOOD and d.frame.intent == "HassTurnOn"
    assert not dm.in_session(SITE)


def test_max_turns_three_allows_two_reasks(dm: DialogueManager) -> None:
    ask_which(dm)
    assert dm.on_parse(SITE, P("hmm", None), 101.0).listen_again
    assert dm.on_parse(SITE, P("what", None), 102.0).listen_again
    d = dm.on_parse(SITE, P("no idea", None), 103.0)
    assert not d.listen_again and d.frame is not None and d.frame.status == NOT_UNDERSTOOD


def test_new_command_during_question_switches_topic(dm: DialogueManager) -> None:
    ask_which(dm)
    p = P("what time is it", "HassGetCurrentTime")
    d = dm.on_parse(SITE, p, 102.0, session_id="s9")
    assert d.execute is p and not dm.in_session(SITE)
    assert d.session_id == "s9"  # a new request: its own session id
    ask_which(dm, 200.0)
    p = P("turn off the kitchen spots", "HassTurnOff", {"name": "Kitchen Spots"}, ("light.kitchen_spots",))
    d = dm.on_parse(SITE, p, 202.0)
    assert d.execute is p


def test_deny_during_question_cancels(dm: DialogueManager) -> None:
    ask_which(dm)
    d = dm.on_parse(SITE, P("no", "VoicedDeny"), 101.0)
    assert d.frame is not None and d.frame.intent == "VoicedDeny" and d.frame.status == DONE
    assert d.execute is None and not dm.in_session(SITE)


def test_sessions_are_per_site(dm: DialogueManager) -> None:
    ask_which(dm)
    other = P("bedroom", None, slots_raw={"area": "Bedroom"})
    d = dm.on_parse("office", other, 101.0)
    assert d.execute is other  # the office satellite has no open question
    assert dm.in_session(SITE)


def test_ambiguous_then_missing_value_then_done(dm: DialogueManager) -> None:
    p = P("set the lamp", "HassLightSet", {"name": "lamp"}, ambiguous_slot="name", candidates=LAMPS)
    d = dm.on_parse(SITE, p, 0.0)
    assert d.frame is not None and d.frame.values["question"] == "which"
    d = dm.on_parse(SITE, P("desk", None), 1.0)
    assert d.frame is not None and d.listen_again
    assert d.frame.values == {"question": "brightness", "names": ["Desk Lamp"]}
    d = dm.on_parse(SITE, P("fifty percent", None, numbers=[50]), 2.0)
    assert d.execute is not None
    assert d.execute.slots == {"name": "Desk Lamp", "brightness": 50}
    assert d.execute.targets == ("light.desk_lamp",)


# ------------------------------------------------------------------ missing values

def test_a_colour_change_without_the_colour_asks_which_colour(dm: DialogueManager) -> None:
    p = P("change the desk lamp colour", "HassLightSet", {"name": "Desk Lamp"}, ("light.desk_lamp",))
    d = dm.on_parse(SITE, p, 0.0)
    assert d.frame is not None and d.listen_again
    assert d.frame.values == {"question": "color", "names": ["Desk Lamp"]}
    d = dm.on_parse(SITE, P("fifty", None, numbers=[50]), 1.0)
    assert d.execute is None and d.listen_again  # a number is no colour: still asking
    d = dm.on_parse(SITE, P("blue please", None, slots_raw={"color": "blue"}), 2.0)
    assert d.execute is not None and d.execute.slots == {"name": "Desk Lamp", "color": "blue"}
    p = P("set the desk lamp", "HassLightSet", {"name": "Desk Lamp"}, ("light.desk_lamp",))
    d = dm.on_parse(SITE, p, 3.0)
    assert d.frame is not None and d.frame.values["question"] == "brightness"
    dm.end_session(SITE)
    p = P("Change the desk lamp's colours.", "HassLightSet", {"name": "Desk Lamp"}, ("light.desk_lamp",))
    d = dm.on_parse(SITE, p, 4.0)  # typed, with punctuation and a plural
    assert d.frame is not None and d.frame.values["question"] == "color"


def test_missing_temperature_answered_by_number(dm: DialogueManager) -> None:
    p = P("set the temperature", "HassClimateSetTemperature", {}, ("climate.living_room_thermostat",))
    d = dm.on_parse(SITE, p, 0.0)
    assert d.frame is not None and d.listen_again and d.frame.status == AMBIGUOUS
    assert d.frame.values == {"question": "temperature", "names": ["Living Room Thermostat"]}
    d = dm.on_parse(SITE, P("twenty one", None, numbers=[21]), 3.0)
    assert d.execute is not None and d.execute.intent == "HassClimateSetTemperature"
    assert d.execute.slots["temperature"] == 21
    assert d.execute.targets == ("climate.living_room_thermostat",)


def test_missing_temperature_answer_tagged_as_same_intent(dm: DialogueManager) -> None:
    p = P("set the heating", "HassClimateSetTemperature", {"name": "Living Room Thermostat"},
          ("climate.living_room_thermostat",))
    dm.on_parse(SITE, p, 0.0)
    ans = P("twenty one and a half degrees", "HassClimateSetTemperature", {"temperature": 21.5}, numbers=[21.5])
    d = dm.on_parse(SITE, ans, 1.0)
    assert d.execute is not None and d.execute.slots["temperature"] == 21.5
    assert d.execute.targets == ("climate.living_room_thermostat",)


def test_missing_brightness_answered_by_colour(dm: DialogueManager) -> None:
    p = P("set the desk lamp", "HassLightSet", {"name": "Desk Lamp"}, ("light.desk_lamp",))
    assert dm.on_parse(SITE, p, 0.0).listen_again
    d = dm.on_parse(SITE, P("red", None, slots_raw={"color": "red"}), 1.0)
    assert d.execute is not None and d.execute.slots["color"] == "red"


def test_missing_position_out_of_range_reasks(dm: DialogueManager) -> None:
    p = P("set the blinds", "HassSetPosition", {"name": "Living Room Blinds"}, ("cover.living_room_blinds",))
    d = dm.on_parse(SITE, p, 0.0)
    assert d.frame is not None and d.frame.values["question"] == "position"
    d = dm.on_parse(SITE, P("two hundred", None, numbers=[200]), 1.0)
    assert d.listen_again and d.execute is None
    d = dm.on_parse(SITE, P("forty", None, numbers=[40]), 2.0)
    assert d.execute is not None and d.execute.slots["position"] == 40


def test_missing_value_answer_without_number_reasks(dm: DialogueManager) -> None:
    p = P("set the temperature", "HassClimateSetTemperature", {}, ("climate.bedroom_heater",))
    dm.on_parse(SITE, p, 0.0)
    d = dm.on_parse(SITE, P("warm please", None), 1.0)
    assert d.listen_again and d.frame is not None and d.frame.values["question"] == "temperature"


# ------------------------------------------------------------------ timeouts

def test_session_times_out_on_tick(dm: DialogueManager) -> None:
    ask_which(dm, now=100.0)
    assert dm.next_wakeup() == pytest.approx(108.0)
    assert dm.tick(107.9) == []
    [d] = dm.tick(108.1)
    assert d.site == SITE and d.session_id == "s1" and not d.listen_again and d.execute is None
    assert d.frame is not None and d.frame.status == NOT_UNDERSTOOD
    assert d.frame.values == {"question": "timeout"}
    assert not dm.in_session(SITE)
    assert dm.tick(200.0) == []


def test_timeout_window_restarts_when_speech_stops(dm: DialogueManager) -> None:
    ask_which(dm, now=100.0)
    dm.speaking_stopped(SITE, 105.0)  # the question took 5 s to say
    assert dm.tick(110.0) == []
    dm.heard_speech(SITE, 112.0)
    assert dm.tick(119.0) == []
    assert len(dm.tick(120.5)) == 1


def test_on_timeout_from_listener(dm: DialogueManager) -> None:
    assert dm.on_timeout(SITE, 1.0) is None
    ask_which(dm)
    d = dm.on_timeout(SITE, 101.0)
    assert d is not None and d.frame is not None and d.frame.values["question"] == "timeout"
    assert not dm.in_session(SITE)


def test_late_answer_after_missed_deadline_is_a_new_request(dm: DialogueManager) -> None:
    ask_which(dm, now=100.0)
    p = P("bedroom", None, slots_raw={"area": "Bedroom"})
    d = dm.on_parse(SITE, p, 150.0)
    assert d.execute is p  # not applied to the old question


# ------------------------------------------------------------------ confirmation

def unlock_front_door() -> Parse:
    return P("unlock the front door", "HassTurnOff", {"name": "Front Door"}, ("lock.front_door",))


def test_unlock_asks_confirmation_then_yes_executes(dm: DialogueManager) -> None:
    d = dm.on_parse(SITE, unlock_front_door(), 0.0)
    assert d.execute is None and d.listen_again
    assert d.frame is not None and d.frame.status == AMBIGUOUS and d.frame.intent == "HassTurnOff"
    assert d.frame.values == {"question": "confirm", "action": "unlock", "names": ["Front Door"]}
    d = dm.on_parse(SITE, P("yes", "VoicedConfirm"), 2.0)
    assert d.execute is not None and d.execute.targets == ("lock.front_door",)
    assert d.execute.intent == "HassTurnOff" and d.execute.extra["confirmed"] is True
    assert not dm.in_session(SITE)


@pytest.mark.parametrize("answer", [P("no", "VoicedDeny"), P("banana", None)])
def test_unlock_denied_or_garbage_cancels(dm: DialogueManager, answer: Parse) -> None:
    dm.on_parse(SITE, unlock_front_door(), 0.0)
    d = dm.on_parse(SITE, answer, 1.0)
    assert d.execute is None and not d.listen_again
    assert d.frame is not None and d.frame.intent == "VoicedDeny" and d.frame.status == DONE
    assert not dm.in_session(SITE)


def test_other_command_during_confirmation_cancels_and_runs_it(dm: DialogueManager) -> None:
    dm.on_parse(SITE, unlock_front_door(), 0.0)
    p = P("turn on the hall light", "HassTurnOn", {"name": "Hall Light"}, ("light.hall_light",))
    d = dm.on_parse(SITE, p, 1.0)
    assert d.execute is p and not dm.in_session(SITE)


def test_confirmation_timeout(dm: DialogueManager) -> None:
    dm.on_parse(SITE, unlock_front_door(), 0.0)
    [d] = dm.tick(9.0)
    assert d.execute is None and d.frame is not None and d.frame.values == {"question": "timeout"}


def test_lock_is_not_risky_and_open_garage_is(dm: DialogueManager) -> None:
    lock = P("lock the front door", "HassTurnOn", {"name": "Front Door"}, ("lock.front_door",))
    assert dm.on_parse(SITE, lock, 0.0).execute is lock
    garage = P("open the garage door", "HassTurnOn", {"name": "Garage Door"}, ("cover.garage_door",))
    d = dm.on_parse(SITE, garage, 1.0)
    assert d.frame is not None and d.frame.values == {"question": "confirm", "action": "open", "names": ["Garage Door"]}
    close = P("close the garage door", "HassTurnOff", {"name": "Garage Door"}, ("cover.garage_door",))
    dm.end_session(SITE)
    assert dm.on_parse(SITE, close, 2.0).execute is close
    half = P("garage door to fifty", "HassSetPosition", {"name": "Garage Door", "position": 50}, ("cover.garage_door",))
    assert dm.on_parse(SITE, half, 3.0).listen_again
    dm.end_session(SITE)
    shut = P("garage door to zero", "HassSetPosition", {"name": "Garage Door", "position": 0}, ("cover.garage_door",))
    assert dm.on_parse(SITE, shut, 4.0).execute is shut


def test_gate_and_disarm_hooks(home: Home) -> None:
    extra = [Entity("cover.drive_gate", "Drive Gate", device_class="gate"),
             Entity("alarm_control_panel.house", "House Alarm")]
    home2 = home.with_entities(extra)
    dm = DialogueManager(DialogueSettings(), home2)
    gate = P("open the gate", "HassTurnOn", {"name": "Drive Gate"}, ("cover.drive_gate",))
    d = dm.on_parse(SITE, gate, 0.0)
    assert d.frame is not None and d.frame.values["action"] == "open" and d.frame.values["names"] == ["Drive Gate"]
    dm.end_session(SITE)
    disarm = P("turn off the alarm", "HassTurnOff", {"name": "House Alarm"}, ("alarm_control_panel.house",))
    d = dm.on_parse(SITE, disarm, 1.0)
    assert d.frame is not None and d.frame.values["action"] == "disarm"


def test_risky_actions_follow_config(home: Home) -> None:
    dm = DialogueManager(DialogueSettings(risky_actions=("open_garage",)), home)
    p = unlock_front_door()
    assert dm.on_parse(SITE, p, 0.0).execute is p


def test_ambiguous_door_then_confirmation(dm: DialogueManager) -> None:
    doors = [{"id": "lock.front_door", "name": "Front Door", "area": "Hallway"},
             {"id": "lock.back_door", "name": "Back Door", "area": "Kitchen"}]
    p = P("unlock the door", "HassTurnOff", {"name": "door"}, ambiguous_slot="name", candidates=doors)
    d = dm.on_parse(SITE, p, 0.0)
    assert d.frame is not None and d.frame.values["question"] == "which"
    d = dm.on_parse(SITE, P("the back one", None), 1.0)
    assert d.frame is not None and d.frame.values == {"question": "confirm", "action": "unlock", "names": ["Back Door"]}
    d = dm.on_parse(SITE, P("yes please", "VoicedConfirm"), 2.0)
    assert d.execute is not None and d.execute.targets == ("lock.back_door",)


# ------------------------------------------------------------------ nevermind / stop

def test_nevermind_cancels_session(dm: DialogueManager) -> None:
    ask_which(dm)
    d = dm.on_parse(SITE, P("never mind", "HassNevermind"), 101.0)
    assert d.frame is not None and d.frame.intent == "HassNevermind" and d.frame.status == DONE
    assert not d.stop_speech and d.execute is None and not d.listen_again
    assert not dm.in_session(SITE)


def test_stop_while_speaking_stops_speech(dm: DialogueManager) -> None:
    ask_which(dm)
    d = dm.on_parse(SITE, P("stop", "HassNevermind"), 101.0, speaking=True)
    assert d.stop_speech and d.frame is None and d.execute is None
    assert not dm.in_session(SITE)
    d = dm.on_parse(SITE, P("stop", "HassNevermind"), 102.0, speaking=True)
    assert d.stop_speech


def test_nevermind_without_session_says_ok(dm: DialogueManager) -> None:
    d = dm.on_parse(SITE, P("never mind", "HassNevermind"), 1.0)
    assert d.frame is not None and d.frame.status == DONE and not d.stop_speech


def test_set_home_changes_risk_lookup(home: Home) -> None:
    dm = DialogueManager(DialogueSettings(), Home())
    p = unlock_front_door()
    d = dm.on_parse(SITE, p, 0.0)  # unknown entity: still a lock by its domain, named by its id
    assert d.frame is not None and d.frame.values["names"] == ["lock.front_door"]
    dm.end_session(SITE)
    garage = P("open the garage door", "HassTurnOn", {"name": "Garage Door"}, ("cover.garage_door",))
    assert dm.on_parse(SITE, garage, 1.0).execute is garage  # empty home: device class unknown
    dm.set_home(home)
    assert dm.on_parse(SITE, garage, 2.0).listen_again


def test_answer_that_narrows_asks_among_the_rest(dm: DialogueManager) -> None:
    lights = [{"id": "light.living_room_lamp", "name": "Living Room Lamp", "area": "Living Room"},
              {"id": "light.ceiling_light", "name": "Ceiling Light", "area": "Living Room"},
              {"id": "light.hall_light", "name": "Hall Light", "area": "Hallway"}]
    p = P("turn off the light", "HassTurnOff", {"name": "light"}, ambiguous_slot="name", candidates=lights)
    dm.on_parse(SITE, p, 0.0)
    d = dm.on_parse(SITE, P("the living room one", None, slots_raw={"area": "Living Room"}), 1.0)
    assert d.listen_again and d.frame is not None
    assert d.frame.values == {"question": "which", "names": ["Living Room Lamp", "Ceiling Light"]}
    d = dm.on_parse(SITE, P("the ceiling", None), 2.0)
    assert d.execute is not None and d.execute.targets == ("light.ceiling_light",)


def test_candidates_of_one_name_are_asked_by_their_room(dm: DialogueManager) -> None:
    lights = [{"id": "light.ceiling_light", "name": "Ceiling Light", "area": "Living Room"},
              {"id": "light.bedroom_ceiling", "name": "Ceiling Light", "area": "Bedroom"},
              {"id": "light.desk_lamp", "name": "Desk Lamp", "area": "Office"}]
    p = P("turn on the ceiling light", "HassTurnOn", {"name": "ceiling light"}, ambiguous_slot="name",
          candidates=lights)
    d = dm.on_parse(SITE, p, 0.0)
    assert d.frame is not None and d.frame.values["names"] == [
        "Ceiling Light in the Living Room", "Ceiling Light in the Bedroom", "Desk Lamp"]
    d = dm.on_parse(SITE, P("the bedroom one", None, slots_raw={"area": "Bedroom"}), 1.0)
    assert d.execute is not None and d.execute.targets == ("light.bedroom_ceiling",)


def test_malformed_candidates_are_not_asked(dm: DialogueManager) -> None:
    p = P("turn on the lamp", "HassTurnOn", {"name": "lamp"}, ambiguous_slot="name",
          candidates=[{"id": 3}, "x", {"id": "light.desk_lamp", "name": "Desk Lamp"}])
    d = dm.on_parse(SITE, p, 0.0)
    assert d.execute is p and not d.listen_again  # fewer than two usable candidates: the actions stage decides


# ------------------------------------------------------------------ readings the NLU was not sure of

def unsure_desk_lamp() -> Parse:
    return P("turn of the desk lump", "HassTurnOff", {"name": "Desk Lamp"}, ("light.desk_lamp",),
             decision="confirm")


def test_unsure_reading_is_confirmed_then_executed_on_yes(dm: DialogueManager) -> None:
    d = dm.on_parse(SITE, unsure_desk_lamp(), 0.0)
    assert d.execute is None and d.listen_again
    assert d.frame is not None and d.frame.status == AMBIGUOUS
    assert d.frame.values == {"question": "confirm", "unsure": True, "action": "off", "names": ["Desk Lamp"]}
    d = dm.on_parse(SITE, P("yes", "VoicedConfirm"), 1.0)
    assert d.execute is not None and d.execute.targets == ("light.desk_lamp",)
    assert not dm.in_session(SITE)


@pytest.mark.parametrize("answer", [P("no", "VoicedDeny"), P("what", None)])
def test_unsure_reading_denied_does_nothing(dm: DialogueManager, answer: Parse) -> None:
    dm.on_parse(SITE, unsure_desk_lamp(), 0.0)
    d = dm.on_parse(SITE, answer, 1.0)
    assert d.execute is None and not dm.in_session(SITE)


def test_unsure_unlock_is_asked_once(dm: DialogueManager) -> None:
    p = P("un lock the back door", "HassTurnOff", {"name": "Back Door"}, ("lock.back_door",), decision="confirm")
    d = dm.on_parse(SITE, p, 0.0)
    assert d.frame is not None and d.frame.values["action"] == "unlock"
    d = dm.on_parse(SITE, P("yes", "VoicedConfirm"), 1.0)
    assert d.execute is not None and d.execute.targets == ("lock.back_door",)


# ------------------------------------------------------------------ a group command with no room

def test_roomless_group_command_asks_which_room(dm: DialogueManager, home: Home) -> None:
    p = P("dim the lights", "VoicedLightDim", domain_hint="light")
    d = dm.on_parse(SITE, p, 0.0)
    assert d.execute is None and d.listen_again and d.frame is not None
    assert d.frame.values["question"] == "area"
    d = dm.on_parse(SITE, P("the kitchen", None, slots_raw={"area": "Kitchen"}), 1.0)
    assert d.execute is not None and d.execute.slots["area"] == "Kitchen"
    kitchen_lights = {e.id for e in home.entities if e.domain == "light" and e.area == "kitchen"}
    assert set(d.execute.targets) == kitchen_lights and kitchen_lights


def test_roomless_group_command_with_one_room_needs_no_question(home: Home) -> None:
    only = Home(areas=home.areas, floors=home.floors,
                entities=tuple(e for e in home.entities if e.domain != "cover" or e.area == "bedroom"))
    dm = DialogueManager(DialogueSettings(), only)
    d = dm.on_parse(SITE, P("close the curtains", "HassTurnOff", {"domain": "cover"}), 0.0)
    assert d.execute is not None and d.execute.targets and d.execute.slots["area"] == "Bedroom"
