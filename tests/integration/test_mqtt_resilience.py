"""The broker link under faults, with `voiced run --no-audio` as a subprocess and real Mosquittos.

- the private broker (no broker configured) is SIGKILLed: voiced restarts it and serves again;
- voiced is SIGKILLed: the next start stops the orphaned private broker instead of adopting it;
- a broker (with persistence, as a real install's) is restarted while a publisher sends 10
  commands/s at QoS 1: every command is answered (persistent session + QoS 1 subscriptions);
- the systemd watchdog is fed only while the link is up or reconnecting within the bound.

Waits are on log lines, MQTT messages and notifications, with generous deadlines; the figures
measured (time from a kill to the first answer) are printed, not asserted tightly.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from tests.conftest import EXAMPLE_HOME, REPO, Broker, free_port, start_broker
from tests.integration.test_mqtt_client import AS_ROOT, Sub
from tests.integration.test_systemd_service import Watcher
from voiced.proc import stop_process


class Run:
    """``voiced run --no-audio`` (template replies, its own state dir); stderr in a file."""

    def __init__(self, tmp: Path, site: str, config: str = "", broker_url: str | None = None,
                 env: dict[str, str] | None = None, name: str = "daemon") -> None:
        self.site = site
        cfg = tmp / f"{name}.yaml"
        cfg.write_text(f"site: {site}\nreply:\n  use_model: false\n{config}")
        self.log_path = tmp / f"{name}.log"
        argv = [sys.executable, "-m", "voiced.cli", "run", "--no-audio", "--config", str(cfg), "--devices",
                str(EXAMPLE_HOME), "--state-dir", str(tmp / "state")]
        if broker_url:
            argv += ["--broker", broker_url]
        base = {k: v for k, v in os.environ.items() if not k.startswith(("VOICED_", "NOTIFY_SOCKET", "WATCHDOG_"))}
        self.proc = subprocess.Popen(argv, cwd=REPO, stdout=subprocess.DEVNULL,
                                     stderr=self.log_path.open("wb"), env={**base, **(env or {})})

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_log(self, pattern: str, timeout: float = 120.0, start: int = 0) -> re.Match[str]:
        """The first match of ``pattern`` in the log at or after character ``start``."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            m = rx.search(self.log(), start)
            if m is not None:
                return m
            if self.proc.poll() is not None:
                m = rx.search(self.log(), start)
                if m is not None:
                    return m
                pytest.fail(f"voiced exited ({self.proc.returncode}) before {pattern!r}:\n{self.log()[-3000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"no {pattern!r} in the log within {timeout:g} s:\n{self.log()[-3000:]}")
            time.sleep(0.05)

    def stop(self) -> int:
        stop_process(self.proc, 10)
        return self.proc.returncode


STARTED = r"started a private mosquitto \(pid (\d+)\) on 127\.0\.0\.1:(\d+)"


def alive(pid: int) -> bool:
    """A running process (not a zombie) with this pid."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rfind(")") + 2:].split()[0] != "Z"


def private_brokers(port: int) -> list[int]:
    """Running mosquittos started from a voiced private-broker config that listens on ``port``
    (read from /proc and the configs themselves, not from voiced's marker files)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            argv = (proc / "cmdline").read_bytes().decode("utf-8", "replace").split("\0")
        except OSError:
            continue
        if not argv or not argv[0].endswith("mosquitto") or "-c" not in argv:
            continue
        conf = Path(argv[argv.index("-c") + 1])
        if not conf.parent.name.startswith("voiced-mosquitto-"):
            continue
        try:
            text = conf.read_text()
        except OSError:
            continue
        if f"listener {port} " in text and alive(int(proc.name)):
            found.append(int(proc.name))
    return found


def ask(sub: Sub, site: str, text: str, session: str, timeout: float = 60.0) -> dict[str, Any]:
    """Send a text command (QoS 1) and wait for the reply of that session."""
    sub.publish(f"voiced/{site}/text", json.dumps({"text": text, "session_id": session}))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for p in sub.payloads(f"voiced/{site}/reply"):
            reply = json.loads(p)
            if reply.get("session_id") == session:
                return dict(reply)
        with sub.cond:
            sub.cond.wait(0.2)
    raise AssertionError(f"no reply to {text!r} ({session}) within {timeout:g} s")


@pytest.fixture
def local_port() -> int:
    return free_port()


# ----------------------------------------------------------------------------- the private broker


def test_killed_private_broker_is_restarted_and_commands_are_served(tmp_path: Path, local_port: int) -> None:
    d = Run(tmp_path, "pb1", f"mqtt:\n  local_port: {local_port}\n")
    sub: Sub | None = None
    try:
        first = d.wait_log(STARTED)
        pid, port = int(first.group(1)), int(first.group(2))
        assert port == local_port, "the private broker should use mqtt.local_port when it is free"
        d.wait_log(r"connected to 127\.0\.0\.1")
        sub = Sub(port, "voiced/pb1/#")
        assert ask(sub, "pb1", "turn on the hall light", "before")["text"]
        sub.close()
        sub = None

        t_kill = time.monotonic()
        os.kill(pid, signal.SIGKILL)
        again = d.wait_log(STARTED, 60, first.end())
        assert int(again.group(1)) != pid and int(again.group(2)) == port, "restarted on the same port"
        assert "exited with code" in d.log()
        sub = Sub(port, "voiced/pb1/#")
        reply = ask(sub, "pb1", "turn off the hall light", "after", timeout=60)
        served = time.monotonic() - t_kill
        print(f"\nprivate broker SIGKILLed → restarted → command answered in {served:.2f} s")
        assert reply["text"]
        assert private_brokers(port) == [int(again.group(1))]
        assert d.proc.poll() is None
    finally:
        if sub is not None:
            sub.close()
        code = d.stop()
    assert code == 0, d.log()[-2000:]
    assert private_brokers(local_port) == [], "the private broker is stopped with voiced"


def test_sigkilled_voiced_leaves_no_second_broker(tmp_path: Path, local_port: int) -> None:
    cfg = f"mqtt:\n  local_port: {local_port}\n"
    first = Run(tmp_path, "pb2", cfg, name="first")
    try:
        m = first.wait_log(STARTED)
        orphan = int(m.group(1))
        first.wait_log(r"connected to 127\.0\.0\.1")
        marker_dirs = [p for p in Path(tempfile.gettempdir()).glob("voiced-mosquitto-*")
                       if f"listener {local_port} " in (p / "mosquitto.conf").read_text()]
        assert len(marker_dirs) == 1
    finally:
        first.proc.kill()  # SIGKILL: no cleanup at all
        first.proc.wait()
    # the situation of the bug: the broker outlives voiced and still listens
    assert alive(orphan) and private_brokers(local_port) == [orphan]

    second = Run(tmp_path, "pb2", cfg, name="second")
    sub: Sub | None = None
    try:
        second.wait_log(rf"stopping a private mosquitto \(pid {orphan}\b")
        m2 = second.wait_log(STARTED)
        fresh = int(m2.group(1))
        assert fresh != orphan and int(m2.group(2)) == local_port
        second.wait_log(r"connected to 127\.0\.0\.1")
        assert not alive(orphan), "the orphaned broker is stopped, not adopted"
        assert private_brokers(local_port) == [fresh], "exactly one private broker"
        assert not marker_dirs[0].exists(), "its temporary folder is removed"
        sub = Sub(local_port, "voiced/pb2/#")
        assert ask(sub, "pb2", "turn on the hall light", "x1")["text"]
    finally:
        if sub is not None:
            sub.close()
        code = second.stop()
    assert code == 0, second.log()[-2000:]
    assert private_brokers(local_port) == []


# ----------------------------------------------------------------------------- nothing lost


class Oracle:
    """Records the replies with a persistent MQTT 5 session of its own (QoS 1), so that it does
    not lose what voiced answered while the oracle itself was reconnecting."""

    def __init__(self, port: int, topic: str) -> None:
        self.replies: list[str] = []
        self.cond = threading.Condition()
        self.client = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=f"oracle-{time.monotonic_ns()}",
                                  protocol=paho.MQTTv5)
        self.client.reconnect_delay_set(0.1, 1)  # type: ignore[arg-type]  # paho accepts floats
        subscribed = threading.Event()

        def on_connect(c: paho.Client, *_: Any) -> None:
            c.subscribe(topic, qos=1)

        def on_message(_c: paho.Client, _u: Any, m: paho.MQTTMessage) -> None:
            sid = json.loads(m.payload).get("session_id", "")
            with self.cond:
                self.replies.append(sid)
                self.cond.notify_all()

        self.client.on_connect = on_connect
        self.client.on_subscribe = lambda *_a: subscribed.set()
        self.client.on_message = on_message
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = 300
        self.client.connect("127.0.0.1", port, clean_start=False, properties=props)
        self.client.loop_start()
        assert subscribed.wait(10), "oracle did not subscribe"

    def wait_all(self, wanted: set[str], timeout: float) -> set[str]:
        deadline = time.monotonic() + timeout
        with self.cond:
            while not wanted <= set(self.replies) and time.monotonic() < deadline:
                self.cond.wait(0.2)
            return wanted - set(self.replies)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def persistent_broker(tmp: Path) -> Broker:
    """A broker as a real install runs it: persistence on (saved at shutdown)."""
    b = start_broker(tmp, extra=AS_ROOT)
    b.conf.write_text(b.conf.read_text().replace(
        "persistence false", f"persistence true\npersistence_location {tmp}/\nautosave_interval 30"))
    b.stop()
    b.start()
    return b


def test_broker_restart_during_a_command_stream_loses_nothing(tmp_path: Path) -> None:
    rate, seconds, down = 10, 12.0, 2.0  # 120 commands; the broker is away for ~2 s in the middle
    broker = persistent_broker(tmp_path)
    d = Run(tmp_path, "nl1", broker_url=broker.url)
    oracle: Oracle | None = None
    sender = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=f"sender-{time.monotonic_ns()}")
    sender.reconnect_delay_set(0.1, 1)  # type: ignore[arg-type]  # paho accepts floats
    try:
        d.wait_log(r"connected to 127\.0\.0\.1")
        oracle = Oracle(broker.port, "voiced/nl1/reply")
        sender.connect("127.0.0.1", broker.port)
        sender.loop_start()
        n = int(rate * seconds)
        sent: set[str] = set()
        t0 = time.monotonic()
        restarted = False
        for i in range(n):
            pace = t0 + i / rate - time.monotonic()  # a steady stream, 10 commands a second
            if pace > 0:
                time.sleep(pace)
            if not restarted and i == n // 3:
                broker.stop()  # SIGTERM: mosquitto saves its sessions, as on `systemctl restart`
                t_down = time.monotonic()
                restarted = True
            if restarted and broker.proc.poll() is not None and time.monotonic() - t_down >= down:
                broker.start()
            sid = f"c{i:03d}"
            text = "turn on the hall light" if i % 2 else "turn off the hall light"
            sender.publish("voiced/nl1/text", json.dumps({"text": text, "session_id": sid}), qos=1)
            sent.add(sid)
        if broker.proc.poll() is not None:
            broker.start()
        lost = oracle.wait_all(sent, timeout=90)
        with oracle.cond:
            dup = len(oracle.replies) - len(set(oracle.replies))
        print(f"\nbroker restart during {n} commands at {rate}/s: {len(lost)} lost, {dup} duplicate replies")
        assert not lost, f"{len(lost)} of {n} commands lost: {sorted(lost)[:20]}\n{d.log()[-3000:]}"
        assert "session resumed" in d.log(), "voiced should have resumed its session after the restart"
    finally:
        sender.loop_stop()
        sender.disconnect()
        if oracle is not None:
            oracle.close()
        d.stop()
        broker.stop()


