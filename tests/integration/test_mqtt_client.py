"""voiced.mqtt.client against a real Mosquitto: delivery rules, TLS, passwords, the Last Will.

The oracle is an independent paho subscriber (``Sub``), not voiced's own client.
"""

from __future__ import annotations

import logging
import os
import queue
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
import pytest

from tests.conftest import REPO, Broker, free_port, start_broker
from voiced.config import BrokerSettings, TlsSettings
from voiced.errors import MqttError
from voiced.mqtt.client import Connected, Dropped, Message, MqttClient

# mosquitto started as root drops to the "mosquitto" user, who cannot read pytest's private tmp dirs
AS_ROOT = "user root\n" if os.geteuid() == 0 else ""


class Sub:
    """An independent subscriber that records (topic, payload, retain)."""

    def __init__(self, port: int, topics: list[str] | str = "#", host: str = "127.0.0.1", **tls: Any) -> None:
        self.messages: list[tuple[str, bytes, bool]] = []
        self.cond = threading.Condition()
        self.client = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=f"sub-{time.monotonic_ns()}")
        if tls:
            self.client.tls_set(**tls)
        subscribed = threading.Event()
        wanted = [topics] if isinstance(topics, str) else topics

        def on_connect(c: paho.Client, *_: Any) -> None:
            c.subscribe([(t, 1) for t in wanted])

        def on_message(_c: paho.Client, _u: Any, m: paho.MQTTMessage) -> None:
            with self.cond:
                self.messages.append((m.topic, bytes(m.payload), bool(m.retain)))
                self.cond.notify_all()

        self.client.on_connect = on_connect
        self.client.on_socket_open = lambda _c, _u, sock: sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # type: ignore[attr-defined]
        self.client.on_subscribe = lambda *_a: subscribed.set()
        self.client.on_message = on_message
        self.client.connect(host, port)
        self.client.loop_start()
        assert subscribed.wait(5), "subscriber did not subscribe"

    def wait_for(self, topic: str, payload: bytes | None = None, timeout: float = 5.0) -> tuple[str, bytes, bool]:
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for m in self.messages:
                    if m[0] == topic and (payload is None or m[1] == payload):
                        return m
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no {topic} {payload!r} within {timeout} s; got {self.messages[-10:]}")
                self.cond.wait(left)

    def payloads(self, topic: str) -> list[bytes]:
        with self.cond:
            return [m[1] for m in self.messages if m[0] == topic]

    def publish(self, topic: str, payload: bytes | str, retain: bool = False) -> None:
        self.client.publish(topic, payload, qos=1, retain=retain).wait_for_publish(5)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def sub(broker: Broker) -> Iterator[Sub]:
    s = Sub(broker.port)
    try:
        yield s
    finally:
        s.close()


def make_client(url: str, events: queue.Queue[Any] | None = None, **settings: Any) -> MqttClient:
    settings.setdefault("reconnect_min", 0.1)
    settings.setdefault("reconnect_max", 0.5)
    return MqttClient(BrokerSettings(**settings), url, events if events is not None else queue.Queue(),
                      client_id=f"t-{time.monotonic_ns()}", will=("voiced/test/status", "offline"))


