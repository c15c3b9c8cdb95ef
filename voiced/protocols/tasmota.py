"""Tasmota with its default full topic (``%prefix%/%topic%/``): commands on ``cmnd/<topic>/<Command>``,
state on ``stat/<topic>/RESULT|POWER`` and ``tele/<topic>/STATE|SENSOR``; discovery from the retained
``tasmota/discovery/<mac>/config|sensors`` (docs/devices.md)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from voiced.events import Command
from voiced.home.model import Area, Entity, Home, MqttSettings
from voiced.home.nodes import MqttFields
from voiced.protocols import base, colors, finding, reading
from voiced.protocols.base import Unsupported

NAME = "tasmota"
KEYS = base.COMMON_KEYS | {"topic"}
_READING = reading.Reading()

# Tasmota's own discovery is read by `voiced import` only: the daemon reads the sources
# shared/spec/mqtt.md names (a Tasmota device that also announces itself to Home Assistant is found there)
DISCOVERY_TOPICS: tuple[str, ...] = ()
IMPORT_TOPICS = ("tasmota/discovery/#",)
IMPORT_LOOKS_FOR = "tasmota/discovery/<mac>/config"


def validate(f: MqttFields) -> MqttSettings:
    s = base.read(f, {}, NAME)
    if s.topic.split("/", 1)[0] in ("cmnd", "stat", "tele"):
        raise f.fail("topic", f"write the device's own topic ({s.topic.split('/', 1)[-1]!r}), not a full "
                     "cmnd/stat/tele topic; voiced adds the prefixes")
    if not s.topic and not s.state_topic:
        raise f.fail("topic", f"required for protocol {NAME}", at="mapping")
    return s


def state_topics(entity: Entity) -> list[str]:
    m = entity.mqtt
    assert m is not None
    if m.state_topic:
        return [m.state_topic]
    t = m.topic
    return [f"stat/{t}/RESULT", f"tele/{t}/STATE", f"tele/{t}/SENSOR", f"stat/{t}/POWER"]


def device_topics(entity: Entity) -> set[str]:
    t = entity.mqtt.topic if entity.mqtt else ""
    if not t:
        return set()
    return ({f"cmnd/{t}/{c}" for c in ("POWER", "POWER1", "Dimmer", "Color", "HSBColor", "CT")}
            | {f"stat/{t}/POWER1", f"tele/{t}/LWT"})


def decode(entity: Entity, topic: str, data: Any, text: str | None) -> tuple[str | None, dict[str, Any]] | None:
    return reading.read(entity, topic, data, text, _READING)


def encode(e: Entity, action: str, value: Any) -> list[Command]:
    assert e.mqtt is not None
    base_topic = f"cmnd/{e.mqtt.topic}/" if e.mqtt.topic else ""
    if not base_topic:
        raise Unsupported(f"{e.id}: tasmota needs a topic")
    domain = e.domain
    if domain == "cover":
        cover = {"open": ("ShutterOpen", ""), "close": ("ShutterClose", "")}
        if action in cover:
            cmd, arg = cover[action]
            return [base.command(e, base_topic + cmd, arg)]
        if action == "position":
            return [base.command(e, base_topic + "ShutterPosition", str(round(float(value))))]
        raise Unsupported(f"{e.id}: tasmota cover cannot {action}")
    power = {"on": "ON", "off": "OFF", "toggle": "TOGGLE", "open": "ON", "close": "OFF", "lock": "ON",
             "unlock": "OFF", "activate": "ON", "start": "ON"}
    if action in power:
        return [base.command(e, base_topic + "POWER", power[action])]
    if action == "brightness":
        return [base.command(e, base_topic + "Dimmer", str(round(max(0.0, min(100.0, float(value))))))]
    if action == "color":
        _name, rgb, mired = colors.color_spec(e, value)
        if mired is not None:
            return [base.command(e, base_topic + "CT", str(max(153, min(500, mired))))]
        h, s, b = colors.rgb_to_hsb(rgb)
        return [base.command(e, base_topic + "HSBColor", f"{h},{s},{b}")]
    if action == "temperature" and domain == "climate":
        return [base.command(e, base_topic + "TempTargetSet", str(base.temperature(value)))]
    raise Unsupported(f"{e.id}: tasmota cannot {action}")


# ----------------------------------------------------------------------------- discovery

_TASMOTA_DEFAULT_FULLTOPIC = "%prefix%/%topic%/"
# Tasmota sensor readings → (device class, default unit); the unit keys of the payload win
_TASMOTA_MEASURES = {"Temperature": ("temperature", "°C"), "Humidity": ("humidity", "%"),
                     "Pressure": ("pressure", "hPa"), "Illuminance": ("illuminance", "lx"),
                     "CarbonDioxide": ("carbon_dioxide", "ppm"), "Power": ("power", "W"),
                     "Voltage": ("voltage", "V"), "Current": ("current", "A"), "Total": ("energy", "kWh")}


def _field_list(d: dict[str, Any], key: str) -> list[Any]:
    v = d.get(key)
    return v if isinstance(v, list) else []


def _field_str(d: dict[str, Any], key: str, default: str = "") -> str:
    v = d.get(key)
    return v if isinstance(v, str) and v.strip() else default


def _tasmota_topic(cfg: dict[str, Any], prefix: int, command: str) -> str:
    """``cmnd/<topic>/POWER2`` from the device's full topic pattern (``ft``) and prefixes (``tp``)."""
    tp = _field_list(cfg, "tp")
    if len(tp) != 3:
        tp = ["cmnd", "stat", "tele"]
    ft = _field_str(cfg, "ft", _TASMOTA_DEFAULT_FULLTOPIC)
    mac = str(cfg.get("mac", ""))
    full = (ft.replace("%prefix%", str(tp[prefix])).replace("%topic%", str(cfg.get("t", "")))
            .replace("%hostname%", str(cfg.get("hn", ""))).replace("%id%", mac[-6:]))
    return (full if full.endswith("/") else full + "/") + command


