"""The broker connection: the only module that imports paho-mqtt.

paho runs its network loop in its own thread; every callback here only converts the event into a
small dataclass and puts it on the daemon's ``queue.Queue`` (``events``), so all real work happens
on the daemon's main loop thread.  Delivery rules (shared/spec/mqtt.md): QoS 1 for commands, a
retained ``online``/``offline`` status with the Last Will, bounded exponential reconnect backoff,
subscriptions restored on reconnect, and an outgoing queue while disconnected whose entries older
than ``queue_max_age`` are dropped with a logged error and a :class:`Dropped` event.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import socket
import ssl
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode

from voiced.config import BrokerSettings
from voiced.errors import ConfigError, MqttError

log = logging.getLogger("voiced.mqtt")

QUEUE_LIMIT = 10_000  # outgoing messages kept while disconnected (oldest dropped beyond this)
MAX_INCOMING = 8 * 1024 * 1024  # bigger messages never reach the daemon's queue (discovery allows 4 MB)


@dataclass(frozen=True)
class Message:
    topic: str
    payload: bytes
    retain: bool = False


@dataclass(frozen=True)
class Connected:
    first: bool


@dataclass(frozen=True)
class Disconnected:
    reason: str


@dataclass(frozen=True)
class Dropped:
    """An outgoing message that waited for the broker longer than the age limit."""

    topic: str
    payload: bytes
    age: float
    entity_id: str = ""
    command: bool = False


@dataclass
class _Pending:
    topic: str
    payload: bytes
    qos: int
    retain: bool
    created: float
    entity_id: str
    command: bool


def parse_url(url: str) -> tuple[str, int, bool]:
    """``mqtt://host:port`` / ``mqtts://host:port`` → (host, port, tls)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ConfigError(f"(url): mqtt.url: invalid broker address {url!r}: {exc}") from exc
    if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
        raise ConfigError(f"(url): mqtt.url: expected mqtt://HOST:PORT or mqtts://HOST:PORT, not {url!r}")
    tls = parts.scheme == "mqtts"
    return parts.hostname, port or (8883 if tls else 1883), tls


_AUTH_HINT = {
    "Not authorized": "not authorized: check mqtt.username and the password (mqtt.password_file / password_env)",
    "Bad user name or password": "bad username or password: check mqtt.username and the password "
    "(mqtt.password_file / password_env)",
}


