"""Soak: N text commands through a real broker into the running daemon (``voiced run --no-audio``).

Prints one JSON object (also with ``--out FILE``): commands sent/answered/lost, device commands
seen, throughput, latency publish → intent, the daemon's RSS after warm-up and at the end (growth
target ≤ 5 %), and its idle CPU while listening.  Topics follow shared/spec/mqtt.md: publish
``{"text", "session_id"}`` on ``voiced/<site>/text``, expect ``voiced/<site>/intent`` carrying that
``session_id``; device commands are the messages on topics outside ``voiced/``, ``hermes/`` and
``homeassistant/``.

    .venv/bin/python benchmarks/bench_soak.py                  # 10,000 commands, 30 s idle
    .venv/bin/python benchmarks/bench_soak.py -n 2000 --idle 10 --model DIR
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt

REPO = Path(__file__).resolve().parent.parent

# Commands for the example home (devices/home.yaml): switching things (device commands), asking
# states and the time (no device command).  Cycled through for N commands.
COMMANDS = [
    "turn on the living room lamp",
    "turn off the living room lamp",
    "switch on the kitchen spots",
    "switch off the kitchen spots",
    "turn on the hall light",
    "turn off the hall light",
    "set the desk lamp to 40 percent",
    "turn on the coffee maker",
    "turn off the coffee maker",
    "is the front door locked",
    "what is the temperature in the bedroom",
    "what time is it",
    "turn on the ceiling fan",
    "turn off the ceiling fan",
    "close the living room blinds",
    "open the living room blinds",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def cpu_seconds(pid: int) -> float:
    """utime + stime of the process (all threads), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_mosquitto(tmp: Path) -> tuple[subprocess.Popen[bytes], int]:
    exe = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    port = free_port()
    conf = tmp / "mosquitto.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 100000\n")
    proc = subprocess.Popen([exe, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc, port
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("mosquitto did not start")


class Observer:
    """Counts what the daemon publishes; matches intents to commands by session_id."""

    def __init__(self, site: str) -> None:
        self.site = site
        self.lock = threading.Lock()
        self.sent_at: dict[str, float] = {}
        self.answered: dict[str, float] = {}
        self.replies = 0
        self.device_commands = 0
        self.online = threading.Event()
        self.cond = threading.Condition(self.lock)

    def on_message(self, _c: mqtt.Client, _u: Any, msg: mqtt.MQTTMessage) -> None:
        now = time.perf_counter()
        t = msg.topic
        if t == f"voiced/{self.site}/status":
            if msg.payload == b"online":
                self.online.set()
            return
        if t == f"voiced/{self.site}/intent":
            try:
                sid = json.loads(msg.payload).get("session_id", "")
            except ValueError:
                return
            with self.cond:
                if sid in self.sent_at and sid not in self.answered:
                    self.answered[sid] = now - self.sent_at[sid]
                    self.cond.notify_all()
            return
        if t == f"voiced/{self.site}/reply":
            with self.lock:
                self.replies += 1
            return
        if not t.startswith(("voiced/", "hermes/", "homeassistant/")):
            with self.lock:
                self.device_commands += 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=10_000, help="text commands to send")
    ap.add_argument("--warmup", type=int, default=1_000, help="commands before the baseline RSS")
    ap.add_argument("--window", type=int, default=8, help="commands in flight at once")
    ap.add_argument("--idle", type=float, default=30.0, help="seconds of idle CPU measurement")
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for the last answers")
    ap.add_argument("--devices", default=str(REPO / "devices" / "home.yaml"))
    ap.add_argument("--model", help="models directory holding nlu/ and reply/ (default: the shipped ones)")
    ap.add_argument("--no-reply-model", action="store_true", help="template replies only (reply.use_model: false)")
    ap.add_argument("--out", help="also write the JSON figures here")
    args = ap.parse_args()
    site = "soak"
    tmp = Path(tempfile.mkdtemp(prefix="voiced-soak-"))
    broker, port = start_mosquitto(tmp)
    url = f"mqtt://127.0.0.1:{port}"
    config = tmp / "voiced.yaml"
    lines = [f"site: {site}", f"devices: {args.devices}", "audio: {enabled: false}", f"state_dir: {tmp / 'state'}"]
    nlu: dict[str, Any] = {}
    reply: dict[str, Any] = {}
    if args.model:
        nlu["model_dir"] = str(Path(args.model) / "nlu")
        reply["model_dir"] = str(Path(args.model) / "reply")
    if args.no_reply_model:
        reply["use_model"] = False
    lines += [f"nlu: {json.dumps(nlu)}", f"reply: {json.dumps(reply)}"]  # JSON is YAML
    config.write_text("\n".join(lines) + "\n")
    log_path = tmp / "daemon.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VOICED_", "NOTIFY_SOCKET", "WATCHDOG_"))}
    daemon = subprocess.Popen(
        [sys.executable, "-m", "voiced.cli", "run", "--no-audio", "--config", str(config), "--broker", url],
        stdout=subprocess.DEVNULL, stderr=log_path.open("wb"), env=env, cwd=REPO)
    obs = Observer(site)
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="voiced-soak-observer", protocol=mqtt.MQTTv311)
    client.on_message = obs.on_message
    client.max_inflight_messages_set(100)
    result: dict[str, Any] = {"n": args.n, "reply_model": not args.no_reply_model}
    try:
        client.connect("127.0.0.1", port)
        client.subscribe("#", qos=1)
        client.loop_start()
        t0 = time.monotonic()
        while not obs.online.wait(0.5):
            if daemon.poll() is not None:
                raise RuntimeError(f"the daemon exited ({daemon.returncode}): {log_path.read_text()[-2000:]}")
            if time.monotonic() - t0 > 300:
                raise RuntimeError("the daemon never said online")
        result["startup_s"] = round(time.monotonic() - t0, 2)
        time.sleep(1.0)
        rss_start = rss_kib(daemon.pid)
        rss_base = None
        started = time.perf_counter()
        for i in range(args.n):
            sid = f"soak-{i}"
            with obs.cond:
                # bounded window: at most `window` commands unanswered (answers may be lost: time out)
                obs.cond.wait_for(lambda: len(obs.sent_at) - len(obs.answered) < args.window, timeout=10)
                obs.sent_at[sid] = time.perf_counter()
            client.publish(f"voiced/{site}/text", json.dumps({"text": COMMANDS[i % len(COMMANDS)], "session_id": sid}), qos=1)
            if i + 1 == args.warmup:
                with obs.cond:
                    obs.cond.wait_for(lambda: len(obs.sent_at) == len(obs.answered), timeout=args.timeout)
                time.sleep(1.0)
                rss_base = rss_kib(daemon.pid)
            if daemon.poll() is not None:
                raise RuntimeError(f"the daemon died after {i} commands: {log_path.read_text()[-2000:]}")
        with obs.cond:
            obs.cond.wait_for(lambda: len(obs.sent_at) == len(obs.answered), timeout=args.timeout)
        elapsed = time.perf_counter() - started
        time.sleep(2.0)  # let the replies and device commands drain, and the daemon settle
        rss_end = rss_kib(daemon.pid)
        lat = sorted(obs.answered.values())
        result.update({
            "answered": len(obs.answered),
            "lost": args.n - len(obs.answered),
            "replies": obs.replies,
            "device_commands": obs.device_commands,
            "commands_per_s": round(args.n / elapsed, 1),
            "latency_ms_p50": round(statistics.median(lat) * 1000, 2) if lat else None,
            "latency_ms_p99": round(lat[int(0.99 * (len(lat) - 1))] * 1000, 2) if lat else None,
            "rss_mib_start": round(rss_start / 1024, 1),
            "rss_mib_after_warmup": round((rss_base or rss_start) / 1024, 1),
            "rss_mib_end": round(rss_end / 1024, 1),
            "rss_growth_pct": round(100 * (rss_end - (rss_base or rss_start)) / (rss_base or rss_start), 2),
        })
        c0, w0 = cpu_seconds(daemon.pid), time.monotonic()
        time.sleep(args.idle)
        c1, w1 = cpu_seconds(daemon.pid), time.monotonic()
        result["idle_cpu_pct"] = round(100 * (c1 - c0) / (w1 - w0), 2)
        result["idle_seconds"] = round(w1 - w0, 1)
        # and it stops cleanly within 5 s of SIGTERM, publishing offline
        t = time.monotonic()
        daemon.send_signal(signal.SIGTERM)
        result["exit_code"] = daemon.wait(15)
        result["stop_s"] = round(time.monotonic() - t, 2)
        result["daemon_log_lines"] = len(log_path.read_text(errors="replace").splitlines())
    finally:
        client.loop_stop()
        client.disconnect()
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()
        broker.terminate()
        broker.wait(5)
        if "exit_code" in result:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"kept {tmp} for inspection (daemon.log)", file=sys.stderr)
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")
    ok = result.get("lost") == 0 and result.get("rss_growth_pct", 100) <= 5.0 and result.get("exit_code") == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
