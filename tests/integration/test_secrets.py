"""The broker password never shows: not in an error, a log line, argv, a topic or a payload.

A test password is handed to voiced by every route a user might take — right and wrong — and then
grepped for in everything voiced wrote or showed: stderr of each command, the daemon's DEBUG log,
the command lines of voiced and its children, every topic and payload on the broker.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
import pytest

from tests.conftest import EXAMPLE_HOME, REPO, Broker, start_broker
from tests.integration.test_mqtt_client import AS_ROOT
from tests.integration.test_mqtt_resilience import Run

SECRET = "Tr0ub4dor-s3cret-9f3a"  # the test password: it must appear nowhere
WRONG = "wr0ng-s3cret-77c1"  # a wrong one, equally secret


def voiced(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("VOICED_")}
    return subprocess.run([sys.executable, "-m", "voiced.cli", *args], cwd=REPO, capture_output=True, text=True,
                          env={**base, **(env or {})}, timeout=timeout)


def assert_clean(where: str, text: str) -> None:
    for s in (SECRET, WRONG):
        assert s not in text, f"the password shows in {where}:\n{text[-2000:]}"


@pytest.fixture
def auth_broker(tmp_path: Path) -> Iterator[Broker]:
    """User ``voiced`` with the test password; anonymous clients (the spy) may connect too."""
    pw = tmp_path / "passwd"
    subprocess.run(["mosquitto_passwd", "-b", "-c", str(pw), "voiced", SECRET], check=True, capture_output=True)
    b = start_broker(tmp_path, extra=f"password_file {pw}\n{AS_ROOT}")
    try:
        yield b
    finally:
        b.stop()


class Spy:
    """Every topic and payload on the broker (anonymous, ``#``), across broker restarts."""

    def __init__(self, port: int) -> None:
        self.seen: list[str] = []
        self.lock = threading.Lock()
        self.client = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=f"spy-{time.monotonic_ns()}")
        self.client.reconnect_delay_set(0.1, 1)  # type: ignore[arg-type]  # paho accepts floats
        ready = threading.Event()
        self.client.on_connect = lambda c, *_a: c.subscribe([("#", 1), ("$SYS/#", 0)])
        self.client.on_subscribe = lambda *_a: ready.set()
        self.client.on_message = self._on_message
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        assert ready.wait(10)

    def _on_message(self, _c: Any, _u: Any, m: paho.MQTTMessage) -> None:
        with self.lock:
            self.seen.append(f"{m.topic} {m.payload.decode('utf-8', 'replace')}")

    def text(self) -> str:
        with self.lock:
            return "\n".join(self.seen)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def test_a_password_in_a_broker_url_is_refused_without_showing_it(tmp_path: Path) -> None:
    url = f"mqtt://voiced:{SECRET}@127.0.0.1:1"
    r = voiced("run", "--no-audio", "--devices", str(EXAMPLE_HOME), "--broker", url, "--state-dir", str(tmp_path))
    assert r.returncode == 2 and "--broker" in r.stderr, r.stderr
    assert "mqtt://***@127.0.0.1:1" in r.stderr
    assert_clean("voiced run --broker's error", r.stdout + r.stderr)

    for bad in (url, f"mqtt://voiced:{SECRET}@127.0.0.1:notaport", f"mqtt://voiced:{SECRET[:5]}/{SECRET[5:]}@host",
                f"http://voiced:{SECRET}@host"):
        env = {"VOICED_MQTT_URL": bad}
        r = voiced("check-config", "--devices", str(EXAMPLE_HOME), env=env)
        assert r.returncode == 2 and "mqtt.url" in r.stderr, r.stderr
        assert_clean(f"check-config's error for {bad!r} (environment)", r.stdout + r.stderr)
        cfg = tmp_path / "voiced.yaml"
        cfg.write_text(f"mqtt:\n  url: '{bad}'\n")
        for cmd in (["check-config"], ["doctor"], ["run", "--no-audio", "--state-dir", str(tmp_path)]):
            r = voiced(*cmd, "--config", str(cfg), "--devices", str(EXAMPLE_HOME))
            assert r.returncode != 0 and "mqtt.url" in r.stdout + r.stderr, (cmd, r.stdout, r.stderr)
            assert_clean(f"{cmd[0]}'s error for {bad!r} (config file)", r.stdout + r.stderr)
            for piece in (SECRET[:5], SECRET[5:]):  # not even a piece of a password split by a '/'
                assert piece not in r.stdout + r.stderr, (cmd, bad, r.stdout + r.stderr)

    # a password pasted where the *name* of its variable belongs
    cfg = tmp_path / "pwenv.yaml"
    cfg.write_text(f"mqtt:\n  username: voiced\n  password_env: '{SECRET}'\n")
    r = voiced("check-config", "--config", str(cfg), "--devices", str(EXAMPLE_HOME))
    assert r.returncode == 2 and "mqtt.password_env" in r.stderr
    assert_clean("the password_env error", r.stdout + r.stderr)