class _QuietPaho(logging.Filter):
    """paho logs an ERROR on every loop pass while the socket is closed; we log disconnects ourselves."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Client is not connected")


class MqttClient:
    """A paho client with voiced's delivery rules; thread-safe ``publish``/``subscribe``."""

    def __init__(self, settings: BrokerSettings, url: str, events: queue.Queue[Any], *,
                 client_id: str = "", will: tuple[str, str] | None = None,
                 clock: Any = time.monotonic) -> None:
        self.settings = settings
        self.url = url
        self.host, self.port, url_tls = parse_url(url)
        self.events = events
        self.will = will
        self.clock = clock
        self.max_age = float(settings.queue_max_age)
        self._lock = threading.RLock()
        self._connected = False
        self._ever_connected = False
        self._subs: dict[str, int] = {}
        self._queue: deque[_Pending] = deque()
        self._first = threading.Event()
        self._first_error: str | None = None
        self._closing = False
        self._client = paho.Client(CallbackAPIVersion.VERSION2, client_id=client_id or settings.client_id,
                                   clean_session=True)
        paho_log = logging.getLogger("voiced.mqtt.paho")
        if not any(isinstance(f, _QuietPaho) for f in paho_log.filters):
            paho_log.addFilter(_QuietPaho())
        self._client.enable_logger(paho_log)
        if settings.username:
            password = settings.password()  # ConfigError when the file/env var is missing
            self._client.username_pw_set(settings.username, password)
        if settings.tls.enabled or url_tls:
            tls = settings.tls
            try:
                self._client.tls_set(ca_certs=tls.ca_file, certfile=tls.cert_file, keyfile=tls.key_file,
                                     cert_reqs=ssl.CERT_REQUIRED)
            except (OSError, ValueError, ssl.SSLError) as exc:
                raise ConfigError(f"(tls): mqtt.tls: cannot load certificates: {exc}") from exc
            if tls.insecure:
                self._client.tls_insecure_set(True)
        if will is not None:
            self._client.will_set(will[0], "offline", qos=1, retain=True)
        lo = max(0.1, float(settings.reconnect_min))
        hi = max(lo, float(settings.reconnect_max))
        self._client.reconnect_delay_set(lo, hi)  # type: ignore[arg-type]  # paho accepts floats
        self._client.max_queued_messages_set(0)
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_message = self._on_message
        self._client.on_socket_open = self._on_socket_open

    # ------------------------------------------------------------------ lifecycle

    @property
    def connected(self) -> bool:
        return self._connected

    def connect(self, timeout: float = 10.0) -> bool:
        """Connect and start the network thread.  Returns True once the broker accepted us; False
        when it is not reachable yet (paho keeps retrying with backoff, commands are queued).
        Raises :class:`MqttError` for a refusal (bad credentials) or a TLS failure."""
        keepalive = max(5, int(self.settings.keepalive))
        try:
            self._client.connect(self.host, self.port, keepalive=keepalive)
        except ssl.SSLError as exc:
            raise MqttError(f"TLS handshake with {self.host}:{self.port} failed: {exc}") from exc
        except (ConnectionRefusedError, TimeoutError, OSError) as exc:
            if isinstance(exc, socket.gaierror):
                raise MqttError(f"broker host {self.host!r} not found: {exc}") from exc
            log.warning("broker %s:%d not reachable (%s); retrying in the background", self.host, self.port, exc)
            self._client.connect_async(self.host, self.port, keepalive=keepalive)
        self._client.loop_start()
        if not self._first.wait(timeout):
            return False
        if self._first_error is not None:
            self.close(publish_offline=False)
            raise MqttError(f"broker {self.host}:{self.port} refused the connection: {self._first_error}")
        return True

    def close(self, publish_offline: bool = True) -> None:
        """Publish ``offline`` (a clean exit is not a Last Will case) and stop the network thread."""
        self._closing = True
        try:
            if publish_offline and self.will is not None and self._connected:
                info = self._client.publish(self.will[0], "offline", qos=1, retain=True)
                with contextlib.suppress(RuntimeError, ValueError):
                    info.wait_for_publish(2.0)
            self._client.disconnect()
        finally:
            self._client.loop_stop()
            self._connected = False

    # ------------------------------------------------------------------ subscriptions

    def subscribe(self, topic: str, qos: int = 0) -> None:
        with self._lock:
            if self._subs.get(topic) == qos:
                return
            self._subs[topic] = qos
            if self._connected:
                self._client.subscribe(topic, qos)

    def unsubscribe(self, topic: str) -> None:
        with self._lock:
            if self._subs.pop(topic, None) is not None and self._connected:
                self._client.unsubscribe(topic)

    def subscriptions(self) -> list[str]:
        with self._lock:
            return sorted(self._subs)

    # ------------------------------------------------------------------ publishing

    def publish(self, topic: str, payload: str | bytes, qos: int = 0, retain: bool = False, *,
                entity_id: str = "", command: bool = False) -> bool:
        """Send now, or queue while disconnected.  Returns True when handed to paho."""
        data = payload.encode("utf-8") if isinstance(payload, str) else bytes(payload)
        with self._lock:
            if self._connected:
                info = self._client.publish(topic, data, qos=qos, retain=retain)
                if info.rc == MQTTErrorCode.MQTT_ERR_SUCCESS:
                    return True
                if info.rc != MQTTErrorCode.MQTT_ERR_NO_CONN:
                    log.error("publish to %s failed: %s", topic, paho.error_string(info.rc))
                    return False
            self._queue.append(_Pending(topic, data, qos, retain, self.clock(), entity_id, command))
            while len(self._queue) > QUEUE_LIMIT:
                self._drop(self._queue.popleft(), "the outgoing queue is full")
            log.info("broker unavailable: queued %s (%d waiting)", topic, len(self._queue))
            return False

    def queued(self) -> int:
        with self._lock:
            return len(self._queue)

    def expire(self) -> int:
        """Drop queued messages older than the age limit; call it periodically.  Returns how many."""
        now = self.clock()
        n = 0
        with self._lock:
            while self._queue and now - self._queue[0].created > self.max_age:
                self._drop(self._queue.popleft(), f"older than {self.max_age:g} s")
                n += 1
        return n

    def _drop(self, p: _Pending, why: str) -> None:
        age = self.clock() - p.created
        what = f"command for {p.entity_id}" if p.entity_id else "message"
        log.log(logging.ERROR if p.command else logging.WARNING, "dropped %s on %s after %.1f s without a broker (%s)",
                what, p.topic, age, why)
        self.events.put(Dropped(p.topic, p.payload, age, p.entity_id, p.command))

    def _flush(self) -> None:
        """Publish what waited (still young enough), oldest first; runs under the lock."""
        self.expire()
        while self._queue:
            p = self._queue.popleft()
            info = self._client.publish(p.topic, p.payload, qos=p.qos, retain=p.retain)
            if info.rc != MQTTErrorCode.MQTT_ERR_SUCCESS:
                self._queue.appendleft(p)
                return
            log.info("delivered queued %s after %.1f s", p.topic, self.clock() - p.created)

    # ------------------------------------------------------------------ paho callbacks (paho's thread)

    def _on_connect(self, client: paho.Client, userdata: Any, flags: Any, reason_code: Any,
                    properties: Any) -> None:
        if reason_code.is_failure:
            text = str(reason_code)
            hint = _AUTH_HINT.get(text, text)
            log.error("broker %s:%d refused the connection: %s", self.host, self.port, hint)
            if not self._ever_connected and not self._first.is_set():
                self._first_error = hint
                self._first.set()
            return
        with self._lock:
            self._connected = True
            first = not self._ever_connected
            self._ever_connected = True
            if self._subs:
                client.subscribe([(t, q) for t, q in self._subs.items()])
            if self.will is not None:
                client.publish(self.will[0], "online", qos=1, retain=True)
            self._flush()
        log.info("connected to %s:%d", self.host, self.port)
        self._first.set()
        self.events.put(Connected(first))

    def _on_disconnect(self, client: paho.Client, userdata: Any, flags: Any, reason_code: Any,
                       properties: Any) -> None:
        with self._lock:
            was = self._connected
            self._connected = False
        if was and not self._closing:
            log.warning("disconnected from %s:%d (%s); reconnecting", self.host, self.port, reason_code)
            self.events.put(Disconnected(str(reason_code)))

    @staticmethod
    def _on_socket_open(client: paho.Client, userdata: Any, sock: Any) -> None:
        """No Nagle: a PUBACK followed by a small PUBLISH would otherwise wait for the broker's
        delayed ACK (~40 ms on Linux) — measured as 90 ms text-in → command-out without this."""
        with contextlib.suppress(OSError, AttributeError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _on_message(self, client: paho.Client, userdata: Any, msg: paho.MQTTMessage) -> None:
        try:
            topic = msg.topic
        except UnicodeDecodeError:
            log.warning("ignored a message with a non-UTF-8 topic")
            return
        if len(msg.payload) > MAX_INCOMING:
            log.warning("ignored a %d-byte message on %s (limit %d)", len(msg.payload), topic, MAX_INCOMING)
            return
        self.events.put(Message(topic, bytes(msg.payload), bool(msg.retain)))
