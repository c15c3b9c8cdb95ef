"""actions.plan: Parse + home + state → commands and the Outcome values of docs/frames.md."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest

from tests.conftest import EXAMPLE_HOME
from voiced.act.actions import plan
from voiced.events import (
    ALREADY,
    AMBIGUOUS,
    ANSWER,
    DONE,
    ERROR,
    NOT_FOUND,
    NOT_UNDERSTOOD,
    PARTIAL,
    UNAVAILABLE,
    Outcome,
    Parse,
    Span,
)
from voiced.home import load_home
from voiced.home.model import Home
from voiced.home.state import StateStore

NOW = datetime(2026, 11, 28, 14, 5)


@pytest.fixture(scope="module")
def home() -> Home:
    return load_home(EXAMPLE_HOME)


@pytest.fixture
def states(home: Home) -> StateStore:
    return StateStore(home)


def run(home: Home, states: StateStore, intent: str | None, targets: tuple[str, ...] = (), **slots: Any) -> Outcome:
    return plan(Parse("text", intent, 1.0, slots, targets), home, states, now=NOW, site="kitchen",
                sites=("kitchen", "bedroom"))


def sent(o: Outcome) -> list[tuple[str, Any]]:
    out = []
    for c in o.commands:
        out.append((c.topic, json.loads(c.payload) if c.payload.startswith("{") else c.payload))
    return out


def test_turn_on(home: Home, states: StateStore) -> None:
    o = run(home, states, "HassTurnOn", ("light.bedroom_lamp",), name="Bedroom Lamp")
    assert o.status == DONE
    assert sent(o) == [("zigbee2mqtt/bedroom_lamp/set", {"state": "ON"})]
    assert o.values == {"action": "on", "names": ["Bedroom Lamp"], "count": 1}
    assert o.done == ("light.bedroom_lamp",)


def test_already_on_is_noticed(home: Home, states: StateStore) -> None:
    states.update("zigbee2mqtt/bedroom_lamp", b'{"state":"ON"}')
    o = run(home, states, "HassTurnOn", ("light.bedroom_lamp",), name="Bedroom Lamp")
    assert o.status == ALREADY and o.commands == ()
    assert o.values["already_names"] == ["Bedroom Lamp"]


def test_area_fan_out_with_some_already(home: Home, states: StateStore) -> None:
    states.update("zigbee2mqtt/living_room_ceiling", b'{"state":"OFF"}')
    states.update("zigbee2mqtt/living_room_lamp", b'{"state":"OFF"}')
    o = run(home, states, "HassTurnOff", ("light.living_room_lamp", "light.ceiling_light"), area="Living Room",
            domain="light")
    assert o.status == ALREADY and o.values["already_names"] == ["Living Room Lamp", "Ceiling Light"]
    states.update("zigbee2mqtt/living_room_lamp", b'{"state":"ON"}')
    o = run(home, states, "HassTurnOff", ("light.living_room_lamp", "light.ceiling_light"), area="Living Room")
    assert o.status == DONE
    assert sent(o) == [("zigbee2mqtt/living_room_lamp/set", {"state": "OFF"})]
    assert o.values["names"] == ["Living Room Lamp"] and o.values["already_names"] == ["Ceiling Light"]


@pytest.mark.parametrize(("intent", "target", "topic", "payload", "action"), [
    ("HassTurnOn", "lock.front_door", "zigbee2mqtt/front_door_lock/set", {"state": "LOCK"}, "lock"),
    ("HassTurnOff", "lock.front_door", "zigbee2mqtt/front_door_lock/set", {"state": "UNLOCK"}, "unlock"),
    ("HassTurnOn", "cover.garage_door", "garage/door/set", "OPEN", "open"),
    ("HassTurnOff", "cover.bedroom_curtains", "zigbee2mqtt/bedroom_curtains/set", {"state": "CLOSE"}, "close"),
    ("HassTurnOn", "valve.water_main", "garage/water_main/cmd", "OPEN", "open"),
    ("HassTurnOn", "scene.movie_night", "scenes/movie_night/activate", "ON", "activate"),
    ("HassTurnOn", "script.bedtime", "scripts/bedtime/run", "ON", "activate"),
    ("HassTurnOn", "switch.garden_sprinkler", "garden/sprinkler/cmd", "START", "on"),
    ("HassTurnOff", "fan.office_fan", "cmnd/office_fan/POWER", "OFF", "off"),
    ("HassToggle", "switch.tv_plug", "zigbee2mqtt/tv_plug/set", {"state": "TOGGLE"}, "toggle"),
    ("HassMediaPause", "media_player.living_room_tv", "media/living_room_tv/cmd", "PAUSE", "pause"),
    ("HassMediaUnpause", "media_player.kitchen_speaker", "media/kitchen_speaker/cmd", "PLAY", "play"),
    ("HassMediaNext", "media_player.kitchen_speaker", "media/kitchen_speaker/cmd", "NEXT", "next"),
    ("HassMediaPrevious", "media_player.kitchen_speaker", "media/kitchen_speaker/cmd", "PREVIOUS", "previous"),
    ("HassVacuumStart", "vacuum.robot_vacuum", "vacuum/robot/command", "start", "start"),
    ("HassVacuumReturnToBase", "vacuum.robot_vacuum", "vacuum/robot/command", "return_to_base", "return"),
])
def test_every_device_action(home: Home, states: StateStore, intent: str, target: str, topic: str,
                             payload: Any, action: str) -> None:
    o = run(home, states, intent, (target,), name="x")
    assert o.status == DONE, o
    assert sent(o) == [(topic, payload)]
    assert o.values["action"] == action


def test_toggle_uses_known_state(home: Home, states: StateStore) -> None:
    states.update("media/living_room_tv/state", b'{"state":"on"}')
    o = run(home, states, "HassToggle", ("media_player.living_room_tv",))
    assert sent(o) == [("media/living_room_tv/cmd", "OFF")] and o.values["action"] == "toggle"


@pytest.mark.parametrize(("slots", "target", "expected", "values"), [
    ({"brightness": 50}, "light.bedroom_lamp", ("zigbee2mqtt/bedroom_lamp/set", {"brightness": 127}),
     {"brightness": 50}),
    ({"brightness": 30}, "light.kitchen_spots", ("cmnd/kitchen_spots/Dimmer", "30"), {"brightness": 30}),
    ({"brightness": 100}, "light.desk_lamp", ("office/desk_lamp/brightness/set", "255"), {"brightness": 100}),
    ({"color": "red"}, "light.kitchen_counter", ("cmnd/kitchen_counter/HSBColor", "0,100,100"), {"color": "red"}),
    ({"color": "blue"}, "light.living_room_lamp", ("zigbee2mqtt/living_room_lamp/set", {"color": {"r": 0, "g": 0, "b": 255}}),
     {"color": "blue"}),
    ({"color": "warm white"}, "light.bedroom_lamp", ("zigbee2mqtt/bedroom_lamp/set", {"color_temp": 370}),
     {"color": "warm white"}),
    ({"color": "green"}, "light.night_light", ("kids/night_light/set", {"state": "ON", "color": {"r": 0, "g": 255, "b": 0}}),
     {"color": "green"}),
])
def test_light_set(home: Home, states: StateStore, slots: dict[str, Any], target: str, expected: tuple[str, Any],
                   values: dict[str, Any]) -> None:
    o = run(home, states, "HassLightSet", (target,), **slots)
    assert o.status == DONE and sent(o) == [expected]
    for k, v in values.items():
        assert o.values[k] == v


def test_colour_on_a_lamp_without_colour_is_unavailable(home: Home, states: StateStore) -> None:
    o = run(home, states, "HassLightSet", ("light.kitchen_spots",), color="red")
    assert o.status == UNAVAILABLE and o.commands == () and o.values["unavailable_names"] == ["Kitchen Spots"]


def test_relative_brightness(home: Home, states: StateStore) -> None:
    # unknown state: assume the middle, step 20 %
    o = run(home, states, "VoicedLightBrighten", ("light.kitchen_spots",))
    assert sent(o) == [("cmnd/kitchen_spots/Dimmer", "70")] and o.values == {
        "action": "brighter", "names": ["Kitchen Spots"], "count": 1, "brightness": 70}
    states.update("stat/kitchen_spots/RESULT", b'{"POWER":"ON","Dimmer":90}')
    o = run(home, states, "VoicedLightBrighten", ("light.kitchen_spots",))
    assert sent(o) == [("cmnd/kitchen_spots/Dimmer", "100")]
    o = run(home, states, "VoicedLightDim", ("light.kitchen_spots",), brightness=50)
    assert sent(o) == [("cmnd/kitchen_spots/Dimmer", "40")] and o.values["action"] == "dimmer"
    states.update("stat/kitchen_spots/RESULT", b'{"Dimmer":100}')
    o = run(home, states, "VoicedLightBrighten", ("light.kitchen_spots",))
    assert o.status == ALREADY and o.values["brightness"] == 100
    states.update("stat/kitchen_spots/RESULT", b'{"POWER":"OFF"}')
    o = run(home, states, "VoicedLightBrighten", ("light.kitchen_spots",))
    assert sent(o) == [("cmnd/kitchen_spots/Dimmer", "20")]


def test_climate(home: Home, states: StateStore) -> None:
    o = run(home, states, "HassClimateSetTemperature", ("climate.living_room_thermostat",), temperature=21.5)
    assert sent(o) == [("climate/living_room/target/set", "21.5")]
    assert o.values == {"action": "temperature", "names": ["Living Room Thermostat"], "count": 1,
                        "temperature": 21.5, "unit": "°C"}
    states.update("zigbee2mqtt/bedroom_trv", b'{"current_heating_setpoint":19,"local_temperature":18}')
    o = run(home, states, "VoicedClimateWarmer", ("climate.bedroom_heater",), temperature=2)
    assert sent(o) == [("zigbee2mqtt/bedroom_trv/set", {"current_heating_setpoint": 21})]
    assert o.values["temperature"] == 21 and o.values["action"] == "warmer"
    o = run(home, states, "VoicedClimateCooler", ("climate.bedroom_heater",))
    assert sent(o) == [("zigbee2mqtt/bedroom_trv/set", {"current_heating_setpoint": 18})]
    o = run(home, states, "HassClimateSetTemperature", ("climate.bedroom_heater",), temperature=19)
    assert o.status == ALREADY


def test_position_and_volume(home: Home, states: StateStore) -> None:
    o = run(home, states, "HassSetPosition", ("cover.living_room_blinds",), position=30)
    assert sent(o) == [("zigbee2mqtt/living_room_blinds/set", {"position": 30})] and o.values["position"] == 30
    o = run(home, states, "HassSetPosition", ("cover.garage_door",), position=50)
    assert sent(o) == [("garage/door/position", "50")]
    o = run(home, states, "HassSetVolume", ("media_player.living_room_tv",), volume_level=25)
    assert sent(o) == [("media/living_room_tv/cmd", "VOLUME 25")] and o.values["volume_level"] == 25


def test_partial_and_unavailable(home: Home, states: StateStore) -> None:
    # the mirror light has no brightness template: the desk lamp is dimmed, the mirror reported
    o = run(home, states, "HassLightSet", ("light.desk_lamp", "light.mirror_light"), brightness=40)
    assert o.status == PARTIAL
    assert o.values["names"] == ["Desk Lamp"] and o.values["unavailable_names"] == ["Mirror Light"]
    # an area fan-out skips what cannot be switched at all (a list, a sensor) without complaint
    o = run(home, states, "HassTurnOn", ("light.hall_light", "todo.shopping_list", "binary_sensor.hallway_motion"),
            area="Hallway")
    assert o.status == DONE and o.values == {"action": "on", "names": ["Hall Light"], "count": 1}
    o = run(home, states, "HassTurnOn", ("sensor.living_room_temperature",))
    assert o.status == UNAVAILABLE


def test_not_found_and_not_understood(home: Home, states: StateStore) -> None:
    p = Parse("turn on the attic light", "HassTurnOn", 0.9, {}, (), unresolved=(Span("name", 12, 23, "attic light"),))
    o = plan(p, home, states, now=NOW)
    assert o.status == NOT_FOUND and o.values == {"unknown": ["attic light"]}
    o = run(home, states, None)
    assert o.status == NOT_UNDERSTOOD and o.commands == ()


def test_ambiguous(home: Home, states: StateStore) -> None:
    p = Parse("turn on the lamp", "HassTurnOn", 0.9, {}, (), extra={
        "ambiguous_slot": "name", "candidates": [{"id": "light.a", "name": "Desk Lamp", "area": "Office"},
                                                 {"id": "light.b", "name": "Bedroom Lamp", "area": "Bedroom"}]})
    o = plan(p, home, states, now=NOW)
    assert o.status == AMBIGUOUS and o.values["names"] == ["Desk Lamp", "Bedroom Lamp"] and o.commands == ()


def test_get_state_questions(home: Home, states: StateStore) -> None:
    states.update("zigbee2mqtt/front_door_lock", b'{"state":"LOCK"}')
    states.update("zigbee2mqtt/back_door_lock", b'{"state":"UNLOCK"}')
    o = run(home, states, "HassGetState", ("lock.front_door",), name="Front Door", state="locked")
    assert o.status == ANSWER
    assert o.values == {"entity": "Front Door", "state": "locked", "all": True, "names": ["Front Door"], "count": 1}
    # "is every door locked"
    o = run(home, states, "HassGetState", ("lock.front_door", "lock.back_door"), domain="lock", state="locked")
    assert o.values == {"state": "locked", "names": ["Front Door"], "count": 1, "all": False}
    # "which lights are on"
    states.update("zigbee2mqtt/living_room_lamp", b'{"state":"ON"}')
    states.update("stat/kitchen_spots/POWER", b"OFF")
    o = run(home, states, "HassGetState", ("light.living_room_lamp", "light.kitchen_spots", "light.hall_light"),
            domain="light", state="on")
    assert o.values["names"] == ["Living Room Lamp"] and o.values["count"] == 1 and o.values["all"] is False
    assert o.values["unavailable_names"] == ["Hall Light"]
    # a sensor value with its unit
    states.update("zigbee2mqtt/living_room_climate", b'{"temperature":21.4,"humidity":48}')
    o = run(home, states, "HassGetState", ("sensor.living_room_humidity",), name="Living Room Humidity")
    assert o.values["value"] == 48 and o.values["unit"] == "%"
    # a window
    states.update("zigbee2mqtt/kitchen_window", b'{"contact":false}')
    o = run(home, states, "HassGetState", ("binary_sensor.kitchen_window",), name="Kitchen Window", state="open")
    assert o.values["state"] == "open" and o.values["all"] is True
    # no state known yet
    o = run(home, states, "HassGetState", ("binary_sensor.bedroom_window",), name="Bedroom Window")
    assert o.status == UNAVAILABLE and o.values["unavailable_names"] == ["Bedroom Window"]


def test_temperature_questions(home: Home, states: StateStore) -> None:
    o = run(home, states, "HassClimateGetTemperature", ("climate.living_room_thermostat",), area="Living Room")
    assert o.status == UNAVAILABLE
    states.update("zigbee2mqtt/living_room_climate", b'{"temperature":21.4}')
    o = run(home, states, "HassClimateGetTemperature", ("climate.living_room_thermostat",), area="Living Room")
    assert o.status == ANSWER and o.values["temperature"] == 21.4 and o.values["unit"] == "°C"
    states.update("tele/garden_sensor/SENSOR", b'{"DS18B20":{"Temperature":3.5}}')
    o = run(home, states, "HassClimateGetTemperature", ("sensor.outdoor_temperature",), name="Outdoor Temperature")
    assert o.values["temperature"] == 3.5 and o.values["entity"] == "Outdoor Temperature"


def test_time_date_weather(home: Home, states: StateStore) -> None:
    assert run(home, states, "HassGetCurrentTime").values == {"time": "14:05"}
    assert run(home, states, "HassGetCurrentDate").values == {"date": "Saturday 28 November 2026"}
    assert run(home, states, "HassGetWeather").status == UNAVAILABLE
    states.update("weather/home/state", b'{"condition":"sunny","temperature":12}')
    o = run(home, states, "HassGetWeather")
    assert o.status == ANSWER and o.values["weather"] == "sunny" and o.values["temperature"] == 12


def test_list_add_and_broadcast(home: Home, states: StateStore) -> None:
    o = run(home, states, "HassListAddItem", ("todo.shopping_list",), item="milk", name="Shopping List")
    assert sent(o) == [("voiced/kitchen/list/add", {"list": "Shopping List", "item": "milk",
                                                    "entity_id": "todo.shopping_list"})]
    assert o.values == {"action": "add", "item": "milk", "list": "Shopping List"}
    o = run(home, states, "HassListAddItem", (), item="call mum", name="chores list")
    assert json.loads(o.commands[0].payload)["list"] == "To Do List"
    o = run(home, states, "HassBroadcast", message="dinner is ready")
    body = {"text": "dinner is ready", "site": "kitchen"}
    assert sent(o) == [("voiced/broadcast", body), ("voiced/bedroom/say", body)]


def test_question_without_a_state_word(home: Home, states: StateStore) -> None:
    """'what about the windows' asks whether they are open; locks whether they are locked."""
    states.update("zigbee2mqtt/kitchen_window", b'{"contact":false}')
    states.update("zigbee2mqtt/bedroom_window", b'{"contact":true}')
    o = run(home, states, "HassGetState", ("binary_sensor.kitchen_window", "binary_sensor.bedroom_window"),
            device_class="window")
    assert o.values == {"state": "open", "names": ["Kitchen Window"], "count": 1, "all": False}
    states.update("zigbee2mqtt/front_door_lock", b'{"state":"LOCK"}')
    states.update("zigbee2mqtt/back_door_lock", b'{"state":"LOCK"}')
    o = run(home, states, "HassGetState", ("lock.front_door", "lock.back_door"), domain="lock")
    assert o.values["state"] == "locked" and o.values["all"] is True and o.values["count"] == 2


def test_reading_by_area(home: Home, states: StateStore) -> None:
    """'what's the humidity in the bathroom': one sensor found by area, no name spoken."""
    states.update("home/bathroom/humidity", b'{"humidity": 64}')
    o = run(home, states, "HassGetState", ("sensor.bathroom_humidity",), area="Bathroom", device_class="humidity")
    assert o.status == ANSWER and o.values["value"] == 64 and o.values["unit"] == "%"
    assert o.values["entity"] == "Bathroom Humidity"
    # a list question stays a list question with one match
    states.update("stat/hall_light/POWER", b"ON")
    o = run(home, states, "HassGetState", ("light.hall_light",), area="Hallway", domain="light", state="on")
    assert o.values == {"state": "on", "names": ["Hall Light"], "count": 1, "all": True}