def discover(messages: Mapping[str, bytes], home: Home, areas: dict[str, Area] | None = None,
             for_file: bool = False) -> base.Discovery:
    """Each ``tasmota/discovery/<mac>/config`` in ``messages``, with its ``.../sensors`` when there,
    parsed by :func:`parse_device`; one source line for them all (``for_file`` unused)."""
    out = base.Discovery()
    configs = sorted(t for t in messages if t.startswith("tasmota/discovery/") and t.endswith("/config"))
    for topic in configs:
        sensors = messages.get(topic.removesuffix("/config") + "/sensors")
        found, problems = parse_device(messages[topic], sensors, home, areas=areas)
        out.found.append(base.Found(topic, found, problems, [f"tasmota: {topic.split('/')[2]}"] * len(found)))
    if configs:
        out.sources.append(f"{len(configs)} Tasmota devices (tasmota/discovery/...)")
    return out


def parse_device(config: bytes, sensors: bytes | None, home: Home,
                 areas: dict[str, Area] | None = None) -> tuple[list[Entity], list[str]]:
    """Entities from a Tasmota device's retained ``tasmota/discovery/<mac>/config`` (relays,
    lights, the first shutter) and its ``.../sensors`` (temperature, humidity, energy...).

    With Tasmota's default full topic the device gets the ``tasmota`` protocol (relay 1, its light,
    its shutter); other relays, and every relay of a device with a custom full topic, get the
    ``generic`` protocol on their own ``POWER<n>`` topics.  Tasmota has no areas (``areas`` unused).
    """
    data, err = finding.load(config)
    if err is not None:
        return [], [err]
    if not isinstance(data, dict):
        return [], ["expected a JSON object"]
    topic = data.get("t")
    if not isinstance(topic, str) or not topic or "/" in topic or "+" in topic or "#" in topic:
        return [], ["missing or invalid device topic (t)"]
    if topic in finding.known_topics(home):
        return [], []
    dn = _field_str(data, "dn", topic)
    fns = _field_list(data, "fn")
    relays = _field_list(data, "rl")
    so = data.get("so")
    relays_as_lights = isinstance(so, dict) and so.get("30") == 1
    lt_st = data.get("lt_st")
    light_type = lt_st if isinstance(lt_st, int) else 0
    default_topics = (data.get("ft", _TASMOTA_DEFAULT_FULLTOPIC) == _TASMOTA_DEFAULT_FULLTOPIC
                      and data.get("tp", ["cmnd", "stat", "tele"]) == ["cmnd", "stat", "tele"])
    entities: list[Entity] = []
    problems: list[str] = []
    used = [i for i, kind in enumerate(relays[:32]) if kind in (1, 2, 3)]
    shutter_done = False
    for i in used:
        kind = relays[i]
        n = i + 1
        label = fns[i] if i < len(fns) and isinstance(fns[i], str) and fns[i].strip() else (
            dn if len(used) == 1 else f"{dn} {n}")
        name = " ".join(label.split())[:100]
        obj = finding.slug(name)
        if kind == 3:
            if shutter_done or not default_topics:
                problems.append(f"{topic}: shutter on relay {n} skipped (voiced commands shutter 1 with the "
                                "default full topic only)")
                continue
            shutter_done = True
            entities.append(Entity(id=f"cover.{obj}", name=name, mqtt=MqttSettings(NAME, topic=topic)))
            continue
        domain = "light" if kind == 2 or relays_as_lights else "switch"
        features: tuple[str, ...] = ()
        if kind == 2:
            features = {1: ("brightness",), 2: ("brightness", "color_temp"), 3: ("brightness", "color"),
                        4: ("brightness", "color"), 5: ("brightness", "color", "color_temp")}.get(light_type, ())
        if default_topics and n == 1:
            mqtt = MqttSettings(NAME, topic=topic)
        else:
            if features:
                problems.append(f"{topic}: {name}: only on/off imported (dimming needs the default full topic)")
                features = ()
            mqtt = MqttSettings("generic", state_topic=_tasmota_topic(data, 1, f"POWER{n}"),
                                options={"command_topic": _tasmota_topic(data, 0, f"POWER{n}"),
                                         "payload": {"on": "ON", "off": "OFF", "toggle": "TOGGLE"}})
        entities.append(Entity(id=f"{domain}.{obj}", name=name, features=features, mqtt=mqtt))
    if sensors is not None:
        more, bad = _tasmota_sensors(sensors, data, dn, default_topics)
        entities += more
        problems += bad
    seen: set[str] = set()
    unique = []
    for e in entities:
        if e.id not in seen:
            seen.add(e.id)
            unique.append(e)
    return unique, problems


