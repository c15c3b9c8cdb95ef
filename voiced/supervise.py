"""Two of the main loop's chores that keep the daemon honest with its service manager: the
private mosquitto is restarted when it dies (and voiced gives up, exit status 1, when it keeps
dying), and the systemd watchdog is fed only while the MQTT link is up or has been reconnecting
for less than ``mqtt.offline_watchdog`` seconds — a daemon that cannot reach its broker for longer
is deaf, and systemd restarts it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from voiced.errors import MqttError
from voiced.mqtt.broker import LocalBroker
from voiced.mqtt.client import MqttClient
from voiced.sdnotify import Notifier

log = logging.getLogger("voiced.service")


class Supervisor:
    def __init__(self, client: MqttClient, *, notifier: Notifier | None, interval: float | None,
                 offline_bound: Callable[[], float], local_broker: LocalBroker | None,
                 give_up: Callable[[], None]) -> None:
        """``interval``: seconds between WATCHDOG=1 (None: no watchdog); ``offline_bound()``:
        ``mqtt.offline_watchdog`` now; ``give_up()``: the private broker cannot be kept alive."""
        self.client = client
        self.notifier = notifier
        self.interval = interval
        self.offline_bound = offline_bound
        self.local_broker = local_broker
        self.give_up = give_up
        self._next_ping = 0.0
        self._starving = False  # the watchdog is held back: no broker for too long

    def broker(self) -> None:
        if self.local_broker is None:
            return
        try:
            self.local_broker.supervise()
        except MqttError as exc:
            log.error("%s: exiting (status 1) so that the service manager restarts voiced", exc)
            self.give_up()

    def watchdog(self) -> None:
        now = time.monotonic()
        if self.notifier is None or not self.interval or now < self._next_ping:
            return
        self._next_ping = now + self.interval
        bound = self.offline_bound()
        if self.client.link_ok(bound):
            self.notifier.watchdog()
            self._starving = False
            return
        if not self._starving:
            self._starving = True
            why = ("the MQTT network thread stopped" if not self.client.network_alive
                   else f"no broker for {self.client.offline_for():.0f} s (mqtt.offline_watchdog {bound:g} s)")
            log.error("%s: no longer feeding the watchdog", why)
            self.notifier.status(f"{why}; reconnecting")
