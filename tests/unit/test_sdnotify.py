"""sd_notify over a REAL unix datagram socket bound by the test, as systemd would."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from voiced.sdnotify import Notifier, watchdog_interval


def _recv(sock: socket.socket) -> dict[str, str]:
    data = sock.recv(4096).decode()
    return dict(line.split("=", 1) for line in data.split("\n"))


@pytest.fixture
def path_socket(tmp_path: Path) -> Iterator[tuple[socket.socket, str]]:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    addr = str(tmp_path / "notify")
    sock.bind(addr)
    sock.settimeout(2)
    try:
        yield sock, addr
    finally:
        sock.close()


@pytest.fixture
def abstract_socket() -> Iterator[tuple[socket.socket, str]]:
    name = f"voiced-test-{uuid.uuid4().hex}"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind("\0" + name)
    sock.settimeout(2)
    try:
        yield sock, "@" + name
    finally:
        sock.close()


def test_ready_status_watchdog_stopping_over_a_path_socket(path_socket: tuple[socket.socket, str]) -> None:
    sock, addr = path_socket
    n = Notifier({"NOTIFY_SOCKET": addr})
    assert n.enabled
    assert n.ready("listening")
    assert _recv(sock) == {"READY": "1", "MAINPID": str(os.getpid()), "STATUS": "listening"}
    assert n.status("loading models\nstep 2")
    assert _recv(sock) == {"STATUS": "loading models step 2"}  # one line: a newline would split the field
    assert n.watchdog()
    assert _recv(sock) == {"WATCHDOG": "1"}
    assert n.stopping()
    assert _recv(sock) == {"STOPPING": "1"}
    n.close()


def test_reloading_carries_monotonic_time(path_socket: tuple[socket.socket, str]) -> None:
    sock, addr = path_socket
    n = Notifier({"NOTIFY_SOCKET": addr})
    assert n.reloading("re-reading config")
    msg = _recv(sock)
    assert msg["RELOADING"] == "1" and msg["STATUS"] == "re-reading config"
    assert int(msg["MONOTONIC_USEC"]) > 0
    n.close()


def test_abstract_namespace_socket(abstract_socket: tuple[socket.socket, str]) -> None:
    sock, addr = abstract_socket
    n = Notifier({"NOTIFY_SOCKET": addr})
    assert n.watchdog()
    assert _recv(sock) == {"WATCHDOG": "1"}
    n.close()


def test_reads_notify_socket_from_the_environment(path_socket: tuple[socket.socket, str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    sock, addr = path_socket
    monkeypatch.setenv("NOTIFY_SOCKET", addr)
    n = Notifier()
    assert n.stopping("bye")
    assert _recv(sock) == {"STOPPING": "1", "STATUS": "bye"}
    n.close()


def test_no_op_without_notify_socket(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    n = Notifier()
    assert not n.enabled
    assert n.ready() is False and n.watchdog() is False and n.status("x") is False


def test_a_vanished_socket_does_not_raise(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    n = Notifier({"NOTIFY_SOCKET": str(tmp_path / "gone")})
    assert n.watchdog() is False
    assert n.watchdog() is False
    assert sum("sd_notify" in r.getMessage() for r in caplog.records) == 1  # warned once, not per ping
    n.close()


def test_watchdog_interval_is_half_of_watchdog_usec() -> None:
    assert watchdog_interval({"WATCHDOG_USEC": "30000000"}) == 15.0
    assert watchdog_interval({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": str(os.getpid())}) == 15.0
    assert watchdog_interval({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"}) is None  # meant for another
    assert watchdog_interval({}) is None
    assert watchdog_interval({"WATCHDOG_USEC": "0"}) is None
    assert watchdog_interval({"WATCHDOG_USEC": "garbage"}) is None
