"""Parser behaviour with the shipped model: resolution, satellite area, ambiguity, unresolved, set_home."""

from __future__ import annotations

import pytest

from tests.conftest import EXAMPLE_HOME, REPO
from voiced.home import load_home, load_home_text
from voiced.home.model import Entity
from voiced.nlu.parser import Parser

MODEL = REPO / "models" / "nlu"
pytestmark = pytest.mark.skipif(not (MODEL / "meta.json").exists(), reason="shipped NLU model missing")


@pytest.fixture(scope="module")
def parser() -> Parser:
    return Parser.load(None, load_home(EXAMPLE_HOME))


def test_alias_resolves_to_display_name(parser: Parser) -> None:
    p = parser.parse("turn on the bedside lamp")
    assert p.intent == "HassTurnOn" and p.slots == {"name": "Bedroom Lamp"}
    assert p.targets == ("light.bedroom_lamp",)
    assert [(s.slot, s.text) for s in p.spans] == [("name", "bedside lamp")]


def test_fuzzy_asr_slip(parser: Parser) -> None:
    p = parser.parse("turn off the bedroom lamb")
    assert p.intent == "HassTurnOff" and p.slots.get("name") == "Bedroom Lamp"


def test_area_plus_domain_targets_every_light_there(parser: Parser) -> None:
    p = parser.parse("turn off the kitchen lights")
    assert p.slots == {"area": "Kitchen", "domain": "light"}
    assert set(p.targets) == {"light.kitchen_spots", "light.kitchen_counter"}
    assert p.extra["domain_hint"] == "light"


def test_in_here_uses_satellite_area(parser: Parser) -> None:
    p = parser.parse("turn on the lights in here", area="bedroom")
    assert p.slots == {"area": "Bedroom", "domain": "light"} and p.targets == ("light.bedroom_lamp",)
    p = parser.parse("make it warmer in here", area="living_room")
    assert p.intent == "VoicedClimateWarmer" and p.slots == {"area": "Living Room"}
    assert p.targets == ("climate.living_room_thermostat",)


def test_floor_and_numbers(parser: Parser) -> None:
    p = parser.parse("switch off all the lights upstairs")
    assert p.slots == {"floor": "Upstairs", "domain": "light"}
    assert "light.bedroom_lamp" in p.targets and "light.kitchen_spots" not in p.targets
    p = parser.parse("set the desk lamp to twenty five percent")
    assert p.slots == {"name": "Desk Lamp", "brightness": 25} and p.extra["numbers"] == [25]
    p = parser.parse("set a timer for a minute and a half")
    assert p.intent == "HassStartTimer" and p.slots == {"minutes": 1, "seconds": 30}


def test_state_question(parser: Parser) -> None:
    p = parser.parse("is the front door locked")
    assert p.intent == "HassGetState" and p.slots == {"name": "Front Door", "state": "locked"}
    assert p.targets == ("lock.front_door",)


def test_unknown_name_is_unresolved_not_dropped(parser: Parser) -> None:
    text = "switch on the hot tub"
    p = parser.parse(text)
    assert p.intent == "HassTurnOn" and p.targets == ()
    assert [(u.slot, text[u.start:u.end]) for u in p.unresolved] == [("name", "hot tub")]
    assert p.to_json()["unresolved"][0]["text"] == "hot tub"


def test_out_of_domain_is_null(parser: Parser) -> None:
    for text in ("what's the capital of france", "tell me a joke", "call mom"):
        p = parser.parse(text)
        assert p.intent is None and p.slots == {} and p.targets == (), text
        assert "slots_raw" in p.extra


def test_threshold_turns_weak_guesses_null() -> None:
    strict = Parser.load(None, load_home(EXAMPLE_HOME), threshold=1.01)
    p = strict.parse("turn on the bedroom lamp")
    assert p.intent is None and p.extra["slots_raw"].get("name") == "bedroom lamp"


def test_ambiguous_name_lists_candidates() -> None:
    home = load_home_text("""
areas:
  - {id: study, name: Study}
  - {id: den, name: Den}
entities:
  - {id: light.study_lamp, name: Reading Lamp, area: study}
  - {id: light.den_lamp, name: Reading Lamp, area: den}
""")
    p = Parser.load(None, home)
    amb = p.parse("turn on the reading lamp")
    assert amb.intent == "HassTurnOn" and amb.targets == ()
    assert amb.extra["ambiguous_slot"] == "name"
    assert {c["id"] for c in amb.extra["candidates"]} == {"light.study_lamp", "light.den_lamp"}
    assert {c["area"] for c in amb.extra["candidates"]} == {"Study", "Den"}
    # the satellite's own area narrows it
    one = p.parse("turn on the reading lamp", area="den")
    assert one.targets == ("light.den_lamp",) and "ambiguous_slot" not in one.extra


def test_set_home_resolves_new_names_without_retraining(parser: Parser) -> None:
    home = load_home(EXAMPLE_HOME)
    p = Parser.load(None, home)
    before = p.parse("turn on the lava lamp")
    assert before.targets == ()
    p.set_home(home.with_entities([Entity(id="light.lava_lamp", name="Lava Lamp", area="office")]))
    after = p.parse("turn on the lava lamp")
    assert after.slots.get("name") == "Lava Lamp" and after.targets == ("light.lava_lamp",)
    assert {"lava", "lamp", "bedroom"} <= p.known_words()


def test_group_command_without_a_room_never_targets_the_whole_house(parser: Parser) -> None:
    p = parser.parse("turn on the lights in here")  # no satellite area known
    assert p.intent == "HassTurnOn" and p.targets == ()
    p = parser.parse("turn off all the lights")
    assert p.slots == {"domain": "light"} and len(p.targets) == 11


def test_intent_without_its_value_is_not_a_guess(parser: Parser) -> None:
    p = parser.parse("add to the shopping list")
    assert p.intent is None or "item" in p.slots
