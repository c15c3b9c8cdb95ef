"""Home discovery parsing (zigbee2mqtt bridge/devices, HA MQTT discovery) and the assistant's config."""

from __future__ import annotations

import json

import pytest

from tests.conftest import EXAMPLE_HOME
from voiced.home import load_home
from voiced.home.model import Home
from voiced.home.state import StateStore
from voiced.mqtt.discovery import assistant_config
from voiced.protocols import encode
from voiced.protocols.homeassistant import parse_config as parse_ha_config
from voiced.protocols.zigbee2mqtt import parse_devices as parse_z2m_devices

Z2M_DEVICES = [
    {"ieee_address": "0x00", "type": "Coordinator", "friendly_name": "Coordinator", "definition": None},
    {"ieee_address": "0x01", "type": "Router", "friendly_name": "office/standing_lamp",
     "definition": {"model": "LED1545G12", "vendor": "IKEA", "exposes": [
         {"type": "light", "features": [{"name": "state"}, {"name": "brightness"}, {"name": "color_temp"},
                                        {"name": "color_xy"}]},
         {"type": "enum", "name": "effect", "property": "effect"}]}},
    {"ieee_address": "0x02", "type": "EndDevice", "friendly_name": "attic_sensor",
     "definition": {"exposes": [
         {"type": "numeric", "name": "temperature", "property": "temperature", "unit": "°C"},
         {"type": "numeric", "name": "humidity", "property": "humidity", "unit": "%"},
         {"type": "binary", "name": "contact", "property": "contact"}]}},
    {"ieee_address": "0x03", "type": "EndDevice", "friendly_name": "living_room_lamp",  # already in the file
     "definition": {"exposes": [{"type": "light", "features": []}]}},
    {"ieee_address": "0x04", "type": "EndDevice", "friendly_name": "mystery", "definition": None},
    "not a device",
    {"friendly_name": 42},
]


@pytest.fixture(scope="module")
def home() -> Home:
    return load_home(EXAMPLE_HOME)


def test_z2m_devices(home: Home) -> None:
    entities, problems = parse_z2m_devices(json.dumps(Z2M_DEVICES).encode(), home)
    by_id = {e.id: e for e in entities}
    assert set(by_id) == {"light.office_standing_lamp", "sensor.attic_sensor_temperature",
                          "sensor.attic_sensor_humidity", "binary_sensor.attic_sensor_contact"}
    lamp = by_id["light.office_standing_lamp"]
    assert lamp.name == "Standing Lamp" and lamp.area == "office"
    assert lamp.features == ("brightness", "color", "color_temp")
    assert lamp.mqtt is not None and lamp.mqtt.topic == "zigbee2mqtt/office/standing_lamp"
    assert json.loads(encode(lamp, "color", "red")[0].payload) == {"color": {"x": 0.7006, "y": 0.2993}}
    assert encode(lamp, "on")[0].topic == "zigbee2mqtt/office/standing_lamp/set"
    temp = by_id["sensor.attic_sensor_temperature"]
    assert temp.device_class == "temperature" and temp.mqtt and temp.mqtt.unit == "°C"
    assert by_id["binary_sensor.attic_sensor_contact"].device_class == "door"
    assert len(problems) == 3  # mystery (no definition), the string, the bad friendly_name
    # the new sensor's state is read from the device topic
    store = StateStore(home.with_entities(entities))
    store.update("zigbee2mqtt/attic_sensor", b'{"temperature": 14.5, "humidity": 60, "contact": false}')
    st = store.get("sensor.attic_sensor_temperature")
    assert st is not None and st.get("value") == 14.5
    door = store.get("binary_sensor.attic_sensor_contact")
    assert door is not None and door.state == "open"


