"""A :class:`Home` written as a devices file (docs/devices.md) that a person reads and edits.

Hand-formatted rather than ``yaml.dump``: one entity per block, short ``mqtt`` settings on one line,
comments where the writer has something to say, and every scalar quoted only when YAML would read
it as something else (``ON`` → ``"ON"``, ``1.0`` → ``"1.0"``).  ``voiced import`` checks what it
writes with the loader before writing it.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from voiced.home.model import Area, Entity, Floor, Home, MqttSettings

_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_ .'/()\-]*$")
_FLOW_WIDTH = 100


def scalar(value: Any) -> str:
    """One YAML scalar that loads back as ``value`` (str, int, float, bool, None)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    text = str(value)
    if _PLAIN.match(text) and text == text.strip() and " #" not in text and \
            yaml.safe_load(text) == text:
        return text
    return json.dumps(text, ensure_ascii=False)


def _flow(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{scalar(k)}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    return scalar(value)


def mqtt_mapping(m: MqttSettings) -> dict[str, Any]:
    """The ``mqtt`` keys of one entity, in the order docs/devices.md lists them."""
    out: dict[str, Any] = {"protocol": m.protocol}
    if m.topic:
        out["topic"] = m.topic
    if "command_topic" in m.options:
        out["command_topic"] = m.options["command_topic"]
    if m.state_topic:
        out["state_topic"] = m.state_topic
    if m.value_key:
        out["value_key"] = m.value_key
    if m.value_template:
        out["value_template"] = m.value_template
    if m.unit:
        out["unit"] = m.unit
    for k in sorted(m.options):
        if k not in out:
            out[k] = m.options[k]
    return out


def _names(item: Floor | Area | Entity) -> list[str]:
    return [f"aliases: {_flow(list(item.aliases))}"] if item.aliases else []


def entity_lines(e: Entity, indent: str = "  ") -> list[str]:
    lines = [f"- id: {e.id}", f"  name: {scalar(e.name)}"]
    lines += [f"  {x}" for x in _names(e)]
    if e.area:
        lines.append(f"  area: {e.area}")
    if e.device_class:
        lines.append(f"  device_class: {scalar(e.device_class)}")
    if e.features:
        lines.append(f"  features: {_flow(list(e.features))}")
    if e.mqtt is not None:
        mapping = mqtt_mapping(e.mqtt)
        flow = f"  mqtt: {_flow(mapping)}"
        if len(indent) + len(flow) <= _FLOW_WIDTH:
            lines.append(flow)
        else:
            lines.append("  mqtt:")
            lines += [f"    {k}: {_flow(v)}" for k, v in mapping.items()]
    return [indent + x for x in lines]


def dump_home(home: Home, header: list[str] | None = None, notes: dict[str, list[str]] | None = None,
              footer: list[str] | None = None) -> str:
    """The devices-file text for ``home``: ``header``/``footer`` comment lines, and ``notes``
    (entity id → comment lines written above that entity)."""
    out = [f"# {line}".rstrip() for line in header or []]
    notes = notes or {}
    if home.floors:
        out.append("floors:")
        for f in home.floors:
            out += [f"  - id: {f.id}", f"    name: {scalar(f.name)}"] + [f"    {x}" for x in _names(f)]
    if home.areas:
        out.append("areas:")
        for a in home.areas:
            out += [f"  - id: {a.id}", f"    name: {scalar(a.name)}"]
            if a.floor:
                out.append(f"    floor: {a.floor}")
            out += [f"    {x}" for x in _names(a)]
    out.append("entities:" if home.entities else "entities: []")
    for e in home.entities:
        out += [f"  # {line}".rstrip() for line in notes.get(e.id, [])]
        out += entity_lines(e)
    out += [f"# {line}".rstrip() for line in footer or []]
    return "\n".join(out) + "\n"
