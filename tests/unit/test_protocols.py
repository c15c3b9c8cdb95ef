"""Protocol encoders: exact topic and payload for every protocol and action kind (devices.md)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from voiced.home.model import Entity, MqttSettings
from voiced.protocols import Unsupported, encode
from voiced.protocols.colors import rgb_to_hsb, rgb_to_xy


def z2m(eid: str, **options: Any) -> Entity:
    features = tuple(options.pop("features", ()))
    return Entity(eid, eid, features=features, mqtt=MqttSettings("zigbee2mqtt", topic=f"zigbee2mqtt/{eid.split('.')[1]}",
                                                                 options=dict(options)))


def tas(eid: str, features: tuple[str, ...] = ()) -> Entity:
    return Entity(eid, eid, features=features, mqtt=MqttSettings("tasmota", topic=eid.split(".")[1]))


def ha(eid: str, **options: Any) -> Entity:
    features = tuple(options.pop("features", ()))
    return Entity(eid, eid, features=features, mqtt=MqttSettings("homeassistant", options=dict(options)))


def gen(eid: str, payload: dict[str, str], features: tuple[str, ...] = ()) -> Entity:
    return Entity(eid, eid, features=features,
                  mqtt=MqttSettings("generic", options={"command_topic": f"gen/{eid}", "payload": payload}))


def one(entity: Entity, action: str, value: object = None) -> tuple[str, str]:
    cmds = encode(entity, action, value)
    assert len(cmds) == 1
    c = cmds[0]
    assert c.qos == 1 and not c.retain and c.entity_id == entity.id
    return c.topic, c.payload


Z2M_CASES = [
    ("light.l", "on", None, {"state": "ON"}),
    ("light.l", "off", None, {"state": "OFF"}),
    ("light.l", "toggle", None, {"state": "TOGGLE"}),
    ("light.l", "brightness", 50, {"brightness": 127}),
    ("light.l", "brightness", 100, {"brightness": 254}),
    ("light.l", "color", "red", {"color": {"r": 255, "g": 0, "b": 0}}),
    ("light.l", "color", "warm white", {"color_temp": 370}),
    ("light.l", "color", "cool white", {"color_temp": 182}),
    ("lock.d", "lock", None, {"state": "LOCK"}),
    ("lock.d", "unlock", None, {"state": "UNLOCK"}),
    ("cover.c", "open", None, {"state": "OPEN"}),
    ("cover.c", "close", None, {"state": "CLOSE"}),
    ("cover.c", "position", 40, {"position": 40}),
    ("climate.t", "temperature", 21.5, {"current_heating_setpoint": 21.5}),
    ("climate.t", "temperature", 21.3, {"current_heating_setpoint": 21.5}),
    ("climate.t", "off", None, {"system_mode": "off"}),
    ("valve.v", "open", None, {"state": "ON"}),
]


@pytest.mark.parametrize(("eid", "action", "value", "payload"), Z2M_CASES)
def test_zigbee2mqtt(eid: str, action: str, value: object, payload: dict[str, object]) -> None:
    topic, text = one(z2m(eid), action, value)
    assert topic == f"zigbee2mqtt/{eid.split('.')[1]}/set"
    assert json.loads(text) == payload


def test_zigbee2mqtt_xy_colour() -> None:
    topic, text = one(z2m("light.l", color_mode="xy"), "color", "blue")
    assert json.loads(text) == {"color": {"x": 0.1355, "y": 0.0399}}


TASMOTA_CASES = [
    ("light.k", "on", None, "POWER", "ON"),
    ("light.k", "off", None, "POWER", "OFF"),
    ("light.k", "toggle", None, "POWER", "TOGGLE"),
    ("light.k", "brightness", 35, "Dimmer", "35"),
    ("light.k", "color", "red", "HSBColor", "0,100,100"),
    ("light.k", "color", "blue", "HSBColor", "240,100,100"),
    ("light.k", "color", "warm white", "CT", "370"),
    ("switch.s", "on", None, "POWER", "ON"),
    ("cover.c", "open", None, "ShutterOpen", ""),
    ("cover.c", "close", None, "ShutterClose", ""),
    ("cover.c", "position", 70, "ShutterPosition", "70"),
    ("climate.t", "temperature", 19, "TempTargetSet", "19"),
]


@pytest.mark.parametrize(("eid", "action", "value", "cmd", "payload"), TASMOTA_CASES)
def test_tasmota(eid: str, action: str, value: object, cmd: str, payload: str) -> None:
    assert one(tas(eid), action, value) == (f"cmnd/{eid.split('.')[1]}/{cmd}", payload)


HA = {"command_topic": "h/cmd"}
HA_CASES = [
    (ha("light.a", **HA), "on", None, "h/cmd", "ON"),
    (ha("light.a", **HA, payload_off="off!"), "off", None, "h/cmd", "off!"),
    (ha("light.a", **HA, payload_toggle="T"), "toggle", None, "h/cmd", "T"),
    (ha("light.a", **HA, brightness_command_topic="h/bri", brightness_scale=255), "brightness", 50, "h/bri", "128"),
    (ha("light.a", **HA, brightness_command_topic="h/bri", brightness_scale=100), "brightness", 30, "h/bri", "30"),
    (ha("light.a", **HA, rgb_command_topic="h/rgb"), "color", "green", "h/rgb", "0,255,0"),
    (ha("light.a", **HA, hs_command_topic="h/hs"), "color", "red", "h/hs", "0,100"),
    (ha("light.a", **HA, xy_command_topic="h/xy"), "color", "red", "h/xy", "0.7006,0.2993"),
    (ha("light.a", **HA, color_temp_command_topic="h/ct"), "color", "warm white", "h/ct", "370"),
    (ha("lock.a", **HA), "lock", None, "h/cmd", "LOCK"),
    (ha("lock.a", **HA, payload_unlock="OPENUP"), "unlock", None, "h/cmd", "OPENUP"),
    (ha("cover.g", **HA, payload_open="OPEN"), "open", None, "h/cmd", "OPEN"),
    (ha("cover.g", **HA), "close", None, "h/cmd", "CLOSE"),
    (ha("cover.g", **HA, position_topic="h/pos"), "position", 25, "h/pos", "25"),
    (ha("cover.g", **HA, set_position_topic="h/setpos", position_open=255), "position", 50, "h/setpos", "128"),
    (ha("climate.t", temperature_command_topic="h/temp"), "temperature", 22, "h/temp", "22"),
    (ha("climate.t", **HA), "on", None, "h/cmd", "heat"),
    (ha("climate.t", **HA, mode_command_topic="h/mode"), "off", None, "h/mode", "off"),
    (ha("scene.s", **HA), "activate", None, "h/cmd", "ON"),
    (ha("script.s", **HA, payload_on="RUN"), "activate", None, "h/cmd", "RUN"),
    (ha("vacuum.v", **HA), "start", None, "h/cmd", "start"),
    (ha("vacuum.v", **HA), "return", None, "h/cmd", "return_to_base"),
    (ha("media_player.m", **HA), "pause", None, "h/cmd", "PAUSE"),
    (ha("media_player.m", **HA, volume_command_topic="h/vol"), "volume", 40, "h/vol", "40"),
    (ha("valve.w", **HA), "open", None, "h/cmd", "OPEN"),
]


@pytest.mark.parametrize(("entity", "action", "value", "topic", "payload"), HA_CASES)
def test_homeassistant(entity: Entity, action: str, value: object, topic: str, payload: str) -> None:
    assert one(entity, action, value) == (topic, payload)


JSON = {"command_topic": "j/set", "schema": "json"}
HA_JSON_CASES = [
    ("on", None, {"state": "ON"}),
    ("off", None, {"state": "OFF"}),
    ("brightness", 50, {"state": "ON", "brightness": 128}),
    ("color", "red", {"state": "ON", "color": {"r": 255, "g": 0, "b": 0}}),
    ("color", "cool white", {"state": "ON", "color_temp": 182}),
]


@pytest.mark.parametrize(("action", "value", "payload"), HA_JSON_CASES)
def test_homeassistant_json_schema(action: str, value: object, payload: dict[str, object]) -> None:
    topic, text = one(ha("light.j", **JSON), action, value)
    assert topic == "j/set" and json.loads(text) == payload


TEMPLATES = {"on": "1", "off": "0", "brightness": '{"bri": {value}}', "color": "RGB {r} {g} {b}",
             "temperature": "T={value}", "position": "P{value}", "volume": "VOLUME {value}", "pause": "PAUSE"}
GEN_CASES = [
    ("light.g", "on", None, "1"),
    ("light.g", "off", None, "0"),
    ("light.g", "brightness", 42, '{"bri": 42}'),
    ("light.g", "color", "purple", "RGB 128 0 128"),
    ("climate.g", "temperature", 20.0, "T=20"),
    ("cover.g", "position", 10, "P10"),
    ("media_player.g", "volume", 30, "VOLUME 30"),
    ("media_player.g", "pause", None, "PAUSE"),
    ("valve.g", "open", None, "1"),  # open falls back to the on template
    ("lock.g", "unlock", None, "0"),
]


@pytest.mark.parametrize(("eid", "action", "value", "payload"), GEN_CASES)
def test_generic(eid: str, action: str, value: object, payload: str) -> None:
    assert one(gen(eid, TEMPLATES), action, value) == (f"gen/{eid}", payload)


@pytest.mark.parametrize(("entity", "action", "value"), [
    (gen("light.g", {"on": "1"}), "brightness", 50),  # no template
    (ha("light.a", command_topic="x"), "brightness", 50),  # no brightness topic
    (ha("light.a", command_topic="x"), "toggle", None),  # HA has no toggle payload by default
    (z2m("light.l", features=("brightness",)), "color", "red"),  # no colour feature
    (z2m("light.l"), "color", "chartreuse-ish"),  # unknown colour
    (tas("media_player.m"), "pause", None),
    (Entity("light.x", "X"), "on", None),  # no mqtt settings
])
def test_unsupported(entity: Entity, action: str, value: object) -> None:
    with pytest.raises(Unsupported):
        encode(entity, action, value)


def test_colour_conversions() -> None:
    assert rgb_to_hsb((255, 0, 0)) == (0, 100, 100)
    assert rgb_to_hsb((0, 0, 255)) == (240, 100, 100)
    assert rgb_to_xy((255, 255, 255)) == pytest.approx((0.3227, 0.329), abs=0.002)
