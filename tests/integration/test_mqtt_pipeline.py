"""Pipeline + Service in-process against a real Mosquitto, with hand-built parses (no model needed):
publishing order and topics, typed stage errors → fallback replies, commands dropped after the
age limit → a spoken/published error once the broker is back, state from the broker, discovery."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import EXAMPLE_HOME, Broker
from tests.integration.test_mqtt_client import Sub
from voiced.config import load_settings_text
from voiced.errors import IntentRecognitionError, ReplyError
from voiced.events import ErrorEvent, Parse, Reply, ReplyFrame, Transcript
from voiced.home import load_home
from voiced.mqtt.client import Message
from voiced.pipeline import FALLBACK
from voiced.service import Service, _Call

LAMP = Parse("turn on the bedroom lamp", "HassTurnOn", 0.99, {"name": "Bedroom Lamp"}, ("light.bedroom_lamp",))
LOCK_Q = Parse("is the front door locked", "HassGetState", 0.99, {"name": "Front Door", "state": "locked"},
               ("lock.front_door",))


class TableNlu:
    """A lookup table standing in for the model: these tests are about the wiring, not the NLU."""

    def __init__(self) -> None:
        self.table = {p.text: p for p in (LAMP, LOCK_Q)}
        self.homes: list[Any] = []

    def parse(self, text: str, area: str | None = None) -> Parse:
        if text == "explode":
            raise IntentRecognitionError("model file vanished")
        if text == "a bug":
            raise KeyError("slot table")  # not a typed error: still reported as the NLU stage's
        if text in self.table:
            return self.table[text]
        for e in (self.homes[-1].entities if self.homes else ()):
            if text == f"turn on the {e.name.lower()}":
                return Parse(text, "HassTurnOn", 0.9, {"name": e.name}, (e.id,))
        return Parse(text, None, 0.1)

    def set_home(self, home: Any) -> None:
        self.homes.append(home)


class EchoReplier:
    """Says the frame back; raises a typed error for one intent to exercise the fallback."""

    def generate(self, frame: ReplyFrame) -> Reply:
        if frame.values.get("names") == ["Front Door"] and frame.values.get("state") == "locked":
            raise ReplyError("reply model crashed")
        return Reply(json.dumps({"status": frame.status, "values": frame.values}, sort_keys=True))


@pytest.fixture
def service(broker: Broker) -> Iterator[tuple[Service, Sub, list[ErrorEvent]]]:
    settings = load_settings_text("site: p1\nmqtt:\n  queue_max_age: 2\n  reconnect_min: 0.1\n  reconnect_max: 0.5\n"
                                  "discovery:\n  import_home: true\n", env=False)
    svc = Service(settings, load_home(EXAMPLE_HOME), nlu=TableNlu(), replier=EchoReplier(), url=broker.url)
    errors: list[ErrorEvent] = []
    svc.pipeline.on_error = errors.append
    sub = Sub(broker.port)
    assert svc.start()
    thread = threading.Thread(target=svc.run, daemon=True)
    thread.start()
    try:
        yield svc, sub, errors
    finally:
        svc.stop()
        thread.join(10)
        svc.close()
        sub.close()


def replies(sub: Sub) -> list[dict[str, Any]]:
    return [json.loads(p) for p in sub.payloads("voiced/p1/reply")]


def wait_reply(sub: Sub, session: str, timeout: float = 10) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for r in replies(sub):
            if r["session_id"] == session:
                return r
        time.sleep(0.02)
    raise AssertionError(f"no reply for {session}: {replies(sub)}")


def test_text_path_topics(service: tuple[Service, Sub, list[ErrorEvent]]) -> None:
    svc, sub, errors = service
    sub.publish("voiced/p1/text", json.dumps({"text": "turn on the bedroom lamp", "session_id": "a1"}))
    reply = wait_reply(sub, "a1")
    assert json.loads(reply["text"]) == {"status": "done", "values": {"action": "on", "names": ["Bedroom Lamp"],
                                                                     "count": 1}}
    assert sub.wait_for("zigbee2mqtt/bedroom_lamp/set")[1] == b'{"state":"ON"}'
    order = [m[0] for m in sub.messages if m[0].startswith(("voiced/p1/", "hermes/", "zigbee2mqtt/"))
             and m[0] != "voiced/p1/text"]
    assert order[order.index("voiced/p1/transcript"):] == [
        "voiced/p1/transcript", "hermes/asr/textCaptured", "voiced/p1/intent", "hermes/intent/HassTurnOn",
        "zigbee2mqtt/bedroom_lamp/set", "voiced/p1/reply", "voiced/p1/metrics"]
    hermes = json.loads(sub.wait_for("hermes/intent/HassTurnOn")[1])
    assert hermes["sessionId"] == "a1" and hermes["slots"][0]["slotName"] == "name"
    assert hermes["slots"][0]["value"] == {"kind": "Custom", "value": "Bedroom Lamp"}
    assert errors == []


def test_state_answer_and_typed_errors(service: tuple[Service, Sub, list[ErrorEvent]]) -> None:
    svc, sub, errors = service
    sub.publish("voiced/p1/text", json.dumps({"text": "explode", "session_id": "e1"}))
    assert wait_reply(sub, "e1")["text"] == FALLBACK["nlu"]
    sub.publish("zigbee2mqtt/front_door_lock", b'{"state":"LOCK"}')
    deadline = time.monotonic() + 5
    while (st := svc.states.get("lock.front_door")) is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert st is not None and st.state == "locked"
    sub.publish("voiced/p1/text", json.dumps({"text": "is the front door locked", "session_id": "e2"}))
    assert wait_reply(sub, "e2")["text"] == FALLBACK["reply"]  # the replier raised ReplyError
    assert [(e.stage, e.code) for e in errors] == [("nlu", "nlu"), ("reply", "reply")]
    assert errors[0].session_id == "e1"
    assert svc.pipeline.last["outcome"].values == {"entity": "Front Door", "state": "locked", "all": True,
                                                   "names": ["Front Door"], "count": 1}
    # a failure that is not a typed error (a bug) is still reported as the stage's, not "internal"
    sub.publish("voiced/p1/text", json.dumps({"text": "a bug", "session_id": "e3"}))
    assert wait_reply(sub, "e3")["text"] == FALLBACK["nlu"]
    assert (errors[-1].stage, errors[-1].code, errors[-1].session_id) == ("nlu", "nlu", "e3")
    assert "slot table" in errors[-1].message


def test_dropped_command_is_reported_after_reconnect(service: tuple[Service, Sub, list[ErrorEvent]],
                                                     broker: Broker, caplog: pytest.LogCaptureFixture) -> None:
    svc, sub, _errors = service
    sub.close()
    broker.stop()
    deadline = time.monotonic() + 5
    while svc.client.connected and time.monotonic() < deadline:
        time.sleep(0.02)
    svc.events.put(_Call(lambda: svc.pipeline.handle_transcript(Transcript("turn on the bedroom lamp",
                                                                           session_id="d1"))))
    time.sleep(2.6)  # past queue_max_age (2 s): the daemon's tick drops it and says so
    assert any("light.bedroom_lamp" in r.getMessage() and r.levelname == "ERROR" for r in caplog.records)
    broker.start()
    fresh = Sub(broker.port)
    try:
        deadline = time.monotonic() + 10
        while not any("unreachable" in r["text"] for r in replies(fresh)):
            assert time.monotonic() < deadline, replies(fresh)
            time.sleep(0.05)
        (said,) = [json.loads(r["text"]) for r in replies(fresh) if "unreachable" in r["text"]]
        assert said["status"] == "error" and said["values"]["unavailable_names"] == ["Bedroom Lamp"]
        assert fresh.payloads("zigbee2mqtt/bedroom_lamp/set") == []  # the stale command never went out
        # subscriptions came back with the connection: text commands work again
        fresh.publish("voiced/p1/text", json.dumps({"text": "turn on the bedroom lamp", "session_id": "d2"}))
        assert json.loads(wait_reply(fresh, "d2")["text"])["status"] == "done"
        assert fresh.wait_for("zigbee2mqtt/bedroom_lamp/set")[1] == b'{"state":"ON"}'
    finally:
        fresh.close()


def test_discovery_updates_home_without_blocking(service: tuple[Service, Sub, list[ErrorEvent]]) -> None:
    svc, sub, _errors = service
    devices = [{"friendly_name": "attic_lamp", "type": "Router",
                "definition": {"exposes": [{"type": "light", "features": [{"name": "brightness"}]}]}}]
    sub.publish("zigbee2mqtt/bridge/devices", json.dumps(devices))
    sub.publish("homeassistant/switch/pump/config",
                json.dumps({"name": "Pond Pump", "cmd_t": "pond/pump/set", "stat_t": "pond/pump/state", "uniq_id": "pump"}))
    deadline = time.monotonic() + 10
    while (svc.home.entity("light.attic_lamp") is None or svc.home.entity("switch.pump") is None):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert svc.wait_nlu_refresh()
    assert svc.nlu.homes[-1].entity("light.attic_lamp") is not None  # type: ignore[attr-defined]
    sub.publish("pond/pump/state", b"ON")  # the new entity's state topic is subscribed
    deadline = time.monotonic() + 5
    while (st := svc.states.get("switch.pump")) is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert st is not None and st.state == "on"
    sub.publish("voiced/p1/text", json.dumps({"text": "turn on the attic lamp", "session_id": "n1"}))
    wait_reply(sub, "n1")
    assert sub.wait_for("zigbee2mqtt/attic_lamp/set")[1] == b'{"state":"ON"}'


def test_hermes_say_mute_and_ha_status(service: tuple[Service, Sub, list[ErrorEvent]], tmp_path: Path) -> None:
    svc, sub, _errors = service
    sub.publish("hermes/tts/say", json.dumps({"text": "hello there", "siteId": "p1", "id": "x1"}))
    assert json.loads(sub.wait_for("hermes/tts/sayFinished")[1]) == {"id": "x1", "siteId": "p1"}
    sub.publish("voiced/p1/mute/set", b"ON")
    assert sub.wait_for("voiced/p1/mute", b"ON")
    assert svc.muted
    before = len(sub.payloads("homeassistant/device/voiced_p1/config"))
    sub.publish("homeassistant/status", b"online")
    deadline = time.monotonic() + 5
    while len(sub.payloads("homeassistant/device/voiced_p1/config")) <= before:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    sub.publish("voiced/p2/status", b"online")
    deadline = time.monotonic() + 5
    while "p2" not in svc.sites:
        assert time.monotonic() < deadline
        time.sleep(0.02)


def test_reload_devices_over_mqtt(broker: Broker, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Without a config reloader (in-process use), a reload re-reads the devices file; a broken file
    is refused and the running home kept."""
    devices = tmp_path / "home.yaml"
    devices.write_text(EXAMPLE_HOME.read_text())
    settings = load_settings_text("site: r1\n", env=False)
    svc = Service(settings, load_home(devices), nlu=TableNlu(), replier=EchoReplier(), url=broker.url,
                  devices_path=str(devices))
    sub = Sub(broker.port)
    assert svc.start()
    thread = threading.Thread(target=svc.run, daemon=True)
    thread.start()
    try:
        devices.write_text(devices.read_text().replace("entities:", "entities:\n  - {id: light.pantry, name: Pantry Light,"
                                                       " mqtt: {protocol: tasmota, topic: pantry}}", 1))
        sub.publish("voiced/r1/reload", b"")
        deadline = time.monotonic() + 5
        while svc.home.entity("light.pantry") is None:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        assert "stat/pantry/RESULT" in svc.states.topics()
        devices.write_text("entities: [{id: nodomain}]\n")
        sub.publish("voiced/r1/reload", b"")
        deadline = time.monotonic() + 5
        while not any("reload refused" in r.getMessage() for r in caplog.records):
            assert time.monotonic() < deadline
            time.sleep(0.02)
        assert svc.home.entity("light.pantry") is not None
        assert any("home.yaml:1: entities[0].name: missing required field" in r.getMessage() for r in caplog.records)
    finally:
        svc.stop()
        thread.join(10)
        svc.close()
        sub.close()


