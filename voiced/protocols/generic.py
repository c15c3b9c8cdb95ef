"""Generic topics: a command topic and a ``payload`` template per action, and a state topic
(docs/devices.md); also what ``voiced import`` gives Tasmota relays beyond the first."""

from __future__ import annotations

from typing import Any

from voiced.events import Command
from voiced.home.model import Entity, MqttSettings
from voiced.home.nodes import MqttFields, suggest
from voiced.protocols import base, colors, reading
from voiced.protocols.base import ACTIONS, Unsupported

NAME = "generic"
KEYS = base.COMMON_KEYS | {"command_topic", "payload"}
# the payload texts that are also read back as state words ("1" = on)
_WORDS = {"on": "on", "off": "off", "lock": "locked", "unlock": "unlocked", "open": "open", "close": "closed",
          "play": "playing", "pause": "paused"}


def _payloads(f: MqttFields, key: str) -> dict[str, str]:
    """``payload``: action → template text (keys and values as written)."""
    out: dict[str, str] = {}
    for action, knode, vnode in f.entries(key, "action → template"):
        if action not in ACTIONS:
            raise f.fail_node(knode, f"{key}.{action}", f"unknown action{suggest(action, ACTIONS)}; "
                              f"expected one of {', '.join(ACTIONS)}")
        if action in out:
            raise f.fail_node(knode, f"{key}.{action}", "duplicate key")
        out[action] = f.text_at(vnode, f"{key}.{action}")
    return out


def validate(f: MqttFields) -> MqttSettings:
    s = base.read(f, {"payload": _payloads}, NAME)
    base.refuse_commands(f, frozenset({"command_topic", "payload"}))
    base.need_command_or_state(f, s)
    return s


def state_topics(entity: Entity) -> list[str]:
    assert entity.mqtt is not None
    return [entity.mqtt.state_topic] if entity.mqtt.state_topic else []


def decode(entity: Entity, topic: str, data: Any, text: str | None) -> tuple[str | None, dict[str, Any]] | None:
    assert entity.mqtt is not None
    templates = entity.mqtt.options.get("payload")

    def own_word(w: str) -> str | None:
        if isinstance(templates, dict):
            for action, meaning in _WORDS.items():
                t = templates.get(action)
                if isinstance(t, str) and "{" not in t and t.lower() == w:
                    return meaning
        return None

    return reading.read(entity, topic, data, text, reading.Reading(own_word=own_word))


# a missing template falls back to the entity's on/off templates for these actions
_GENERIC_FALLBACK = {"open": "on", "close": "off", "lock": "on", "unlock": "off", "activate": "on",
                     "start": "on"}


def encode(e: Entity, action: str, value: Any) -> list[Command]:
    topic = str(base.option(e, "command_topic", ""))
    templates = base.option(e, "payload", {})
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
        name, rgb, mired = colors.color_spec(e, value)
        h, s, b = colors.rgb_to_hsb(rgb)
        x, y = colors.rgb_to_xy(rgb)
        fields = {"value": f"{rgb[0]},{rgb[1]},{rgb[2]}", "name": name, "r": rgb[0], "g": rgb[1],
                  "b": rgb[2], "h": h, "s": s, "x": x, "y": y, "mired": mired or ""}
    elif isinstance(value, float) and value.is_integer():
        fields["value"] = int(value)
    text = str(template)  # plain replacement, so JSON templates keep their own braces
    for k, v in fields.items():
        text = text.replace("{" + k + "}", str(v))
    return [base.command(e, topic, text)]
