"""Alert rules: state synonyms, edge triggering, rate limiting, away-only."""

from __future__ import annotations

import pytest

from tests.conftest import EXAMPLE_HOME
from voiced.config import AlertRule, load_settings_text
from voiced.dialogue import AlertEngine
from voiced.dialogue.alerts import state_matches
from voiced.home import Home, load_home

DOOR = AlertRule("binary_sensor.front_door_contact", "open", "The {name} in the {area} is {state}.",
                 sites=("kitchen", "office"), min_interval=60.0)
SMOKE = AlertRule("binary_sensor.kitchen_smoke", "detected", "Smoke in the kitchen!", min_interval=30.0)
MOTION = AlertRule("binary_sensor.hallway_motion", "detected", "Motion in the hallway while you are away.",
                   only_when_away=True, min_interval=0.0)


@pytest.fixture(scope="module")
def home() -> Home:
    return load_home(EXAMPLE_HOME)


@pytest.mark.parametrize(("entity", "state", "wanted", "expected"), [
    ("binary_sensor.door", "on", "open", True),
    ("binary_sensor.door", "ON", "Open", True),
    ("binary_sensor.door", "open", "on", True),
    ("binary_sensor.smoke", "true", "detected", True),
    ("binary_sensor.leak", "wet", "detected", True),
    ("binary_sensor.door", "off", "open", False),
    ("binary_sensor.door", "closed", "off", True),
    ("binary_sensor.door", "unavailable", "open", False),
    ("binary_sensor.door", "unknown", "off", False),
    ("cover.garage_door", "open", "open", True),
    ("cover.garage_door", "on", "open", False),  # a cover's own words only
    ("lock.front_door", "unlocked", "unlocked", True),
    ("lock.front_door", "unlocked", "on", False),
    ("sensor.temperature", "21", "21", True),
])
def test_state_synonyms(entity: str, state: str, wanted: str, expected: bool) -> None:
    assert state_matches(entity, state, wanted) is expected


def test_alert_message_sites_and_payload(home: Home) -> None:
    eng = AlertEngine((DOOR,), home)
    assert eng.on_state("binary_sensor.front_door_contact", "off", 0.0) == []
    [a] = eng.on_state("binary_sensor.front_door_contact", "on", 1.0)
    assert a.message == "The Front Door Sensor in the Hallway is on."
    assert a.sites == ("kitchen", "office") and a.rule is DOOR and a.entity == "binary_sensor.front_door_contact"
    assert a.payload()["state"] == "on" and a.payload()["sites"] == ["kitchen", "office"]
    assert eng.on_state("light.hall_light", "on", 2.0) == []  # other entities: no rule


def test_edge_triggered_and_rate_limited(home: Home) -> None:
    eng = AlertEngine((DOOR,), home)
    e = "binary_sensor.front_door_contact"
    assert len(eng.on_state(e, "on", 0.0)) == 1
    assert eng.on_state(e, "on", 5.0) == []  # same state re-reported: no repeat
    assert eng.on_state(e, "off", 10.0) == []
    assert eng.on_state(e, "on", 20.0) == []  # opened again within min_interval (60 s)
    assert eng.on_state(e, "off", 30.0) == []
    assert len(eng.on_state(e, "on", 61.0)) == 1  # 61 s after the last announcement
    assert eng.on_state(e, "off", 62.0) == []
    assert eng.on_state(e, "on", 100.0) == []


def test_first_state_after_start_counts(home: Home) -> None:
    eng = AlertEngine((SMOKE,), home)
    [a] = eng.on_state("binary_sensor.kitchen_smoke", "true", 0.0)
    assert a.message == "Smoke in the kitchen!" and a.sites == ()


def test_only_when_away_with_input(home: Home) -> None:
    eng = AlertEngine((MOTION,), home)
    e = "binary_sensor.hallway_motion"
    assert eng.on_state(e, "on", 0.0, away=False) == []
    assert eng.on_state(e, "off", 1.0, away=True) == []
    assert len(eng.on_state(e, "on", 2.0, away=True)) == 1
    assert eng.on_state(e, "detected", 3.0, away=True) == []  # still in the state: no repeat (min_interval 0)
    eng.on_state(e, "clear", 4.0, away=True)
    assert len(eng.on_state(e, "detected", 5.0, away=True)) == 1


def test_only_when_away_tracks_away_entity(home: Home) -> None:
    eng = AlertEngine((MOTION,), home, away_entity="binary_sensor.away_mode")
    e = "binary_sensor.hallway_motion"
    assert eng.on_state(e, "on", 0.0) == []
    eng.on_state(e, "off", 1.0)
    eng.on_state("binary_sensor.away_mode", "on", 2.0)
    assert eng.away
    assert len(eng.on_state(e, "on", 3.0)) == 1
    eng.on_state(e, "off", 4.0)
    eng.on_state("binary_sensor.away_mode", "off", 5.0)
    assert eng.on_state(e, "on", 6.0) == []
    eng.on_state(e, "off", 7.0)
    eng.set_away(True)
    assert len(eng.on_state(e, "on", 8.0)) == 1


def test_wildcard_rule_limits_per_entity(home: Home) -> None:
    rule = AlertRule("binary_sensor.*_window", "open", "{name} opened", min_interval=100.0)
    eng = AlertEngine((rule,), home)
    [a] = eng.on_state("binary_sensor.kitchen_window", "on", 0.0)
    [b] = eng.on_state("binary_sensor.bedroom_window", "on", 1.0)
    assert (a.message, b.message) == ("Kitchen Window opened", "Bedroom Window opened")
    eng.on_state("binary_sensor.kitchen_window", "off", 2.0)
    assert eng.on_state("binary_sensor.kitchen_window", "on", 3.0) == []


def test_message_with_odd_braces_is_kept(home: Home) -> None:
    rule = AlertRule("binary_sensor.bathroom_leak", "wet", "Leak {where} at {name} {", min_interval=0)
    [a] = AlertEngine((rule,), home).on_state("binary_sensor.bathroom_leak", "on", 0.0)
    assert a.message == "Leak {where} at {name} {"  # malformed template: said as written
    rule = AlertRule("binary_sensor.bathroom_leak", "wet", "Leak {where} at {name}", min_interval=0)
    [a] = AlertEngine((rule,), home).on_state("binary_sensor.bathroom_leak", "on", 0.0)
    assert a.message == "Leak {where} at Water Leak Sensor"


def test_rules_from_config(home: Home) -> None:
    s = load_settings_text(
        "alerts:\n"
        "  - {entity: binary_sensor.kitchen_smoke, state: detected, message: Smoke!, sites: [kitchen]}\n"
        "  - {entity: binary_sensor.front_door_contact, state: open, message: Door, min_interval: 0}\n",
        env=False)
    eng = AlertEngine(s.alerts, home)
    assert [a.message for a in eng.on_state("binary_sensor.kitchen_smoke", "on", 0.0)] == ["Smoke!"]
    assert [a.message for a in eng.on_state("binary_sensor.front_door_contact", "open", 0.0)] == ["Door"]