def _tasmota_sensors(payload: bytes, cfg: dict[str, Any], dn: str, default_topics: bool) -> tuple[list[Entity], list[str]]:
    data, err = finding.load(payload)
    if err is not None:
        return [], [f"sensors: {err}"]
    sn = data.get("sn") if isinstance(data, dict) else None
    if not isinstance(sn, dict):
        return [], ["sensors: expected an object with sn"]
    temp_unit = "°F" if sn.get("TempUnit") == "F" else "°C"
    pressure_unit = _field_str(sn, "PressureUnit", "hPa")
    state_topic = _tasmota_topic(cfg, 2, "SENSOR")
    found: list[tuple[str, str]] = [(s, m) for s, reading in list(sn.items())[:50] if isinstance(reading, dict)
                                    for m in reading if m in _TASMOTA_MEASURES]
    counts: dict[str, int] = {}
    for _s, m in found:
        counts[m] = counts.get(m, 0) + 1
    out: list[Entity] = []
    for sensor, measure in found:
        dc, unit = _TASMOTA_MEASURES[measure]
        unit = temp_unit if dc == "temperature" else pressure_unit if dc == "pressure" else unit
        word = finding.humanize(finding.slug(measure)) if measure != "Total" else "Energy"
        label = f"{dn} {word}" if counts[measure] == 1 else f"{dn} {finding.humanize(sensor)} {word}"
        key = f"{sensor}.{measure}"
        mqtt = (MqttSettings(NAME, state_topic=state_topic, value_key=key, unit=unit) if default_topics else
                MqttSettings("generic", state_topic=state_topic, value_key=key, unit=unit))
        out.append(Entity(id=f"sensor.{finding.slug(label)}", name=" ".join(label.split())[:100], device_class=dc, mqtt=mqtt))
    return out, []