def test_ha_discovery_component(home: Home) -> None:
    config = {"~": "hall/strip", "name": "LED Strip", "uniq_id": "strip_01", "cmd_t": "~/set", "stat_t": "~/state",
              "bri_cmd_t": "~/bri/set", "bri_scl": 100, "rgb_cmd_t": "~/rgb/set",
              "dev": {"ids": ["strip"], "name": "Hall", "sa": "Hallway"}}
    entities, problems = parse_ha_config("homeassistant/light/strip_01/config", json.dumps(config).encode(), home)
    assert problems == []
    (e,) = entities
    assert e.id == "light.strip_01" and e.name == "Hall LED Strip" and e.area == "hallway"
    assert e.features == ("brightness", "color")
    assert [(c.topic, c.payload) for c in encode(e, "brightness", 40)] == [("hall/strip/bri/set", "40")]
    assert [(c.topic, c.payload) for c in encode(e, "color", "blue")] == [("hall/strip/rgb/set", "0,0,255")]
    assert [(c.topic, c.payload) for c in encode(e, "on")] == [("hall/strip/set", "ON")]


def test_ha_sensor_with_value_template(home: Home) -> None:
    config = {"name": "Cellar Temperature", "state_topic": "cellar/env", "unit_of_measurement": "°C",
              "device_class": "temperature", "value_template": "{{ value_json.temp | round(1) }}", "unique_id": "c1"}
    (e,), _ = parse_ha_config("homeassistant/sensor/node/cellar_temp/config", json.dumps(config).encode(), home)
    assert e.id == "sensor.c1" and e.mqtt is not None and e.mqtt.value_key == "temp" and e.mqtt.unit == "°C"


def test_ha_climate_discovery_keeps_its_setpoint_range(home: Home) -> None:
    from voiced.act.actions import setpoint_range

    config = {"name": "Attic Heater", "uniq_id": "attic_heat", "mode_cmd_t": "attic/mode", "temp_cmd_t": "attic/temp",
              "cmd_t": "attic/power", "min_temp": 10, "max_temp": 28, "temperature_unit": "C"}
    (e,), problems = parse_ha_config("homeassistant/climate/attic_heat/config", json.dumps(config).encode(), home)
    assert problems == [] and setpoint_range(e) == (10, 28)
    config.update(min_temp="cold", max_temp=None)  # not numbers: HA's defaults
    (e,), _ = parse_ha_config("homeassistant/climate/attic_heat/config", json.dumps(config).encode(), home)
    assert setpoint_range(e) == (7, 35)


def test_ha_device_discovery(home: Home) -> None:
    config = {"dev": {"ids": "x", "name": "Garden Pump"}, "o": {"name": "x"},
              "cmps": {"pump": {"p": "switch", "cmd_t": "pump/set", "stat_t": "pump/state", "uniq_id": "pump1"},
                       "bad": {"p": "siren", "cmd_t": "siren/set"}, "worse": 3}}
    entities, problems = parse_ha_config("homeassistant/device/pump/config", json.dumps(config).encode(), home)
    assert [e.id for e in entities] == ["switch.pump1"] and entities[0].name == "Garden Pump"
    assert len(problems) == 2
    # our own assistant's device config is not a device of the home
    topic, payload = assistant_config("kitchen", "0.1.0")
    assert parse_ha_config(topic, payload.encode(), home) == ([], [])


@pytest.mark.parametrize("payload", [
    b"", b"\xff\xfe", b"{", b"[]", b'"str"', b'{"name": 5}', b'{"cmd_t": [1]}', b"[" * 50_000 + b"]" * 50_000,
    b'{"name": "' + b"x" * 5_000_000 + b'"}',
])
def test_hostile_discovery_payloads(home: Home, payload: bytes) -> None:
    entities, _ = parse_ha_config("homeassistant/light/x/config", payload, home)
    assert entities == []
    entities, _ = parse_z2m_devices(payload, home)
    assert entities == []


def test_assistant_config() -> None:
    topic, payload = assistant_config("kitchen", "0.1.0")
    assert topic == "homeassistant/device/voiced_kitchen/config"
    cfg = json.loads(payload)
    assert cfg["availability_topic"] == "voiced/kitchen/status"
    comps = cfg["components"]
    assert {c["platform"] for c in comps.values()} == {"sensor", "switch"}
    assert {c["state_topic"] for c in comps.values()} == {"voiced/kitchen/transcript", "voiced/kitchen/intent",
                                                          "voiced/kitchen/mute"}
