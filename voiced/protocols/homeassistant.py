"""Home Assistant's MQTT schema: the component's own topics and payloads, as in a HA ``mqtt:`` YAML
entry or a discovery config (``schema: json`` lights take JSON commands); discovery from the retained
``homeassistant/<component>/[<node>/]<object>/config`` (docs/devices.md)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from voiced.events import Command
from voiced.home.model import DOMAINS, STATE_ONLY_DOMAINS, Area, Entity, Home, MqttSettings
from voiced.home.nodes import MqttFields, suggest
from voiced.home.template import TemplateError, compile_template
from voiced.protocols import base, colors, finding, reading
from voiced.protocols.base import Unsupported

NAME = "homeassistant"
COMMAND_TOPICS = frozenset({
    "command_topic", "brightness_command_topic", "rgb_command_topic", "hs_command_topic", "xy_command_topic",
    "color_temp_command_topic", "set_position_topic", "temperature_command_topic", "mode_command_topic",
    "volume_command_topic",
})
STATE_TOPICS = frozenset({"brightness_state_topic", "position_topic", "position_state_topic",
                          "temperature_state_topic", "current_temperature_topic"})
PAYLOADS = frozenset(f"payload_{a}" for a in ("on", "off", "toggle", "lock", "unlock", "open", "close", "stop",
                                              "start", "return_to_base", "pause", "play", "next", "previous"))
STATES = frozenset(f"state_{s}" for s in ("on", "off", "locked", "unlocked", "open", "closed"))
NUMBERS = frozenset({"brightness_scale", "position_open", "position_closed"})
# Home Assistant discovery keys accepted so that a copied HA config loads; voiced does not use them
IGNORED_KEYS = frozenset({"availability_topic", "payload_available", "payload_not_available", "qos", "retain",
                          "optimistic", "icon", "unique_id", "object_id", "json_attributes_topic",
                          "enabled_by_default", "entity_category", "brightness", "encoding", "platform"})
SCHEMAS = ("default", "basic", "json")
COLOR_MODES = ("onoff", "brightness", "color_temp", "hs", "xy", "rgb", "rgbw", "rgbww", "white")
KEYS = (base.COMMON_KEYS | COMMAND_TOPICS | STATE_TOPICS | PAYLOADS | STATES | NUMBERS | IGNORED_KEYS
        | {"schema", "supported_color_modes"})
# the state topics beyond `state_topic`, read as a number each
_EXTRA_STATE_TOPICS = ("brightness_state_topic", "current_temperature_topic", "temperature_state_topic",
                       "position_state_topic")
# the entity's own payloads, read back as state words (in this order)
_WORDS = (("state_on", "on"), ("state_off", "off"), ("payload_on", "on"), ("payload_off", "off"),
          ("state_locked", "locked"), ("state_unlocked", "unlocked"), ("state_open", "open"),
          ("state_closed", "closed"), ("payload_lock", "locked"), ("payload_unlock", "unlocked"),
          ("payload_open", "open"), ("payload_close", "closed"))


def _number(f: MqttFields, key: str) -> int | float:
    value = f.number(key)
    if key == "brightness_scale" and value <= 0:
        raise f.fail(key, "must be greater than 0")
    return value


def _color_modes(f: MqttFields, key: str) -> list[str]:
    modes = f.strings(key)
    for i, mode in enumerate(modes):
        if mode not in COLOR_MODES:
            raise f.fail_node(f.value(key).value[i], f"{key}[{i}]", f"unknown color mode {mode!r}"
                              f"{suggest(mode, COLOR_MODES)}; expected one of {', '.join(COLOR_MODES)}")
    return list(modes)


_OWN: dict[str, base.KeyReader] = {
    **{k: base.text_reader for k in PAYLOADS | STATES},
    **{k: _number for k in NUMBERS},
    "schema": base.one_of(SCHEMAS, "schema", {"template": " (voiced cannot render HA's command templates)"}),
    "supported_color_modes": _color_modes,
}


def validate(f: MqttFields) -> MqttSettings:
    s = base.read(f, _OWN, NAME)
    base.refuse_commands(f, COMMAND_TOPICS | PAYLOADS)
    base.need_command_or_state(f, s)
    return s


def state_topics(entity: Entity) -> list[str]:
    m = entity.mqtt
    assert m is not None
    topics = [m.state_topic] if m.state_topic else []
    for key in _EXTRA_STATE_TOPICS:
        value = m.options.get(key)
        if isinstance(value, str) and value:
            topics.append(value)
    return topics


def decode(entity: Entity, topic: str, data: Any, text: str | None) -> tuple[str | None, dict[str, Any]] | None:
    assert entity.mqtt is not None
    opts = entity.mqtt.options

    def own_word(w: str) -> str | None:
        for key, meaning in _WORDS:
            p = opts.get(key)
            if isinstance(p, str | int | float) and not isinstance(p, bool) and str(p).lower() == w:
                return meaning
        return None

    how = reading.Reading(brightness_scale=float(reading.to_number(opts.get("brightness_scale")) or 255.0),
                          own_word=own_word,
                          extra_topics={opts[k]: k for k in _EXTRA_STATE_TOPICS if opts.get(k)})
    return reading.read(entity, topic, data, text, how)


def encode(e: Entity, action: str, value: Any) -> list[Command]:
    assert e.mqtt is not None
    if e.mqtt.options.get("schema") == "json" and e.domain in ("light", "switch", "fan"):
        return _ha_json(e, action, value)
    return _default(e, action, value)


def _ha_json(e: Entity, action: str, value: Any) -> list[Command]:
    """HA ``schema: json`` lights: JSON commands like zigbee2mqtt, on ``command_topic``."""
    topic = str(base.option(e, "command_topic", ""))
    payload: dict[str, Any]
    if action in ("on", "off"):
        payload = {"state": action.upper()}
    elif action == "brightness":
        scale = float(base.option(e, "brightness_scale", 255))
        payload = {"state": "ON", "brightness": round(max(0.0, min(100.0, float(value))) * scale / 100)}
    elif action == "color":
        _name, rgb, mired = colors.color_spec(e, value)
        if mired is not None:
            payload = {"state": "ON", "color_temp": mired}
        else:
            payload = {"state": "ON", "color": {"r": rgb[0], "g": rgb[1], "b": rgb[2]}}
    else:
        raise Unsupported(f"{e.id}: json schema cannot {action}")
    return [base.command(e, topic, payload)]


def _default(e: Entity, action: str, value: Any) -> list[Command]:
    domain = e.domain
    cmd_topic = str(base.option(e, "command_topic", ""))
    if domain == "lock" and action in ("lock", "unlock"):
        return [base.command(e, cmd_topic, str(base.option(e, f"payload_{action}", action.upper())))]
    if domain in ("cover", "valve") and action in ("open", "close"):
        return [base.command(e, cmd_topic, str(base.option(e, f"payload_{action}", action.upper())))]
    if domain in ("cover", "valve") and action == "position":
        topic = str(base.option(e, "set_position_topic", "") or base.option(e, "position_topic", ""))
        lo, hi = float(base.option(e, "position_closed", 0)), float(base.option(e, "position_open", 100))
        return [base.command(e, topic, str(round(lo + (hi - lo) * float(value) / 100)))]
    if domain == "climate":
        if action == "temperature":
            return [base.command(e, str(base.option(e, "temperature_command_topic", "")), str(base.temperature(value)))]
        if action in ("on", "off"):
            topic = str(base.option(e, "mode_command_topic", "") or cmd_topic)
            default = "heat" if action == "on" else "off"
            return [base.command(e, topic, str(base.option(e, f"payload_{action}", default)))]
        raise Unsupported(f"{e.id}: climate cannot {action}")
    if domain == "vacuum":
        if action in ("start", "on"):
            return [base.command(e, cmd_topic, str(base.option(e, "payload_start", "start")))]
        if action in ("return", "off"):
            return [base.command(e, cmd_topic, str(base.option(e, "payload_return_to_base", "return_to_base")))]
        raise Unsupported(f"{e.id}: vacuum cannot {action}")
    if domain in ("scene", "script"):
        if action in ("activate", "on"):
            return [base.command(e, cmd_topic, str(base.option(e, "payload_on", "ON")))]
        raise Unsupported(f"{e.id}: {domain} cannot {action}")
    if domain == "media_player":
        keys = {"pause": "PAUSE", "play": "PLAY", "next": "NEXT", "previous": "PREVIOUS",
                "on": "ON", "off": "OFF"}
        if action in keys:
            return [base.command(e, cmd_topic, str(base.option(e, f"payload_{action}", keys[action])))]
        if action == "volume":
            topic = str(base.option(e, "volume_command_topic", ""))
            return [base.command(e, topic, str(round(float(value))))]
        raise Unsupported(f"{e.id}: media player cannot {action}")
    # light, switch, fan (and anything switch-like)
    if action in ("on", "off"):
        return [base.command(e, cmd_topic, str(base.option(e, f"payload_{action}", action.upper())))]
    if action == "toggle":
        toggle = base.option(e, "payload_toggle")
        if toggle is None:
            raise Unsupported(f"{e.id}: no toggle payload")
        return [base.command(e, cmd_topic, str(toggle))]
    if action == "brightness":
        topic = str(base.option(e, "brightness_command_topic", ""))
        if not topic:
            raise Unsupported(f"{e.id}: no brightness_command_topic")
        scale = float(base.option(e, "brightness_scale", 255))
        return [base.command(e, topic, str(round(max(0.0, min(100.0, float(value))) * scale / 100)))]
    if action == "color":
        _name, rgb, mired = colors.color_spec(e, value)
        ct_topic = str(base.option(e, "color_temp_command_topic", ""))
        if mired is not None and ct_topic:
            return [base.command(e, ct_topic, str(mired))]
        if base.option(e, "rgb_command_topic"):
            return [base.command(e, str(base.option(e, "rgb_command_topic")), f"{rgb[0]},{rgb[1]},{rgb[2]}")]
        if base.option(e, "hs_command_topic"):
            h, s, _b = colors.rgb_to_hsb(rgb)
            return [base.command(e, str(base.option(e, "hs_command_topic")), f"{h},{s}")]
        if base.option(e, "xy_command_topic"):
            x, y = colors.rgb_to_xy(rgb)
            return [base.command(e, str(base.option(e, "xy_command_topic")), f"{x},{y}")]
        raise Unsupported(f"{e.id}: no colour command topic")
    raise Unsupported(f"{e.id}: {domain} cannot {action}")


# ----------------------------------------------------------------------------- discovery

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
    "payload_start", "payload_return_to_base", "supported_color_modes", *base.SETPOINT_KEYS,
}
_HA_DOMAINS = set(DOMAINS) - {"weather", "todo"}
_VALUE_JSON = re.compile(r"^\{\{\s*value_json(?:\.(\w+)|\[['\"]([^'\"]+)['\"]\])\s*(?:\|[^}]*)?\}\}$")


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
        name = finding.humanize(object_id)
    name = " ".join(name.split())[:100]
    uid = cfg.get("unique_id") if isinstance(cfg.get("unique_id"), str) else None
    obj = finding.slug(cfg["object_id"]) if isinstance(cfg.get("object_id"), str) else finding.slug(uid or object_id)
    state_topic = str(cfg["state_topic"]) if isinstance(cfg.get("state_topic"), str) else ""
    options: dict[str, Any] = {}
    for k in _OPTION_KEYS:
        v = cfg.get(k)
        if k in base.SETPOINT_KEYS and isinstance(v, str):
            continue  # a setpoint bound is a number
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
    area = finding.area_for(home, dev.get("suggested_area"), areas)
    return Entity(id=f"{component}.{obj}", name=name, area=area, device_class=dc.lower() if dc else None,
                  features=tuple(features),
                  mqtt=MqttSettings(NAME, state_topic=state_topic, value_key=value_key,
                                    unit=unit, options=options, value_template=value_template)), problem


DISCOVERY_TOPICS = ("homeassistant/+/+/config", "homeassistant/+/+/+/config")
IMPORT_TOPICS = ("homeassistant/#",)
IMPORT_LOOKS_FOR = "homeassistant/<component>/.../config"


def discover(messages: Mapping[str, bytes], home: Home, areas: dict[str, Area] | None = None,
             for_file: bool = False) -> base.Discovery:
    """Each ``homeassistant/<component>/[<node>/]<object>/config`` in ``messages``, parsed by
    :func:`parse_config`; one source line for them all."""
    out = base.Discovery()
    configs = sorted(t for t in messages if t.startswith("homeassistant/") and t.endswith("/config")
                     and t.count("/") in (3, 4))
    for topic in configs:
        found, problems = parse_config(topic, messages[topic], home, areas=areas, for_file=for_file)
        out.found.append(base.Found(topic, found, problems, [f"from {topic}"] * len(found)))
    if configs:
        out.sources.append(f"{len(configs)} Home Assistant discovery configs (homeassistant/.../config)")
    return out


def parse_config(topic: str, payload: bytes, home: Home, areas: dict[str, Area] | None = None,
                 for_file: bool = False) -> tuple[list[Entity], list[str]]:
    """Entities from one ``homeassistant/<component>/[<node>/]<object>/config`` message (also the
    device-based ``homeassistant/device/<id>/config`` with its ``components``/``cmps``).
    ``areas``, ``for_file``: see the module's doc."""
    parts = topic.split("/")
    if len(parts) not in (4, 5) or parts[0] != "homeassistant" or parts[-1] != "config":
        return [], [f"not a discovery topic: {topic}"]
    if not payload:
        return [], []  # an empty retained config removes an entity in HA; we keep what we have
    data, err = finding.load(payload)
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
    known = finding.known_topics(home)
    out = []
    for e in entities:
        m = e.mqtt
        topics = {m.state_topic, str(m.options.get("command_topic", ""))} - {""} if m else set()
        if not topics & known:
            out.append(e)
    return out


