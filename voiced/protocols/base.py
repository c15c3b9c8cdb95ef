"""What every protocol module shares: the action vocabulary, the encoders' verdict, one command,
and the reading of the ``mqtt:`` keys every protocol takes (docs/devices.md, "adding a protocol").

A protocol module (``voiced/protocols/<name>.py``) defines::

    NAME: str                                   # the devices file's `protocol:` value
    KEYS: frozenset[str]                        # the `mqtt:` keys it takes (COMMON_KEYS and its own)
    def validate(f: MqttFields) -> MqttSettings        # its own checks, errors via f.fail(...)
    def state_topics(entity: Entity) -> list[str]       # where the entity's state is read
    def decode(entity, topic, data, text) -> tuple[str | None, dict] | None   # one state message
    def encode(entity, action, value) -> list[Command]  # one action; raises Unsupported

and, optionally, ``IGNORED_KEYS`` (accepted, not listed in errors), ``device_topics(entity)``
(topics beyond its state topics that name the same device, for ``voiced import``) and discovery
(entities from the broker's retained discovery messages), the same shape for every protocol::

    DISCOVERY_TOPICS: tuple[str, ...]   # the filters the daemon subscribes to (discovery.import_home)
    IMPORT_TOPICS: tuple[str, ...]      # the filters `voiced import` reads (default DISCOVERY_TOPICS)
    IMPORT_LOOKS_FOR: str               # what `voiced import` says it looked for, when nothing was found
    def discover(messages, home, areas=None, for_file=False) -> Discovery

``discover`` picks its own messages out of ``messages`` (topic → payload: the one the daemon just
received, or every retained one ``voiced import`` read) and never raises on bad payloads.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from voiced.events import Command
from voiced.home.model import Entity, MqttSettings
from voiced.home.nodes import MqttFields, suggest
from voiced.home.template import SUPPORTED, TemplateError, compile_template

# what an action layer may ask of an entity (a generic `payload` mapping templates the same names)
ACTIONS = ("on", "off", "toggle", "lock", "unlock", "open", "close", "activate", "brightness", "color",
           "temperature", "position", "pause", "play", "next", "previous", "volume", "start", "return")

# the `mqtt:` keys every protocol takes; a thermostat's setpoint range has Home Assistant's names
SETPOINT_KEYS = ("min_temp", "max_temp")
COMMON_KEYS = frozenset({"protocol", "state_topic", "value_key", "value_template", "unit", "unit_of_measurement",
                         *SETPOINT_KEYS})

# how a protocol reads one of its own keys (a value for MqttSettings.options)
KeyReader = Callable[[MqttFields, str], Any]


@dataclass(frozen=True)
class Found:
    """What one discovery message gave: its entities (the devices file's own left out), the problems
    met, and for each entity the comment line ``voiced import`` writes above it (same order)."""

    topic: str
    entities: list[Entity]
    problems: list[str]
    notes: list[str]


@dataclass(frozen=True)
class Discovery:
    """What a protocol's ``discover`` found: one :class:`Found` per message it parsed (in order),
    and the lines naming its sources for the header of the file ``voiced import`` writes."""

    found: list[Found] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)


class Unsupported(Exception):  # noqa: N818 - a verdict, not a failure
    """The entity's protocol/configuration cannot perform this action."""


def supports(entity: Entity, feature: str) -> bool:
    """Declared features restrict; an entity without a feature list is assumed capable."""
    return not entity.features or feature in entity.features


def command(entity: Entity, topic: str, payload: str | Mapping[str, Any]) -> Command:
    """One QoS 1, non-retained publish for ``entity`` (a mapping payload is sent as compact JSON)."""
    if not topic:
        raise Unsupported(f"{entity.id}: no command topic")
    text = payload if isinstance(payload, str) else json.dumps(payload, separators=(",", ":"))
    return Command(topic=topic, payload=text, entity_id=entity.id, qos=1, retain=False)


def temperature(value: Any) -> int | float:
    """A target temperature as thermostats take it: half degrees."""
    f = round(float(value) * 2) / 2
    return int(f) if f.is_integer() else f


def option(entity: Entity, key: str, default: Any = None) -> Any:
    assert entity.mqtt is not None
    v = entity.mqtt.options.get(key, default)
    return default if v is None else v


def read(f: MqttFields, own: Mapping[str, KeyReader], protocol: str) -> MqttSettings:
    """The settings from every key of ``f``, in file order: the common keys and any ``*topic`` key
    (an exact topic) read here, the protocol's ``own`` keys by their readers, any other accepted key
    kept as written.  ``topic`` and ``state_topic`` become fields, the rest ``options``."""
    vals: dict[str, str] = {}
    options: dict[str, Any] = {}
    for key in f.keys:
        if key == "protocol":
            continue
        if key == "topic" or key.endswith("_topic"):
            value = f.topic(key)
            if key in ("topic", "state_topic"):
                vals[key] = value
            else:
                options[key] = value
        elif key in ("value_key", "unit", "unit_of_measurement"):
            vals["unit" if key == "unit_of_measurement" else key] = f.string(key)
        elif key == "value_template":
            source = f.string(key)
            try:
                compile_template(source)
            except TemplateError as exc:
                raise f.fail(key, f"voiced cannot evaluate {source!r}: {exc}. It evaluates {SUPPORTED}; "
                             "or read one JSON key with value_key") from exc
            vals[key] = source
        elif key in SETPOINT_KEYS:
            options[key] = f.number(key)
        elif key in own:
            options[key] = own[key](f, key)
        else:  # accepted keys voiced does not use (Home Assistant's)
            options[key] = f.plain(key)
    if all(k in options for k in SETPOINT_KEYS) and options["min_temp"] >= options["max_temp"]:
        raise f.fail("max_temp", f"must be greater than min_temp ({options['min_temp']})")
    return MqttSettings(protocol=protocol, topic=vals.get("topic", ""), state_topic=vals.get("state_topic", ""),
                        value_key=vals.get("value_key", ""), unit=vals.get("unit", ""), options=options,
                        value_template=vals.get("value_template", ""))


def refuse_commands(f: MqttFields, command_keys: frozenset[str]) -> None:
    """A state-only entity (``f.state_only``) takes none of the protocol's command keys."""
    if f.state_only is None:
        return
    commands = [k for k in f.keys if k in command_keys]
    if commands:
        raise f.fail(commands[0], f"{f.state_only} entities are state-only: voiced cannot command them "
                     f"(remove {', '.join(commands)})", at="key")


def need_command_or_state(f: MqttFields, s: MqttSettings) -> None:
    """Protocols with explicit topics need a command topic or a state topic."""
    if not (s.options.get("command_topic") or s.state_topic):
        what = "state_topic" if f.state_only else "command_topic or state_topic"
        raise f.fail("command_topic", f"protocol {s.protocol} needs {what}", at="mapping")


def text_reader(f: MqttFields, key: str) -> str:
    return f.text(key)


def one_of(choices: tuple[str, ...], what: str, why: Mapping[str, str] | None = None) -> KeyReader:
    """A reader for a key that takes one of ``choices`` (``why``: an explanation per refused value)."""
    def reader(f: MqttFields, key: str) -> str:
        value = f.string(key)
        if value not in choices:
            raise f.fail(key, f"unknown {what} {value!r}{(why or {}).get(value, '')}{suggest(value, choices)}; "
                         f"expected one of {', '.join(choices)}")
        return value
    return reader
