"""units/timers.py: time taken off a timer is a decrease; a timer of no length, or below zero, is
asked for — on crafted readings (the tagger's output given)."""

from __future__ import annotations

from typing import Any

import pytest

from voiced.events import Span
from voiced.home import load_home_text
from voiced.nlu.text import tokenize
from voiced.nlu.units.reading import HomeContext, Reading
from voiced.nlu.units.timers import TimerLength

HOME = """
areas:
  - {id: kitchen, name: Kitchen}
entities:
  - {id: light.hob_light, name: Hob Light, area: kitchen, mqtt: {protocol: zigbee2mqtt, topic: z/hob}}
"""


@pytest.fixture(scope="module")
def ctx() -> HomeContext:
    return HomeContext(load_home_text(HOME))


def reading(ctx: HomeContext, text: str, intent: str, said: str, slot: str, **slots: Any) -> Reading:
    r = Reading(text, tokenize(text), ctx, None, intent=intent, confidence=0.95)
    s = text.index(said)
    r.spans.append(Span(slot, s, s + len(said), said))
    r.slots.update(slots)
    return r


@pytest.mark.parametrize(("text", "said", "slot", "slots", "want"), [
    ("remove 6 min off my timer", "6", "start_duration", {"start_minutes": 6}, {"minutes": 6}),
    ("take 2 minutes from the kitchen timer", "2 minutes", "duration", {"start_minutes": 2}, {"minutes": 2}),
    ("knock 30 secs off the timer", "30", "start_duration", {}, {"seconds": 30}),
])
def test_time_taken_off_a_timer_is_a_decrease(ctx: HomeContext, text: str, said: str, slot: str,
                                              slots: dict[str, Any], want: dict[str, Any]) -> None:
    r = reading(ctx, text, "HassCancelTimer", said, slot, **slots)
    TimerLength()(r)
    assert (r.intent, r.slots, r.fired) == ("HassDecreaseTimer", want, ["taken_off"])


@pytest.mark.parametrize(("text", "said"), [
    ("cancel the 5 minute timer", "5 minute"),  # the timer named by its length
    ("cancel the timer 5 minutes from now", "5 minutes"),
    ("stop the 10 minute timer off the hob", "10 minute"),
])
def test_a_timer_named_by_its_length_is_still_cancelled(ctx: HomeContext, text: str, said: str) -> None:
    r = reading(ctx, text, "HassCancelTimer", said, "start_duration", start_minutes=int(said.split()[0]))
    TimerLength()(r)
    assert r.intent == "HassCancelTimer" and not r.fired


@pytest.mark.parametrize(("text", "said", "intent", "slots"), [
    ("set a timer for 0 minutes", "0 minutes", "HassStartTimer", {"minutes": 0}),
    ("set a timer for minus 5 minutes", "5 minutes", "HassStartTimer", {"minutes": 5}),
    ("set a timer for -5 minutes", "5 minutes", "HassStartTimer", {"minutes": 5}),
    ("add zero seconds to the timer", "zero seconds", "HassIncreaseTimer", {"seconds": 0}),
])
def test_a_timer_of_no_length_has_its_length_asked_for(ctx: HomeContext, text: str, said: str, intent: str,
                                                      slots: dict[str, Any]) -> None:
    r = reading(ctx, text, intent, said, "duration", **slots)
    TimerLength()(r)
    assert (r.intent, r.slots, r.fired) == (intent, {}, ["no_length"])


def test_a_timer_with_a_length_is_left_alone(ctx: HomeContext) -> None:
    r = reading(ctx, "set a timer for 1 hour 0 minutes", "HassStartTimer", "1 hour 0 minutes", "duration",
                hours=1, minutes=0)
    TimerLength()(r)
    assert r.slots == {"hours": 1, "minutes": 0} and not r.fired
