"""Devices-file loader.  Walks PyYAML's node tree so every error names file, line and field.

Strict on purpose: an unknown key, feature, device class or protocol key is refused with the
closest valid name ("did you mean `topic`?"), because a typo that loads silently only shows up
later as "not available".  Home Assistant domains voiced cannot command load as state-only
entities, with a warning in ``Home.warnings`` (docs/devices.md lists it all).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from voiced.errors import ConfigError
from voiced.home.model import (
    DEVICE_CLASSES,
    DOMAINS,
    FEATURES,
    PROTOCOLS,
    STATE_ONLY_DOMAINS,
    Area,
    Entity,
    Floor,
    Home,
    MqttSettings,
)
from voiced.home.template import SUPPORTED, TemplateError, compile_template

_ID = re.compile(r"^[a-z0-9_]+$")
_NULL = "tag:yaml.org,2002:null"
_STR = "tag:yaml.org,2002:str"

# ---------------------------------------------------------------- what each protocol's `mqtt` takes
# (docs/devices.md lists them; a key not listed here is refused with a suggestion)
_COMMON_KEYS = {"protocol", "state_topic", "value_key", "value_template", "unit", "unit_of_measurement"}
_HA_COMMAND_TOPICS = {
    "command_topic", "brightness_command_topic", "rgb_command_topic", "hs_command_topic", "xy_command_topic",
    "color_temp_command_topic", "set_position_topic", "temperature_command_topic", "mode_command_topic",
    "volume_command_topic",
}
_HA_STATE_TOPICS = {"brightness_state_topic", "position_topic", "position_state_topic", "temperature_state_topic",
                    "current_temperature_topic"}
_HA_PAYLOADS = {f"payload_{a}" for a in ("on", "off", "toggle", "lock", "unlock", "open", "close", "stop", "start",
                                         "return_to_base", "pause", "play", "next", "previous")}
_HA_STATES = {f"state_{s}" for s in ("on", "off", "locked", "unlocked", "open", "closed")}
_HA_NUMBERS = {"brightness_scale", "position_open", "position_closed"}
# Home Assistant discovery keys accepted so that a copied HA config loads; voiced does not use them
_HA_IGNORED = {"availability_topic", "payload_available", "payload_not_available", "qos", "retain", "optimistic",
               "icon", "unique_id", "object_id", "json_attributes_topic", "enabled_by_default", "entity_category",
               "brightness", "encoding", "platform"}
_HA_SCHEMAS = ("default", "basic", "json")
_COLOR_MODES = ("onoff", "brightness", "color_temp", "hs", "xy", "rgb", "rgbw", "rgbww", "white")
PROTOCOL_KEYS: dict[str, frozenset[str]] = {
    "zigbee2mqtt": frozenset(_COMMON_KEYS | {"topic", "color_mode"}),
    "tasmota": frozenset(_COMMON_KEYS | {"topic"}),
    "homeassistant": frozenset(_COMMON_KEYS | _HA_COMMAND_TOPICS | _HA_STATE_TOPICS | _HA_PAYLOADS | _HA_STATES
                               | _HA_NUMBERS | _HA_IGNORED | {"schema", "supported_color_modes"}),
    "generic": frozenset(_COMMON_KEYS | {"command_topic", "payload"}),
}
# the actions a generic `payload` mapping may template (the same names as voiced.act.protocols.ACTIONS)
GENERIC_ACTIONS = ("on", "off", "toggle", "lock", "unlock", "open", "close", "activate", "brightness", "color",
                   "temperature", "position", "pause", "play", "next", "previous", "volume", "start", "return")
_Z2M_COLOR_MODES = ("xy", "rgb")


class _Ctx:
    def __init__(self, source: str) -> None:
        self.source = source
        self.warnings: list[str] = []

    def where(self, node: yaml.Node | None, field: str) -> str:
        line = node.start_mark.line + 1 if node is not None else 1
        return f"{self.source}:{line}: {field}"

    def fail(self, node: yaml.Node | None, field: str, message: str) -> ConfigError:
        return ConfigError(f"{self.where(node, field)}: {message}")

    def warn(self, node: yaml.Node | None, field: str, message: str) -> None:
        self.warnings.append(f"{self.where(node, field)}: {message}")


def suggest(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean `topic`?)`` for the closest choice, or an empty string."""
    close = difflib.get_close_matches(word.lower(), list(choices), n=1, cutoff=0.6)
    return f" (did you mean `{close[0]}`?)" if close else ""