def test_the_password_is_nowhere_while_voiced_runs_reconnects_and_is_refused(tmp_path: Path,
                                                                           auth_broker: Broker) -> None:
    spy = Spy(auth_broker.port)
    cfg = "log_level: DEBUG\nmqtt:\n  username: voiced\n  reconnect_min: 0.1\n"
    d = Run(tmp_path, "sec", cfg, broker_url=auth_broker.url, env={"VOICED_MQTT_PASSWORD": SECRET})
    children: list[str] = []
    try:
        d.wait_log(r"connected to 127\.0\.0\.1")
        argv = [Path(f"/proc/{d.proc.pid}/cmdline").read_bytes().decode("utf-8", "replace")]
        kids = subprocess.run(["ps", "-o", "pid=", "--ppid", str(d.proc.pid)], capture_output=True, text=True)
        for pid in kids.stdout.split():
            with contextlib.suppress(OSError):
                children.append(Path(f"/proc/{pid}/cmdline").read_bytes().decode("utf-8", "replace"))
        spy.client.publish("voiced/sec/text", json.dumps({"text": "turn on the hall light", "session_id": "s1"}),
                           qos=1)
        d.wait_log(r"session s1:")
        # the reconnect path: the broker goes away and comes back
        mark = len(d.log())
        auth_broker.stop()
        d.wait_log(r"disconnected from", 30, mark)
        auth_broker.start()
        d.wait_log(r"connected to 127\.0\.0\.1", 60, mark)
        # the reload path (re-reads the password)
        d.proc.send_signal(signal.SIGHUP)
        d.wait_log(r"reloaded ", 30, mark)
        spy.client.publish("voiced/sec/text", "what is the hall light", qos=1)
        d.wait_log(r"'what is the hall light'", 30, mark)
    finally:
        code = d.stop()
    assert code == 0, d.log()[-2000:]
    log = d.log()
    assert "DEBUG" in log and "voiced.mqtt" in log  # the log that is checked is the detailed one
    assert_clean("the daemon's log", log)
    assert_clean("voiced's argv", "\n".join(argv))
    assert_clean("the argv of voiced's children", "\n".join(children))
    spy_text = spy.text()
    spy.close()
    assert "voiced/sec/status" in spy_text
    assert_clean("a topic or payload on the broker", spy_text)
    assert_clean("the broker's log", auth_broker.log.read_text(errors="replace"))

    # a wrong password: refused with a clear error that does not show it
    wrong = Run(tmp_path, "sec2", "mqtt:\n  username: voiced\n", broker_url=auth_broker.url,
                env={"VOICED_MQTT_PASSWORD": WRONG}, name="wrong")
    try:
        wrong.proc.wait(120)
    finally:
        wrong.stop()
    assert wrong.proc.returncode == 1
    assert "bad username or password" in wrong.log() or "not authorized" in wrong.log()
    assert_clean("the refusal", wrong.log())
