"""Adding a protocol is adding one module: this file is one (a Shelly Gen1 relay, ``shellies/<id>``),
registered from the tests; with no other edit, a devices file using it loads (its keys checked), its
commands are encoded (also through the actions), its state is decoded by the state store, and its
discovery (``shellies/announce``) is subscribed to and read by the daemon and by ``voiced import``."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping
from types import SimpleNamespace
from typing import Any, cast

import pytest

from voiced import protocols
from voiced.act.actions import plan
from voiced.commands.importer import build_home
from voiced.config import DiscoverySettings, Settings
from voiced.errors import ConfigError
from voiced.events import DONE, Command, Parse
from voiced.handlers import Handlers
from voiced.home import load_home_text
from voiced.home.model import Area, Entity, Home, MqttSettings
from voiced.home.nodes import MqttFields
from voiced.home.state import StateStore
from voiced.mqtt.client import Message
from voiced.protocols import base, finding, reading
from voiced.protocols.base import Discovery, Found, Unsupported

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


ANNOUNCE = "shellies/announce"
DISCOVERY_TOPICS = (ANNOUNCE,)


def discover(messages: Mapping[str, bytes], home: Home, areas: dict[str, Area] | None = None,
             for_file: bool = False) -> Discovery:
    """A relay from the retained ``shellies/announce`` ({"id": ..., "name": ...})."""
    out = Discovery()
    if ANNOUNCE not in messages:
        return out
    data, err = finding.load(messages[ANNOUNCE])
    if err is not None or not isinstance(data, dict) or not isinstance(data.get("id"), str):
        out.found.append(Found(ANNOUNCE, [], [err or "expected an object with an id"], []))
        return out
    topic = f"shellies/{data['id']}"
    if topic in finding.known_topics(home):
        out.found.append(Found(ANNOUNCE, [], [], []))
        return out
    name = str(data.get("name") or finding.humanize(data["id"]))
    entity = Entity(id=f"switch.{finding.slug(data['id'])}", name=name,
                    mqtt=MqttSettings(NAME, topic=topic, options={"relay": 0}))
    out.found.append(Found(ANNOUNCE, [entity], [], [f"shelly: {data['id']}"]))
    out.sources.append("1 Shelly device (shellies/announce)")
    return out


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
     "of max_temp, min_temp, protocol, relay, state_topic, topic, unit, unit_of_measurement, value_key, value_template"),
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


ANNOUNCED = json.dumps({"id": "teapot", "name": "Teapot"}).encode()


def test_the_daemon_subscribes_to_and_reads_its_discovery() -> None:
    offered: list[list[Entity]] = []
    svc = SimpleNamespace(site="kitchen", settings=Settings(discovery=DiscoverySettings(import_home=True)),
                          base_home=load_home_text(HOME), homes=SimpleNamespace(offer=offered.append))
    router = Handlers(cast(Any, svc)).router()
    assert ANNOUNCE in [r.topic_filter for r in router.routes]  # the daemon's subscriptions are the routes
    router.route(Message(ANNOUNCE, ANNOUNCED, retain=True))
    assert [[(e.id, e.name, e.mqtt and e.mqtt.topic) for e in found] for found in offered] == [
        [("switch.teapot", "Teapot", "shellies/teapot")]]
    router.route(Message(ANNOUNCE, json.dumps({"id": "kettle"}).encode(), retain=True))
    assert offered[-1] == []  # the devices file's own relay is not discovered again
    svc.settings = Settings()  # discovery.import_home off: not subscribed
    assert ANNOUNCE not in [r.topic_filter for r in Handlers(cast(Any, svc)).router().routes]
    protocols.unregister(NAME)
    svc.settings = Settings(discovery=DiscoverySettings(import_home=True))
    assert ANNOUNCE not in [r.topic_filter for r in Handlers(cast(Any, svc)).router().routes]


def test_voiced_import_reads_its_discovery() -> None:
    assert ANNOUNCE in protocols.import_topics()
    result = build_home({ANNOUNCE: ANNOUNCED, "zigbee2mqtt/bridge/devices": b"[]"})
    teapot = result.home.entity("switch.teapot")
    assert teapot is not None and teapot.mqtt is not None
    assert (teapot.mqtt.protocol, teapot.mqtt.topic) == ("shelly", "shellies/teapot")
    assert result.notes["switch.teapot"] == ["shelly: teapot"]
    assert result.sources == ["zigbee2mqtt/bridge/devices (0 entities)", "1 Shelly device (shellies/announce)"]
    bad = build_home({ANNOUNCE: b"{"})
    assert bad.home.entities == () and len(bad.skipped) == 1 and bad.skipped[0].startswith(f"{ANNOUNCE}: ")