def _mapping(ctx: _Ctx, node: yaml.Node, field: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        raise ctx.fail(node, field, "expected a mapping")
    out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    for k, v in node.value:
        if not isinstance(k, yaml.ScalarNode):
            raise ctx.fail(k, field, "keys must be plain strings")
        if k.value in out:
            raise ctx.fail(k, f"{field}.{k.value}", "duplicate key")
        out[k.value] = (k, v)
    return out


def _seq(ctx: _Ctx, node: yaml.Node, field: str) -> list[yaml.Node]:
    if isinstance(node, yaml.ScalarNode) and node.tag == _NULL:
        return []
    if not isinstance(node, yaml.SequenceNode):
        raise ctx.fail(node, field, "expected a list")
    return list(node.value)


def _str(ctx: _Ctx, node: yaml.Node, field: str, allow_null: bool = False) -> str | None:
    if isinstance(node, yaml.ScalarNode):
        if node.tag == _NULL:
            if allow_null:
                return None
            raise ctx.fail(node, field, "must not be empty")
        if node.tag == _STR:
            if not node.value.strip():
                raise ctx.fail(node, field, "must not be empty")
            return str(node.value)
    raise ctx.fail(node, field, "expected a string")


def _text(ctx: _Ctx, node: yaml.Node, field: str) -> str:
    """A payload as written: ``ON``, ``1`` and ``"ON"`` all give the text ``ON``/``1`` (YAML would
    otherwise read an unquoted ON as true, and voiced would send "True")."""
    if isinstance(node, yaml.ScalarNode) and node.tag != _NULL:
        return str(node.value)
    raise ctx.fail(node, field, "expected a payload (text or a number)")


def _number(ctx: _Ctx, node: yaml.Node, field: str) -> int | float:
    value = _plain(node)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ctx.fail(node, field, "expected a number")
    return value


def _strs(ctx: _Ctx, node: yaml.Node, field: str) -> tuple[str, ...]:
    out = []
    for i, n in enumerate(_seq(ctx, node, field)):
        s = _str(ctx, n, f"{field}[{i}]")
        assert s is not None
        out.append(s)
    return tuple(out)


def _plain(node: yaml.Node) -> Any:
    return yaml.safe_load(yaml.serialize(node))


def _check_keys(ctx: _Ctx, m: dict[str, tuple[yaml.Node, yaml.Node]], field: str,
                allowed: set[str], required: set[str], node: yaml.Node) -> None:
    for key, (knode, _v) in m.items():
        if key not in allowed:
            raise ctx.fail(knode, f"{field}.{key}",
                           f"unknown field{suggest(key, allowed)}; expected one of {', '.join(sorted(allowed))}")
    for key in sorted(required):
        if key not in m:
            raise ctx.fail(node, f"{field}.{key}", "missing required field")


def _ident(ctx: _Ctx, node: yaml.Node, field: str) -> str:
    value = _str(ctx, node, field)
    assert value is not None
    if not _ID.match(value):
        raise ctx.fail(node, field, f"invalid id {value!r} (use lower case letters, digits and _)")
    return value


def _topic(ctx: _Ctx, node: yaml.Node, field: str) -> str:
    value = _str(ctx, node, field)
    assert value is not None
    if "+" in value or "#" in value:
        raise ctx.fail(node, field, f"{value!r} contains an MQTT wildcard ('+' or '#'); a device topic is one "
                       "exact topic (publishing to a wildcard is not possible)")
    if "\x00" in value or value != value.strip():
        raise ctx.fail(node, field, f"{value!r} is not a valid topic (no spaces around it, no NUL)")
    return value


def _mqtt_key_error(ctx: _Ctx, knode: yaml.Node, field: str, key: str, protocol: str) -> ConfigError:
    allowed = PROTOCOL_KEYS[protocol]
    others = [p for p in PROTOCOLS if p != protocol and key in PROTOCOL_KEYS[p]]
    if others:
        hint = f"`{key}` belongs to protocol {' and '.join(others)}"
        if key == "topic":
            hint += "; this protocol uses command_topic and state_topic"
        elif protocol in ("zigbee2mqtt", "tasmota"):
            hint += f"; protocol {protocol} derives its topics from `topic`"
        return ctx.fail(knode, f"{field}.{key}", f"unknown field for protocol {protocol}: {hint}")
    return ctx.fail(knode, f"{field}.{key}", f"unknown field for protocol {protocol}{suggest(key, allowed)}; "
                    f"expected one of {', '.join(sorted(allowed - _HA_IGNORED))}")


def _mqtt(ctx: _Ctx, node: yaml.Node, field: str, state_only: str | None = None) -> MqttSettings | None:
    """``state_only``: the HA domain of a state-only entity (then command keys are refused)."""
    if isinstance(node, yaml.ScalarNode) and node.tag == _NULL:
        return None
    m = _mapping(ctx, node, field)
    if "protocol" not in m:
        raise ctx.fail(node, f"{field}.protocol", "missing required field")
    protocol = _str(ctx, m["protocol"][1], f"{field}.protocol")
    assert protocol is not None
    if protocol not in PROTOCOLS:
        raise ctx.fail(m["protocol"][1], f"{field}.protocol",
                       f"unknown protocol {protocol!r}{suggest(protocol, PROTOCOLS)}; "
                       f"expected one of {', '.join(PROTOCOLS)}")
    for key, (knode, _v) in m.items():
        if key not in PROTOCOL_KEYS[protocol]:
            raise _mqtt_key_error(ctx, knode, field, key, protocol)
    if "unit" in m and "unit_of_measurement" in m:
        raise ctx.fail(m["unit_of_measurement"][0], f"{field}.unit_of_measurement",
                       "give the unit once (unit or unit_of_measurement)")
    if "value_key" in m and "value_template" in m:
        raise ctx.fail(m["value_template"][0], f"{field}.value_template",
                       "give value_key or value_template, not both")
    vals: dict[str, str] = {}
    options: dict[str, Any] = {}
    for key, (_knode, vnode) in m.items():
        f = f"{field}.{key}"
        if key == "protocol":
            continue
        if key == "topic" or key.endswith("_topic"):
            topic = _topic(ctx, vnode, f)
            if key in ("topic", "state_topic"):
                vals[key] = topic
            else:
                options[key] = topic
        elif key in ("value_key", "unit", "unit_of_measurement"):
            vals["unit" if key == "unit_of_measurement" else key] = _str(ctx, vnode, f) or ""
        elif key == "value_template":
            source = _str(ctx, vnode, f) or ""
            try:
                compile_template(source)
            except TemplateError as exc:
                raise ctx.fail(vnode, f, f"voiced cannot evaluate {source!r}: {exc}. It evaluates {SUPPORTED}; "
                               "or read one JSON key with value_key") from exc
            vals[key] = source
        elif key in _HA_PAYLOADS or key in _HA_STATES:
            options[key] = _text(ctx, vnode, f)
        elif key in _HA_NUMBERS:
            options[key] = _number(ctx, vnode, f)
            if key == "brightness_scale" and options[key] <= 0:
                raise ctx.fail(vnode, f, "must be greater than 0")
        elif key == "schema":
            schema = _str(ctx, vnode, f)
            if schema not in _HA_SCHEMAS:
                why = " (voiced cannot render HA's command templates)" if schema == "template" else ""
                raise ctx.fail(vnode, f, f"unknown schema {schema!r}{why}{suggest(str(schema), _HA_SCHEMAS)}; "
                               f"expected one of {', '.join(_HA_SCHEMAS)}")
            options[key] = schema
        elif key == "supported_color_modes":
            modes = _strs(ctx, vnode, f)
            for i, mode in enumerate(modes):
                if mode not in _COLOR_MODES:
                    raise ctx.fail(vnode.value[i], f"{f}[{i}]", f"unknown color mode {mode!r}"
                                   f"{suggest(mode, _COLOR_MODES)}; expected one of {', '.join(_COLOR_MODES)}")
            options[key] = list(modes)
        elif key == "color_mode":
            cmode = _str(ctx, vnode, f) or ""
            if cmode not in _Z2M_COLOR_MODES:
                raise ctx.fail(vnode, f, f"unknown color_mode {cmode!r}{suggest(cmode, _Z2M_COLOR_MODES)}; "
                               f"expected one of {', '.join(_Z2M_COLOR_MODES)}")
            options[key] = cmode
        elif key == "payload":
            options[key] = _payloads(ctx, vnode, f)
        else:  # accepted Home Assistant keys voiced does not use
            options[key] = _plain(vnode)

    topic = vals.get("topic", "")
    if protocol == "zigbee2mqtt" and topic.endswith("/set"):
        raise ctx.fail(m["topic"][1], f"{field}.topic", f"write the device's topic without /set "
                       f"({topic[:-4]!r}); voiced adds /set to command it")
    if protocol == "tasmota" and topic.split("/", 1)[0] in ("cmnd", "stat", "tele"):
        raise ctx.fail(m["topic"][1], f"{field}.topic", f"write the device's own topic ({topic.split('/', 1)[-1]!r}),"
                       " not a full cmnd/stat/tele topic; voiced adds the prefixes")
    if protocol in ("zigbee2mqtt", "tasmota") and not topic and not vals.get("state_topic"):
        raise ctx.fail(node, f"{field}.topic", f"required for protocol {protocol}")
    if state_only is not None:
        commands = [k for k in m if k in _HA_COMMAND_TOPICS or k in _HA_PAYLOADS or k == "payload"]
        if commands:
            k = commands[0]
            raise ctx.fail(m[k][0], f"{field}.{k}", f"{state_only} entities are state-only: voiced cannot "
                           f"command them (remove {', '.join(commands)})")
    if protocol in ("homeassistant", "generic") and not (
        options.get("command_topic") or vals.get("state_topic")
    ):
        what = "state_topic" if state_only else "command_topic or state_topic"
        raise ctx.fail(node, f"{field}.command_topic", f"protocol {protocol} needs {what}")
    return MqttSettings(protocol=protocol, topic=topic, state_topic=vals.get("state_topic", ""),
                        value_key=vals.get("value_key", ""), unit=vals.get("unit", ""), options=options,
                        value_template=vals.get("value_template", ""))


def _payloads(ctx: _Ctx, node: yaml.Node, field: str) -> dict[str, str]:
    """A generic entity's ``payload``: action → template text (keys and values as written)."""
    if not isinstance(node, yaml.MappingNode):
        raise ctx.fail(node, field, "expected a mapping of action → template")
    out: dict[str, str] = {}
    for knode, vnode in node.value:
        if not isinstance(knode, yaml.ScalarNode):
            raise ctx.fail(knode, field, "keys must be action names")
        action = str(knode.value)
        if action not in GENERIC_ACTIONS:
            raise ctx.fail(knode, f"{field}.{action}", f"unknown action{suggest(action, GENERIC_ACTIONS)}; "
                           f"expected one of {', '.join(GENERIC_ACTIONS)}")
        if action in out:
            raise ctx.fail(knode, f"{field}.{action}", "duplicate key")
        out[action] = _text(ctx, vnode, f"{field}.{action}")
    return out


def _device_class(ctx: _Ctx, node: yaml.Node, field: str, domain: str) -> str | None:
    dc = _str(ctx, node, field, allow_null=True)
    if dc is None:
        return None
    dc = dc.lower()
    valid = DEVICE_CLASSES.get(domain, ())
    if not valid:
        takes = ", ".join(d for d, v in DEVICE_CLASSES.items() if v)
        raise ctx.fail(node, field, f"{domain} entities take no device_class (only {takes} do)")
    if dc not in valid:
        raise ctx.fail(node, field, f"unknown device class {dc!r} for {domain}{suggest(dc, valid)}; "
                       f"expected one of {', '.join(valid)}")
    return dc


def _features(ctx: _Ctx, node: yaml.Node, field: str) -> tuple[str, ...]:
    names = _strs(ctx, node, field)
    for i, name in enumerate(names):
        if name not in FEATURES:
            raise ctx.fail(node.value[i], f"{field}[{i}]", f"unknown feature {name!r}{suggest(name, FEATURES)}; "
                           f"expected any of {', '.join(FEATURES)}")
    return tuple(dict.fromkeys(names))


def load_home_text(text: str, source: str = "<string>") -> Home:
    ctx = _Ctx(source)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise ConfigError(f"{source}:{line}: (yaml): {exc.problem or exc}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}:1: (yaml): {exc}") from exc
    if root is None:
        raise ConfigError(f"{source}:1: (file): the devices file is empty")
    top = _mapping(ctx, root, "(top level)")
    _check_keys(ctx, top, "(top level)", {"floors", "areas", "entities"}, {"entities"}, root)

    floors: list[Floor] = []
    seen: dict[str, str] = {}

    def claim(id_: str, node: yaml.Node, field: str) -> None:
        if id_ in seen:
            raise ctx.fail(node, field, f"duplicate id {id_!r} (already used by {seen[id_]})")
        seen[id_] = field

    for i, fnode in enumerate(_seq(ctx, top["floors"][1], "floors") if "floors" in top else []):
        f = f"floors[{i}]"
        m = _mapping(ctx, fnode, f)
        _check_keys(ctx, m, f, {"id", "name", "aliases"}, {"id", "name"}, fnode)
        fid = _ident(ctx, m["id"][1], f"{f}.id")
        claim(fid, m["id"][1], f"{f}.id")
        floors.append(Floor(id=fid, name=_str(ctx, m["name"][1], f"{f}.name") or "",
                            aliases=_strs(ctx, m["aliases"][1], f"{f}.aliases") if "aliases" in m else ()))
    floor_ids = {fl.id for fl in floors}

    areas: list[Area] = []
    for i, anode in enumerate(_seq(ctx, top["areas"][1], "areas") if "areas" in top else []):
        f = f"areas[{i}]"
        m = _mapping(ctx, anode, f)
        _check_keys(ctx, m, f, {"id", "name", "floor", "aliases"}, {"id", "name"}, anode)
        aid = _ident(ctx, m["id"][1], f"{f}.id")
        claim(aid, m["id"][1], f"{f}.id")
        floor = _str(ctx, m["floor"][1], f"{f}.floor", allow_null=True) if "floor" in m else None
        if floor is not None and floor not in floor_ids:
            raise ctx.fail(m["floor"][1], f"{f}.floor", f"unknown floor {floor!r}{suggest(floor, floor_ids)}")
        areas.append(Area(id=aid, name=_str(ctx, m["name"][1], f"{f}.name") or "", floor=floor,
                          aliases=_strs(ctx, m["aliases"][1], f"{f}.aliases") if "aliases" in m else ()))
    area_ids = {a.id for a in areas}

    entities: list[Entity] = []
    allowed = {"id", "name", "aliases", "area", "device_class", "features", "mqtt"}
    for i, enode in enumerate(_seq(ctx, top["entities"][1], "entities")):
        f = f"entities[{i}]"
        m = _mapping(ctx, enode, f)
        _check_keys(ctx, m, f, allowed, {"id", "name"}, enode)
        idnode = m["id"][1]
        eid = _str(ctx, idnode, f"{f}.id")
        assert eid is not None
        domain, _, obj = eid.partition(".")
        if not obj or not _ID.match(obj) or not _ID.match(domain):
            raise ctx.fail(idnode, f"{f}.id", f"invalid entity id {eid!r} (expected <domain>.<object_id>)")
        ha_domain: str | None = None
        if domain in STATE_ONLY_DOMAINS:
            ha_domain, domain = domain, STATE_ONLY_DOMAINS[domain]
            eid = f"{domain}.{obj}"
        elif domain not in DOMAINS:
            raise ctx.fail(idnode, f"{f}.id", f"unknown domain {domain!r}{suggest(domain, DOMAINS)}; expected one "
                           f"of {', '.join(DOMAINS)} (or a Home Assistant domain loaded as state-only: "
                           f"{', '.join(sorted(STATE_ONLY_DOMAINS))})")
        claim(eid, idnode, f"{f}.id")
        area = _str(ctx, m["area"][1], f"{f}.area", allow_null=True) if "area" in m else None
        if area is not None and area not in area_ids:
            raise ctx.fail(m["area"][1], f"{f}.area", f"unknown area {area!r}{suggest(area, area_ids)}")
        state_only = ha_domain if ha_domain is not None and domain != "switch" else None
        mqtt = _mqtt(ctx, m["mqtt"][1], f"{f}.mqtt", state_only) if "mqtt" in m else None
        if ha_domain is not None:
            if state_only is not None:
                ctx.warn(idnode, f"{f}.id", f"voiced cannot command {ha_domain} entities: loaded as the "
                         f"state-only {eid} (its state can be asked, not changed)")
            else:
                commandable = mqtt is not None and bool(mqtt.topic or mqtt.options.get("command_topic"))
                ctx.warn(idnode, f"{f}.id", f"{ha_domain}.{obj} loaded as {eid}"
                         + ("" if commandable else " (state-only: its mqtt settings have no command topic)"))
        entities.append(Entity(
            id=eid,
            name=_str(ctx, m["name"][1], f"{f}.name") or "",
            area=area,
            aliases=_strs(ctx, m["aliases"][1], f"{f}.aliases") if "aliases" in m else (),
            device_class=_device_class(ctx, m["device_class"][1], f"{f}.device_class", domain)
            if "device_class" in m else None,
            features=_features(ctx, m["features"][1], f"{f}.features") if "features" in m else (),
            mqtt=mqtt,
        ))
    return Home(tuple(floors), tuple(areas), tuple(entities), source, tuple(ctx.warnings))


def load_home(path: str | Path) -> Home:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(f"{p}:1: (file): no such file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{p}:1: (file): cannot read: {exc}") from exc
    return load_home_text(text, str(p))