def test_commands_sent_while_voiced_restarts_are_delivered(tmp_path: Path, module_broker: Broker) -> None:
    """voiced stopped: the broker keeps its session (queue_max_age seconds); a command sent
    meanwhile is answered by the next run."""
    cfg = "mqtt:\n  queue_max_age: 60\n"  # the age limit: generous, so that a slow start is within it
    first = Run(tmp_path, "nl2", cfg, broker_url=module_broker.url, name="first")
    sub = Sub(module_broker.port, "voiced/nl2/#")
    try:
        first.wait_log(r"connected to 127\.0\.0\.1")
        assert ask(sub, "nl2", "turn on the hall light", "r0")["text"]
    finally:
        assert first.stop() == 0
    second: Run | None = None
    try:
        sub.publish("voiced/nl2/text", json.dumps({"text": "turn off the hall light", "session_id": "r1"}))
        second = Run(tmp_path, "nl2", cfg, broker_url=module_broker.url, name="second")
        second.wait_log(r"session resumed")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any(json.loads(p).get("session_id") == "r1"
                                                      for p in sub.payloads("voiced/nl2/reply")):
            with sub.cond:
                sub.cond.wait(0.2)
        assert any(json.loads(p).get("session_id") == "r1" for p in sub.payloads("voiced/nl2/reply")), \
            second.log()[-3000:]
    finally:
        sub.close()
        if second is not None:
            second.stop()


