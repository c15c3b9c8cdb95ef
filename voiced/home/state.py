"""Live state of the home: the last value each entity reported on its MQTT state topic.

Shared by the MQTT side (which feeds it) and the actions (which read it to answer questions,
notice "already on" and compute relative changes).  Which topics carry an entity's state, and what a
message on one means, is its protocol's (``voiced.protocols``: ``state_topics``, ``decode``).
Garbage never raises: a message that cannot be understood is reported as not applied and the
previous state is kept.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from voiced.home.model import Entity, Home
from voiced.protocols import decode, state_topics

MAX_STATE_PAYLOAD = 64 * 1024  # a device state bigger than this is not a device state


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
                parsed = decode(e, topic, data, text)
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
