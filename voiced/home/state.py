"""Live state of the home: the last value each entity reported on its MQTT state topic.

Shared by the MQTT side (which feeds it) and the actions (which read it to answer questions,
notice "already on" and compute relative changes).  Parsing is per protocol (devices.md): JSON
objects (zigbee2mqtt, Tasmota, HA ``schema: json``), ``value_key`` lookups, Home Assistant
``value_template``s (the forms ``voiced.home.template`` evaluates), or plain payloads compared
against the entity's own ``payload_on``/``payload_off``.  Garbage never raises: a message
that cannot be understood is reported as not applied and the previous state is kept.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from voiced.home.model import Entity, Home
from voiced.home.template import compile_template

MAX_STATE_PAYLOAD = 64 * 1024  # a device state bigger than this is not a device state

_OPENING_CLASSES = {"door", "window", "garage_door", "opening", "garage", "gate"}
_DETECT_CLASSES = {"motion", "occupancy", "presence", "smoke", "moisture", "gas", "carbon_monoxide",
                   "sound", "vibration", "problem", "safety", "tamper", "heat", "cold"}
_TRUE_WORDS = {"on", "true", "1", "yes", "open", "opened", "detected", "wet", "active"}
_FALSE_WORDS = {"off", "false", "0", "no", "closed", "close", "clear", "dry", "inactive"}
_CURRENT_TEMP_KEYS = ("local_temperature", "current_temperature", "current_temp", "temperature_current")
_TARGET_TEMP_KEYS = ("current_heating_setpoint", "occupied_heating_setpoint", "target_temperature",
                     "target_temp", "setpoint", "temperature")


@dataclass(frozen=True)
class EntityState:
    """What is known about one entity.  ``state`` is an HA state word (on, off, locked, open,
    closed, detected, clear, or a sensor's value as text); numbers in ``attributes`` use the
    units of the reply contract (brightness/position/volume_level 0–100, temperatures in °C)."""

    state: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    updated: float = 0.0

    def get(self, key: str, default: Any = None) -> Any:
        return self.attributes.get(key, default)


class StateView(Protocol):
    """Read-only access to states (what the actions need)."""

    def get(self, entity_id: str) -> EntityState | None: ...


def state_topics(entity: Entity) -> list[str]:
    """The topics carrying ``entity``'s state, per its protocol (devices.md)."""
    m = entity.mqtt
    if m is None:
        return []
    topics: list[str] = []
    if m.protocol == "zigbee2mqtt":
        topics.append(m.state_topic or m.topic)
    elif m.protocol == "tasmota":
        if m.state_topic:
            topics.append(m.state_topic)
        else:
            t = m.topic
            topics += [f"stat/{t}/RESULT", f"tele/{t}/STATE", f"tele/{t}/SENSOR", f"stat/{t}/POWER"]
    else:
        if m.state_topic:
            topics.append(m.state_topic)
        for key in ("brightness_state_topic", "current_temperature_topic", "temperature_state_topic",
                    "position_state_topic"):
            value = m.options.get(key)
            if isinstance(value, str) and value:
                topics.append(value)
    return [t for t in topics if t and "#" not in t and "+" not in t]


def _num(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        f = float(value)
        return f if f == f and abs(f) != float("inf") else None
    if isinstance(value, str):
        try:
            return _num(float(value.strip()))
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


def _domain_word(entity: Entity, raw: Any) -> str | None:
    """Normalise a device's state value to an HA state word for the entity's domain."""
    domain = entity.domain
    opts = entity.mqtt.options if entity.mqtt else {}
    w = _word(raw)
    if w is None:
        return None
    # the entity's own payloads first (homeassistant/generic): "1" may mean on
    for key, meaning in (("state_on", "on"), ("state_off", "off"), ("payload_on", "on"),
                         ("payload_off", "off"), ("state_locked", "locked"),
                         ("state_unlocked", "unlocked"), ("state_open", "open"),
                         ("state_closed", "closed"), ("payload_lock", "locked"),
                         ("payload_unlock", "unlocked"), ("payload_open", "open"),
                         ("payload_close", "closed")):
        p = opts.get(key)
        if isinstance(p, str | int | float) and not isinstance(p, bool) and str(p).lower() == w:
            return _translate(domain, meaning)
    templates = opts.get("payload")
    if isinstance(templates, dict):
        for action in ("on", "off", "lock", "unlock", "open", "close", "play", "pause"):
            t = templates.get(action)
            if isinstance(t, str) and "{" not in t and t.lower() == w:
                return _translate(domain, {"close": "closed", "lock": "locked", "unlock": "unlocked",
                                           "play": "playing", "pause": "paused"}.get(action, action))
    return _translate(domain, w)


def _translate(domain: str, w: str) -> str:
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


class StateStore:
    """Thread-safe last-value store, keyed by entity id; fed by ``update(topic, payload)``."""

    def __init__(self, home: Home) -> None:
        self._lock = threading.Lock()
        self._states: dict[str, EntityState] = {}
        self._by_topic: dict[str, list[Entity]] = {}
        self.set_home(home)

    def set_home(self, home: Home) -> None:
        """Re-index topics after a reload/discovery; states of entities that still exist are kept."""
        by_topic: dict[str, list[Entity]] = {}
        for e in home.entities:
            for t in state_topics(e):
                by_topic.setdefault(t, []).append(e)
        ids = {e.id for e in home.entities}
        with self._lock:
            self._by_topic = by_topic
            self._states = {k: v for k, v in self._states.items() if k in ids}

    def topics(self) -> list[str]:
        with self._lock:
            return sorted(self._by_topic)

    def get(self, entity_id: str) -> EntityState | None:
        with self._lock:
            return self._states.get(entity_id)

    def snapshot(self) -> dict[str, EntityState]:
        with self._lock:
            return dict(self._states)

    def set(self, entity_id: str, state: EntityState) -> None:
        with self._lock:
            self._states[entity_id] = state

    def update(self, topic: str, payload: bytes | str, now: float | None = None) -> list[str]:
        """Apply one state message; returns the ids whose state changed (empty for garbage)."""
        with self._lock:
            entities = list(self._by_topic.get(topic, ()))
        if not entities:
            return []
        data = _decode(payload)
        if data is None:
            return []
        text: str | None = None  # the payload as text, for templates reading `value`
        if any(e.mqtt is not None and e.mqtt.value_template for e in entities):
            text = payload.decode("utf-8").strip() if isinstance(payload, bytes) else payload.strip()
        stamp = time.time() if now is None else now
        changed: list[str] = []
        for e in entities:
            try:
                parsed = _parse_for(e, topic, data, text)
            except (TypeError, ValueError, AttributeError, RecursionError):
                parsed = None
            if parsed is None:
                continue
            state, attrs = parsed
            with self._lock:
                old = self._states.get(e.id) or EntityState()
                merged = {**old.attributes, **attrs}
                new = EntityState(state if state is not None else old.state, merged, stamp)
                if new.state != old.state or new.attributes != old.attributes:
                    changed.append(e.id)
                self._states[e.id] = new
        return changed


def _decode(payload: bytes | str) -> Any:
    """Payload → JSON value or plain string; None for binary, oversized or empty payloads."""
    if isinstance(payload, bytes):
        if len(payload) > MAX_STATE_PAYLOAD:
            return None
        try:
            text = payload.decode("utf-8")
        except UnicodeDecodeError:
            return None
    else:
        text = payload
        if len(text) > MAX_STATE_PAYLOAD:
            return None
    text = text.strip()
    if not text or "\x00" in text:
        return None
    if text[0] in "{[\"" or text[0].isdigit() or text[0] == "-" or text in ("true", "false", "null"):
        try:
            return json.loads(text)
        except (ValueError, RecursionError):
            return text if text[0] not in "{[" else None
    return text


_EXTRA_STATE_TOPICS = ("brightness_state_topic", "current_temperature_topic", "temperature_state_topic",
                       "position_state_topic")


def _parse_for(e: Entity, topic: str, data: Any, text: str | None = None) -> tuple[str | None, dict[str, Any]] | None:
    """(state word or None, attributes) for entity ``e`` from one decoded payload (``text``: the
    payload as text, what a template's ``value`` is)."""
    m = e.mqtt
    assert m is not None
    attrs: dict[str, Any] = {}
    state: str | None = None
    domain = e.domain
    opts = m.options
    if m.unit:
        attrs["unit"] = m.unit

    if m.value_template and topic not in {opts.get(k) for k in _EXTRA_STATE_TOPICS}:
        # HA semantics: the template turns the state topic's payload into the state value
        tpl = compile_template(m.value_template)  # checked when the file was loaded
        raw = tpl.render(data, text)
        if raw is None:
            return None
        path = tpl.key_path
        state, value = _value_state(e, raw, path[-1] if path else "")
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
            state, value = _value_state(e, raw, m.value_key)
            if state is None:
                return None
            if value is not None:
                attrs["value"] = value
            if domain == "weather":
                t = _num(_lookup(data, "temperature"))
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
                state = _domain_word(e, raw_state)
        bri = None
        if "brightness" in data:
            scale = 254.0 if m.protocol == "zigbee2mqtt" else float(_num(opts.get("brightness_scale")) or 255.0)
            n = _num(data["brightness"])
            if n is not None and scale > 0:
                bri = max(0.0, min(100.0, n * 100.0 / scale))
        for key in ("Dimmer", "dimmer"):
            n = _num(data.get(key))
            if n is not None:
                bri = max(0.0, min(100.0, n))
        if bri is not None:
            attrs["brightness"] = round(bri)
        pos = _num(data.get("position"))
        if pos is None:
            for v in data.values():
                if isinstance(v, dict) and "Position" in v:
                    pos = _num(v["Position"])
        if pos is not None and domain in ("cover", "valve"):
            attrs["position"] = round(max(0.0, min(100.0, pos)))
            if state is None:
                state = "closed" if pos <= 0 else "open"
        for key in ("color_temp", "CT"):
            n = _num(data.get(key))
            if n is not None:
                attrs["color_temp"] = _clean_number(n)
        if domain == "climate":
            for key in _TARGET_TEMP_KEYS:
                n = _num(data.get(key))
                if n is not None:
                    attrs["temperature"] = _clean_number(n)
                    break
            for key in _CURRENT_TEMP_KEYS:
                n = _num(data.get(key))
                if n is not None:
                    attrs["current_temperature"] = _clean_number(n)
                    break
        for key in ("volume", "volume_level"):
            n = _num(data.get(key))
            if n is not None:
                attrs["volume_level"] = round(n * 100 if n <= 1 and key == "volume_level" else n)
        if state is None and not attrs:
            return None
        return state, attrs

    # scalar payloads (plain text / bare JSON values)
    if isinstance(data, list) or data is None:
        return None
    extra_topics = {opts.get(k): k for k in _EXTRA_STATE_TOPICS}
    which = extra_topics.get(topic)
    if which is not None:
        n = _num(data)
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
    state, value = _value_state(e, data, "")
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


def _value_state(e: Entity, raw: Any, key: str) -> tuple[str | None, Any]:
    """(state word, value) of a single reading for entity ``e``."""
    if isinstance(raw, dict | list):
        return None, None
    domain = e.domain
    if domain == "binary_sensor":
        return _binary_word(e, raw, key), None
    if domain in ("sensor", "weather"):
        n = _num(raw)
        if n is not None and not isinstance(raw, bool):
            v = _clean_number(n)
            return str(v), v
        w = _word(raw)
        return w, w
    n = _num(raw)
    w = _domain_word(e, raw)
    if w is None:
        return None, None
    return w, (_clean_number(n) if n is not None else None)