# ----------------------------------------------------------------------------- the watchdog


def test_watchdog_is_fed_only_while_the_link_is_up_or_reconnecting_within_the_bound(
        tmp_path: Path, broker: Broker) -> None:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(tmp_path / "notify"))
    w = Watcher(sock, broker)
    d = Run(tmp_path, "wd1", "mqtt:\n  offline_watchdog: 3\n", broker_url=broker.url,
            env={"NOTIFY_SOCKET": str(tmp_path / "notify"), "WATCHDOG_USEC": "400000"})  # a ping every 0.2 s
    try:
        w.wait(lambda: w.count("READY") >= 1, 120, "READY=1", d.proc, d.log_path)
        w.wait(lambda: w.count("WATCHDOG") >= 3, 20, "WATCHDOG=1 while connected", d.proc, d.log_path)

        broker.stop()
        t_down = time.monotonic()
        mark = len(d.log())
        d.wait_log(r"no longer feeding the watchdog", 30, mark)
        starved_after = time.monotonic() - t_down
        with w.lock:
            pings = [float(n["_t"]) for n in w.notes if n.get("WATCHDOG") == "1"]
        # fed while reconnecting within the bound (3 s), then no more
        assert any(t_down + 0.5 < t < t_down + 2.5 for t in pings), "fed while reconnecting within the bound"
        count = w.count("WATCHDOG")
        w.wait(lambda: any(n.get("STATUS", "").startswith("no broker for") for n in w.notes), 10,
               "STATUS=no broker for ...", d.proc, d.log_path)
        stall_end = time.monotonic() + 2.0  # 10 ping intervals: none may arrive
        while time.monotonic() < stall_end:
            assert w.count("WATCHDOG") == count, "WATCHDOG=1 sent while the broker is away beyond the bound"
            assert d.proc.poll() is None
            time.sleep(0.05)
        print(f"\nwatchdog starved {starved_after:.1f} s after the broker went away (bound 3 s)")

        broker.start()
        w.wait(lambda: w.count("WATCHDOG") >= count + 3, 30, "WATCHDOG=1 again after reconnecting", d.proc,
               d.log_path)
    finally:
        code = d.stop()
        w.close()
        sock.close()
    assert code == 0
