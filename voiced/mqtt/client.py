"""The broker connection: the only module that imports paho-mqtt.

paho runs its network loop in its own thread; every callback here only converts the event into a
small dataclass and puts it on the daemon's ``queue.Queue`` (``events``), so all real work happens
on the daemon's main loop thread.  Delivery rules (shared/spec/mqtt.md): QoS 1 for commands, a
retained ``online``/``offline`` status with the Last Will, bounded exponential reconnect backoff
(capped at :data:`RECONNECT_CAP`), subscriptions restored on reconnect, and an outgoing queue while
disconnected whose entries older than ``queue_max_age`` are dropped with a logged error and a
:class:`Dropped` event.

MQTT 5.  A ``persistent`` client (the daemon) keeps its session: clean start off and a session
expiry of ``queue_max_age`` seconds, so the broker holds the QoS 1 messages meant for voiced while
the link is down and hands them over on reconnect — and forgets them once they would be older than
the age limit.  A redelivered duplicate (DUP flag, same packet id and payload) is dropped here.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
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
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from voiced import logs
from voiced.config import BrokerSettings, redact_url
from voiced.errors import ConfigError, MqttError

log = logging.getLogger("voiced.mqtt")

QUEUE_LIMIT = 10_000  # outgoing messages kept while disconnected (oldest dropped beyond this)
MAX_INCOMING = 8 * 1024 * 1024  # bigger messages never reach the daemon's queue (discovery allows 4 MB)
RECONNECT_CAP = 5.0  # s: the longest wait between two reconnect attempts, whatever the config says
SESSION_TAKEN_OVER = 142  # MQTT 5 DISCONNECT reason: another client connected with our client id


@dataclass(frozen=True)
class Message:
    topic: str
    payload: bytes
    retain: bool = False


@dataclass(frozen=True)
class Connected:
    first: bool
    session_present: bool = False  # the broker still had our session (and queued messages for us)


@dataclass(frozen=True)
class Subscribed:
    """The broker acknowledged a SUBSCRIBE (persistent clients only): the session holds it now."""


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
    """``mqtt://host:port`` / ``mqtts://host:port`` → (host, port, tls).  Errors never show user info."""
    shown = redact_url(url)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        detail = "" if "@" in url else f": {exc}"  # the parser's words may quote a piece of the password
        raise ConfigError(f"(url): mqtt.url: invalid broker address {shown!r}{detail}") from None
    if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
        raise ConfigError(f"(url): mqtt.url: expected mqtt://HOST:PORT or mqtts://HOST:PORT, not {shown!r}")
    if parts.password is not None:
        raise ConfigError(f"(url): mqtt.url: must not contain a password ({shown!r}); use mqtt.password_file "
                          "or $VOICED_MQTT_PASSWORD")
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
                 clock: Any = time.monotonic, persistent: bool = False) -> None:
        """``persistent``: keep the session (and the messages queued in it) across disconnects and
        restarts for ``queue_max_age`` seconds; needs a client id that stays the same."""
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
        self._ready_after: tuple[int, Connected] | None = None  # (SUBSCRIBE mid, event to post at its SUBACK)
        self._closing = False
        self._offline_since: float | None = clock()  # None while connected
        self._recent: deque[tuple[float, int, str, bytes]] = deque()  # QoS>0 messages seen (dedupe)
        self.persistent = persistent
        self.session_expiry = int(math.ceil(self.max_age)) if persistent else 0
        self._client = paho.Client(CallbackAPIVersion.VERSION2, client_id=client_id or settings.client_id,
                                   protocol=MQTTProtocolVersion.MQTTv5)
        paho_log = logging.getLogger("voiced.mqtt.paho")
        if not any(isinstance(f, _QuietPaho) for f in paho_log.filters):
            paho_log.addFilter(_QuietPaho())
        self._client.enable_logger(paho_log)
        if settings.username:
            password = settings.password()  # ConfigError when the file/env var is missing
            logs.register_secret(password)  # never in a log line, whoever logs it
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
        lo = min(max(0.1, float(settings.reconnect_min)), RECONNECT_CAP)
        hi = min(max(lo, float(settings.reconnect_max)), RECONNECT_CAP)
        if settings.reconnect_max > RECONNECT_CAP:
            log.warning("mqtt.reconnect_max %g s is above the cap: reconnecting at least every %g s",
                        settings.reconnect_max, RECONNECT_CAP)
        self.reconnect_max = hi
        self._client.reconnect_delay_set(lo, hi)  # type: ignore[arg-type]  # paho accepts floats
        self._client.max_queued_messages_set(0)
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_message = self._on_message
        self._client.on_socket_open = self._on_socket_open
        self._client.on_subscribe = self._on_subscribe

    # ------------------------------------------------------------------ lifecycle

    @property
    def connected(self) -> bool:
        return self._connected

    def offline_for(self) -> float:
        """Seconds since the link went down (or since the client was made, before the first
        connect); 0 while connected."""
        since = self._offline_since
        return 0.0 if since is None or self._connected else max(0.0, self.clock() - since)

    @property
    def network_alive(self) -> bool:
        """paho's network thread runs (it reconnects by itself); False once it died or stopped."""
        return getattr(self._client, "_thread", None) is not None  # paho clears it when the loop ends

    def link_ok(self, bound: float) -> bool:
        """Connected, or reconnecting for less than ``bound`` seconds (``bound`` 0: reconnecting
        for any time) — what the daemon's watchdog is fed on."""
        if self._connected:
            return True
        return self.network_alive and (bound <= 0 or self.offline_for() < bound)

    def _connect_properties(self) -> Properties:
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = self.session_expiry
        return props

    def connect(self, timeout: float = 10.0) -> bool:
        """Connect and start the network thread.  Returns True once the broker accepted us and
        acknowledged our subscriptions (a command sent from then on reaches us); False
        when it is not reachable yet (paho keeps retrying with backoff, commands are queued).
        Raises :class:`MqttError` for a refusal (bad credentials) or a TLS failure."""
        keepalive = max(5, int(self.settings.keepalive))
        clean = not self.persistent  # a persistent client resumes its session on every connect, the first too
        try:
            self._client.connect(self.host, self.port, keepalive=keepalive, clean_start=clean,
                                 properties=self._connect_properties())
        except ssl.SSLError as exc:
            raise MqttError(f"TLS handshake with {self.host}:{self.port} failed: {exc}") from exc
        except (ConnectionRefusedError, TimeoutError, OSError) as exc:
            if isinstance(exc, socket.gaierror):
                raise MqttError(f"broker host {self.host!r} not found: {exc}") from exc
            log.warning("broker %s:%d not reachable (%s); retrying in the background", self.host, self.port, exc)
            self._client.connect_async(self.host, self.port, keepalive=keepalive, clean_start=clean,
                                       properties=self._connect_properties())
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
        session_present = bool(getattr(flags, "session_present", False))
        with self._lock:
            self._connected = True
            self._offline_since = None
            first = not self._ever_connected
            self._ever_connected = True
            ready = Connected(first, session_present)
            self._ready_after = None
            if self._subs:
                # "connected" is announced at the SUBACK: until then a command would reach no one
                _rc, mid = client.subscribe([(t, q) for t, q in self._subs.items()])
                if mid is not None:
                    self._ready_after = (mid, ready)
            if self.will is not None:
                client.publish(self.will[0], "online", qos=1, retain=True)
            self._flush()
        if self.persistent:
            log.info("connected to %s:%d (%s)", self.host, self.port,
                     "session resumed: messages kept for us follow" if session_present else "new session")
        else:
            log.info("connected to %s:%d", self.host, self.port)
        if self._ready_after is None:
            self._announce(ready)

    def _announce(self, ready: Connected) -> None:
        self._first.set()
        self.events.put(ready)

    def _on_disconnect(self, client: paho.Client, userdata: Any, flags: Any, reason_code: Any,
                       properties: Any) -> None:
        with self._lock:
            was = self._connected
            self._connected = False
            if was:
                self._offline_since = self.clock()
        if was and not self._closing:
            if getattr(reason_code, "value", None) == SESSION_TAKEN_OVER:
                log.error("disconnected from %s:%d: another client connected with our client id %r "
                          "(a second voiced with the same site or mqtt.client_id?); reconnecting",
                          self.host, self.port, self._client_id())
            else:
                log.warning("disconnected from %s:%d (%s); reconnecting", self.host, self.port, reason_code)
            self.events.put(Disconnected(str(reason_code)))

    def _client_id(self) -> str:
        raw = getattr(self._client, "_client_id", b"")
        return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)

    def _on_subscribe(self, client: paho.Client, userdata: Any, mid: int, reason_codes: Any,
                      properties: Any) -> None:
        if self.persistent:
            self.events.put(Subscribed())
        with self._lock:
            pending, self._ready_after = self._ready_after, None
            if pending is not None and pending[0] != mid:
                self._ready_after, pending = pending, None
        if pending is not None:
            self._announce(pending[1])

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
        if msg.qos > 0 and self._seen_before(msg, topic):
            log.info("ignored a redelivered duplicate on %s (packet %d)", topic, msg.mid)
            return
        self.events.put(Message(topic, bytes(msg.payload), bool(msg.retain)))

    def _seen_before(self, msg: paho.MQTTMessage, topic: str) -> bool:
        """QoS 1 is at-least-once: after a reconnect the broker resends what it had not seen
        acknowledged, with DUP set.  Such a copy of a message handled within the age limit is a
        duplicate ("toggle" must not run twice)."""
        now = self.clock()
        digest = hashlib.blake2b(msg.payload, digest_size=16).digest()
        window = max(self.max_age, 1.0)
        while self._recent and now - self._recent[0][0] > window:
            self._recent.popleft()
        key = (msg.mid, topic, digest)
        if msg.dup and any(r[1:] == key for r in self._recent):
            return True
        self._recent.append((now, *key))
        if len(self._recent) > 1000:
            self._recent.popleft()
        return False
