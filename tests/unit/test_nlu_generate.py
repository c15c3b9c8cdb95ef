"""The generator: every intent covered, tags aligned with slot text, ASR command sentences."""

from __future__ import annotations

import re

import pytest

from tests.conftest import EXAMPLE_HOME
from voiced.home import Home, load_home
from voiced.nlu.generate import command_sentences, gazetteer_flags, generate, load_templates
from voiced.nlu.slots import LABELS

SPEC_INTENTS = {
    "HassTurnOn", "HassTurnOff", "HassToggle", "HassLightSet", "VoicedLightBrighten", "VoicedLightDim",
    "HassClimateSetTemperature", "VoicedClimateWarmer", "VoicedClimateCooler", "HassClimateGetTemperature",
    "HassGetState", "HassSetPosition", "HassStartTimer", "HassCancelTimer", "HassCancelAllTimers",
    "HassPauseTimer", "HassUnpauseTimer", "HassIncreaseTimer", "HassDecreaseTimer", "HassTimerStatus",
    "HassGetCurrentTime", "HassGetCurrentDate", "HassGetWeather", "HassMediaPause", "HassMediaUnpause",
    "HassMediaNext", "HassMediaPrevious", "HassSetVolume", "HassVacuumStart", "HassVacuumReturnToBase",
    "HassListAddItem", "HassBroadcast", "HassNevermind", "VoicedConfirm", "VoicedDeny",
}


@pytest.fixture(scope="module")
def home() -> Home:
    return load_home(EXAMPLE_HOME)


@pytest.fixture(scope="module")
def examples(home: Home) -> list:
    return generate(home, 3000, seed=1)


def test_templates_cover_exactly_the_spec_intents() -> None:
    tpl = load_templates()
    assert set(tpl.intents) - {None} == SPEC_INTENTS
    assert tpl.intents[None], "out-of-domain sentences are needed"


def test_every_intent_and_null_generated(examples: list) -> None:
    assert {e.intent for e in examples} == SPEC_INTENTS | {None}


def test_tags_are_valid_bio_and_aligned(examples: list) -> None:
    for e in examples:
        assert len(e.tokens) == len(e.tags) == len(e.gaz)
        for i, t in enumerate(e.tags):
            if t.startswith("I-"):
                assert e.tags[i - 1][2:] == t[2:], (e.text, e.tags)
            if t != "O":
                assert t[2:] in LABELS
        if e.intent is None:
            assert not e.slots


def test_styles_and_numbers_vary(examples: list) -> None:
    texts = [e.text for e in examples]
    assert any(re.search(r"\d+%", t) for t in texts)
    assert any("percent" in t and not re.search(r"\d", t) for t in texts)
    assert any(t[:1].isupper() for t in texts) and sum(t == t.lower() for t in texts) > len(texts) / 2
    assert any(e.slots.get("seconds") == 30 and e.slots.get("minutes") == 1 for e in examples)


def test_fake_and_real_names_are_mixed(home: Home, examples: list) -> None:
    real = {n.lower() for e in home.entities for n in e.names}
    names = {e.slots["name"] for e in examples if "name" in e.slots and e.intent in ("HassTurnOn", "HassTurnOff")}
    assert names & real and names - real


def test_generation_is_deterministic(home: Home) -> None:
    a = [e.text for e in generate(home, 200, seed=7)]
    b = [e.text for e in generate(home, 200, seed=7)]
    assert a == b and a != [e.text for e in generate(home, 200, seed=8)]


def test_gazetteer_flags_whole_names_only() -> None:
    flags = gazetteer_flags(["turn", "on", "the", "bedroom", "lamp", "in", "the", "kitchen"], {"bedroom lamp"}, {"kitchen"}, set())
    assert flags == [0, 0, 0, 1, 1, 0, 0, 2]
    assert gazetteer_flags(["lamp"], {"bedroom lamp"}, set(), set()) == [0]


def test_command_sentences_cover_home_asr_style(home: Home) -> None:
    sents = command_sentences(home, limit=1500, seed=0)
    assert len(sents) == len(set(sents)) and 0 < len(sents) <= 1500
    assert sents == command_sentences(home, limit=1500, seed=0)
    joined = "\n".join(f" {s} " for s in sents)
    for e in home.entities:
        assert any(f" {n.lower()} " in joined for n in e.names), e.id
    for a in home.areas:
        assert any(f" {n.lower()} " in joined for n in a.names), a.id
    for s in sents:
        assert s == s.lower() and not re.search(r"[\d%.,?!]", s), s
