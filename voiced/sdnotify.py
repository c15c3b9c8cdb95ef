"""systemd notification protocol (sd_notify) in a few lines over a unix datagram socket.

Why not a dependency: the protocol is one ``sendto`` of ``KEY=VALUE`` lines to ``$NOTIFY_SOCKET``
(a path, or ``@name`` for the abstract namespace).  Outside systemd the variable is unset and every
call is a no-op, so the daemon calls these unconditionally.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Mapping

log = logging.getLogger(__name__)


def _address(raw: str) -> str | bytes:
    """``@name`` → abstract socket (leading NUL); anything else is a filesystem path."""
    if raw.startswith("@"):
        return b"\0" + raw[1:].encode()
    return raw


def watchdog_interval(env: Mapping[str, str] | None = None) -> float | None:
    """Seconds between two ``WATCHDOG=1`` pings: half of ``$WATCHDOG_USEC`` (systemd's advice).

    ``None`` when no watchdog is configured, or ``$WATCHDOG_PID`` names another process.
    """
    env = os.environ if env is None else env
    usec = env.get("WATCHDOG_USEC", "")
    pid = env.get("WATCHDOG_PID", "")
    if pid and pid != str(os.getpid()):
        return None
    try:
        value = int(usec)
    except ValueError:
        return None
    return value / 2e6 if value > 0 else None


class Notifier:
    """Sends state changes to the service manager; silent when not run under systemd.

    A send error is logged once and otherwise ignored: a broken notify socket must not take the
    assistant down (systemd will restart it anyway if READY/WATCHDOG never arrive).
    """

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        env = os.environ if env is None else env
        raw = env.get("NOTIFY_SOCKET", "")
        self.address: str | bytes | None = _address(raw) if raw else None
        self._sock: socket.socket | None = None
        self._warned = False

    @property
    def enabled(self) -> bool:
        return self.address is not None

    def notify(self, **fields: str | int) -> bool:
        """Send ``KEY=VALUE`` lines (keys upper-cased); ``True`` when the datagram went out."""
        if self.address is None:
            return False
        lines = []
        for key, value in fields.items():
            text = str(value).replace("\n", " ")
            lines.append(f"{key.upper()}={text}")
        payload = "\n".join(lines).encode()
        try:
            if self._sock is None:
                self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
            self._sock.sendto(payload, self.address)
            return True
        except OSError as exc:
            if not self._warned:
                log.warning("sd_notify to %r failed: %s", self.address, exc)
                self._warned = True
            return False

    def ready(self, status: str | None = None) -> bool:
        """Models loaded and broker connected: systemd now considers the unit started."""
        if status is None:
            return self.notify(ready=1, mainpid=os.getpid())
        return self.notify(ready=1, mainpid=os.getpid(), status=status)

    def status(self, text: str) -> bool:
        return self.notify(status=text)

    def watchdog(self) -> bool:
        """Call from the main loop itself, so that a hung loop stops pinging and gets restarted."""
        return self.notify(watchdog=1)

    def stopping(self, status: str | None = None) -> bool:
        if status is None:
            return self.notify(stopping=1)
        return self.notify(stopping=1, status=status)

    def reloading(self, status: str | None = None) -> bool:
        """Before re-reading config; send ``ready()`` again when done (Type=notify protocol)."""
        # MONOTONIC_USEC is required by newer systemd (Type=notify-reload) and ignored by older ones
        now = int(time.clock_gettime(time.CLOCK_MONOTONIC) * 1_000_000)
        if status is None:
            return self.notify(reloading=1, monotonic_usec=now)
        return self.notify(reloading=1, monotonic_usec=now, status=status)

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
