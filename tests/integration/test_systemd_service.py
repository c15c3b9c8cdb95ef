"""The daemon under a systemd-like supervisor: a real NOTIFY_SOCKET bound by the test, a real broker.

Checks the service contract of docs/service.md: READY=1 only once the broker is connected (status
``online`` is already retained then), WATCHDOG=1 from the main loop at WATCHDOG_USEC/2, SIGHUP and
``voiced/<site>/reload`` re-read config and devices (a bad file refused, the running one kept),
SIGTERM → STOPPING=1, ``offline`` published, exit 0.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

from tests.conftest import Broker

REPO = Path(__file__).resolve().parents[2]
SITE = "svc"


class Watcher:
    """Collects the daemon's notifications and MQTT messages."""

    def __init__(self, sock: socket.socket, broker: Broker) -> None:
        self.sock = sock
        self.notes: list[dict[str, str]] = []
        self.messages: list[tuple[str, bytes]] = []
        self.lock = threading.Lock()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="svc-watcher")
        self.client.on_message = self._on_message
        self.client.connect(broker.host, broker.port)
        self.client.subscribe("voiced/#", qos=1)
        self.client.loop_start()
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._recv, daemon=True)
        self.thread.start()

    def _on_message(self, _c: mqtt.Client, _u: object, msg: mqtt.MQTTMessage) -> None:
        with self.lock:
            self.messages.append((msg.topic, bytes(msg.payload)))

    def _recv(self) -> None:
        self.sock.settimeout(0.2)
        while not self._stop.is_set():
            try:
                data = self.sock.recv(4096).decode()
            except TimeoutError:
                continue
            except OSError:
                return
            note = dict(line.split("=", 1) for line in data.split("\n") if "=" in line)
            note["_t"] = str(time.monotonic())
            with self.lock:
                self.notes.append(note)

    def wait(self, pred: Callable[[], bool], timeout: float, what: str, proc: subprocess.Popen[bytes] | None,
             log: Path) -> None:
        """Until ``pred()``; fails early when ``proc`` (None: already stopped on purpose) exits."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if pred():
                    return
            if proc is not None and proc.poll() is not None:
                pytest.fail(f"daemon exited ({proc.returncode}) waiting for {what}:\n{log.read_text()[-3000:]}")
            time.sleep(0.05)
        pytest.fail(f"timed out waiting for {what}; notes={self.notes[-10:]}\n{log.read_text()[-3000:]}")

    def count(self, key: str, value: str = "1") -> int:
        return sum(1 for n in self.notes if n.get(key) == value)

    def close(self) -> None:
        self._stop.set()
        self.thread.join(2)
        self.client.loop_stop()
        self.client.disconnect()


@pytest.fixture
def daemon(tmp_path: Path, broker: Broker, example_home_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], Watcher, Path, Path]]:
    if not (REPO / "models" / "nlu" / "meta.json").is_file():
        pytest.fail("models/nlu is empty: the shipped NLU model is needed (voiced train --only nlu)")
    etc = tmp_path / "etc"
    etc.mkdir()
    shutil.copy(example_home_path, etc / "devices.yaml")
    # template replies: this is about the service contract, not the reply model
    (etc / "voiced.yaml").write_text(f"site: {SITE}\ndevices: devices.yaml\naudio: {{enabled: false}}\n"
                                     f"state_dir: {tmp_path / 'state'}\nreply: {{use_model: false}}\n")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(tmp_path / "notify"))
    watcher = Watcher(sock, broker)
    env = {k: v for k, v in os.environ.items() if not k.startswith("VOICED_")}
    env.update(NOTIFY_SOCKET=str(tmp_path / "notify"), WATCHDOG_USEC="1000000", JOURNAL_STREAM="8:1",
               VOICED_MQTT_PASSWORD="pw-never-logged")
    log = tmp_path / "daemon.log"
    proc = subprocess.Popen([sys.executable, "-m", "voiced.cli", "run", "--no-audio", "--config",
                             str(etc / "voiced.yaml"), "--broker", broker.url],
                            stdout=subprocess.DEVNULL, stderr=log.open("wb"), env=env, cwd=REPO)
    env["WATCHDOG_PID"] = str(proc.pid)
    try:
        yield proc, watcher, etc, log
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        watcher.close()
        sock.close()


def _intent_for(watcher: Watcher, sid: str) -> dict[str, object] | None:
    for topic, payload in watcher.messages:
        if topic == f"voiced/{SITE}/intent":
            data = json.loads(payload)
            if data.get("session_id") == sid:
                return dict(data)
    return None


def _ask(watcher: Watcher, text: str, sid: str) -> None:
    watcher.client.publish(f"voiced/{SITE}/text", json.dumps({"text": text, "session_id": sid}), qos=1)


def test_ready_watchdog_reload_and_stop(daemon: tuple[subprocess.Popen[bytes], Watcher, Path, Path]) -> None:
    proc, w, etc, log = daemon

    def online() -> bool:
        return (f"voiced/{SITE}/status", b"online") in w.messages

    w.wait(lambda: w.count("READY") >= 1, 120, "READY=1", proc, log)
    # READY=1 follows the broker connection: 'online' (published on connect) is at most in transit
    w.wait(online, 5, "status online", proc, log)
    with w.lock:
        ready = next(n for n in w.notes if n.get("READY") == "1")
        assert ready.get("MAINPID") in (None, str(proc.pid))
        assert any("STATUS" in n for n in w.notes)

    # the main loop pings the watchdog at WATCHDOG_USEC / 2
    w.wait(lambda: w.count("WATCHDOG") >= 3, 20, "three WATCHDOG=1 pings", proc, log)

    _ask(w, "turn on the hall light", "s1")
    w.wait(lambda: _intent_for(w, "s1") is not None, 30, "intent for s1", proc, log)

    # a bad config on SIGHUP is refused; the daemon keeps serving
    good = (etc / "voiced.yaml").read_text()
    (etc / "voiced.yaml").write_text(good + "wake:\n  sensitivity: 3\n")
    readies = w.count("READY")
    proc.send_signal(signal.SIGHUP)
    w.wait(lambda: "reload refused" in log.read_text(errors="replace"), 20, "reload refused (SIGHUP)", proc, log)
    assert "voiced.yaml:7: wake.sensitivity" in log.read_text(errors="replace")
    w.wait(lambda: w.count("RELOADING") >= 1 and w.count("READY") > readies, 20, "RELOADING then READY", proc, log)
    _ask(w, "turn off the hall light", "s2")
    w.wait(lambda: _intent_for(w, "s2") is not None, 30, "intent for s2 after a refused reload", proc, log)

    # a good change over MQTT: a new entity becomes known
    (etc / "voiced.yaml").write_text(good)
    devices = (etc / "devices.yaml").read_text()
    (etc / "devices.yaml").write_text(devices.replace(
        "entities:", "entities:\n  - {id: light.pantry_light, name: Pantry Light, area: kitchen,"
        " mqtt: {protocol: zigbee2mqtt, topic: zigbee2mqtt/pantry}}", 1))
    w.client.publish(f"voiced/{SITE}/reload", b"", qos=1)
    w.wait(lambda: "reloaded" in log.read_text(errors="replace"), 30, "reloaded (MQTT)", proc, log)

    # a broken devices file over MQTT is refused too
    (etc / "devices.yaml").write_text("entities: [{id: nodomain}]\n")
    w.client.publish(f"voiced/{SITE}/reload", b"", qos=1)
    w.wait(lambda: log.read_text(errors="replace").count("reload refused") >= 2, 20, "second refusal", proc, log)
    _ask(w, "turn on the hall light", "s3")
    w.wait(lambda: _intent_for(w, "s3") is not None, 30, "intent for s3", proc, log)

    # SIGTERM: STOPPING=1, offline, exit 0 (well inside the unit's TimeoutStopSec)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(10) == 0, log.read_text()[-3000:]
    w.wait(lambda: w.count("STOPPING") >= 1, 5, "STOPPING=1", None, log)
    w.wait(lambda: (f"voiced/{SITE}/status", b"offline") in w.messages, 5, "offline status", None, log)

    text = log.read_text(errors="replace")
    assert "pw-never-logged" not in text
    lines = text.splitlines()
    assert any(ln.startswith("<6>voiced") for ln in lines), lines[:5]  # journald priority prefixes
    assert not any(ln[:4].isdigit() and ln[4:5] == "-" for ln in lines)  # and no timestamps of our own