def next_event(events: queue.Queue[Any], kind: type, timeout: float = 5.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            e = events.get(timeout=max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            break
        if isinstance(e, kind):
            return e
    raise AssertionError(f"no {kind.__name__} event")


def test_publish_status_and_binary_payloads(broker: Broker, sub: Sub) -> None:
    events: queue.Queue[Any] = queue.Queue()
    c = make_client(broker.url, events)
    try:
        assert c.connect()
        assert sub.wait_for("voiced/test/status", b"online")[2] is False  # live, not yet retained copy
        blob = bytes(range(256)) * 4096  # 1 MiB of every byte value
        assert c.publish("dev/x/set", blob, qos=1, entity_id="light.x", command=True)
        assert sub.wait_for("dev/x/set")[1] == blob
        c.subscribe("in/#")
        time.sleep(0.2)
        sub.publish("in/a", b"\x00\xff")
        m = next_event(events, Message)
        assert (m.topic, m.payload) == ("in/a", b"\x00\xff")
    finally:
        c.close()
    assert sub.wait_for("voiced/test/status", b"offline")
    late = Sub(broker.port, "voiced/test/status")  # retained
    try:
        assert late.wait_for("voiced/test/status", b"offline")[2] is True
    finally:
        late.close()


def test_broker_restart_queue_and_age_limit(broker: Broker, caplog: pytest.LogCaptureFixture) -> None:
    """A command sent while the broker is down is delivered after reconnect; one older than the
    age limit is dropped with a logged error and a Dropped event; subscriptions come back."""
    events: queue.Queue[Any] = queue.Queue()
    c = make_client(broker.url, events, queue_max_age=1.5)
    caplog.set_level(logging.INFO, logger="voiced.mqtt")
    try:
        assert c.connect()
        c.subscribe("back/#")
        next_event(events, Connected)
        broker.stop()
        deadline = time.monotonic() + 5
        while c.connected and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not c.connected
        assert c.publish("old/set", '{"state":"ON"}', qos=1, entity_id="light.old", command=True) is False
        time.sleep(1.8)  # older than the limit by the time the broker is back
        assert c.publish("young/set", '{"state":"OFF"}', qos=1, entity_id="light.young", command=True) is False
        assert c.queued() == 2
        c.expire()  # what the daemon's loop does every tick
        dropped = next_event(events, Dropped)
        assert dropped.topic == "old/set" and dropped.entity_id == "light.old" and dropped.age >= 1.5
        assert any(r.levelno == logging.ERROR and "light.old" in r.getMessage() for r in caplog.records)
        broker.start()
        s = Sub(broker.port)
        try:
            next_event(events, Connected, timeout=10)
            assert s.wait_for("young/set", b'{"state":"OFF"}', timeout=5)
            assert s.payloads("old/set") == []
            s.publish("back/1", b"hello")  # the subscription was restored
            assert next_event(events, Message).topic == "back/1"
        finally:
            s.close()
    finally:
        c.close()


def test_unreachable_at_start_then_connects(tmp_path: Path) -> None:
    port = free_port()
    events: queue.Queue[Any] = queue.Queue()
    c = make_client(f"mqtt://127.0.0.1:{port}", events)
    try:
        assert c.connect(timeout=0.5) is False
        c.publish("q/set", "1", qos=1, command=True)
        conf = tmp_path / "m.conf"
        conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
        b = Broker("127.0.0.1", port, subprocess.Popen(["mosquitto", "-c", str(conf)], stderr=subprocess.DEVNULL),
                   conf, tmp_path / "log")
        try:
            next_event(events, Connected, timeout=10)
            assert c.queued() == 0
        finally:
            b.stop()
    finally:
        c.close(publish_offline=False)


# ----------------------------------------------------------------------------- passwords


@pytest.fixture
def password_broker(tmp_path: Path) -> Iterator[Broker]:
    pw = tmp_path / "passwd"
    subprocess.run(["mosquitto_passwd", "-b", "-c", str(pw), "voiced", "s3cret-pass"], check=True,
                   capture_output=True)
    b = start_broker(tmp_path, extra=f"password_file {pw}\n{AS_ROOT}")
    b.conf.write_text(b.conf.read_text().replace("allow_anonymous true", "allow_anonymous false"))
    b.stop()
    b.start()
    try:
        yield b
    finally:
        b.stop()


def test_password_auth(password_broker: Broker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                       caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("TEST_MQTT_PW", "wrong-pass")
    bad = make_client(password_broker.url, username="voiced", password_env="TEST_MQTT_PW")
    with pytest.raises(MqttError, match="bad username or password|not authorized"):
        bad.connect(timeout=5)
    anonymous = make_client(password_broker.url)
    with pytest.raises(MqttError, match="not authorized|bad username or password"):
        anonymous.connect(timeout=5)
    pw_file = tmp_path / "pw"
    pw_file.write_text("s3cret-pass\n")
    good = make_client(password_broker.url, username="voiced", password_file=str(pw_file))
    try:
        assert good.connect(timeout=5)
    finally:
        good.close()
    assert not any("s3cret-pass" in r.getMessage() or "wrong-pass" in r.getMessage() for r in caplog.records)


# ----------------------------------------------------------------------------- TLS


@pytest.fixture
def tls_broker(tmp_path: Path) -> Iterator[tuple[Broker, Path]]:
    """A CA and a server certificate for 127.0.0.1/localhost, made with the openssl CLI."""
    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=tmp_path)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
        "-subj", "/CN=voiced test CA")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
        "-subj", "/CN=localhost")
    (tmp_path / "ext.cnf").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "server.crt", "-days", "2", "-extfile", "ext.cnf")
    b = start_broker(tmp_path, extra=f"cafile {tmp_path / 'ca.crt'}\ncertfile {tmp_path / 'server.crt'}\n"
                                     f"keyfile {tmp_path / 'server.key'}\n{AS_ROOT}")
    try:
        yield b, tmp_path / "ca.crt"
    finally:
        b.stop()


def test_tls(tls_broker: tuple[Broker, Path], tmp_path: Path) -> None:
    b, ca = tls_broker
    url = f"mqtts://127.0.0.1:{b.port}"
    s = Sub(b.port, "tls/#", ca_certs=str(ca))
    c = make_client(url, tls=TlsSettings(enabled=True, ca_file=str(ca)))
    try:
        assert c.connect(timeout=5)
        c.publish("tls/x", "secure", qos=1)
        assert s.wait_for("tls/x", b"secure")
    finally:
        c.close()
        s.close()
    # a client that does not trust the broker's CA is refused with a clear error
    other = tmp_path / "other"
    other.mkdir()
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "o.key", "-out", "o.crt",
                    "-days", "1", "-subj", "/CN=other"], check=True, capture_output=True, cwd=other)
    bad = make_client(url, tls=TlsSettings(enabled=True, ca_file=str(other / "o.crt")))
    with pytest.raises(MqttError, match="TLS"):
        bad.connect(timeout=5)


# ----------------------------------------------------------------------------- Last Will

WILL_SCRIPT = """
import queue, sys, time
from voiced.config import BrokerSettings
from voiced.mqtt.client import MqttClient
c = MqttClient(BrokerSettings(keepalive=5), sys.argv[1], queue.Queue(), client_id="will-test",
               will=("voiced/willsite/status", "offline"))
assert c.connect()
print("ready", flush=True)
time.sleep(60)
"""


def test_last_will_on_sigkill(broker: Broker, sub: Sub) -> None:
    proc = subprocess.Popen([sys.executable, "-c", WILL_SCRIPT, broker.url], stdout=subprocess.PIPE, cwd=REPO)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == b"ready"
        sub.wait_for("voiced/willsite/status", b"online")
        proc.kill()  # SIGKILL: no clean disconnect, the broker sends the will
        proc.wait()
        assert sub.wait_for("voiced/willsite/status", b"offline", timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
