"""The private Mosquitto of ``voiced run`` when no broker is configured: started, supervised,
restarted when it dies, and cleaned up after a run that was killed.

- Started on ``mqtt.local_port`` (1883) when that is free, else on a free loopback port, in its
  own session (a Ctrl-C to voiced's process group must not take it down before voiced has
  published ``offline``), from a config in a temporary folder ``voiced-mosquitto-*``.
- The folder holds a marker (:data:`MARKER`, JSON: voiced's pid and start time, the broker's pid,
  start time and port).  A voiced that was SIGKILLed leaves broker and folder behind; the next
  ``voiced run`` finds the marker, sees that its owner is gone and stops that broker
  (:func:`stop_stale`) instead of silently using it.
- Persistence is on (``<state_dir>/mosquitto-<port>.db``, saved on exit and every 30 s), so a
  restarted broker still has voiced's session and the commands queued in it.
- :meth:`LocalBroker.supervise` (every tick of the daemon's main loop) restarts a broker that died,
  on the same port; after :data:`RESTART_LIMIT` restarts within :data:`RESTART_WINDOW` seconds it
  raises :class:`MqttError` and the daemon exits 1 (systemd's ``Restart=on-failure`` takes over).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections import deque
from pathlib import Path
from typing import Any

from voiced.config import Settings
from voiced.errors import MqttError
from voiced.proc import stop_process

log = logging.getLogger("voiced.broker")

PREFIX = "voiced-mosquitto-"
MARKER = "voiced-broker.json"
RESTART_LIMIT = 5
RESTART_WINDOW = 60.0  # s
RETRY_DELAY = 1.0  # s between two attempts when a restart failed
AUTOSAVE = 30  # s between two saves of the broker's database (and on exit)


def port_open(host: str, port: int, timeout: float = 0.3) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _start_time(pid: int) -> int | None:
    """The process's start time in clock ticks since boot (``/proc/<pid>/stat`` field 22); None when
    there is no such process (or it is a zombie).  Together with the pid it names one process."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rfind(")") + 2:].split()  # after "pid (comm) "; comm may hold spaces
    if not fields or fields[0] == "Z":
        return None
    try:
        return int(fields[19])
    except (IndexError, ValueError):
        return None


def _cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode("utf-8", "replace").split("\0")
    except OSError:
        return []


def _same_process(pid: Any, start: Any) -> bool:
    return isinstance(pid, int) and pid > 0 and start is not None and _start_time(pid) == start


