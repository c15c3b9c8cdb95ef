"""Shared fixtures: a real Mosquitto broker on a free loopback port, the example home."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from voiced.proc import stop_process

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_HOME = REPO / "devices" / "home.yaml"
SECOND_HOME = REPO / "devices" / "cottage.yaml"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Broker:
    host: str
    port: int
    proc: subprocess.Popen[bytes]
    conf: Path
    log: Path

    @property
    def url(self) -> str:
        return f"mqtt://{self.host}:{self.port}"

    def stop(self) -> None:
        stop_process(self.proc)

    def start(self) -> None:
        """(Re)start on the same port, e.g. after ``stop()`` in a reconnect test."""
        self.proc = _spawn(self.conf, self.log)
        _wait_port(self.host, self.port)


def _spawn(conf: Path, log: Path) -> subprocess.Popen[bytes]:
    exe = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    if not Path(exe).exists():
        pytest.fail("mosquitto is not installed (run .ci/setup)")
    return subprocess.Popen([exe, "-c", str(conf)], stdout=log.open("ab"), stderr=subprocess.STDOUT)


def _wait_port(host: str, port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"mosquitto did not listen on {host}:{port}")


def start_broker(tmp: Path, extra: str = "") -> Broker:
    port = free_port()
    conf = tmp / f"mosquitto-{port}.conf"
    log = tmp / f"mosquitto-{port}.log"
    conf.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
        f"max_packet_size 2000000\n{extra}"
    )
    broker = Broker("127.0.0.1", port, _spawn(conf, log), conf, log)
    _wait_port(broker.host, port)
    return broker


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    """A private Mosquitto for one test."""
    b = start_broker(tmp_path)
    try:
        yield b
    finally:
        b.stop()


@pytest.fixture(scope="module")
def module_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    """A private Mosquitto shared by one test module."""
    b = start_broker(tmp_path_factory.mktemp("broker"))
    try:
        yield b
    finally:
        b.stop()


@pytest.fixture(scope="session")
def example_home_path() -> Path:
    return EXAMPLE_HOME
