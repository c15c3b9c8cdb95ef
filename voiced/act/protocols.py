"""Protocol encoders: one device action → the MQTT publishes its protocol expects (devices.md).

Pure functions of the entity's ``mqtt`` settings; nothing here touches the network.  An action the
entity's protocol or configuration cannot express raises :class:`Unsupported` so that the actions
layer reports the entity as unavailable instead of sending something wrong.
"""

from __future__ import annotations

import colorsys
import json
from collections.abc import Mapping
from typing import Any

from voiced.events import Command
from voiced.home.model import Entity

ACTIONS = ("on", "off", "toggle", "lock", "unlock", "open", "close", "activate", "brightness", "color",
           "temperature", "position", "pause", "play", "next", "previous", "volume", "start", "return")

# colour names (the NLU's canonical lower-case names) → sRGB
COLORS: dict[str, tuple[int, int, int]] = {
    "white": (255, 255, 255), "warm white": (255, 180, 107), "cool white": (201, 226, 255),
    "red": (255, 0, 0), "green": (0, 255, 0), "blue": (0, 0, 255), "yellow": (255, 255, 0),
    "orange": (255, 165, 0), "purple": (128, 0, 128), "pink": (255, 192, 203),
    "violet": (238, 130, 238), "cyan": (0, 255, 255), "magenta": (255, 0, 255),
    "turquoise": (64, 224, 208), "teal": (0, 128, 128), "lime": (50, 205, 50), "amber": (255, 191, 0),
    "indigo": (75, 0, 130), "lavender": (230, 230, 250), "gold": (255, 215, 0),
}
# white shades sent as colour temperature where the device has it (mired = 1e6 / kelvin)
WHITE_MIREDS: dict[str, int] = {"warm white": 370, "cool white": 182}  # 2700 K, 5500 K
COLOR_ALIASES = {"cold white": "cool white", "daylight": "cool white", "warm": "warm white",
                 "cool": "cool white"}


class Unsupported(Exception):  # noqa: N818 - a verdict, not a failure
    """The entity's protocol/configuration cannot perform this action."""


def canonical_color(name: str) -> str | None:
    low = " ".join(name.lower().split())
    low = COLOR_ALIASES.get(low, low)
    return low if low in COLORS else None


