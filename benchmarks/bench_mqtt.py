"""Text in → device command published, through a real broker, over N commands.

Starts a private Mosquitto and ``voiced run --no-audio`` (shipped models), then sends
``voiced/bench/text`` commands one at a time ("turn on/off the bedroom lamp", alternating) and
times each from the text's publish to the arrival of ``zigbee2mqtt/bedroom_lamp/set`` at an
independent subscriber.  The next command is sent after the previous reply arrived, so the
figures are per-command latency, not queueing.  The broker runs with ``set_tcp_nodelay true``
(``--stock-broker``: without; its Nagle then holds each command ~40 ms behind its own PUBACK).  Prints JSON: p50/p95/p99/mean in ms for
text→command and text→reply, and the daemon's own ``command_published`` metric.

    .venv/bin/python benchmarks/bench_mqtt.py [-n 1000]
"""

from __future__ import annotations

import argparse
import json
import os
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

from voiced.proc import stop_process

REPO = Path(__file__).resolve().parent.parent
SITE = "bench"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(p / 100 * (len(s) - 1))))]


def summary(values: list[float]) -> dict[str, float]:
    return {"p50": round(pct(values, 50), 3), "p95": round(pct(values, 95), 3), "p99": round(pct(values, 99), 3),
            "mean": round(statistics.fmean(values), 3), "n": len(values)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=1000, help="number of commands (default 1000)")
    ap.add_argument("--stock-broker", action="store_true",
                    help="mosquitto without set_tcp_nodelay (its Nagle adds ~40 ms per command)")
    ap.add_argument("--gap", type=float, default=0.0,
                    help="seconds of pause between commands (a stock broker's Nagle needs ~0.05)")
    ap.add_argument("--templates", action="store_true", help="template replies even when models/reply exists")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="voiced-bench-"))
    port = free_port()
    conf = tmp / "mosquitto.conf"
    nodelay = "" if args.stock_broker else "set_tcp_nodelay true\n"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n{nodelay}")
    broker = subprocess.Popen([shutil.which("mosquitto") or "/usr/sbin/mosquitto", "-c", str(conf)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cfg = tmp / "voiced.yaml"
    reply_model = (REPO / "models" / "reply").is_dir() and not args.templates
    cfg.write_text(f"log_level: WARNING\nreply:\n  use_model: {'true' if reply_model else 'false'}\n")
    daemon: subprocess.Popen[bytes] | None = None
    client = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id="bench")
    sender = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id="bench-sender")
    lock = threading.Condition()
    got: dict[str, list[tuple[float, bytes]]] = {}

    def on_message(_c: Any, _u: Any, m: paho.MQTTMessage) -> None:
        now = time.perf_counter()
        with lock:
            got.setdefault(m.topic, []).append((now, bytes(m.payload)))
            lock.notify_all()

    def wait(topic: str, count: int, timeout: float) -> float:
        deadline = time.monotonic() + timeout
        with lock:
            while len(got.get(topic, [])) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no message {count} on {topic}")
                lock.wait(left)
            return got[topic][count - 1][0]

    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        client.on_message = on_message
        # no Nagle on our side (voiced's client does the same): latency, not packet count
        client.on_socket_open = lambda _c, _u, sock: sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # type: ignore[attr-defined]
        client.connect("127.0.0.1", port)
        client.subscribe([(f"voiced/{SITE}/status", 1), ("zigbee2mqtt/bedroom_lamp/set", 1),
                          (f"voiced/{SITE}/reply", 1), (f"voiced/{SITE}/metrics", 0)])
        client.loop_start()
        # the text comes from another connection, as from a chat bridge or Home Assistant
        sender.on_socket_open = client.on_socket_open
        sender.connect("127.0.0.1", port)
        sender.loop_start()
        t0 = time.perf_counter()
        daemon = subprocess.Popen([sys.executable, "-m", "voiced.cli", "run", "--no-audio", "--config", str(cfg),
                                   "--broker", f"mqtt://127.0.0.1:{port}", "--site", SITE], cwd=REPO,
                                  stdout=subprocess.DEVNULL, stderr=(tmp / "daemon.log").open("wb"),
                                  env={**os.environ})
        deadline = time.monotonic() + 120
        while True:
            with lock:
                if any(p == b"online" for _t, p in got.get(f"voiced/{SITE}/status", [])):
                    break
            if time.monotonic() > deadline or daemon.poll() is not None:
                print((tmp / "daemon.log").read_text()[-2000:], file=sys.stderr)
                return 1
            time.sleep(0.05)
        startup = time.perf_counter() - t0
        texts = ["turn on the bedroom lamp", "turn off the bedroom lamp"]
        for i in range(20):  # warm-up
            sender.publish(f"voiced/{SITE}/text", texts[i % 2], qos=1)
            wait(f"voiced/{SITE}/reply", i + 1, 30)
        with lock:
            base_cmd = len(got.get("zigbee2mqtt/bedroom_lamp/set", []))
            base_reply = len(got.get(f"voiced/{SITE}/reply", []))
            base_metrics = len(got.get(f"voiced/{SITE}/metrics", []))
        to_command: list[float] = []
        to_reply: list[float] = []
        for i in range(args.n):
            if args.gap:
                time.sleep(args.gap)
            sent = time.perf_counter()
            sender.publish(f"voiced/{SITE}/text", texts[i % 2], qos=1)
            to_command.append((wait("zigbee2mqtt/bedroom_lamp/set", base_cmd + i + 1, 30) - sent) * 1000)
            to_reply.append((wait(f"voiced/{SITE}/reply", base_reply + i + 1, 30) - sent) * 1000)
        time.sleep(0.3)
        with lock:
            metrics = [json.loads(p) for _t, p in got.get(f"voiced/{SITE}/metrics", [])[base_metrics:]]
        internal = [m["command_published"] for m in metrics if "command_published" in m]
        nlu = [m["nlu"] for m in metrics if "nlu" in m]
        print(json.dumps({
            "commands": args.n,
            "text_to_command_ms": summary(to_command),
            "text_to_reply_ms": summary(to_reply),
            "daemon_command_published_ms": summary(internal) if internal else None,
            "daemon_nlu_ms": summary(nlu) if nlu else None,
            "daemon_startup_s": round(startup, 2),
            "reply_model": reply_model,
            "broker_tcp_nodelay": not args.stock_broker,
            "gap_s": args.gap,
        }, indent=2))
        return 0
    finally:
        client.loop_stop()
        sender.loop_stop()
        stop_process(daemon, 10)
        stop_process(broker)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
