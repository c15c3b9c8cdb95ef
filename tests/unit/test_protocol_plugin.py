"""Adding a protocol is adding one module: this file is one (a Shelly Gen1 relay, ``shellies/<id>``),
registered from the tests; with no other edit, a devices file using it loads (its keys checked), its
commands are encoded (also through the actions) and its state is decoded by the state store."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import pytest

from voiced import protocols
from voiced.act.actions import plan
from voiced.errors import ConfigError
from voiced.events import DONE, Command, Parse
from voiced.home import load_home_text
from voiced.home.model import Entity, MqttSettings
from voiced.home.nodes import MqttFields
from voiced.home.state import StateStore
from voiced.protocols import base, reading
from voiced.protocols.base import Unsupported

# ----------------------------------------------------------------------------- the protocol module

NAME = "shelly"
KEYS = base.COMMON_KEYS | {"topic", "relay"}


def _relay(f: MqttFields, key: str) -> int:
    value = f.number(key)
    if not isinstance(value, int) or value < 0:
        raise f.fail(key, "expected a relay number (0, 1, ...)")
    return value


def validate(f: MqttFields) -> MqttSettings:
    s = base.read(f, {"relay": _relay}, NAME)
    if not s.topic:
        raise f.fail("topic", f"required for protocol {NAME}", at="mapping")
    return s


def _relay_topic(entity: Entity) -> str:
    assert entity.mqtt is not None
    return f"{entity.mqtt.topic}/relay/{entity.mqtt.options.get('relay', 0)}"


def state_topics(entity: Entity) -> list[str]:
    return [_relay_topic(entity)]


def decode(entity: Entity, topic: str, data: Any, text: str | None) -> tuple[str | None, dict[str, Any]] | None:
    return reading.read(entity, topic, data, text, reading.Reading())


def encode(entity: Entity, action: str, value: Any) -> list[Command]:
    if action not in ("on", "off", "toggle"):
        raise Unsupported(f"{entity.id}: a relay cannot {action}")
    return [base.command(entity, f"{_relay_topic(entity)}/command", action)]


# ----------------------------------------------------------------------------- the tests

HOME = """entities:
  - id: switch.kettle
    name: Kettle
    mqtt: {protocol: shelly, topic: shellies/kettle, relay: 1}
"""


@pytest.fixture(autouse=True)
def shelly() -> Iterator[None]:
    protocols.register(sys.modules[__name__])
    yield
    protocols.unregister(NAME)


def test_a_devices_file_using_it_loads() -> None:
    home = load_home_text(HOME, "home.yaml")
    kettle = home.entity("switch.kettle")
    assert kettle is not None and kettle.mqtt is not None
    assert (kettle.mqtt.protocol, kettle.mqtt.topic, kettle.mqtt.options) == ("shelly", "shellies/kettle",
                                                                             {"relay": 1})
    assert "shelly" in protocols.names()


@pytest.mark.parametrize(("text", "message"), [
    ("mqtt: {protocol: shelly, topic: shellies/kettle, rely: 1}",
     "home.yaml:4: entities[0].mqtt.rely: unknown field for protocol shelly (did you mean `relay`?); expected one "
     "of protocol, relay, state_topic, topic, unit, unit_of_measurement, value_key, value_template"),
    ("mqtt: {protocol: shelly, topic: shellies/kettle, relay: -1}",
     "home.yaml:4: entities[0].mqtt.relay: expected a relay number (0, 1, ...)"),
    ("mqtt: {protocol: shelly, relay: 1}", "home.yaml:4: entities[0].mqtt.topic: required for protocol shelly"),
    ("mqtt: {protocol: shelly, topic: shellies/+}", "home.yaml:4: entities[0].mqtt.topic: 'shellies/+' contains "
     "an MQTT wildcard"),
    ("mqtt: {protocol: shelly, topic: s, command_topic: c}", "home.yaml:4: entities[0].mqtt.command_topic: unknown "
     "field for protocol shelly: `command_topic` belongs to protocol homeassistant and generic; protocol shelly "
     "derives its topics from `topic`"),
    ("mqtt: {protocol: shely, topic: s}", "home.yaml:4: entities[0].mqtt.protocol: unknown protocol 'shely' (did "
     "you mean `shelly`?); expected one of zigbee2mqtt, tasmota, homeassistant, generic, shelly"),
])
def test_its_keys_are_checked_with_file_line_and_field(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as exc:
        load_home_text(HOME.replace("mqtt: {protocol: shelly, topic: shellies/kettle, relay: 1}", text), "home.yaml")
    assert str(exc.value).startswith(message), str(exc.value)


def test_its_commands_are_encoded() -> None:
    home = load_home_text(HOME)
    kettle = home.entity("switch.kettle")
    assert kettle is not None
    assert [(c.topic, c.payload, c.qos) for c in protocols.encode(kettle, "on")] == [
        ("shellies/kettle/relay/1/command", "on", 1)]
    with pytest.raises(Unsupported):
        protocols.encode(kettle, "brightness", 50)
    outcome = plan(Parse("turn off the kettle", "HassTurnOff", 1.0, {"name": "Kettle"}, ("switch.kettle",)), home,
                   StateStore(home))
    assert outcome.status == DONE
    assert [(c.topic, c.payload) for c in outcome.commands] == [("shellies/kettle/relay/1/command", "off")]


def test_its_state_is_decoded() -> None:
    home = load_home_text(HOME)
    store = StateStore(home)
    assert store.topics() == ["shellies/kettle/relay/1"]
    assert store.update("shellies/kettle/relay/1", b"on") == ["switch.kettle"]
    state = store.get("switch.kettle")
    assert state is not None and state.state == "on"
    assert store.update("shellies/kettle/relay/1", b"\xff\xfe") == []  # garbage: the last state kept
    assert store.update("shellies/kettle/relay/1", b"off") == ["switch.kettle"]


def test_unregistered_it_is_refused() -> None:
    protocols.unregister(NAME)
    with pytest.raises(ConfigError, match="unknown protocol 'shelly'"):
        load_home_text(HOME, "home.yaml")
