"""Home Assistant MQTT discovery, both ways.

Out: the retained ``homeassistant/device/voiced_<site>/config`` that describes the assistant.
In: entities from retained ``zigbee2mqtt/bridge/devices``, ``homeassistant/.../config`` and
``tasmota/discovery/<mac>/config|sensors`` messages, turned into :class:`voiced.home.model.Entity`
objects for ``Home.with_entities`` (the daemon) or for a devices file (``voiced import``).  Input is
untrusted: every parser returns ``(entities, problems)`` and never raises on bad payloads.

The daemon calls the parsers with their defaults.  ``voiced import`` passes ``areas`` (a dict the
parsers fill with the areas the sources name, Zigbee2MQTT's ``area/device`` friendly names and HA's
``suggested_area``) and ``for_file=True`` (keep the HA ``value_template`` where voiced can evaluate
it; HA components voiced cannot command become state-only entities the loader maps).
"""

from __future__ import annotations

import json
import re
from typing import Any

from voiced.home.model import DOMAINS, STATE_ONLY_DOMAINS, Area, Entity, Home, MqttSettings
from voiced.home.template import TemplateError, compile_template

MAX_DISCOVERY_PAYLOAD = 4 * 1024 * 1024  # a big Zigbee network's device list is a few hundred KB

# HA's abbreviations (the ones that matter for commanding and reading state)
_ABBREVIATIONS = {
    "cmd_t": "command_topic", "stat_t": "state_topic", "bri_cmd_t": "brightness_command_topic",
    "bri_stat_t": "brightness_state_topic", "bri_scl": "brightness_scale", "rgb_cmd_t": "rgb_command_topic",
    "hs_cmd_t": "hs_command_topic", "xy_cmd_t": "xy_command_topic", "clr_temp_cmd_t": "color_temp_command_topic",
    "pl_on": "payload_on", "pl_off": "payload_off", "pl_lock": "payload_lock", "pl_unlk": "payload_unlock",
    "pl_open": "payload_open", "pl_cls": "payload_close", "pl_stop": "payload_stop",
    "stat_on": "state_on", "stat_off": "state_off", "stat_locked": "state_locked",
    "stat_unlocked": "state_unlocked", "stat_open": "state_open", "stat_clsd": "state_closed",
    "pos_t": "position_topic", "set_pos_t": "set_position_topic", "pos_open": "position_open",
    "pos_clsd": "position_closed", "temp_cmd_t": "temperature_command_topic",
    "temp_stat_t": "temperature_state_topic", "curr_temp_t": "current_temperature_topic",
    "mode_cmd_t": "mode_command_topic", "val_tpl": "value_template", "unit_of_meas": "unit_of_measurement",
    "dev_cla": "device_class", "uniq_id": "unique_id", "obj_id": "object_id", "dev": "device",
    "sup_clrm": "supported_color_modes", "schema": "schema", "pl_strt": "payload_start",
    "pl_ret": "payload_return_to_base", "avty_t": "availability_topic", "json_attr_t": "json_attributes_topic",
}
_DEVICE_ABBREVIATIONS = {"ids": "identifiers", "sa": "suggested_area", "mf": "manufacturer", "mdl": "model",
                         "sw": "sw_version", "name": "name"}
_OPTION_KEYS = {
    "command_topic", "brightness_command_topic", "brightness_state_topic", "brightness_scale",
    "rgb_command_topic", "hs_command_topic", "xy_command_topic", "color_temp_command_topic", "payload_on",
    "payload_off", "payload_lock", "payload_unlock", "payload_open", "payload_close", "payload_stop",
    "state_on", "state_off", "state_locked", "state_unlocked", "state_open", "state_closed",
    "position_topic", "set_position_topic", "position_open", "position_closed", "temperature_command_topic",
    "temperature_state_topic", "current_temperature_topic", "mode_command_topic", "schema",
    "payload_start", "payload_return_to_base", "supported_color_modes",
}
_HA_DOMAINS = set(DOMAINS) - {"weather", "todo"}
_VALUE_JSON = re.compile(r"^\{\{\s*value_json(?:\.(\w+)|\[['\"]([^'\"]+)['\"]\])\s*(?:\|[^}]*)?\}\}$")
_BINARY_CLASSES = {"contact": "door", "occupancy": "motion", "presence": "presence", "smoke": "smoke",
                   "water_leak": "moisture", "gas": "gas", "vibration": "vibration", "tamper": "tamper"}
