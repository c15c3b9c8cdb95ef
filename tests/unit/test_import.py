"""`voiced import`'s parts without a broker: discovery messages → home → devices-file text → loader."""

from __future__ import annotations

import json

import pytest

from tests.conftest import EXAMPLE_HOME, SECOND_HOME
from tests.integration.test_import import HA_CONFIGS, TASMOTA, Z2M_DEVICES
from voiced.commands.importer import build_home
from voiced.home import load_home, load_home_text
from voiced.home.dump import dump_home, scalar
from voiced.home.model import Home
from voiced.protocols import encode
from voiced.protocols.tasmota import parse_device as parse_tasmota_discovery


def _messages(extra: dict[str, object] | None = None) -> dict[str, bytes]:
    out = {"zigbee2mqtt/bridge/devices": Z2M_DEVICES.read_bytes()}
    out.update({t: json.dumps(v).encode() for t, v in {**HA_CONFIGS, **TASMOTA, **(extra or {})}.items()})
    return out


@pytest.mark.parametrize("path", [EXAMPLE_HOME, SECOND_HOME])
def test_dump_round_trips_the_shipped_homes(path: object) -> None:
    home = load_home(str(path))
    again = load_home_text(dump_home(home, ["a header"], {home.entities[0].id: ["a note"]}, ["a footer"]), "d")
    assert (again.floors, again.areas, again.entities) == (home.floors, home.areas, home.entities)


@pytest.mark.parametrize(("value", "text"), [
    ("Living Room", "Living Room"), ("ON", '"ON"'), ("off", '"off"'), ("1", '"1"'), ("1.5", '"1.5"'),
    ("null", '"null"'), ("°C", '"°C"'), ("a: b", '"a: b"'), ("x #y", '"x #y"'), ("[x]", '"[x]"'),
    ("Alice's Phone", "Alice's Phone"), ("{{ value_json.t }}", '"{{ value_json.t }}"'), (255, "255"),
    (True, "true"), (None, "null"),
])
def test_scalars_load_back_as_written(value: object, text: str) -> None:
    assert scalar(value) == text
    assert load_home_text(f"entities:\n  - {{id: light.a, name: {scalar(str(value))}}}\n").entities[0].name \
        == str(value)


def test_build_home_from_the_three_sources() -> None:
    result = build_home(_messages())
    home = load_home_text(dump_home(result.home, notes=result.notes), "imported.yaml")
    ids = {e.id for e in home.entities}
    # Zigbee2MQTT's own HA announcement of the kettle plug is the same device: imported once
    assert sum(1 for e in home.entities if e.mqtt and "kettle_plug" in (e.mqtt.topic + e.mqtt.state_topic)) == 3
    assert "switch.kitchen_kettle_plug" in ids and not any(i.startswith("switch.0x70b3") for i in ids)
    # areas from Zigbee2MQTT friendly names and HA suggested_area, created once each
    assert [a.id for a in home.areas] == ["bedroom", "garden", "hallway", "kitchen", "living_room"]
    # skipped with reasons: the uninterviewed Zigbee device, the device trigger
    assert any("0x0017880106ffee11" in s for s in result.skipped)
    assert any("device_automation" in s for s in result.skipped)
    # the disabled Zigbee device is not imported at all
    assert not any("old_motion" in i for i in ids)
    fan = home.entity("switch.desk_fan")
    assert fan is not None and [(c.topic, c.payload) for c in encode(fan, "on")] == [("cmnd/desk_fan_plug/POWER", "ON")]
    temp = home.entity("sensor.desk_fan_plug_temperature")
    assert temp is not None and temp.mqtt is not None and temp.mqtt.value_key == "AM2301.Temperature"
    assert temp.mqtt.unit == "°C" and temp.device_class == "temperature"
    assert home.warnings and "device_tracker" in home.warnings[0]


def test_build_home_leaves_out_what_the_loader_would_refuse() -> None:
    result = build_home(_messages({
        # a device class HA knows for sensors but not for binary sensors: kept, without it
        "homeassistant/binary_sensor/bell/config": {"name": "Door Bell", "stat_t": "bell/state", "dev_cla": "doorbell",
                                                    "uniq_id": "bell"},
        # a template voiced cannot evaluate: the key it reads is kept, and the file says so
        "homeassistant/sensor/meter/config": {"name": "Meter", "stat_t": "meter/state", "uniq_id": "meter",
                                              "val_tpl": "{{ value_json.kwh if value_json.kwh else 0 }}"},
        # a wildcard topic cannot be written into a devices file
        "homeassistant/switch/bad/config": {"name": "Bad", "cmd_t": "bad/+/set", "uniq_id": "bad"},
    }))
    by_id = {e.id: e for e in result.home.entities}
    assert by_id["binary_sensor.bell"].device_class is None
    assert any("doorbell" in n for n in result.notes["binary_sensor.bell"])
    meter = by_id["sensor.meter"].mqtt
    assert meter is not None and meter.value_template == ""
    assert any("not evaluated" in s for s in result.skipped)
    assert "switch.bad" not in by_id and any("switch.bad left out" in s and "wildcard" in s for s in result.skipped)


def test_tasmota_relays_lights_and_custom_topics() -> None:
    cfg = {"dn": "Kitchen", "fn": ["Ceiling", "Cooker Hood", None], "t": "kitchen", "ft": "%prefix%/%topic%/",
           "tp": ["cmnd", "stat", "tele"], "rl": [2, 1, 1], "lt_st": 5, "mac": "A1B2C3D4E5F6", "so": {"30": 0}}
    entities, problems = parse_tasmota_discovery(json.dumps(cfg).encode(), None, Home())
    by_id = {e.id: e for e in entities}
    assert set(by_id) == {"light.ceiling", "switch.cooker_hood", "switch.kitchen_3"}
    assert by_id["light.ceiling"].features == ("brightness", "color", "color_temp")
    hood = by_id["switch.cooker_hood"]
    assert [(c.topic, c.payload) for c in encode(hood, "on")] == [("cmnd/kitchen/POWER2", "ON")]
    assert hood.mqtt is not None and hood.mqtt.state_topic == "stat/kitchen/POWER2"
    # a custom full topic: every relay on its own computed topics
    cfg = {**cfg, "ft": "home/%topic%/%prefix%/", "rl": [1], "fn": ["Lamp"]}
    entities, problems = parse_tasmota_discovery(json.dumps(cfg).encode(), None, Home())
    (lamp,) = entities
    assert [(c.topic, c.payload) for c in encode(lamp, "off")] == [("home/kitchen/cmnd/POWER1", "OFF")]
    assert problems == []


@pytest.mark.parametrize("payload", [b"", b"\xff", b"[]", b"{}", b'{"t": "a/b"}', b'{"t": "x", "rl": "no"}',
                                     b'{"t": "x", "rl": [1], "fn": [5], "so": 3, "lt_st": "x"}', b"[" * 20_000])
def test_hostile_tasmota_payloads(payload: bytes) -> None:
    entities, _ = parse_tasmota_discovery(payload, payload, Home())
    for e in entities:
        load_home_text(dump_home(Home(entities=(e,))))
