"""Reading a device's state message: the decoding the protocols share (docs/mqtt.md, "Device states").

JSON objects are read by ``value_key`` or by the usual device keys, Home Assistant
``value_template``s by ``voiced.home.template``, plain payloads as state words; a protocol's
``decode`` calls :func:`read` with a :class:`Reading` saying what is its own (the full scale of a JSON
``brightness``, the entity's own payload words, extra state topics).  States are HA words.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from voiced.home.model import Entity
from voiced.home.template import compile_template

_OPENING_CLASSES = {"door", "window", "garage_door", "opening", "garage", "gate"}
_DETECT_CLASSES = {"motion", "occupancy", "presence", "smoke", "moisture", "gas", "carbon_monoxide",
                   "sound", "vibration", "problem", "safety", "tamper", "heat", "cold"}
_TRUE_WORDS = {"on", "true", "1", "yes", "open", "opened", "detected", "wet", "active"}
_FALSE_WORDS = {"off", "false", "0", "no", "closed", "close", "clear", "dry", "inactive"}
_CURRENT_TEMP_KEYS = ("local_temperature", "current_temperature", "current_temp", "temperature_current")
_TARGET_TEMP_KEYS = ("current_heating_setpoint", "occupied_heating_setpoint", "target_temperature",
                     "target_temp", "setpoint", "temperature")


@dataclass(frozen=True)
class Reading:
    """What one protocol adds to the shared reading of a state message."""

    brightness_scale: float = 255.0  # the full scale of a JSON object's `brightness`
    own_word: Callable[[str], str | None] | None = None  # the entity's own payload text → on/off/locked/...
    extra_topics: Mapping[str, str] = field(default_factory=dict)  # topic → brightness/position/... topic key


def to_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        f = float(value)
        return f if f == f and abs(f) != float("inf") else None
    if isinstance(value, str):
        try:
            return to_number(float(value.strip()))
        except ValueError:
            return None
    return None


def _clean_number(f: float) -> int | float:
    return int(f) if float(f).is_integer() else round(f, 2)


def _lookup(data: Any, key: str) -> Any:
    """``value_key`` lookup: exact key, dotted path, case-insensitive key, then one level down
    (Tasmota nests sensor readings: ``{"DS18B20": {"Temperature": 12.5}}``)."""
    if not isinstance(data, dict):
        return None
    if key in data:
        return data[key]
    if "." in key:
        cur: Any = data
        for part in key.split("."):
            if not isinstance(cur, dict) or part not in cur:
                cur = None
                break
            cur = cur[part]
        if cur is not None:
            return cur
    low = key.lower()
    for k, v in data.items():
        if isinstance(k, str) and k.lower() == low:
            return v
    for v in data.values():
        if isinstance(v, dict):
            for k, inner in v.items():
                if isinstance(k, str) and k.lower() == low:
                    return inner
    return None


def _word(value: Any) -> str | None:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(_clean_number(float(value)))
    if isinstance(value, str) and 0 < len(value) <= 64:
        return value.strip().lower()
    return None


def _truth(value: Any) -> bool | None:
    w = _word(value)
    if w is None:
        return None
    if w in _TRUE_WORDS:
        return True
    if w in _FALSE_WORDS:
        return False
    return None


def _binary_word(entity: Entity, value: Any, key: str = "") -> str | None:
    truth = _truth(value)
    if truth is None:
        return None
    if key.lower() == "contact":  # zigbee2mqtt: contact true = the magnet touches = closed
        truth = not truth
    dc = entity.device_class or ""
    if dc in _OPENING_CLASSES:
        return "open" if truth else "closed"
    if dc in _DETECT_CLASSES:
        return "detected" if truth else "clear"
    return "on" if truth else "off"


def _domain_word(entity: Entity, raw: Any, how: Reading) -> str | None:
    """Normalise a device's state value to an HA state word for the entity's domain."""
    w = _word(raw)
    if w is None:
        return None
    # the entity's own payloads first (homeassistant/generic): "1" may mean on
    meaning = how.own_word(w) if how.own_word is not None else None
    return translate(entity.domain, meaning if meaning is not None else w)


def translate(domain: str, w: str) -> str:
    """A state word in the words of ``domain`` (a lock's "on" is "locked")."""
    if domain == "lock":
        return {"lock": "locked", "locked": "locked", "on": "locked", "unlock": "unlocked",
                "unlocked": "unlocked", "off": "unlocked", "true": "locked", "false": "unlocked"}.get(w, w)
    if domain in ("cover", "valve"):
        return {"open": "open", "opened": "open", "on": "open", "true": "open", "close": "closed",
                "closed": "closed", "off": "closed", "false": "closed", "stop": "open"}.get(w, w)
    if domain in ("light", "switch", "fan", "media_player", "scene", "script"):
        if w in ("true", "1"):
            return "on"
        if w in ("false", "0"):
            return "off"
        return w
    return w


def read(e: Entity, topic: str, data: Any, text: str | None, how: Reading) -> tuple[str | None, dict[str, Any]] | None:
    """(state word or None, attributes) for entity ``e`` from one decoded payload (``data``: a JSON
    value or the plain text; ``text``: the payload as text, what a template's ``value`` is)."""
    m = e.mqtt
    assert m is not None
    attrs: dict[str, Any] = {}
    state: str | None = None
    domain = e.domain
    opts = m.options
    if m.unit:
        attrs["unit"] = m.unit

    if m.value_template and topic not in how.extra_topics:
        # HA semantics: the template turns the state topic's payload into the state value
        tpl = compile_template(m.value_template)  # checked when the file was loaded
        raw = tpl.render(data, text)
        if raw is None:
            return None
        path = tpl.key_path
        state, value = _value_state(e, raw, path[-1] if path else "", how)
        if state is None:
            return None
        if value is not None:
            attrs["value"] = value
        return state, attrs

    if isinstance(data, dict):
        if m.value_key:
            raw = _lookup(data, m.value_key)
            if raw is None:
                return None
            state, value = _value_state(e, raw, m.value_key, how)
            if state is None:
                return None
            if value is not None:
                attrs["value"] = value
            if domain == "weather":
                t = to_number(_lookup(data, "temperature"))
                if t is not None:
                    attrs["temperature"] = _clean_number(t)
            return state, attrs
        # device JSON (zigbee2mqtt, Tasmota RESULT/STATE, HA json schema, generic)
        raw_state = None
        keys = ("lock_state", "state") if domain == "lock" else ("state", "POWER", "power", "POWER1",
                                                                  "system_mode", "mode")
        for key in keys:
            if key in data and _word(data[key]) is not None:
                raw_state = data[key]
                break
        if raw_state is not None:
            if domain == "climate":
                w = _word(raw_state)
                state = "off" if w in ("off", "false") else (w if w not in ("true",) else "on")
            elif domain == "binary_sensor":
                state = _binary_word(e, raw_state)
            else:
                state = _domain_word(e, raw_state, how)
        bri = None
        if "brightness" in data:
            scale = how.brightness_scale
            n = to_number(data["brightness"])
            if n is not None and scale > 0:
                bri = max(0.0, min(100.0, n * 100.0 / scale))
        for key in ("Dimmer", "dimmer"):
            n = to_number(data.get(key))
            if n is not None:
                bri = max(0.0, min(100.0, n))
        if bri is not None:
            attrs["brightness"] = round(bri)
        pos = to_number(data.get("position"))
        if pos is None:
            for v in data.values():
                if isinstance(v, dict) and "Position" in v:
                    pos = to_number(v["Position"])
        if pos is not None and domain in ("cover", "valve"):
            attrs["position"] = round(max(0.0, min(100.0, pos)))
            if state is None:
                state = "closed" if pos <= 0 else "open"
        for key in ("color_temp", "CT"):
            n = to_number(data.get(key))
            if n is not None:
                attrs["color_temp"] = _clean_number(n)
        if domain == "climate":
            for key in _TARGET_TEMP_KEYS:
                n = to_number(data.get(key))
                if n is not None:
                    attrs["temperature"] = _clean_number(n)
                    break
            for key in _CURRENT_TEMP_KEYS:
                n = to_number(data.get(key))
                if n is not None:
                    attrs["current_temperature"] = _clean_number(n)
                    break
        for key in ("volume", "volume_level"):
            n = to_number(data.get(key))
            if n is not None:
                attrs["volume_level"] = round(n * 100 if n <= 1 and key == "volume_level" else n)
        if state is None and not attrs:
            return None
        return state, attrs

    # scalar payloads (plain text / bare JSON values)
    if isinstance(data, list) or data is None:
        return None
    which = how.extra_topics.get(topic)
    if which is not None:
        n = to_number(data)
        if n is None:
            return None
        if which == "brightness_state_topic":
            scale = float(opts.get("brightness_scale", 255) or 255)
            attrs["brightness"] = round(max(0.0, min(100.0, n * 100.0 / scale)))
        elif which == "current_temperature_topic":
            attrs["current_temperature"] = _clean_number(n)
        elif which == "temperature_state_topic":
            attrs["temperature"] = _clean_number(n)
        else:
            attrs["position"] = round(max(0.0, min(100.0, n)))
        return None, attrs
    if m.value_key and not isinstance(data, str | int | float):
        return None
    state, value = _value_state(e, data, "", how)
    if state is None:
        return None
    if value is not None:
        attrs["value"] = value
    if domain == "climate" and value is not None and isinstance(value, int | float):
        attrs["temperature"] = value
        return None, attrs
    if domain in ("cover", "valve") and isinstance(value, int | float):
        attrs["position"] = round(max(0.0, min(100.0, float(value))))
        return ("closed" if value <= 0 else "open"), attrs
    return state, attrs


def _value_state(e: Entity, raw: Any, key: str, how: Reading) -> tuple[str | None, Any]:
    """(state word, value) of a single reading for entity ``e``."""
    if isinstance(raw, dict | list):
        return None, None
    domain = e.domain
    if domain == "binary_sensor":
        return _binary_word(e, raw, key), None
    if domain in ("sensor", "weather"):
        n = to_number(raw)
        if n is not None and not isinstance(raw, bool):
            v = _clean_number(n)
            return str(v), v
        w = _word(raw)
        return w, w
    n = to_number(raw)
    w = _domain_word(e, raw, how)
    if w is None:
        return None, None
    return w, (_clean_number(n) if n is not None else None)