_SENSOR_CLASSES = {"temperature": "temperature", "humidity": "humidity", "pressure": "pressure",
                   "illuminance": "illuminance", "illuminance_lux": "illuminance", "battery": "battery",
                   "co2": "carbon_dioxide", "power": "power", "energy": "energy"}


def slug(text: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    return s[:64] or "unnamed"


def humanize(text: str) -> str:
    """``living_room/ceiling_lamp`` → ``Ceiling Lamp`` (the last path part, words capitalised)."""
    last = text.rsplit("/", 1)[-1]
    words = re.sub(r"[_\-]+", " ", last).split()
    return " ".join(w if w.isupper() else w.capitalize() for w in words)[:100]


def assistant_config(site: str, version: str) -> tuple[str, str]:
    """HA device discovery for the assistant: last transcript, last intent, a mute switch."""
    base = f"voiced/{site}"
    uid = f"voiced_{site}"
    config = {
        "device": {"identifiers": [uid], "name": f"voiced {site}", "manufacturer": "voiced",
                   "model": "offline voice assistant", "sw_version": version},
        "origin": {"name": "voiced", "sw_version": version},
        "availability_topic": f"{base}/status",
        "payload_available": "online",
        "payload_not_available": "offline",
        "qos": 1,
        "components": {
            f"{uid}_transcript": {"platform": "sensor", "name": "Last transcript", "unique_id": f"{uid}_transcript",
                                  "state_topic": f"{base}/transcript", "value_template": "{{ value_json.text }}",
                                  "icon": "mdi:microphone-message"},
            f"{uid}_intent": {"platform": "sensor", "name": "Last intent", "unique_id": f"{uid}_intent",
                              "state_topic": f"{base}/intent",
                              "value_template": "{{ value_json.intent if value_json.intent else 'none' }}",
                              "icon": "mdi:target"},
            f"{uid}_mute": {"platform": "switch", "name": "Mute", "unique_id": f"{uid}_mute",
                            "command_topic": f"{base}/mute/set", "state_topic": f"{base}/mute",
                            "payload_on": "ON", "payload_off": "OFF", "icon": "mdi:volume-off"},
        },
    }
    return f"homeassistant/device/{uid}/config", json.dumps(config, ensure_ascii=False)


def _load(payload: bytes) -> tuple[Any, str | None]:
    if len(payload) > MAX_DISCOVERY_PAYLOAD:
        return None, f"payload too large ({len(payload)} bytes)"
    try:
        return json.loads(payload.decode("utf-8")), None
    except UnicodeDecodeError:
        return None, "payload is not UTF-8"
    except RecursionError:
        return None, "JSON nested too deeply"
    except ValueError as exc:
        return None, f"invalid JSON: {exc}"


def _area_for(home: Home, hint: Any, areas: dict[str, Area] | None = None) -> str | None:
    """The id of the area ``hint`` names; with ``areas`` (import), an unknown one is created there
    (``ground_floor/kitchen`` → the area ``kitchen``)."""
    if not isinstance(hint, str) or not hint.strip():
        return None
    low = hint.strip().lower()
    for a in (*home.areas, *(areas or {}).values()):
        if low == a.id or low in (n.lower() for n in a.names) or slug(low) == a.id:
            return a.id
    if areas is None:
        return None
    last = low.rsplit("/", 1)[-1].strip()
    for a in (*home.areas, *areas.values()):
        if slug(last) == a.id:
            return a.id
    new = Area(id=slug(last), name=humanize(hint.strip()) or last)
    areas[new.id] = new
    return new.id


def _known_topics(home: Home) -> set[str]:
    out: set[str] = set()
    for e in home.entities:
        if e.mqtt is not None:
            for t in (e.mqtt.topic, e.mqtt.state_topic, str(e.mqtt.options.get("command_topic", ""))):
                if t:
                    out.add(t)
    return out


# ----------------------------------------------------------------------------- zigbee2mqtt


def _z2m_features(expose: dict[str, Any]) -> list[str]:
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


def parse_z2m_devices(payload: bytes, home: Home, base_topic: str = "zigbee2mqtt",
                      areas: dict[str, Area] | None = None) -> tuple[list[Entity], list[str]]:
    """Entities from a retained ``<base>/bridge/devices`` list (lights, switches, locks, covers,
    climate, and the numeric/binary sensors they expose).  ``areas``: see the module's doc."""
    data, err = _load(payload)
    if err is not None:
        return [], [err]
    if not isinstance(data, list):
        return [], ["expected a JSON list of devices"]
    known = _known_topics(home)
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
        name = humanize(fname)
        area = _area_for(home, fname.rsplit("/", 1)[0] if "/" in fname else None, areas)
        obj = slug(fname)
        for expose in definition["exposes"]:
            if not isinstance(expose, dict) or not isinstance(expose.get("type"), str):
                continue
            kind = expose["type"]
            entity: Entity | None = None
            if kind in ("light", "switch", "lock", "cover", "climate", "fan"):
                entity = Entity(id=f"{kind}.{obj}", name=name, area=area, features=tuple(_z2m_features(expose)),
                                mqtt=MqttSettings("zigbee2mqtt", topic=topic,
                                                  options={"color_mode": "xy"} if any(
                                                      isinstance(f, dict) and f.get("name") == "color_xy"
                                                      for f in expose.get("features") or []) else {}))
            elif kind in ("numeric", "binary") and isinstance(expose.get("property"), str):
                prop = expose["property"]
                if kind == "numeric" and prop in _SENSOR_CLASSES:
                    unit = expose.get("unit") if isinstance(expose.get("unit"), str) else ""
                    entity = Entity(id=f"sensor.{obj}_{slug(prop)}", name=f"{name} {humanize(prop)}", area=area,
                                    device_class=_SENSOR_CLASSES[prop],
                                    mqtt=MqttSettings("zigbee2mqtt", state_topic=topic, value_key=prop,
                                                      unit=unit or ""))
                elif kind == "binary" and prop in _BINARY_CLASSES:
                    entity = Entity(id=f"binary_sensor.{obj}_{slug(prop)}", name=f"{name} {humanize(prop)}",
                                    area=area, device_class=_BINARY_CLASSES[prop],
                                    mqtt=MqttSettings("zigbee2mqtt", state_topic=topic, value_key=prop))
            if entity is not None and entity.id not in seen:
                seen.add(entity.id)
                entities.append(entity)
    return entities, problems


# ----------------------------------------------------------------------------- homeassistant


def _expand(config: dict[str, Any]) -> dict[str, Any]:
    out = {_ABBREVIATIONS.get(k, k): v for k, v in config.items() if isinstance(k, str)}
    base = out.get("~")
    if isinstance(base, str):
        for k, v in list(out.items()):
            if isinstance(v, str) and k.endswith("_topic"):
                if v.startswith("~"):
                    out[k] = base + v[1:]
                elif v.endswith("~"):
                    out[k] = v[:-1] + base
    dev = out.get("device")
    if isinstance(dev, dict):
        out["device"] = {_DEVICE_ABBREVIATIONS.get(k, k): v for k, v in dev.items() if isinstance(k, str)}
    return out


def _ha_entity(component: str, object_id: str, config: dict[str, Any], home: Home,
               device: dict[str, Any] | None, areas: dict[str, Area] | None = None,
               for_file: bool = False) -> tuple[Entity | None, str | None]:
    state_only = for_file and component in STATE_ONLY_DOMAINS and STATE_ONLY_DOMAINS[component] != "switch"
    if component not in _HA_DOMAINS and not (for_file and component in STATE_ONLY_DOMAINS):
        return None, f"component {component!r} is not supported"
    cfg = _expand(config)
    dev = device if device is not None else (cfg.get("device") if isinstance(cfg.get("device"), dict) else {})
    assert isinstance(dev, dict)
    name = cfg.get("name")
    dev_name = dev.get("name") if isinstance(dev.get("name"), str) else None
    if name is None and dev_name:
        name = dev_name
    elif isinstance(name, str) and dev_name and not name.lower().startswith(dev_name.lower()):
        name = f"{dev_name} {name}"
    if not isinstance(name, str) or not name.strip():
        name = humanize(object_id)
    name = " ".join(name.split())[:100]
    uid = cfg.get("unique_id") if isinstance(cfg.get("unique_id"), str) else None
    obj = slug(cfg["object_id"]) if isinstance(cfg.get("object_id"), str) else slug(uid or object_id)
    state_topic = str(cfg["state_topic"]) if isinstance(cfg.get("state_topic"), str) else ""
    options: dict[str, Any] = {}
    for k in _OPTION_KEYS:
        v = cfg.get(k)
        if isinstance(v, str | int | float) and not isinstance(v, bool) or (
                k == "supported_color_modes" and isinstance(v, list)):
            options[k] = v
    if state_only:  # voiced reads its state, never commands it
        options = {k: v for k, v in options.items() if not (k.endswith("command_topic") or k.startswith("payload_")
                                                              or k == "set_position_topic")}
    if not options.get("command_topic") and not state_topic:
        return None, f"{component}.{obj}: neither command_topic nor state_topic"
    value_key = ""
    value_template = ""
    problem: str | None = None
    tpl = cfg.get("value_template")
    if isinstance(tpl, str):
        m = _VALUE_JSON.match(tpl.strip())
        if m:
            value_key = m.group(1) or m.group(2)
        if for_file:
            try:
                compiled = compile_template(tpl)
            except TemplateError as exc:
                problem = (f"{component}.{obj}: value_template {tpl[:80]!r} not evaluated ({exc}); "
                           + (f"reading the key {value_key!r}" if value_key else "reading the payload as it is"))
            else:
                value_key = compiled.plain_key or ""
                value_template = "" if value_key else tpl
    unit = str(cfg["unit_of_measurement"]) if isinstance(cfg.get("unit_of_measurement"), str) else ""
    dc = cfg.get("device_class") if isinstance(cfg.get("device_class"), str) else None
    features: list[str] = []
    if component == "light":
        modes = cfg.get("supported_color_modes")
        modes = {m for m in modes if isinstance(m, str)} if isinstance(modes, list) else set()
        if options.get("brightness_command_topic") or (cfg.get("brightness") is True) or modes - {"onoff"}:
            features.append("brightness")
        if any(options.get(k) for k in ("rgb_command_topic", "hs_command_topic", "xy_command_topic")) or \
                modes & {"rgb", "rgbw", "rgbww", "hs", "xy"}:
            features.append("color")
        if options.get("color_temp_command_topic") or "color_temp" in modes:
            features.append("color_temp")
    area = _area_for(home, dev.get("suggested_area"), areas)
    return Entity(id=f"{component}.{obj}", name=name, area=area, device_class=dc.lower() if dc else None,
                  features=tuple(features),
                  mqtt=MqttSettings("homeassistant", state_topic=state_topic, value_key=value_key,
                                    unit=unit, options=options, value_template=value_template)), problem


def parse_ha_config(topic: str, payload: bytes, home: Home, areas: dict[str, Area] | None = None,
                    for_file: bool = False) -> tuple[list[Entity], list[str]]:
    """Entities from one ``homeassistant/<component>/[<node>/]<object>/config`` message (also the
    device-based ``homeassistant/device/<id>/config`` with its ``components``/``cmps``).
    ``areas``, ``for_file``: see the module's doc."""
    parts = topic.split("/")
    if len(parts) not in (4, 5) or parts[0] != "homeassistant" or parts[-1] != "config":
        return [], [f"not a discovery topic: {topic}"]
    if not payload:
        return [], []  # an empty retained config removes an entity in HA; we keep what we have
    data, err = _load(payload)
    if err is not None:
        return [], [err]
    if not isinstance(data, dict):
        return [], ["expected a JSON object"]
    component, object_id = parts[1], parts[-2]
    if component == "device":
        if object_id.startswith("voiced_"):
            return [], []  # an assistant (maybe ourselves), not a device of the home
        cfg = _expand(data)
        comps = cfg.get("components", cfg.get("cmps"))
        dev = cfg.get("device") if isinstance(cfg.get("device"), dict) else {}
        if not isinstance(comps, dict):
            return [], ["device config without components"]
        out: list[Entity] = []
        problems: list[str] = []
        for cid, comp in list(comps.items())[:500]:
            if not isinstance(comp, dict):
                problems.append(f"component {cid!r}: expected an object")
                continue
            platform = comp.get("platform", comp.get("p"))
            shared = {k: v for k, v in cfg.items() if k.endswith("_topic") and k != "availability_topic"}
            merged = {**shared, **comp}
            if "~" in cfg and "~" not in merged:
                merged["~"] = cfg["~"]
            entity, problem = _ha_entity(str(platform), str(cid), merged, home, dev, areas, for_file)
            if entity is not None:
                out.append(entity)
            if problem:
                problems.append(problem)
        return _not_known(home, out), problems
    entity, problem = _ha_entity(component, object_id, data, home, None, areas, for_file)
    return _not_known(home, [entity] if entity else []), ([problem] if problem else [])


def _not_known(home: Home, entities: list[Entity]) -> list[Entity]:
    """Drop entities whose topics the devices file already uses (the file wins)."""
    known = _known_topics(home)
    out = []
    for e in entities:
        m = e.mqtt
        topics = {m.state_topic, str(m.options.get("command_topic", ""))} - {""} if m else set()
        if not topics & known:
            out.append(e)
    return out


# ----------------------------------------------------------------------------- tasmota

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


def parse_tasmota_discovery(config: bytes, sensors: bytes | None, home: Home,
                            areas: dict[str, Area] | None = None) -> tuple[list[Entity], list[str]]:
    """Entities from a Tasmota device's retained ``tasmota/discovery/<mac>/config`` (relays,
    lights, the first shutter) and its ``.../sensors`` (temperature, humidity, energy...).

    With Tasmota's default full topic the device gets the ``tasmota`` protocol (relay 1, its light,
    its shutter); other relays, and every relay of a device with a custom full topic, get the
    ``generic`` protocol on their own ``POWER<n>`` topics.  Tasmota has no areas (``areas`` unused).
    """
    data, err = _load(config)
    if err is not None:
        return [], [err]
    if not isinstance(data, dict):
        return [], ["expected a JSON object"]
    topic = data.get("t")
    if not isinstance(topic, str) or not topic or "/" in topic or "+" in topic or "#" in topic:
        return [], ["missing or invalid device topic (t)"]
    if topic in _known_topics(home):
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
        obj = slug(name)
        if kind == 3:
            if shutter_done or not default_topics:
                problems.append(f"{topic}: shutter on relay {n} skipped (voiced commands shutter 1 with the "
                                "default full topic only)")
                continue
            shutter_done = True
            entities.append(Entity(id=f"cover.{obj}", name=name, mqtt=MqttSettings("tasmota", topic=topic)))
            continue
        domain = "light" if kind == 2 or relays_as_lights else "switch"
        features: tuple[str, ...] = ()
        if kind == 2:
            features = {1: ("brightness",), 2: ("brightness", "color_temp"), 3: ("brightness", "color"),
                        4: ("brightness", "color"), 5: ("brightness", "color", "color_temp")}.get(light_type, ())
        if default_topics and n == 1:
            mqtt = MqttSettings("tasmota", topic=topic)
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
    data, err = _load(payload)
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
        word = humanize(slug(measure)) if measure != "Total" else "Energy"
        label = f"{dn} {word}" if counts[measure] == 1 else f"{dn} {humanize(sensor)} {word}"
        key = f"{sensor}.{measure}"
        mqtt = (MqttSettings("tasmota", state_topic=state_topic, value_key=key, unit=unit) if default_topics else
                MqttSettings("generic", state_topic=state_topic, value_key=key, unit=unit))
        out.append(Entity(id=f"sensor.{slug(label)}", name=" ".join(label.split())[:100], device_class=dc, mqtt=mqtt))
    return out, []
