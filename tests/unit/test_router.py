"""The daemon's MQTT handler table (voiced/mqtt/router.py): MQTT wildcard matching, first match
wins, device state as the fallback, retained commands refused."""

from __future__ import annotations

import pytest

from voiced.mqtt.client import Message
from voiced.mqtt.router import Router, matches


@pytest.mark.parametrize(("flt", "topic", "ok"), [
    ("voiced/k/text", "voiced/k/text", True),
    ("voiced/k/text", "voiced/k/text/x", False),
    ("voiced/+/status", "voiced/cellar/status", True),
    ("voiced/+/status", "voiced/status", False),
    ("homeassistant/+/+/config", "homeassistant/light/x/config", True),
    ("homeassistant/+/+/config", "homeassistant/light/n/x/config", False),
    ("homeassistant/+/+/+/config", "homeassistant/light/n/x/config", True),
    ("zigbee2mqtt/#", "zigbee2mqtt/lamp/set", True),
    ("zigbee2mqtt/#", "zigbee2mqtt", True),  # as the MQTT spec says: "#" includes the parent
    ("a/#/b", "a/x/b", False),
])
def test_mqtt_wildcards(flt: str, topic: str, ok: bool) -> None:
    assert matches(flt, topic) is ok


def test_first_match_fallback_and_retained_commands(caplog: pytest.LogCaptureFixture) -> None:
    seen: list[tuple[str, str]] = []
    r = Router(fallback=lambda m: seen.append(("state", m.topic)))
    r.add("voiced/k/text", lambda m: seen.append(("text", m.topic)), command=True)
    r.add("voiced/k/status", lambda m: seen.append(("own", m.topic)))
    r.add("voiced/+/status", lambda m: seen.append(("any", m.topic)))
    for msg in (Message("voiced/k/text", b"hi"), Message("voiced/k/text", b"hi", retain=True),
                Message("voiced/k/status", b"online", retain=True), Message("voiced/j/status", b"online"),
                Message("zigbee2mqtt/lamp", b"{}")):
        r.route(msg)
    assert seen == [("text", "voiced/k/text"), ("own", "voiced/k/status"), ("any", "voiced/j/status"),
                    ("state", "zigbee2mqtt/lamp")]
    assert any("ignored a retained message on voiced/k/text" in rec.getMessage() for rec in caplog.records)