def stop_stale(tmp_root: str | None = None, timeout: float = 5.0) -> list[int]:
    """Stop the private brokers whose voiced is gone (killed without cleaning up) and remove their
    folders; brokers of a running voiced are left alone.  Returns the pids stopped."""
    root = Path(tmp_root or tempfile.gettempdir())
    stopped: list[int] = []
    for folder in sorted(root.glob(f"{PREFIX}*")):
        marker = folder / MARKER
        try:
            info = json.loads(marker.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # not ours to judge: no marker (yet), or not readable by this user
        if not isinstance(info, dict):
            continue
        if _same_process(info.get("owner_pid"), info.get("owner_start")):
            continue  # its voiced still runs
        pid, conf = info.get("broker_pid"), str(info.get("conf", ""))
        if isinstance(pid, int) and _same_process(pid, info.get("broker_start")) and conf in _cmdline(pid):
            log.warning("stopping a private mosquitto (pid %d, 127.0.0.1:%s) left by a voiced run that "
                        "ended without stopping it (pid %s)", pid, info.get("port"), info.get("owner_pid"))
            try:
                _terminate(pid, timeout)
            except PermissionError:
                log.warning("cannot stop mosquitto pid %d (another user's); leaving it", pid)
                continue
            stopped.append(pid)
        shutil.rmtree(folder, ignore_errors=True)
    return stopped


def _terminate(pid: int, timeout: float) -> None:
    """SIGTERM (mosquitto saves its database), wait, SIGKILL; for a process that is not our child."""
    start = _start_time(pid)
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _start_time(pid) != start:
            return
        time.sleep(0.02)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _start_time(pid) == start:
        time.sleep(0.02)


class LocalBroker:
    """A private Mosquitto for a standalone install ("a local broker is started if none is
    configured"): on ``port`` when free, else on any free loopback port; restarted on that same
    port when it dies (:meth:`supervise`)."""

    def __init__(self, port: int = 1883, state_dir: Path | None = None) -> None:
        self.preferred_port = port
        self.state_dir = state_dir  # where the database goes (a temporary folder when None)
        self.proc: subprocess.Popen[bytes] | None = None
        self.dir: tempfile.TemporaryDirectory[str] | None = None
        self.port = 0
        self.restarts: deque[float] = deque()
        self._next_try = 0.0
        self.exe = shutil.which("mosquitto") or "/usr/sbin/mosquitto"

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self) -> str:
        if not Path(self.exe).exists():
            raise MqttError("no broker configured and mosquitto is not installed (apt install mosquitto, "
                            "or set mqtt.url / --broker)")
        self.port = self.preferred_port
        try:
            with socket.socket() as s:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a previous run's TIME_WAIT is no owner
                s.bind(("127.0.0.1", self.port))
        except OSError:
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                self.port = int(s.getsockname()[1])
        self.dir = tempfile.TemporaryDirectory(prefix=PREFIX)
        folder = Path(self.dir.name)
        db_dir = folder
        if self.state_dir is not None and self.port == self.preferred_port:
            db_dir = self.state_dir  # kept across runs of voiced; a free-port fallback's is not
        conf = folder / "mosquitto.conf"
        # set_tcp_nodelay: without it the broker's Nagle holds a command behind its own PUBACK for
        # the subscriber's delayed ACK (~40 ms); see docs/mqtt.md.  user: stay who we are (as root,
        # mosquitto would switch to "mosquitto", who can neither read this folder nor the state dir)
        lines = [f"listener {self.port} 127.0.0.1", "allow_anonymous true", "set_tcp_nodelay true",
                 "persistence true", f"persistence_location {db_dir}/", f"persistence_file mosquitto-{self.port}.db",
                 f"autosave_interval {AUTOSAVE}"]
        with contextlib.suppress(KeyError):
            lines.append(f"user {pwd.getpwuid(os.geteuid()).pw_name}")
        conf.write_text("\n".join(lines) + "\n")
        try:
            self._spawn()
        except MqttError:
            self.stop()
            raise
        log.info("started a private mosquitto (pid %d) on 127.0.0.1:%d", self._pid(), self.port)
        return self.url

    def _pid(self) -> int:
        return self.proc.pid if self.proc is not None else 0

    def _spawn(self) -> None:
        """Start mosquitto from the folder's config and wait until it listens; write the marker."""
        assert self.dir is not None
        conf = Path(self.dir.name) / "mosquitto.conf"
        # its own session: a Ctrl-C or SIGTERM to our process group must not take the broker down
        # before we have published "offline" and disconnected
        self.proc = subprocess.Popen([self.exe, "-c", str(conf)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        self._write_marker(conf)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if port_open("127.0.0.1", self.port, 0.2):
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        code = self.proc.poll()
        stop_process(self.proc)
        raise MqttError(f"could not start a local mosquitto on 127.0.0.1:{self.port}"
                        + (f" (it exited with code {code})" if code is not None else ""))

    def _write_marker(self, conf: Path) -> None:
        assert self.dir is not None and self.proc is not None
        info = {"owner_pid": os.getpid(), "owner_start": _start_time(os.getpid()), "broker_pid": self.proc.pid,
                "broker_start": _start_time(self.proc.pid), "port": self.port, "conf": str(conf)}
        tmp = Path(self.dir.name) / f".{MARKER}.tmp"
        tmp.write_text(json.dumps(info), encoding="utf-8")
        tmp.replace(Path(self.dir.name) / MARKER)

    def save(self) -> None:
        """Have mosquitto write its database now (SIGUSR1), e.g. once voiced's subscriptions are in
        its session: a broker that is then killed comes back with them, and commands published
        before voiced has reconnected are kept for it instead of going to no one."""
        if self.running:
            assert self.proc is not None
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGUSR1)

    def supervise(self) -> bool:
        """Call periodically: restart a broker that died.  True while it runs.  Raises MqttError
        when it died :data:`RESTART_LIMIT` times within :data:`RESTART_WINDOW` seconds."""
        if self.proc is None or self.dir is None:
            return False
        code = self.proc.poll()
        if code is None:
            return True
        now = time.monotonic()
        if now < self._next_try:
            return False
        while self.restarts and now - self.restarts[0] > RESTART_WINDOW:
            self.restarts.popleft()
        if len(self.restarts) >= RESTART_LIMIT:
            raise MqttError(f"the private mosquitto died {len(self.restarts) + 1} times within "
                            f"{RESTART_WINDOW:g} s (last exit code {code}); giving up")
        self.restarts.append(now)
        log.error("the private mosquitto (pid %d) exited with code %s; restarting it on 127.0.0.1:%d",
                  self.proc.pid, code, self.port)
        try:
            self._spawn()
        except MqttError as exc:
            log.error("%s; trying again in %g s", exc, RETRY_DELAY)
            self._next_try = time.monotonic() + RETRY_DELAY
            return False
        log.info("started a private mosquitto (pid %d) on 127.0.0.1:%d", self._pid(), self.port)
        return True

    def stop(self) -> None:
        stop_process(self.proc)
        self.proc = None
        if self.dir is not None:
            self.dir.cleanup()
            self.dir = None


def broker_url(settings: Settings, local: LocalBroker) -> str:
    """The configured broker, else one on 127.0.0.1:``mqtt.local_port`` (1883), else a private one
    (when allowed).  A private broker left by a killed run is stopped first, never adopted."""
    if settings.mqtt.url:
        return settings.mqtt.url
    stop_stale()
    port = settings.mqtt.local_port
    if port_open("127.0.0.1", port) or not settings.mqtt.start_local:
        return f"mqtt://127.0.0.1:{port}"
    return local.start()
