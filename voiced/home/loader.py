"""Devices-file loader.  Walks PyYAML's node tree so every error names file, line and field.

Strict on purpose: an unknown key, feature, device class or protocol key is refused with the
closest valid name ("did you mean `topic`?"), because a typo that loads silently only shows up
later as "not available".  Home Assistant domains voiced cannot command load as state-only
entities, with a warning in ``Home.warnings`` (docs/devices.md lists it all).
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from voiced import protocols
from voiced.errors import ConfigError
from voiced.home.model import (
    DEVICE_CLASSES,
    DOMAINS,
    FEATURES,
    STATE_ONLY_DOMAINS,
    Area,
    Entity,
    Floor,
    Home,
    MqttSettings,
)
from voiced.home.nodes import Ctx, MqttFields, is_null, mapping, seq, string, strings, suggest

_ID = re.compile(r"^[a-z0-9_]+$")


def _check_keys(ctx: Ctx, m: dict[str, tuple[yaml.Node, yaml.Node]], field: str,
                allowed: set[str], required: set[str], node: yaml.Node) -> None:
    for key, (knode, _v) in m.items():
        if key not in allowed:
            raise ctx.fail(knode, f"{field}.{key}",
                           f"unknown field{suggest(key, allowed)}; expected one of {', '.join(sorted(allowed))}")
    for key in sorted(required):
        if key not in m:
            raise ctx.fail(node, f"{field}.{key}", "missing required field")


def _ident(ctx: Ctx, node: yaml.Node, field: str) -> str:
    value = string(ctx, node, field)
    assert value is not None
    if not _ID.match(value):
        raise ctx.fail(node, field, f"invalid id {value!r} (use lower case letters, digits and _)")
    return value


def _mqtt(ctx: Ctx, node: yaml.Node, field: str, state_only: str | None = None) -> MqttSettings | None:
    """``state_only``: the HA domain of a state-only entity (then command keys are refused).  The
    keys are the protocol's to check (``voiced.protocols``)."""
    if is_null(node):
        return None
    return protocols.validate(MqttFields(ctx, node, field, state_only))


def _device_class(ctx: Ctx, node: yaml.Node, field: str, domain: str) -> str | None:
    dc = string(ctx, node, field, allow_null=True)
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


def _features(ctx: Ctx, node: yaml.Node, field: str) -> tuple[str, ...]:
    names = strings(ctx, node, field)
    for i, name in enumerate(names):
        if name not in FEATURES:
            raise ctx.fail(node.value[i], f"{field}[{i}]", f"unknown feature {name!r}{suggest(name, FEATURES)}; "
                           f"expected any of {', '.join(FEATURES)}")
    return tuple(dict.fromkeys(names))


def load_home_text(text: str, source: str = "<string>") -> Home:
    ctx = Ctx(source)
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
    top = mapping(ctx, root, "(top level)")
    _check_keys(ctx, top, "(top level)", {"floors", "areas", "entities"}, {"entities"}, root)

    floors: list[Floor] = []
    seen: dict[str, str] = {}

    def claim(id_: str, node: yaml.Node, field: str) -> None:
        if id_ in seen:
            raise ctx.fail(node, field, f"duplicate id {id_!r} (already used by {seen[id_]})")
        seen[id_] = field

    for i, fnode in enumerate(seq(ctx, top["floors"][1], "floors") if "floors" in top else []):
        f = f"floors[{i}]"
        m = mapping(ctx, fnode, f)
        _check_keys(ctx, m, f, {"id", "name", "aliases"}, {"id", "name"}, fnode)
        fid = _ident(ctx, m["id"][1], f"{f}.id")
        claim(fid, m["id"][1], f"{f}.id")
        floors.append(Floor(id=fid, name=string(ctx, m["name"][1], f"{f}.name") or "",
                            aliases=strings(ctx, m["aliases"][1], f"{f}.aliases") if "aliases" in m else ()))
    floor_ids = {fl.id for fl in floors}

    areas: list[Area] = []
    for i, anode in enumerate(seq(ctx, top["areas"][1], "areas") if "areas" in top else []):
        f = f"areas[{i}]"
        m = mapping(ctx, anode, f)
        _check_keys(ctx, m, f, {"id", "name", "floor", "aliases"}, {"id", "name"}, anode)
        aid = _ident(ctx, m["id"][1], f"{f}.id")
        claim(aid, m["id"][1], f"{f}.id")
        floor = string(ctx, m["floor"][1], f"{f}.floor", allow_null=True) if "floor" in m else None
        if floor is not None and floor not in floor_ids:
            raise ctx.fail(m["floor"][1], f"{f}.floor", f"unknown floor {floor!r}{suggest(floor, floor_ids)}")
        areas.append(Area(id=aid, name=string(ctx, m["name"][1], f"{f}.name") or "", floor=floor,
                          aliases=strings(ctx, m["aliases"][1], f"{f}.aliases") if "aliases" in m else ()))
    area_ids = {a.id for a in areas}

    entities: list[Entity] = []
    allowed = {"id", "name", "aliases", "area", "device_class", "features", "mqtt"}
    for i, enode in enumerate(seq(ctx, top["entities"][1], "entities")):
        f = f"entities[{i}]"
        m = mapping(ctx, enode, f)
        _check_keys(ctx, m, f, allowed, {"id", "name"}, enode)
        idnode = m["id"][1]
        eid = string(ctx, idnode, f"{f}.id")
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
        area = string(ctx, m["area"][1], f"{f}.area", allow_null=True) if "area" in m else None
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
            name=string(ctx, m["name"][1], f"{f}.name") or "",
            area=area,
            aliases=strings(ctx, m["aliases"][1], f"{f}.aliases") if "aliases" in m else (),
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
