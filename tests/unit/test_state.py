"""The live state store: per-protocol parsing, garbage ignored, thread safety."""

from __future__ import annotations

import threading

import pytest

from tests.conftest import EXAMPLE_HOME
from voiced.home import load_home
from voiced.home.model import Home
from voiced.home.state import StateStore, state_topics


@pytest.fixture(scope="module")
def home() -> Home:
    return load_home(EXAMPLE_HOME)


@pytest.fixture
def store(home: Home) -> StateStore:
    return StateStore(home)


def test_state_topics_per_protocol(home: Home) -> None:
    def topics(eid: str) -> list[str]:
        e = home.entity(eid)
        assert e is not None
        return state_topics(e)

    assert topics("light.living_room_lamp") == ["zigbee2mqtt/living_room_lamp"]
    assert topics("light.kitchen_spots") == ["stat/kitchen_spots/RESULT", "tele/kitchen_spots/STATE",
                                             "tele/kitchen_spots/SENSOR", "stat/kitchen_spots/POWER"]
    assert topics("sensor.outdoor_temperature") == ["tele/garden_sensor/SENSOR"]
    assert topics("light.desk_lamp") == ["office/desk_lamp/state"]
    assert topics("light.mirror_light") == ["home/bathroom/mirror/state"]
    assert topics("todo.shopping_list") == []


@pytest.mark.parametrize(("topic", "payload", "eid", "state", "attrs"), [
    ("zigbee2mqtt/living_room_lamp", '{"state":"ON","brightness":254,"color_temp":370}', "light.living_room_lamp",
     "on", {"brightness": 100, "color_temp": 370}),
    ("zigbee2mqtt/living_room_lamp", '{"state":"OFF"}', "light.living_room_lamp", "off", {}),
    ("zigbee2mqtt/front_door_lock", '{"state":"LOCK","lock_state":"locked"}', "lock.front_door", "locked", {}),
    ("zigbee2mqtt/back_door_lock", '{"state":"UNLOCK"}', "lock.back_door", "unlocked", {}),
    ("zigbee2mqtt/living_room_blinds", '{"position":0}', "cover.living_room_blinds", "closed", {"position": 0}),
    ("zigbee2mqtt/bedroom_curtains", '{"state":"OPEN","position":60}', "cover.bedroom_curtains", "open",
     {"position": 60}),
    ("zigbee2mqtt/bedroom_trv", '{"current_heating_setpoint":21,"local_temperature":19.5,"system_mode":"heat"}',
     "climate.bedroom_heater", "heat", {"temperature": 21, "current_temperature": 19.5}),
    ("zigbee2mqtt/living_room_climate", '{"temperature":21.4,"humidity":48}', "sensor.living_room_temperature",
     "21.4", {"value": 21.4, "unit": "°C"}),
    ("zigbee2mqtt/living_room_climate", '{"temperature":21.4,"humidity":48}', "sensor.living_room_humidity",
     "48", {"value": 48, "unit": "%"}),
    ("zigbee2mqtt/front_door_contact", '{"contact":false}', "binary_sensor.front_door_contact", "open", {}),
    ("zigbee2mqtt/kitchen_window", '{"contact":true,"battery":90}', "binary_sensor.kitchen_window", "closed", {}),
    ("zigbee2mqtt/hallway_motion", '{"occupancy":true}', "binary_sensor.hallway_motion", "detected", {}),
    ("zigbee2mqtt/kitchen_smoke", '{"smoke":false}', "binary_sensor.kitchen_smoke", "clear", {}),
    ("stat/kitchen_spots/RESULT", '{"POWER":"ON","Dimmer":40}', "light.kitchen_spots", "on", {"brightness": 40}),
    ("tele/hall_light/STATE", '{"Time":"2026-01-01T00:00:00","POWER":"OFF"}', "light.hall_light", "off", {}),
    ("stat/coffee_maker/POWER", "ON", "switch.coffee_maker", "on", {}),
    ("tele/garden_sensor/SENSOR", '{"Time":"x","DS18B20":{"Id":"01","Temperature":7.5},"TempUnit":"C"}',
     "sensor.outdoor_temperature", "7.5", {"value": 7.5, "unit": "°C"}),
    ("office/desk_lamp/state", "ON", "light.desk_lamp", "on", {}),
    ("kids/night_light/state", '{"state":"ON","brightness":128}', "light.night_light", "on", {"brightness": 50}),
    ("home/bathroom/mirror/state", '{"state":"0"}', "light.mirror_light", "off", {"value": 0}),
    ("garden/sprinkler/state", "START", "switch.garden_sprinkler", "on", {}),
    ("garage/water_main/state", "CLOSE", "valve.water_main", "closed", {}),
    ("garage/door/state", "open", "cover.garage_door", "open", {}),
    ("home/bathroom/humidity", '{"humidity":71.5}', "sensor.bathroom_humidity", "71.5", {"value": 71.5, "unit": "%"}),
    ("media/living_room_tv/state", '{"state":"playing"}', "media_player.living_room_tv", "playing", {}),
    ("weather/home/state", '{"condition":"rainy","temperature":11}', "weather.home", "rainy",
     {"value": "rainy", "temperature": 11}),
    ("climate/living_room/state", '{"mode":"heat","target_temp":21,"current_temp":20.5}',
     "climate.living_room_thermostat", "heat", {"temperature": 21, "current_temperature": 20.5}),
])
def test_parse(store: StateStore, topic: str, payload: str, eid: str, state: str, attrs: dict[str, object]) -> None:
    assert eid in store.update(topic, payload.encode())
    st = store.get(eid)
    assert st is not None and st.state == state
    for k, v in attrs.items():
        assert st.attributes[k] == v, k