def test_retained_text_is_not_a_command(broker: Broker, caplog: pytest.LogCaptureFixture) -> None:
    """A retained text command would repeat on every restart: the daemon ignores it (and says so)."""
    sub = Sub(broker.port)
    sub.publish("voiced/p3/text", json.dumps({"text": "turn on the bedroom lamp", "session_id": "r1"}), retain=True)
    svc = Service(load_settings_text("site: p3\n", env=False), load_home(EXAMPLE_HOME), nlu=TableNlu(),
                  replier=EchoReplier(), url=broker.url)
    assert svc.start()
    thread = threading.Thread(target=svc.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 5
        while not any("ignored a retained message on voiced/p3/text" in r.getMessage() for r in caplog.records):
            assert time.monotonic() < deadline
            time.sleep(0.02)
        time.sleep(0.3)
        assert sub.payloads("zigbee2mqtt/bedroom_lamp/set") == [] and sub.payloads("voiced/p3/reply") == []
    finally:
        svc.stop()
        thread.join(10)
        svc.close()
        sub.close()


def test_a_failing_chore_does_not_skip_the_others(caplog: pytest.LogCaptureFixture) -> None:
    """Each periodic chore runs on its own: a reload that crashes (not a refused file: a bug) is
    logged, and the discovery due in the same tick is still applied."""
    def broken_reloader(_current: Any) -> Any:
        raise RuntimeError("reloader bug")

    svc = Service(load_settings_text("site: c1\ndiscovery:\n  import_home: true\n", env=False),
                  load_home(EXAMPLE_HOME), nlu=TableNlu(), replier=EchoReplier(), url="mqtt://127.0.0.1:1",
                  reloader=broken_reloader)
    try:
        config = {"name": "Pantry Light", "unique_id": "pantry", "command_topic": "pantry/set",
                  "state_topic": "pantry/state"}
        svc.dispatch(Message("homeassistant/light/pantry/config", json.dumps(config).encode(), False))
        svc.homes.due = time.monotonic()  # due now: no settle time needed here
        svc.request_reload()
        svc.tick()
        assert any("periodic task reload failed" in r.getMessage() for r in caplog.records)
        assert svc.home.entity("light.pantry") is not None
    finally:
        svc.close()


def test_the_handler_table_is_the_subscription_list() -> None:
    """Each route's filter is subscribed at its QoS (commands at 1: kept by the broker while voiced
    reconnects); Hermes, HA status and discovery routes only when configured."""
    def table(config: str) -> dict[str, tuple[int, bool]]:
        svc = Service(load_settings_text(config, env=False), load_home(EXAMPLE_HOME), nlu=TableNlu(),
                      replier=EchoReplier(), url="mqtt://127.0.0.1:1")
        try:
            return {r.topic_filter: (r.qos, r.command) for r in svc.router.routes}
        finally:
            svc.close()

    full = table("site: t1\nhermes:\n  enabled: true\ndiscovery:\n  publish_assistant: true\n  import_home: true\n")
    assert full == {"voiced/t1/text": (1, True), "voiced/t1/say": (1, True), "voiced/broadcast": (1, True),
                    "hermes/tts/say": (1, True), "voiced/t1/listen": (1, True), "voiced/t1/reload": (1, True),
                    "voiced/t1/mute/set": (1, False), "homeassistant/status": (0, False),
                    "voiced/+/status": (0, False), "zigbee2mqtt/bridge/devices": (0, False),
                    "homeassistant/+/+/config": (0, False), "homeassistant/+/+/+/config": (0, False)}
    bare = table("site: t1\nhermes:\n  enabled: false\ndiscovery:\n  publish_assistant: false\n  import_home: false\n")
    assert set(full) - set(bare) == {"hermes/tts/say", "homeassistant/status", "zigbee2mqtt/bridge/devices",
                                     "homeassistant/+/+/config", "homeassistant/+/+/+/config"}
