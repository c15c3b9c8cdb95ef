"""units/taught.py: a verb the templates never taught for the intent is asked about, never done."""

from __future__ import annotations

import pytest

from tests.conftest import REPO
from voiced.events import Parse, Span
from voiced.home import load_home
from voiced.nlu.decide import ACT, CONFIRM, Policy, Verdict, decide
from voiced.nlu.generate import load_templates, macro_words, template_words
from voiced.nlu.text import tokenize
from voiced.nlu.units.reading import HomeContext, Reading
from voiced.nlu.units.taught import UntaughtVerb

HOME = load_home(REPO / "devices" / "home.yaml")


def _reading(text: str, intent: str, name: str | None = None) -> Reading:
    r = Reading(text, tokenize(text), HomeContext(HOME), None, intent=intent, confidence=0.95)
    if name is not None:
        s = text.index(name)
        r.spans.append(Span("name", s, s + len(name), name))
    return r


def test_the_templates_words_are_each_intents_own() -> None:
    tpl = load_templates()
    words = template_words(tpl)
    assert {"turn", "switch", "off"} <= words["HassTurnOff"] and "paint" not in words["HassTurnOn"]
    assert "resume" in words["HassMediaUnpause"] and "sell" not in words["HassMediaUnpause"]
    assert {"please", "could"} <= macro_words(tpl, "pls")


@pytest.mark.parametrize(("text", "intent", "name"), [
    ("paint the front door", "HassTurnOn", "front door"), ("dust the ceiling fan", "HassTurnOff", "ceiling fan"),
    ("could you please sell the tv", "HassMediaUnpause", "tv"), ("empty the robot vacuum", "HassVacuumStart",
                                                                   "robot vacuum"),
])
def test_a_verb_never_taught_for_the_intent_is_marked(text: str, intent: str, name: str) -> None:
    r = _reading(text, intent, name)
    UntaughtVerb()(r)
    assert r.extra["untaught"] == [text.split()[-1 - len(name.split()) - 1]]


@pytest.mark.parametrize(("text", "intent", "name"), [
    ("turn on the desk lamp", "HassTurnOn", "desk lamp"),
    ("close the front door", "HassTurnOn", "front door"),  # a switching word, whichever way (units/domain_intent)
    ("please fire up the coffee maker", "HassTurnOn", "coffee maker"),
    ("the desk lamp please", "HassTurnOn", "desk lamp"),  # no verb said: not this unit's to judge
    ("living room thermostat to twenty degrees", "HassClimateSetTemperature", "living room thermostat"),
    ("paint the front door", "HassGetState", "front door"),  # a question changes nothing
])
def test_taught_words_names_alone_and_questions_are_left_alone(text: str, intent: str, name: str) -> None:
    r = _reading(text, intent, name)
    UntaughtVerb()(r)
    assert "untaught" not in r.extra


def test_decide_asks_about_an_untaught_command_however_sure() -> None:
    p = Parse(text="paint the front door", intent="HassTurnOn", confidence=0.99, slots={"name": "Front Door"},
              targets=("lock.front_door",), extra={"untaught": ["paint"]})
    assert decide(p, ["name"], Policy()) == Verdict(CONFIRM, "untaught")
    sure = Parse(text="lock the front door", intent="HassTurnOn", confidence=0.99, slots={"name": "Front Door"},
                 targets=("lock.front_door",))
    assert decide(sure, ["name"], Policy()).decision == ACT
