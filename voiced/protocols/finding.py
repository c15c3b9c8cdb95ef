"""What the protocols' ``discover`` parsers share: untrusted payloads, names, ids and areas.

Every parser returns ``(entities, problems)`` and never raises on bad payloads.  ``areas`` (given
by ``voiced import``) is a dict the parsers fill with the areas the sources name; without it
(the daemon) only areas the home already has are used.
"""

from __future__ import annotations

import json
import re
from typing import Any

from voiced.home.model import Area, Home

MAX_DISCOVERY_PAYLOAD = 4 * 1024 * 1024  # a big Zigbee network's device list is a few hundred KB


def slug(text: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    return s[:64] or "unnamed"


def humanize(text: str) -> str:
    """``living_room/ceiling_lamp`` → ``Ceiling Lamp`` (the last path part, words capitalised)."""
    last = text.rsplit("/", 1)[-1]
    words = re.sub(r"[_\-]+", " ", last).split()
    return " ".join(w if w.isupper() else w.capitalize() for w in words)[:100]


def load(payload: bytes) -> tuple[Any, str | None]:
    """(JSON value, None) or (None, why it is not usable)."""
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


def area_for(home: Home, hint: Any, areas: dict[str, Area] | None = None) -> str | None:
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


def known_topics(home: Home) -> set[str]:
    """The topics the home's entities already use (a discovered device on one of them is ignored:
    the devices file wins)."""
    out: set[str] = set()
    for e in home.entities:
        if e.mqtt is not None:
            for t in (e.mqtt.topic, e.mqtt.state_topic, str(e.mqtt.options.get("command_topic", ""))):
                if t:
                    out.add(t)
    return out
