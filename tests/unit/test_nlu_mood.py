"""A device command the words do not ask for now (voiced/nlu/units/mood.py), and what decide does."""

from __future__ import annotations

import pytest

from voiced.events import Parse
from voiced.nlu.decide import CONFIRM, REJECT, Policy, Verdict, decide
from voiced.nlu.units.mood import not_for_now


@pytest.mark.parametrize(("text", "why"), [
    ("please don't turn off the tv", "negated"),
    ("don't turn on the lights", "negated"),
    ("can you not switch the heater on", "negated"),
    ("never unlock the back door", "negated"),
    ("what happens if i turn off the water main", "asked_about"),
    ("how do i turn off the lights", "asked_about"),
    ("should i close the blinds", "asked_about"),
    ("do i need to lock the front door", "asked_about"),
    ("i already locked the front door", "past"),
    ("we've turned the heating off", "past"),
    ("i left the kitchen lights on", "past"),
    ("turn on the lights when i get home", "later"),
    ("turn off the lights tomorrow morning", "later"),
    ("if it rains close the blinds", "later"),
    ("turn on the porch light at 7 pm", "later"),
    ("start the vacuum every day at nine am", "later"),
    ("turn off the lights and lock the front door", "two_commands"),
    ("switch off the tv and turn on the ceiling light", "two_commands"),
    ("turn off everything except the night light", "except"),
    ("turn off the kitchen lights but leave the counter light on", "except"),
    ("the coffee maker keeps switching off", "told"),  # what it does, not what to do
    ("the hallway light always turns on at night", "told"),
    ("the front door won't lock", "told"),
    ("the garage door doesn't close", "told"),
    ("tell the kids to turn off the tv", "someone_else"),
    ("ask dad to lock the front door", "someone_else"),
    ("tell everyone to turn off the lights", "someone_else"),
])
def test_not_asked_for_now(text: str, why: str) -> None:
    assert not_for_now(text.split()) == why


@pytest.mark.parametrize("text", [
    "turn off the tv", "i don't need the tv on",  # an indirect "turn it off"
    "why don't you turn off the kitchen lights", "do you mind turning off the lights",
    "how about turning off the lights", "do some vacuuming",
    "can you put the kitchen lights on", "could you set the lamp to purple", "will you shut the curtains",
    "turn off the espresso machine when you get a chance", "open the blinds if you can",
    "put the blinds at seventy percent", "set the heating to 21 degrees",
    "go ahead and lower my blinds 60 percent", "turn on the desk lamp and set it to blue",
    "turn on the desk lamp and the tv plug",
    "won't you turn on the lights please",
    "ask alexa to turn on the lights",  # another assistant's name, used as a wake word
    "can you get the kitchen lights to come on",
])
def test_asked_for_now(text: str) -> None:
    assert not_for_now(text.split()) is None


def test_tell_a_device_to_is_asked_of_voiced() -> None:
    assert not_for_now(["tell", "the", "tv", "to", "turn", "off"]) == "someone_else"
    assert not_for_now(["tell", "the", "tv", "to", "turn", "off"], {"tv", "lights"}) is None
    assert not_for_now(["get", "the", "lights", "to", "turn", "off"], {"tv", "lights"}) is None


def _p(why: str) -> Parse:
    return Parse(text="t", intent="HassTurnOff", confidence=0.99, slots={"name": "Living Room TV"},
                 targets=("media_player.living_room_tv",), extra={"not_for_now": why})


@pytest.mark.parametrize("why", ["negated", "asked_about", "past", "except", "two_commands", "told",
                                 "someone_else"])
def test_decide_refuses_what_is_not_asked(why: str) -> None:
    assert decide(_p(why), ["name"], Policy()) == Verdict(REJECT, why)


def test_decide_asks_before_doing_now_what_was_asked_for_later() -> None:
    assert decide(_p("later"), ["name"], Policy()) == Verdict(CONFIRM, "later")