def rgb_to_hsb(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    h, s, v = colorsys.rgb_to_hsv(*(c / 255.0 for c in rgb))
    return round(h * 360) % 360, round(s * 100), round(v * 100)


def rgb_to_xy(rgb: tuple[int, int, int]) -> tuple[float, float]:
    """sRGB → CIE 1931 xy (gamma-expanded, wide-gamut D65 matrix as used by Hue/zigbee lights)."""
    def lin(c: float) -> float:
        return ((c + 0.055) / 1.055) ** 2.4 if c > 0.04045 else c / 12.92

    r, g, b = (lin(c / 255.0) for c in rgb)
    x = r * 0.664511 + g * 0.154324 + b * 0.162028
    y = r * 0.283881 + g * 0.668433 + b * 0.047685
    z = r * 0.000088 + g * 0.072310 + b * 0.986039
    total = x + y + z
    if total == 0:
        return 0.3127, 0.329
    return round(x / total, 4), round(y / total, 4)


def supports(entity: Entity, feature: str) -> bool:
    """Declared features restrict; an entity without a feature list is assumed capable."""
    return not entity.features or feature in entity.features


def _cmd(entity: Entity, topic: str, payload: str | Mapping[str, Any]) -> Command:
    if not topic:
        raise Unsupported(f"{entity.id}: no command topic")
    text = payload if isinstance(payload, str) else json.dumps(payload, separators=(",", ":"))
    return Command(topic=topic, payload=text, entity_id=entity.id, qos=1, retain=False)


def _color_spec(entity: Entity, value: Any) -> tuple[str, tuple[int, int, int], int | None]:
    name = canonical_color(str(value)) if value is not None else None
    if name is None:
        raise Unsupported(f"{entity.id}: unknown colour {value!r}")
    mired = WHITE_MIREDS.get(name) if supports(entity, "color_temp") else None
    if mired is None and not supports(entity, "color"):
        raise Unsupported(f"{entity.id}: no colour")
    return name, COLORS[name], mired


def encode(entity: Entity, action: str, value: Any = None) -> list[Command]:
    """The commands that make ``entity`` do ``action`` (with ``value`` for brightness 0–100, colour
    name, temperature °C, position 0–100, volume 0–100)."""
    m = entity.mqtt
    if m is None:
        raise Unsupported(f"{entity.id}: no mqtt settings")
    if action not in ACTIONS:
        raise Unsupported(f"{entity.id}: unknown action {action!r}")
    if action == "brightness" and not supports(entity, "brightness"):
        raise Unsupported(f"{entity.id}: no brightness")
    if m.protocol == "zigbee2mqtt":
        return _zigbee2mqtt(entity, action, value)
    if m.protocol == "tasmota":
        return _tasmota(entity, action, value)
    if m.protocol == "homeassistant":
        if m.options.get("schema") == "json" and entity.domain in ("light", "switch", "fan"):
            return _ha_json(entity, action, value)
        return _homeassistant(entity, action, value)
    if m.protocol == "generic":
        return _generic(entity, action, value)
    raise Unsupported(f"{entity.id}: unknown protocol {m.protocol!r}")


# ----------------------------------------------------------------------------- zigbee2mqtt


def _zigbee2mqtt(e: Entity, action: str, value: Any) -> list[Command]:
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
        _name, rgb, mired = _color_spec(e, value)
        if mired is not None:
            payload = {"color_temp": mired}
        elif e.mqtt.options.get("color_mode") == "xy":
            x, y = rgb_to_xy(rgb)
            payload = {"color": {"x": x, "y": y}}
        else:
            payload = {"color": {"r": rgb[0], "g": rgb[1], "b": rgb[2]}}
    elif action == "position":
        payload = {"position": round(float(value))}
    elif action == "temperature":
        payload = {"current_heating_setpoint": _temp(value)}
    else:
        raise Unsupported(f"{e.id}: zigbee2mqtt cannot {action}")
    return [_cmd(e, topic, payload)]


def _temp(value: Any) -> int | float:
    f = round(float(value) * 2) / 2  # thermostats take half degrees
    return int(f) if f.is_integer() else f


# ----------------------------------------------------------------------------- tasmota


def _tasmota(e: Entity, action: str, value: Any) -> list[Command]:
    assert e.mqtt is not None
    base = f"cmnd/{e.mqtt.topic}/" if e.mqtt.topic else ""
    if not base:
        raise Unsupported(f"{e.id}: tasmota needs a topic")
    domain = e.domain
    if domain == "cover":
        cover = {"open": ("ShutterOpen", ""), "close": ("ShutterClose", "")}
        if action in cover:
            cmd, arg = cover[action]
            return [_cmd(e, base + cmd, arg)]
        if action == "position":
            return [_cmd(e, base + "ShutterPosition", str(round(float(value))))]
        raise Unsupported(f"{e.id}: tasmota cover cannot {action}")
    power = {"on": "ON", "off": "OFF", "toggle": "TOGGLE", "open": "ON", "close": "OFF", "lock": "ON",
             "unlock": "OFF", "activate": "ON", "start": "ON"}
    if action in power:
        return [_cmd(e, base + "POWER", power[action])]
    if action == "brightness":
        return [_cmd(e, base + "Dimmer", str(round(max(0.0, min(100.0, float(value))))))]
    if action == "color":
        _name, rgb, mired = _color_spec(e, value)
        if mired is not None:
            return [_cmd(e, base + "CT", str(max(153, min(500, mired))))]
        h, s, b = rgb_to_hsb(rgb)
        return [_cmd(e, base + "HSBColor", f"{h},{s},{b}")]
    if action == "temperature" and domain == "climate":
        return [_cmd(e, base + "TempTargetSet", str(_temp(value)))]
    raise Unsupported(f"{e.id}: tasmota cannot {action}")


# ----------------------------------------------------------------------------- homeassistant


def _opt(e: Entity, key: str, default: Any = None) -> Any:
    assert e.mqtt is not None
    v = e.mqtt.options.get(key, default)
    return default if v is None else v


def _ha_json(e: Entity, action: str, value: Any) -> list[Command]:
    """HA ``schema: json`` lights: JSON commands like zigbee2mqtt, on ``command_topic``."""
    topic = str(_opt(e, "command_topic", ""))
    payload: dict[str, Any]
    if action in ("on", "off"):
        payload = {"state": action.upper()}
    elif action == "brightness":
        scale = float(_opt(e, "brightness_scale", 255))
        payload = {"state": "ON", "brightness": round(max(0.0, min(100.0, float(value))) * scale / 100)}
    elif action == "color":
        _name, rgb, mired = _color_spec(e, value)
        if mired is not None:
            payload = {"state": "ON", "color_temp": mired}
        else:
            payload = {"state": "ON", "color": {"r": rgb[0], "g": rgb[1], "b": rgb[2]}}
    else:
        raise Unsupported(f"{e.id}: json schema cannot {action}")
    return [_cmd(e, topic, payload)]


def _homeassistant(e: Entity, action: str, value: Any) -> list[Command]:
    domain = e.domain
    cmd_topic = str(_opt(e, "command_topic", ""))
    if domain == "lock" and action in ("lock", "unlock"):
        return [_cmd(e, cmd_topic, str(_opt(e, f"payload_{action}", action.upper())))]
    if domain in ("cover", "valve") and action in ("open", "close"):
        return [_cmd(e, cmd_topic, str(_opt(e, f"payload_{action}", action.upper())))]
    if domain in ("cover", "valve") and action == "position":
        topic = str(_opt(e, "set_position_topic", "") or _opt(e, "position_topic", ""))
        lo, hi = float(_opt(e, "position_closed", 0)), float(_opt(e, "position_open", 100))
        return [_cmd(e, topic, str(round(lo + (hi - lo) * float(value) / 100)))]
    if domain == "climate":
        if action == "temperature":
            return [_cmd(e, str(_opt(e, "temperature_command_topic", "")), str(_temp(value)))]
        if action in ("on", "off"):
            topic = str(_opt(e, "mode_command_topic", "") or cmd_topic)
            default = "heat" if action == "on" else "off"
            return [_cmd(e, topic, str(_opt(e, f"payload_{action}", default)))]
        raise Unsupported(f"{e.id}: climate cannot {action}")
    if domain == "vacuum":
        if action in ("start", "on"):
            return [_cmd(e, cmd_topic, str(_opt(e, "payload_start", "start")))]
        if action in ("return", "off"):
            return [_cmd(e, cmd_topic, str(_opt(e, "payload_return_to_base", "return_to_base")))]
        raise Unsupported(f"{e.id}: vacuum cannot {action}")
    if domain in ("scene", "script"):
        if action in ("activate", "on"):
            return [_cmd(e, cmd_topic, str(_opt(e, "payload_on", "ON")))]
        raise Unsupported(f"{e.id}: {domain} cannot {action}")
    if domain == "media_player":
        keys = {"pause": "PAUSE", "play": "PLAY", "next": "NEXT", "previous": "PREVIOUS",
                "on": "ON", "off": "OFF"}
        if action in keys:
            return [_cmd(e, cmd_topic, str(_opt(e, f"payload_{action}", keys[action])))]
        if action == "volume":
            topic = str(_opt(e, "volume_command_topic", ""))
            return [_cmd(e, topic, str(round(float(value))))]
        raise Unsupported(f"{e.id}: media player cannot {action}")
    # light, switch, fan (and anything switch-like)
    if action in ("on", "off"):
        return [_cmd(e, cmd_topic, str(_opt(e, f"payload_{action}", action.upper())))]
    if action == "toggle":
        toggle = _opt(e, "payload_toggle")
        if toggle is None:
            raise Unsupported(f"{e.id}: no toggle payload")
        return [_cmd(e, cmd_topic, str(toggle))]
    if action == "brightness":
        topic = str(_opt(e, "brightness_command_topic", ""))
        if not topic:
            raise Unsupported(f"{e.id}: no brightness_command_topic")
        scale = float(_opt(e, "brightness_scale", 255))
        return [_cmd(e, topic, str(round(max(0.0, min(100.0, float(value))) * scale / 100)))]
    if action == "color":
        _name, rgb, mired = _color_spec(e, value)
        ct_topic = str(_opt(e, "color_temp_command_topic", ""))
        if mired is not None and ct_topic:
            return [_cmd(e, ct_topic, str(mired))]
        if _opt(e, "rgb_command_topic"):
            return [_cmd(e, str(_opt(e, "rgb_command_topic")), f"{rgb[0]},{rgb[1]},{rgb[2]}")]
        if _opt(e, "hs_command_topic"):
            h, s, _b = rgb_to_hsb(rgb)
            return [_cmd(e, str(_opt(e, "hs_command_topic")), f"{h},{s}")]
        if _opt(e, "xy_command_topic"):
            x, y = rgb_to_xy(rgb)
            return [_cmd(e, str(_opt(e, "xy_command_topic")), f"{x},{y}")]
        raise Unsupported(f"{e.id}: no colour command topic")
    raise Unsupported(f"{e.id}: {domain} cannot {action}")


# ----------------------------------------------------------------------------- generic

# a missing template falls back to the entity's on/off templates for these actions
_GENERIC_FALLBACK = {"open": "on", "close": "off", "lock": "on", "unlock": "off", "activate": "on",
                     "start": "on"}


def _generic(e: Entity, action: str, value: Any) -> list[Command]:
    topic = str(_opt(e, "command_topic", ""))
    templates = _opt(e, "payload", {})
    if not isinstance(templates, dict):
        raise Unsupported(f"{e.id}: payload templates must be a mapping")
    key = action if action in templates else _GENERIC_FALLBACK.get(action, action)
    template = templates.get(key)
    if template is None:
        if action in ("on", "off") and not templates:
            template = action.upper()
        else:
            raise Unsupported(f"{e.id}: no payload template for {action!r}")
    fields: dict[str, Any] = {"value": "" if value is None else value}
    if action == "color":
        name, rgb, mired = _color_spec(e, value)
        h, s, b = rgb_to_hsb(rgb)
        x, y = rgb_to_xy(rgb)
        fields = {"value": f"{rgb[0]},{rgb[1]},{rgb[2]}", "name": name, "r": rgb[0], "g": rgb[1],
                  "b": rgb[2], "h": h, "s": s, "x": x, "y": y, "mired": mired or ""}
    elif isinstance(value, float) and value.is_integer():
        fields["value"] = int(value)
    text = str(template)  # plain replacement, so JSON templates keep their own braces
    for k, v in fields.items():
        text = text.replace("{" + k + "}", str(v))
    return [_cmd(e, topic, text)]
