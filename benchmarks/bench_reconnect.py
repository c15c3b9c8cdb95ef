"""Broker outages: how soon voiced is back, and what a broker restart costs in commands.

Starts a Mosquitto on a free loopback port (persistence on, as a real install's broker) and
``voiced run --no-audio`` against it (shipped NLU model, template replies), then:

1. outages: stops the broker (SIGTERM), keeps it away for 5 s (``--repeat`` times) and 40 s,
   starts it again and times, from the moment it listens again,
   - ``link_s``: until voiced logs that it is connected again;
   - ``answer_s``: until the reply to a text command published (QoS 1) at that moment arrives
     (the command waits in voiced's session until voiced is back);
2. a restart under load: a publisher sends 10 commands/s (QoS 1, its own client queueing while the
   broker is away) for ``--stream`` seconds; a third of the way in, the broker is stopped and
   started again ``--down`` s later.  A subscriber with a persistent session counts the replies:
   ``lost`` = commands never answered, ``duplicates`` = commands answered twice.

Prints one JSON object.  Bounded: every wait has a deadline; loopback only.

    .venv/bin/python benchmarks/bench_reconnect.py [--repeat 3] [--stream 30] [--down 2]
"""

from __future__ import annotations

import argparse
import json
import os
import pwd
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from voiced.proc import stop_process

REPO = Path(__file__).resolve().parent.parent
SITE = "rbench"
TEXTS = ("turn on the hall light", "turn off the hall light")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), 0.2).close()
        return True
    except OSError:
        return False