def test_a_target_the_thermostat_cannot_take_is_refused_with_its_range(home: Home, states: StateStore) -> None:
    for t in (100, -10, 0, 36):
        o = run(home, states, "HassClimateSetTemperature", ("climate.living_room_thermostat",), temperature=t)
        assert o.status == ERROR and not o.commands
        assert o.values == {"action": "temperature",
                            "message": "the Living Room Thermostat can be set from 7 to 35 degrees"}
    both = ("climate.living_room_thermostat", "climate.bedroom_heater")
    o = run(home, states, "HassClimateSetTemperature", both, temperature=80)
    assert o.status == ERROR and not o.commands
    assert o.values["message"] == "the Living Room Thermostat and the Bedroom Heater can be set from 7 to 35 degrees"
    for t in (7, 35):  # the ends are in range
        o = run(home, states, "HassClimateSetTemperature", ("climate.living_room_thermostat",), temperature=t)
        assert sent(o) == [("climate/living_room/target/set", str(t))]


def test_the_range_a_devices_file_gives(states: StateStore) -> None:
    from voiced.home import load_home_text

    home = load_home_text("""entities:
  - id: climate.hall
    name: Hall Thermostat
    mqtt: {protocol: zigbee2mqtt, topic: zigbee2mqtt/hall_trv, min_temp: 5, max_temp: 30}
  - id: climate.sauna
    name: Sauna
    mqtt: {protocol: homeassistant, command_topic: sauna/mode, temperature_command_topic: sauna/set, max_temp: 100}
""", "home.yaml")
    states = StateStore(home)
    o = run(home, states, "HassClimateSetTemperature", ("climate.hall",), temperature=6)
    assert sent(o) == [("zigbee2mqtt/hall_trv/set", {"current_heating_setpoint": 6})]
    o = run(home, states, "HassClimateSetTemperature", ("climate.hall",), temperature=31)
    assert o.status == ERROR and o.values["message"] == "the Hall Thermostat can be set from 5 to 30 degrees"
    o = run(home, states, "HassClimateSetTemperature", ("climate.sauna",), temperature=90)
    assert sent(o) == [("sauna/set", "90")]
    # one of two can: it is set, the other named as not done
    o = run(home, states, "HassClimateSetTemperature", ("climate.hall", "climate.sauna"), temperature=60)
    assert o.status == PARTIAL and o.done == ("climate.sauna",) and o.unavailable == ("climate.hall",)
    # warmer and cooler stop at the ends
    states.update("zigbee2mqtt/hall_trv", b'{"current_heating_setpoint":29}')
    o = run(home, states, "VoicedClimateWarmer", ("climate.hall",), temperature=5)
    assert sent(o) == [("zigbee2mqtt/hall_trv/set", {"current_heating_setpoint": 30})]
    states.update("zigbee2mqtt/hall_trv", b'{"current_heating_setpoint":6}')
    o = run(home, states, "VoicedClimateCooler", ("climate.hall",), temperature=5)
    assert sent(o) == [("zigbee2mqtt/hall_trv/set", {"current_heating_setpoint": 5})]


def test_a_reading_refused_for_what_its_targets_cannot_do_says_so(home: Home, states: StateStore) -> None:
    def refused(reason: str, targets: list[str]) -> Outcome:
        return plan(Parse("make the ceiling fan louder", None, 0.9,
                          extra={"reason": reason, "rejected": {"intent": "HassTurnOn", "targets": targets}}),
                    home, states, now=NOW)

    o = refused("cannot_do", ["fan.ceiling_fan"])
    assert o.status == ERROR and o.values == {"message": "the Ceiling Fan can't do that"} and not o.commands
    o = refused("cannot_do", ["light.kitchen_spots", "light.kitchen_counter"])
    assert o.values["message"] == "the Kitchen Spots and the Counter Light can't do that"
    o = refused("cannot_answer", ["vacuum.robot_vacuum"])
    assert o.values["message"] == "I can't tell that about the Robot Vacuum"
    assert refused("null", ["fan.ceiling_fan"]).status == NOT_UNDERSTOOD
    assert refused("cannot_do", []).status == NOT_UNDERSTOOD
