"""Devices-file loader.  Walks PyYAML's node tree so every error names file, line and field."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from voiced.errors import ConfigError
from voiced.home.model import DOMAINS, PROTOCOLS, Area, Entity, Floor, Home, MqttSettings

_ID = re.compile(r"^[a-z0-9_]+$")
_MQTT_KNOWN = {"protocol", "topic", "state_topic", "value_key", "unit"}


class _Ctx:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, node: yaml.Node | None, field: str, message: str) -> ConfigError:
        line = node.start_mark.line + 1 if node is not None else 1
        return ConfigError(f"{self.source}:{line}: {field}: {message}")


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
    if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null":
        return []
    if not isinstance(node, yaml.SequenceNode):
        raise ctx.fail(node, field, "expected a list")
    return list(node.value)


def _str(ctx: _Ctx, node: yaml.Node, field: str, allow_null: bool = False) -> str | None:
    if isinstance(node, yaml.ScalarNode):
        if node.tag == "tag:yaml.org,2002:null":
            if allow_null:
                return None
            raise ctx.fail(node, field, "must not be empty")
        if node.tag == "tag:yaml.org,2002:str":
            if not node.value.strip():
                raise ctx.fail(node, field, "must not be empty")
            return str(node.value)
    raise ctx.fail(node, field, "expected a string")


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
            raise ctx.fail(knode, f"{field}.{key}", f"unknown field (expected one of {', '.join(sorted(allowed))})")
    for key in sorted(required):
        if key not in m:
            raise ctx.fail(node, f"{field}.{key}", "missing required field")


def _ident(ctx: _Ctx, node: yaml.Node, field: str) -> str:
    value = _str(ctx, node, field)
    assert value is not None
    if not _ID.match(value):
        raise ctx.fail(node, field, f"invalid id {value!r} (use lower case letters, digits and _)")
    return value


def _mqtt(ctx: _Ctx, node: yaml.Node, field: str) -> MqttSettings | None:
    if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null":
        return None
    m = _mapping(ctx, node, field)
    if "protocol" not in m:
        raise ctx.fail(node, f"{field}.protocol", "missing required field")
    protocol = _str(ctx, m["protocol"][1], f"{field}.protocol")
    if protocol not in PROTOCOLS:
        raise ctx.fail(m["protocol"][1], f"{field}.protocol",
                       f"unknown protocol {protocol!r} (expected one of {', '.join(PROTOCOLS)})")
    vals: dict[str, str] = {}
    for key in ("topic", "state_topic", "value_key", "unit"):
        if key in m:
            vals[key] = _str(ctx, m[key][1], f"{field}.{key}") or ""
    options = {k: _plain(v) for k, (_kn, v) in m.items() if k not in _MQTT_KNOWN}
    if protocol in ("zigbee2mqtt", "tasmota") and not vals.get("topic") and not vals.get("state_topic"):
        raise ctx.fail(node, f"{field}.topic", f"required for protocol {protocol}")
    if protocol in ("homeassistant", "generic") and not (
        options.get("command_topic") or vals.get("state_topic")
    ):
        raise ctx.fail(node, f"{field}.command_topic", f"protocol {protocol} needs command_topic or state_topic")
    if protocol == "generic" and "payload" in options and not isinstance(options["payload"], dict):
        raise ctx.fail(m["payload"][1], f"{field}.payload", "expected a mapping of action → template")
    return MqttSettings(protocol=protocol, topic=vals.get("topic", ""), state_topic=vals.get("state_topic", ""),
                        value_key=vals.get("value_key", ""), unit=vals.get("unit", ""), options=options)


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
            raise ctx.fail(m["floor"][1], f"{f}.floor", f"unknown floor {floor!r}")
        areas.append(Area(id=aid, name=_str(ctx, m["name"][1], f"{f}.name") or "", floor=floor,
                          aliases=_strs(ctx, m["aliases"][1], f"{f}.aliases") if "aliases" in m else ()))
    area_ids = {a.id for a in areas}

    entities: list[Entity] = []
    allowed = {"id", "name", "aliases", "area", "device_class", "features", "mqtt"}
    for i, enode in enumerate(_seq(ctx, top["entities"][1], "entities")):
        f = f"entities[{i}]"
        m = _mapping(ctx, enode, f)
        _check_keys(ctx, m, f, allowed, {"id", "name"}, enode)
        eid = _str(ctx, m["id"][1], f"{f}.id")
        assert eid is not None
        domain, _, obj = eid.partition(".")
        if not obj or not _ID.match(obj) or not _ID.match(domain):
            raise ctx.fail(m["id"][1], f"{f}.id", f"invalid entity id {eid!r} (expected <domain>.<object_id>)")
        if domain not in DOMAINS:
            raise ctx.fail(m["id"][1], f"{f}.id", f"unknown domain {domain!r} (expected one of {', '.join(DOMAINS)})")
        claim(eid, m["id"][1], f"{f}.id")
        area = _str(ctx, m["area"][1], f"{f}.area", allow_null=True) if "area" in m else None
        if area is not None and area not in area_ids:
            raise ctx.fail(m["area"][1], f"{f}.area", f"unknown area {area!r}")
        dc = _str(ctx, m["device_class"][1], f"{f}.device_class", allow_null=True) if "device_class" in m else None
        entities.append(Entity(
            id=eid,
            name=_str(ctx, m["name"][1], f"{f}.name") or "",
            area=area,
            aliases=_strs(ctx, m["aliases"][1], f"{f}.aliases") if "aliases" in m else (),
            device_class=dc.lower() if dc else None,
            features=_strs(ctx, m["features"][1], f"{f}.features") if "features" in m else (),
            mqtt=_mqtt(ctx, m["mqtt"][1], f"{f}.mqtt") if "mqtt" in m else None,
        ))
    return Home(tuple(floors), tuple(areas), tuple(entities), source)


def load_home(path: str | Path) -> Home:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(f"{p}:1: (file): no such file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{p}:1: (file): cannot read: {exc}") from exc
    return load_home_text(text, str(p))
