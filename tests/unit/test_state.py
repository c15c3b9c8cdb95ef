"""The live state store: per-protocol parsing, garbage ignored, thread safety."""

from __future__ import annotations

import threading

import pytest

from tests.conftest import EXAMPLE_HOME
from voiced.home import load_home
from voiced.home.model import Home
from voiced.home.state import EntityState, StateStore, state_topics


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


# ----------------------------------------------------------------------------- value_template (issue 12)


def test_value_template_decodes_state() -> None:
    from voiced.home import load_home_text

    home = load_home_text("""entities:
  - id: sensor.plug_power
    name: Plug Power
    mqtt:
      protocol: homeassistant
      state_topic: tele/plug/SENSOR
      value_template: "{{ (value_json.ENERGY.Power | float / 1000) | round(2) }}"
      unit_of_measurement: kW
  - id: switch.plug
    name: Plug
    mqtt: {protocol: homeassistant, command_topic: cmnd/plug/POWER, state_topic: tele/plug/SENSOR,
           value_template: "{{ value_json.POWER }}", payload_on: ON, payload_off: OFF}
  - id: sensor.outside
    name: Outside
    device_class: temperature
    mqtt: {protocol: generic, state_topic: weather/outside, value_template: "{{ value | float * 0.1 }}"}
  - id: binary_sensor.door
    name: Door
    device_class: door
    mqtt: {protocol: zigbee2mqtt, state_topic: zigbee2mqtt/door, value_template: "{{ value_json.contact }}"}
  - id: sensor.first
    name: First Reading
    mqtt: {protocol: generic, state_topic: readings, value_template: "{{ value_json.items[0].v | default(7) }}"}
""", "t.yaml")
    store = StateStore(home)
    changed = store.update("tele/plug/SENSOR", b'{"POWER": "ON", "ENERGY": {"Power": 1234}}')
    assert sorted(changed) == ["sensor.plug_power", "switch.plug"]
    power = store.get("sensor.plug_power")
    assert power is not None and power.state == "1.23" and power.attributes == {"unit": "kW", "value": 1.23}
    plug = store.get("switch.plug")
    assert plug is not None and plug.state == "on"
    assert store.update("weather/outside", b"215") == ["sensor.outside"]
    outside = store.get("sensor.outside")
    assert outside is not None and outside.get("value") == 21.5
    # {{ value_json.contact }} reads like value_key: contact (zigbee2mqtt: true = closed)
    store.update("zigbee2mqtt/door", b'{"contact": false}')
    door = store.get("binary_sensor.door")
    assert door is not None and door.state == "open"
    # what the template does not find changes nothing; default() gives its value
    assert store.update("tele/plug/SENSOR", b'{"Time": "x"}') == []
    assert store.get("sensor.plug_power") == power
    store.update("readings", b'{"items": [{"v": 3}]}')
    assert (store.get("sensor.first") or EntityState()).state == "3"
    store.update("readings", b'{"items": [{}]}')
    assert (store.get("sensor.first") or EntityState()).state == "7"
    assert store.update("readings", b"garbage") == []


@pytest.mark.parametrize(("template", "payload", "value"), [
    ("{{ value }}", "on", "on"),
    ("{{ value_json.state }}", '{"state": "ON"}', "ON"),
    ("{{ value_json['a b'] }}", '{"a b": 3}', 3),
    ('{{ value_json["x"]["y"] }}', '{"x": {"y": 2}}', 2),
    ("{{ value_json.t | round(1) }}", '{"t": 21.45}', 21.5),
    ("{{ value_json.t | int }}", '{"t": "21.7"}', 21),
    ("{{ value_json.s | lower }}", '{"s": "OPEN"}', "open"),
    ("{{ value_json.t - -3 }}", '{"t": 1}', 4.0),
    ("{{ value_json.missing }}", '{"t": 1}', None),
    ("{{ value_json.t | float }}", '{"t": "warm"}', None),
])
def test_template_forms(template: str, payload: str, value: object) -> None:
    import json as _json

    from voiced.home.template import compile_template

    try:
        data = _json.loads(payload)
    except ValueError:
        data = payload
    assert compile_template(template).render(data, payload) == value


@pytest.mark.parametrize("template", [
    "{{ value_json.a if value_json.b else 0 }}", "{% if value %}on{% endif %}", "{{ states('sensor.x') }}",
    "{{ value_json.a | tojson }}", "{{ value_json.a }} {{ value_json.b }}", "value_json.a", "{{ value.x }}",
    "{{ value_json.a / 0 }}", "{{ }}", "{{ value_json.a * value_json.b }}",
])
def test_templates_voiced_cannot_evaluate(template: str) -> None:
    from voiced.home.template import TemplateError, compile_template

    with pytest.raises(TemplateError):
        compile_template(template)
