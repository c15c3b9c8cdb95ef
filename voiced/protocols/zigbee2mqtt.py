"""Zigbee2MQTT: a device is ``<base>/<friendly name>``; JSON commands on ``<topic>/set``, its state
the JSON on ``<topic>``; discovery from the retained ``<base>/bridge/devices`` (docs/devices.md)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from voiced.events import Command
from voiced.home.model import Area, Entity, Home, MqttSettings
from voiced.home.nodes import MqttFields
from voiced.protocols import base, colors, finding, reading
from voiced.protocols.base import Unsupported

NAME = "zigbee2mqtt"
KEYS = base.COMMON_KEYS | {"topic", "color_mode"}
COLOR_MODES = ("xy", "rgb")  # how colours are sent
_OWN = {"color_mode": base.one_of(COLOR_MODES, "color_mode")}
_READING = reading.Reading(brightness_scale=254.0)

BASE_TOPIC = "zigbee2mqtt"  # Zigbee2MQTT's default base topic
DISCOVERY_TOPICS = (f"{BASE_TOPIC}/bridge/devices",)  # the daemon: the default base (shared/spec/mqtt.md)
IMPORT_TOPICS = ("+/bridge/devices",)  # voiced import: any base topic
IMPORT_LOOKS_FOR = DISCOVERY_TOPICS[0]


def validate(f: MqttFields) -> MqttSettings:
    s = base.read(f, _OWN, NAME)
    if s.topic.endswith("/set"):
        raise f.fail("topic", f"write the device's topic without /set ({s.topic[:-4]!r}); voiced adds /set to "
                     "command it")
    if not s.topic and not s.state_topic:
        raise f.fail("topic", f"required for protocol {NAME}", at="mapping")
    return s


def state_topics(entity: Entity) -> list[str]:
    assert entity.mqtt is not None
    return [entity.mqtt.state_topic or entity.mqtt.topic]


def device_topics(entity: Entity) -> set[str]:
    assert entity.mqtt is not None
    return {f"{entity.mqtt.topic}/set"} if entity.mqtt.topic else set()


def decode(entity: Entity, topic: str, data: Any, text: str | None) -> tuple[str | None, dict[str, Any]] | None:
    return reading.read(entity, topic, data, text, _READING)


def encode(e: Entity, action: str, value: Any) -> list[Command]:
    assert e.mqtt is not None
    topic = f"{e.mqtt.topic}/set" if e.mqtt.topic else ""
    domain = e.domain
    payload: dict[str, Any]
    if action in ("on", "off", "toggle"):
        if domain == "climate":
            if action == "toggle":
                raise Unsupported(f"{e.id}: toggle")
            payload = {"system_mode": "heat" if action == "on" else "off"}
        else:
            payload = {"state": action.upper()}
    elif action in ("lock", "unlock"):
        payload = {"state": action.upper()}
    elif action in ("open", "close"):
        payload = {"state": ("ON" if action == "open" else "OFF")} if domain == "valve" else {"state": action.upper()}
    elif action == "brightness":
        payload = {"brightness": round(max(0.0, min(100.0, float(value))) * 254 / 100)}
    elif action == "color":
        _name, rgb, mired = colors.color_spec(e, value)
        if mired is not None:
            payload = {"color_temp": mired}
        elif e.mqtt.options.get("color_mode") == "xy":
            x, y = colors.rgb_to_xy(rgb)
            payload = {"color": {"x": x, "y": y}}
        else:
            payload = {"color": {"r": rgb[0], "g": rgb[1], "b": rgb[2]}}
    elif action == "position":
        payload = {"position": round(float(value))}
    elif action == "temperature":
        payload = {"current_heating_setpoint": base.temperature(value)}
    else:
        raise Unsupported(f"{e.id}: zigbee2mqtt cannot {action}")
    return [base.command(e, topic, payload)]


# ----------------------------------------------------------------------------- discovery

_BINARY_CLASSES = {"contact": "door", "occupancy": "motion", "presence": "presence", "smoke": "smoke",
                   "water_leak": "moisture", "gas": "gas", "vibration": "vibration", "tamper": "tamper"}
_SENSOR_CLASSES = {"temperature": "temperature", "humidity": "humidity", "pressure": "pressure",
                   "illuminance": "illuminance", "illuminance_lux": "illuminance", "battery": "battery",
                   "co2": "carbon_dioxide", "power": "power", "energy": "energy"}


def _features(expose: dict[str, Any]) -> list[str]:
    names = set()
    for f in expose.get("features") or []:
        if isinstance(f, dict) and isinstance(f.get("name"), str):
            names.add(f["name"])
    out = []
    if "brightness" in names:
        out.append("brightness")
    if names & {"color_xy", "color_hs"}:
        out.append("color")
    if "color_temp" in names:
        out.append("color_temp")
    return out


def discover(messages: Mapping[str, bytes], home: Home, areas: dict[str, Area] | None = None,
             for_file: bool = False) -> base.Discovery:
    """Each ``<base>/bridge/devices`` in ``messages`` (one per bridge), parsed by
    :func:`parse_devices`; a source line per bridge (``for_file`` unused)."""
    out = base.Discovery()
    for topic in sorted(t for t in messages if t.endswith("/bridge/devices") and t.count("/") == 2):
        bridge = topic.split("/")[0]
        found, problems = parse_devices(messages[topic], home, bridge, areas=areas)
        out.found.append(base.Found(topic, found, problems, [_note(e, bridge) for e in found]))
        if found or not problems:
            out.sources.append(f"{topic} ({len(found)} entities)")
    return out


def _note(e: Entity, bridge: str) -> str:
    friendly = (e.mqtt.topic or e.mqtt.state_topic) if e.mqtt else ""
    return f"zigbee2mqtt: {friendly.removeprefix(bridge + '/')}"


def parse_devices(payload: bytes, home: Home, base_topic: str = BASE_TOPIC,
                  areas: dict[str, Area] | None = None) -> tuple[list[Entity], list[str]]:
    """Entities from a retained ``<base>/bridge/devices`` list (lights, switches, locks, covers,
    climate, and the numeric/binary sensors they expose).  ``areas``: see ``voiced.protocols.finding``."""
    data, err = finding.load(payload)
    if err is not None:
        return [], [err]
    if not isinstance(data, list):
        return [], ["expected a JSON list of devices"]
    known = finding.known_topics(home)
    entities: list[Entity] = []
    problems: list[str] = []
    seen: set[str] = set()
    for i, dev in enumerate(data[:2000]):
        if not isinstance(dev, dict):
            problems.append(f"device[{i}]: expected an object")
            continue
        if dev.get("type") == "Coordinator" or dev.get("disabled") is True:
            continue
        fname = dev.get("friendly_name")
        definition = dev.get("definition")
        if not isinstance(fname, str) or not fname.strip() or len(fname) > 200:
            problems.append(f"device[{i}]: missing or invalid friendly_name")
            continue
        if not isinstance(definition, dict) or not isinstance(definition.get("exposes"), list):
            problems.append(f"device[{i}] {fname!r}: no definition/exposes (unsupported device)")
            continue
        topic = f"{base_topic}/{fname}"
        if topic in known:
            continue  # the devices file already describes it; the file wins
        name = finding.humanize(fname)
        area = finding.area_for(home, fname.rsplit("/", 1)[0] if "/" in fname else None, areas)
        obj = finding.slug(fname)
        for expose in definition["exposes"]:
            if not isinstance(expose, dict) or not isinstance(expose.get("type"), str):
                continue
            kind = expose["type"]
            entity: Entity | None = None
            if kind in ("light", "switch", "lock", "cover", "climate", "fan"):
                entity = Entity(id=f"{kind}.{obj}", name=name, area=area, features=tuple(_features(expose)),
                                mqtt=MqttSettings(NAME, topic=topic,
                                                  options={"color_mode": "xy"} if any(
                                                      isinstance(f, dict) and f.get("name") == "color_xy"
                                                      for f in expose.get("features") or []) else {}))
            elif kind in ("numeric", "binary") and isinstance(expose.get("property"), str):
                prop = expose["property"]
                if kind == "numeric" and prop in _SENSOR_CLASSES:
                    unit = expose.get("unit") if isinstance(expose.get("unit"), str) else ""
                    entity = Entity(id=f"sensor.{obj}_{finding.slug(prop)}", name=f"{name} {finding.humanize(prop)}",
                                    area=area, device_class=_SENSOR_CLASSES[prop],
                                    mqtt=MqttSettings(NAME, state_topic=topic, value_key=prop, unit=unit or ""))
                elif kind == "binary" and prop in _BINARY_CLASSES:
                    entity = Entity(id=f"binary_sensor.{obj}_{finding.slug(prop)}",
                                    name=f"{name} {finding.humanize(prop)}", area=area,
                                    device_class=_BINARY_CLASSES[prop],
                                    mqtt=MqttSettings(NAME, state_topic=topic, value_key=prop))
            if entity is not None and entity.id not in seen:
                seen.add(entity.id)
                entities.append(entity)
    return entities, problems
