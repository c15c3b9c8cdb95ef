"""The device protocols: one module each, behind one registry.

A protocol module (``zigbee2mqtt``, ``tasmota``, ``homeassistant``, ``generic``; the shape is in
``voiced.protocols.base``) checks its ``mqtt:`` keys in the devices file (``validate``), names the
topics an entity's state is read on (``state_topics``), reads one state message (``decode``) and
turns one action into publishes (``encode``) and, where it has discovery, finds entities in the
broker's retained discovery messages (``discover``, on its ``DISCOVERY_TOPICS``); the loader, the
state store, the actions, the daemon's discovery and ``voiced import`` ask the registry here, never a
protocol by name.  Adding a protocol is one module and one line in ``_BUILTIN`` (or :func:`register`
from outside).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from voiced.errors import ConfigError
from voiced.events import Command
from voiced.home.model import Area, Entity, Home, MqttSettings
from voiced.home.nodes import MqttFields, suggest
from voiced.protocols import generic, homeassistant, tasmota, zigbee2mqtt
from voiced.protocols.base import ACTIONS, Discovery, Found, Unsupported, supports

Decoded = tuple[str | None, dict[str, Any]]
# discover(messages: topic → payload, home, areas, for_file): see voiced.protocols.base
Discover = Callable[[Mapping[str, bytes], Home, dict[str, Area] | None, bool], Discovery]


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
    discover: Discover | None = None
    discovery_topics: tuple[str, ...] = ()  # the filters the daemon subscribes to for discover
    import_topics: tuple[str, ...] = ()  # the filters voiced import reads for discover
    import_looks_for: str = ""  # what voiced import names when it found nothing

    @classmethod
    def of(cls, module: ModuleType) -> Protocol:
        discover = getattr(module, "discover", None)
        live = tuple(getattr(module, "DISCOVERY_TOPICS", ())) if discover is not None else ()
        snapshot = tuple(getattr(module, "IMPORT_TOPICS", live)) if discover is not None else ()
        return cls(name=module.NAME, keys=frozenset(module.KEYS), validate=module.validate,
                   state_topics=module.state_topics, decode=module.decode, encode=module.encode,
                   ignored_keys=frozenset(getattr(module, "IGNORED_KEYS", ())),
                   device_topics=getattr(module, "device_topics", None),
                   discover=discover, discovery_topics=live, import_topics=snapshot,
                   import_looks_for=str(getattr(module, "IMPORT_LOOKS_FOR", ", ".join(snapshot))))


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


# ----------------------------------------------------------------------------- discovery


def discoverers() -> tuple[Protocol, ...]:
    """The registered protocols that have discovery, in registration order (``voiced import``
    reads them in this order: a device an earlier one gave is not repeated)."""
    return tuple(p for p in _REGISTRY.values() if p.discover is not None)


def discover(proto: Protocol, messages: Mapping[str, bytes], home: Home, areas: dict[str, Area] | None = None,
             for_file: bool = False) -> Discovery:
    """What ``proto`` finds in the discovery ``messages`` (topic → payload); never raises on bad
    payloads.  ``areas``: filled with the areas the sources name; ``for_file``: for a devices file
    (``voiced import``) rather than the running home."""
    if proto.discover is None:
        return Discovery()
    return proto.discover(messages, home, areas, for_file)


def import_topics() -> list[str]:
    """The topic filters ``voiced import`` reads: every discoverer's."""
    return [t for p in discoverers() for t in p.import_topics]


__all__ = ["ACTIONS", "Discovery", "Found", "Protocol", "Unsupported", "decode", "device_topics", "discover",
           "discoverers", "encode", "get", "import_topics", "names", "register", "state_topics", "supports",
           "unregister", "validate"]