class Broker:
    def __init__(self, tmp: Path) -> None:
        self.port = free_port()
        self.conf = tmp / "mosquitto.conf"
        self.conf.write_text(f"listener {self.port} 127.0.0.1\nallow_anonymous true\nset_tcp_nodelay true\n"
                             f"persistence true\npersistence_location {tmp}/\nautosave_interval 30\n"
                             f"user {pwd.getpwuid(os.geteuid()).pw_name}\n")
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> float:
        """Start and return the monotonic time at which it listens."""
        self.proc = subprocess.Popen([shutil.which("mosquitto") or "/usr/sbin/mosquitto", "-c", str(self.conf)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not listening(self.port):
            if time.monotonic() > deadline:
                raise RuntimeError("mosquitto did not start")
            time.sleep(0.005)
        return time.monotonic()

    def stop(self) -> None:
        stop_process(self.proc)


class Replies:
    """Reply session ids, seen by a client with a persistent MQTT 5 session (QoS 1)."""

    def __init__(self, port: int) -> None:
        self.seen: list[tuple[float, str]] = []
        self.cond = threading.Condition()
        self.client = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id="rbench-replies",
                                  protocol=paho.MQTTv5)
        self.client.reconnect_delay_set(0.05, 0.2)  # type: ignore[arg-type]  # the observer must not be the slow one
        self.client.on_connect = lambda c, *_a: c.subscribe(f"voiced/{SITE}/reply", qos=1)
        self.client.on_message = self._on_message
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = 600
        self.client.connect("127.0.0.1", port, clean_start=False, properties=props)
        self.client.loop_start()

    def _on_message(self, _c: Any, _u: Any, m: paho.MQTTMessage) -> None:
        sid = str(json.loads(m.payload).get("session_id", ""))
        with self.cond:
            self.seen.append((time.monotonic(), sid))
            self.cond.notify_all()

    def wait(self, sids: set[str], timeout: float) -> dict[str, float]:
        """First arrival time of each of ``sids`` (those that came within ``timeout``)."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while not sids <= {s for _t, s in self.seen} and time.monotonic() < deadline:
                self.cond.wait(0.1)
            first: dict[str, float] = {}
            for t, s in self.seen:
                if s in sids and s not in first:
                    first[s] = t
            return first

    def count(self, sid: str) -> int:
        with self.cond:
            return sum(1 for _t, s in self.seen if s == sid)


def wait_log(log: Path, pattern: str, start: int, timeout: float) -> float | None:
    rx = re.compile(pattern)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if rx.search(log.read_text(errors="replace"), start):
            return time.monotonic()
        time.sleep(0.01)
    return None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3, help="5 s outages to time (default 3; one 40 s outage)")
    ap.add_argument("--long", type=float, default=40.0, help="the long outage in seconds (default 40)")
    ap.add_argument("--stream", type=float, default=30.0, help="seconds of 10 commands/s (default 30)")
    ap.add_argument("--down", type=float, default=2.0, help="seconds the broker is away during the stream")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="voiced-rbench-"))
    broker = Broker(tmp)
    broker.start()
    cfg = tmp / "voiced.yaml"
    cfg.write_text(f"site: {SITE}\nlog_level: INFO\nreply:\n  use_model: false\n")
    log = tmp / "daemon.log"
    daemon = subprocess.Popen([sys.executable, "-m", "voiced.cli", "run", "--no-audio", "--config", str(cfg),
                               "--broker", f"mqtt://127.0.0.1:{broker.port}", "--state-dir", str(tmp / "state")],
                              cwd=REPO, stdout=subprocess.DEVNULL, stderr=log.open("wb"),
                              env={k: v for k, v in os.environ.items() if not k.startswith("VOICED_")})
    sender = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id="rbench-sender")
    sender.reconnect_delay_set(0.05, 0.2)  # type: ignore[arg-type]  # paho accepts floats
    replies: Replies | None = None
    result: dict[str, Any] = {}
    try:
        if wait_log(log, r"connected to 127\.0\.0\.1", 0, 180) is None:
            print(log.read_text()[-2000:], file=sys.stderr)
            return 1
        replies = Replies(broker.port)
        sender.connect("127.0.0.1", broker.port)
        sender.loop_start()
        n = 0

        def outage(seconds: float) -> dict[str, float | None]:
            nonlocal n
            broker.stop()
            time.sleep(seconds)  # the outage itself
            mark = len(log.read_text(errors="replace"))
            back = broker.start()
            n += 1
            sid = f"o{n}"
            assert replies is not None
            sender.publish(f"voiced/{SITE}/text", json.dumps({"text": TEXTS[n % 2], "session_id": sid}), qos=1)
            linked = wait_log(log, r"connected to 127\.0\.0\.1", mark, 60)
            answered = replies.wait({sid}, 60).get(sid)
            return {"link_s": round(linked - back, 3) if linked else None,
                    "answer_s": round(answered - back, 3) if answered else None}

        short = [outage(5.0) for _ in range(args.repeat)]
        long = outage(args.long)
        result["outage_5s"] = short
        links = [o["link_s"] for o in short if o["link_s"] is not None]
        if links:
            result["outage_5s_link_mean_s"] = round(statistics.fmean(links), 3)
        result[f"outage_{args.long:g}s"] = long

        # a restart under a stream of 10 commands/s
        total = int(10 * args.stream)
        sids = [f"c{i:04d}" for i in range(total)]
        t0 = time.monotonic()
        stopped_at: float | None = None
        restarted = False
        for i, sid in enumerate(sids):
            pace = t0 + i / 10 - time.monotonic()
            if pace > 0:
                time.sleep(pace)
            if stopped_at is None and i == total // 3:
                broker.stop()
                stopped_at = time.monotonic()
            if stopped_at is not None and not restarted and time.monotonic() - stopped_at >= args.down:
                broker.start()
                restarted = True
            sender.publish(f"voiced/{SITE}/text", json.dumps({"text": TEXTS[i % 2], "session_id": sid}), qos=1)
        if not restarted:
            broker.start()
        got = replies.wait(set(sids), 90)
        result["restart_under_load"] = {
            "commands": total, "rate_per_s": 10, "broker_down_s": args.down,
            "lost": total - len(got), "duplicates": sum(max(0, replies.count(s) - 1) for s in sids),
            "lost_ids": sorted(set(sids) - set(got))[:20],
        }
        result["reconnect_backoff_cap_s"] = 5.0
        print(json.dumps(result, indent=2))
        return 0
    finally:
        sender.loop_stop()
        sender.disconnect()
        if replies is not None:
            replies.client.loop_stop()
            replies.client.disconnect()
        stop_process(daemon, 10)
        broker.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