def test_partial_updates_merge(store: StateStore) -> None:
    store.update("stat/kitchen_spots/RESULT", b'{"POWER":"ON","Dimmer":40}')
    store.update("stat/kitchen_spots/RESULT", b'{"Dimmer":60}')
    st = store.get("light.kitchen_spots")
    assert st is not None and st.state == "on" and st.get("brightness") == 60


@pytest.mark.parametrize("payload", [
    b"", b"\x00\xff\xfe binary", b"{not json", b"[1,2,3]", b'{"state": [1, 2]}', b'{"brightness": "lots"}',
    b"[" * 100_000 + b"]" * 100_000, b'{"a":' * 20_000 + b"1" + b"}" * 20_000, b'{"state": "' + b"x" * 2_000_000 + b'"}', b"null", b'{"state": null}',
])
def test_garbage_keeps_state(store: StateStore, payload: bytes) -> None:
    store.update("zigbee2mqtt/living_room_lamp", b'{"state":"ON","brightness":127}')
    before = store.get("light.living_room_lamp")
    assert store.update("zigbee2mqtt/living_room_lamp", payload) == []
    assert store.get("light.living_room_lamp") == before


def test_unknown_topic_ignored(store: StateStore) -> None:
    assert store.update("some/other/topic", b'{"state":"ON"}') == []


def test_set_home_keeps_states_of_remaining_entities(store: StateStore, home: Home) -> None:
    store.update("zigbee2mqtt/living_room_lamp", b'{"state":"ON"}')
    smaller = Home(home.floors, home.areas, tuple(e for e in home.entities if e.id != "light.bedroom_lamp"))
    store.set_home(smaller)
    assert store.get("light.living_room_lamp") is not None
    assert "zigbee2mqtt/bedroom_lamp" not in store.topics()


def test_thread_safe_updates(store: StateStore) -> None:
    def worker(n: int) -> None:
        for i in range(300):
            store.update("stat/kitchen_spots/RESULT", f'{{"Dimmer":{(i + n) % 100}}}'.encode())
            store.snapshot()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    st = store.get("light.kitchen_spots")
    assert st is not None and 0 <= st.get("brightness") <= 100
