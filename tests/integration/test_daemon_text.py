"""`voiced run --no-audio` as a subprocess against a real Mosquitto: text in → NLU → device command →
reply published; state questions; discovery; hostile payloads; Last Will; SIGTERM; bad password.

Uses the shipped NLU model (models/nlu) and the reply stage's templates (one test: the shipped reply
model, models/reply).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import EXAMPLE_HOME, REPO, Broker, start_broker
from tests.integration.test_mqtt_client import AS_ROOT, Sub
from voiced.home import load_home
from voiced.home.state import StateStore
from voiced.proc import stop_process

SITE = "t1"


class Daemon:
    def __init__(self, broker: Broker, tmp: Path, site: str = SITE, config: str = "",
                 env: dict[str, str] | None = None, reply_model: bool = False) -> None:
        self.site = site
        cfg = tmp / f"voiced-{site}.yaml"
        # templates-only replies: deterministic wording to assert on (the reply model has its own tests)
        cfg.write_text((config or "discovery:\n  import_home: true\nlog_level: DEBUG\n")
                       + ("" if reply_model else "reply:\n  use_model: false\n"))
        self.stderr_path = tmp / f"daemon-{site}.log"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "voiced.cli", "run", "--no-audio", "--config", str(cfg), "--devices",
             str(EXAMPLE_HOME), "--broker", broker.url, "--site", site],
            cwd=REPO, stdout=subprocess.DEVNULL, stderr=self.stderr_path.open("wb"),
            env={**os.environ, **(env or {})})

    def log(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def stop(self) -> None:
        stop_process(self.proc, 10)


@pytest.fixture(scope="module")
def daemon(module_broker: Broker, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    tmp = tmp_path_factory.mktemp("daemon")
    watcher = Sub(module_broker.port, f"voiced/{SITE}/status")
    d = Daemon(module_broker, tmp)
    try:
        try:
            watcher.wait_for(f"voiced/{SITE}/status", b"online", timeout=90)
        except AssertionError:
            pytest.fail(f"daemon did not come online:\n{d.log()[-3000:]}")
        yield d
    finally:
        watcher.close()
        d.stop()


@pytest.fixture
def sub(module_broker: Broker, daemon: Daemon) -> Iterator[Sub]:
    s = Sub(module_broker.port)
    try:
        yield s
    finally:
        s.close()


def say(sub: Sub, text: str, session: str | None = None) -> dict[str, Any]:
    """Send a text command and return the reply object of that session."""
    session = session or f"s{time.monotonic_ns()}"
    sub.publish(f"voiced/{SITE}/text", json.dumps({"text": text, "session_id": session}))
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        for p in sub.payloads(f"voiced/{SITE}/reply"):
            reply = json.loads(p)
            if reply.get("session_id") == session:
                return dict(reply)
        time.sleep(0.02)
    raise AssertionError(f"no reply to {text!r}")


def intent_of(sub: Sub, session: str) -> dict[str, Any]:
    for p in sub.payloads(f"voiced/{SITE}/intent"):
        obj = json.loads(p)
        if obj.get("session_id") == session:
            return dict(obj)
    raise AssertionError("no intent published")


def test_text_to_command_and_reply(sub: Sub) -> None:
    reply = say(sub, "turn on the bedroom lamp", "on1")
    assert json.loads(sub.wait_for("zigbee2mqtt/bedroom_lamp/set")[1]) == {"state": "ON"}
    assert "bedroom lamp" in reply["text"].lower()
    intent = intent_of(sub, "on1")
    assert intent["intent"] == "HassTurnOn" and intent["targets"] == ["light.bedroom_lamp"] and intent["site"] == SITE
    transcript = json.loads(sub.wait_for(f"voiced/{SITE}/transcript")[1])
    assert transcript["text"] == "turn on the bedroom lamp" and transcript["session_id"] == "on1"
    hermes = json.loads(sub.wait_for("hermes/intent/HassTurnOn")[1])
    assert hermes["intent"]["intentName"] == "HassTurnOn" and hermes["siteId"] == SITE
    metrics = json.loads(sub.wait_for(f"voiced/{SITE}/metrics")[1])
    assert {"nlu", "act", "reply", "end_of_speech_to_publish"} <= set(metrics)
    # plain-text input works too, and a tasmota dimmer gets its own command
    sub.publish(f"voiced/{SITE}/text", "set the kitchen spots to forty percent")
    assert sub.wait_for("cmnd/kitchen_spots/Dimmer")[1] == b"40"


def test_state_questions_and_already(sub: Sub) -> None:
    sub.publish("zigbee2mqtt/front_door_lock", '{"state":"LOCK"}')
    sub.publish("zigbee2mqtt/back_door_lock", '{"state":"UNLOCK"}')
    sub.publish("zigbee2mqtt/living_room_climate", '{"temperature":21.5,"humidity":40}')
    time.sleep(0.3)
    reply = say(sub, "is the front door locked")
    assert "locked" in reply["text"].lower() and "unlocked" not in reply["text"].lower()
    reply = say(sub, "what's the temperature in the living room")
    assert "21.5" in reply["text"]
    sub.publish("zigbee2mqtt/living_room_lamp", '{"state":"ON"}')
    time.sleep(0.3)
    before = len(sub.payloads("zigbee2mqtt/living_room_lamp/set"))
    reply = say(sub, "turn on the living room lamp")
    assert "already" in reply["text"].lower()
    assert len(sub.payloads("zigbee2mqtt/living_room_lamp/set")) == before


def test_discovery_then_command(sub: Sub) -> None:
    devices = [{"ieee_address": "0xaa", "type": "Router", "friendly_name": "attic_lamp",
                "definition": {"exposes": [{"type": "light", "features": [{"name": "state"}, {"name": "brightness"}]}]}}]
    sub.publish("zigbee2mqtt/bridge/devices", json.dumps(devices), retain=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            reply = say(sub, "turn on the attic lamp")
            if sub.payloads("zigbee2mqtt/attic_lamp/set"):
                break
            assert time.monotonic() < deadline, f"discovered lamp never commanded; last reply {reply}"
            time.sleep(0.5)
        assert json.loads(sub.payloads("zigbee2mqtt/attic_lamp/set")[-1]) == {"state": "ON"}
    finally:
        sub.publish("zigbee2mqtt/bridge/devices", b"", retain=True)


def test_hostile_payloads_on_every_topic(sub: Sub, daemon: Daemon, module_broker: Broker) -> None:
    home = load_home(EXAMPLE_HOME)
    state_topics = StateStore(home).topics()
    own = [f"voiced/{SITE}/{t}" for t in ("text", "say", "listen", "reload", "mute/set")]
    others = ["homeassistant/status", "hermes/tts/say", "voiced/other/status", "voiced/broadcast",
              "zigbee2mqtt/bridge/devices", "homeassistant/light/fuzz/config", "homeassistant/device/fuzz/config",
              "homeassistant/sensor/node/fuzz/config"]
    rng = random.Random(7)
    hostile = [
        bytes(rng.randrange(256) for _ in range(64)), b"\xff\xfe\x00\x00", b"", b"{", b"[]", b"null",
        b'{"text": 5}', b'{"state": {"nested": [1, 2]}}', b'{"brightness": "NaN", "position": [1]}',
        b"[" * 60_000 + b"]" * 60_000, b'{"a":' * 5_000 + b"1" + b"}" * 5_000,
        b"x" * 1_000_000, b'{"text": "' + b"a" * 1_000_000 + b'"}', json.dumps(["not", "devices"]).encode(),
        json.dumps({"name": ["x"], "cmd_t": {"a": 1}, "dev": "nope"}).encode(),
    ]
    fuzzer = Sub(module_broker.port, "fuzz/done")  # publishes; does not receive the garbage itself
    try:
        for topic in own + others + state_topics:
            for payload in hostile:
                fuzzer.client.publish(topic, payload, qos=0)
        fuzzer.publish("fuzz/done", b"1")  # everything above went out before this one
        fuzzer.wait_for("fuzz/done", timeout=60)
    finally:
        fuzzer.close()
    time.sleep(2.0)
    assert daemon.proc.poll() is None, daemon.log()[-3000:]
    reply = say(sub, "turn off the bedroom lamp")
    assert "bedroom lamp" in reply["text"].lower()
    assert json.loads(sub.wait_for("zigbee2mqtt/bedroom_lamp/set", b'{"state":"OFF"}')[1]) == {"state": "OFF"}
    # the state it knew before the garbage is still there
    reply = say(sub, "is the front door locked")
    assert "locked" in reply["text"].lower() and "unlocked" not in reply["text"].lower()


def test_last_will_on_sigkill(module_broker: Broker, tmp_path: Path) -> None:
    watcher = Sub(module_broker.port, "voiced/killme/status")
    d = Daemon(module_broker, tmp_path, site="killme", config="mqtt:\n  keepalive: 5\n")
    try:
        watcher.wait_for("voiced/killme/status", b"online", timeout=90)
        d.proc.send_signal(signal.SIGKILL)
        d.proc.wait()
        assert watcher.wait_for("voiced/killme/status", b"offline", timeout=15)
    finally:
        d.stop()
        watcher.close()


def test_sigterm_publishes_offline_and_exits_0(module_broker: Broker, tmp_path: Path) -> None:
    watcher = Sub(module_broker.port, "voiced/termme/status")
    d = Daemon(module_broker, tmp_path, site="termme", config="log_level: INFO\n")
    try:
        watcher.wait_for("voiced/termme/status", b"online", timeout=90)
        d.proc.send_signal(signal.SIGTERM)
        assert d.proc.wait(15) == 0
        assert watcher.wait_for("voiced/termme/status", b"offline", timeout=5)
    finally:
        d.stop()
        watcher.close()


def test_wrong_password_is_a_clear_error(tmp_path: Path) -> None:
    pw = tmp_path / "passwd"
    subprocess.run(["mosquitto_passwd", "-b", "-c", str(pw), "voiced", "right-one"], check=True, capture_output=True)
    b = start_broker(tmp_path, extra=f"password_file {pw}\n{AS_ROOT}")
    b.conf.write_text(b.conf.read_text().replace("allow_anonymous true", "allow_anonymous false"))
    b.stop()
    b.start()
    try:
        d = Daemon(b, tmp_path, site="pw", config="mqtt:\n  username: voiced\n  password_env: TEST_PW\n",
                   env={"TEST_PW": "wrong-one"})
        assert d.proc.wait(90) == 1
        log = d.log()
        assert "bad username or password" in log or "not authorized" in log
        assert "wrong-one" not in log
    finally:
        b.stop()


def test_full_chain_with_the_reply_model(module_broker: Broker, tmp_path: Path) -> None:
    """The shipped reply model in the daemon: the command goes out and the reply names the lamp."""
    sub = Sub(module_broker.port)
    d = Daemon(module_broker, tmp_path, site="model", config="log_level: INFO\n", reply_model=True)
    try:
        sub.wait_for("voiced/model/status", b"online", timeout=90)
        sub.publish("voiced/model/text", json.dumps({"text": "turn off the desk lamp", "session_id": "m1"}))
        assert sub.wait_for("office/desk_lamp/set", b"OFF", timeout=20)
        reply = json.loads(sub.wait_for("voiced/model/reply", timeout=20)[1])
        assert reply["session_id"] == "m1" and "desk lamp" in reply["text"].lower()
    finally:
        d.stop()
        sub.close()
