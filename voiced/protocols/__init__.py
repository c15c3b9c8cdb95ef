"""The device protocols: one module each, behind one registry.

A protocol module (``zigbee2mqtt``, ``tasmota``, ``homeassistant``, ``generic``; the shape is in
``voiced.protocols.base``) checks its ``mqtt:`` keys in the devices file (``validate``), names the
topics an entity's state is read on (``state_topics``), reads one state message (``decode``) and
turns one action into publishes (``encode``); the loader, the state store, the actions and
``voiced import`` ask the registry here, never a protocol by name.  Adding a protocol is one module
and one line in ``_BUILTIN`` (or :func:`register` from outside).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from voiced.errors import ConfigError
from voiced.events import Command
from voiced.home.model import Entity, MqttSettings
from voiced.home.nodes import MqttFields, suggest
from voiced.protocols import generic, homeassistant, tasmota, zigbee2mqtt
from voiced.protocols.base import ACTIONS, Unsupported, supports

Decoded = tuple[str | None, dict[str, Any]]


@dataclass(frozen=True)
class Protocol:
    """One registered protocol module."""

    name: str
    keys: frozenset[str]
    validate: Callable[[MqttFields], MqttSettings]
    state_topics: Callable[[Entity], list[str]]
    decode: Callable[[Entity, str, Any, str | None], Decoded | None]
    encode: Callable[[Entity, str, Any], list[Command]]
    ignored_keys: frozenset[str] = frozenset()
    device_topics: Callable[[Entity], set[str]] | None = None

    @classmethod
    def of(cls, module: ModuleType) -> Protocol:
        return cls(name=module.NAME, keys=frozenset(module.KEYS), validate=module.validate,
                   state_topics=module.state_topics, decode=module.decode, encode=module.encode,
                   ignored_keys=frozenset(getattr(module, "IGNORED_KEYS", ())),
                   device_topics=getattr(module, "device_topics", None))


_REGISTRY: dict[str, Protocol] = {}


def register(module: ModuleType) -> Protocol:
    """Add (or replace) the protocol ``module`` defines; returns its record."""
    proto = Protocol.of(module)
    _REGISTRY[proto.name] = proto
    return proto


def unregister(name: str) -> None:
    _REGISTRY.pop(name, None)


def names() -> tuple[str, ...]:
    return tuple(_REGISTRY)


def get(name: str) -> Protocol | None:
    return _REGISTRY.get(name)


_BUILTIN = (zigbee2mqtt, tasmota, homeassistant, generic)
for _module in _BUILTIN:
    register(_module)


# ----------------------------------------------------------------------------- the devices file


def validate(f: MqttFields) -> MqttSettings:
    """The settings an entity's ``mqtt:`` mapping gives, or a :class:`ConfigError` naming the file,
    the line and the field: the checks every protocol shares, then the protocol's own."""
    if "protocol" not in f:
        raise f.fail("protocol", "missing required field", at="mapping")
    name = f.string("protocol")
    proto = _REGISTRY.get(name)
    if proto is None:
        raise f.fail("protocol", f"unknown protocol {name!r}{suggest(name, _REGISTRY)}; "
                     f"expected one of {', '.join(_REGISTRY)}")
    for key in f.keys:
        if key not in proto.keys:
            raise _key_error(f, key, proto)
    if "unit" in f and "unit_of_measurement" in f:
        raise f.fail("unit_of_measurement", "give the unit once (unit or unit_of_measurement)", at="key")
    if "value_key" in f and "value_template" in f:
        raise f.fail("value_template", "give value_key or value_template, not both", at="key")
    return proto.validate(f)


def _key_error(f: MqttFields, key: str, proto: Protocol) -> ConfigError:
    others = [p.name for p in _REGISTRY.values() if p is not proto and key in p.keys]
    if others:
        hint = f"`{key}` belongs to protocol {' and '.join(others)}"
        if key == "topic":
            hint += "; this protocol uses command_topic and state_topic"
        elif "topic" in proto.keys:
            hint += f"; protocol {proto.name} derives its topics from `topic`"
        return f.fail(key, f"unknown field for protocol {proto.name}: {hint}", at="key")
    return f.fail(key, f"unknown field for protocol {proto.name}{suggest(key, proto.keys)}; "
                  f"expected one of {', '.join(sorted(proto.keys - proto.ignored_keys))}", at="key")


# ----------------------------------------------------------------------------- state and commands


def _of(entity: Entity) -> Protocol | None:
    return _REGISTRY.get(entity.mqtt.protocol) if entity.mqtt is not None else None


def state_topics(entity: Entity) -> list[str]:
    """The topics carrying ``entity``'s state, per its protocol (devices.md); exact topics only."""
    proto = _of(entity)
    if proto is None:
        return []
    return [t for t in proto.state_topics(entity) if t and "#" not in t and "+" not in t]


def device_topics(entity: Entity) -> set[str]:
    """Every topic ``entity`` is read from or commanded on (``voiced import`` recognises the same
    device from two sources by them)."""
    proto = _of(entity)
    if proto is None or entity.mqtt is None:
        return set()
    out = set(state_topics(entity))
    if proto.device_topics is not None:
        out |= proto.device_topics(entity)
    out |= {str(v) for k, v in entity.mqtt.options.items() if k.endswith("_topic") and isinstance(v, str)}
    return out - {""}


def decode(entity: Entity, topic: str, data: Any, text: str | None = None) -> Decoded | None:
    """(state word or None, attributes) from one state message on ``topic`` (``data``: the payload
    as a JSON value or plain text; ``text``: the payload as text); None when it says nothing."""
    proto = _of(entity)
    return proto.decode(entity, topic, data, text) if proto is not None else None


def encode(entity: Entity, action: str, value: Any = None) -> list[Command]:
    """The commands that make ``entity`` do ``action`` (with ``value`` for brightness 0–100, colour
    name, temperature °C, position 0–100, volume 0–100); :class:`Unsupported` when its protocol or
    configuration cannot express it."""
    m = entity.mqtt
    if m is None:
        raise Unsupported(f"{entity.id}: no mqtt settings")
    if action not in ACTIONS:
        raise Unsupported(f"{entity.id}: unknown action {action!r}")
    if action == "brightness" and not supports(entity, "brightness"):
        raise Unsupported(f"{entity.id}: no brightness")
    proto = _REGISTRY.get(m.protocol)
    if proto is None:
        raise Unsupported(f"{entity.id}: unknown protocol {m.protocol!r}")
    return proto.encode(entity, action, value)


__all__ = ["ACTIONS", "Protocol", "Unsupported", "decode", "device_topics", "encode", "get", "names", "register",
           "state_topics", "supports", "unregister", "validate"]
