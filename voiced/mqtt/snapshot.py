"""What a broker holds: the retained messages under some topic filters, read once (``voiced import``).

One connection, like ``voiced.mqtt.probe``: subscribe, then publish a marker on a private topic that
is also subscribed.  The broker sends a subscription's retained messages before it forwards
anything published after that subscription, so when the marker comes back every retained message
has arrived; no waiting on a clock.  A broker that refuses the marker (an ACL) leaves only the
deadline, and the result says so.
"""

from __future__ import annotations

import ssl
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import paho.mqtt.client as mqtt

from voiced.config import BrokerSettings
from voiced.errors import VoicedError
from voiced.mqtt.probe import broker_address, probe


@dataclass
class Snapshot:
    messages: dict[str, bytes] = field(default_factory=dict)  # topic → retained payload (non-empty)
    complete: bool = False  # the marker came back: every retained message was received


def retained(settings: BrokerSettings, filters: list[str], timeout: float = 10.0) -> Snapshot:
    """The retained messages under ``filters``; raises :class:`VoicedError` with a reason a person
    can act on when the broker cannot be reached or refuses the connection."""
    host, port, tls = broker_address(settings)
    password = settings.password()
    nonce = f"{time.time_ns() % 10**12}"
    marker = f"voiced/import/{nonce}/done"
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"voiced-import-{nonce}",
                         protocol=mqtt.MQTTv311)
    if settings.username is not None:
        client.username_pw_set(settings.username, password)
    if tls:
        client.tls_set(ca_certs=settings.tls.ca_file, certfile=settings.tls.cert_file,
                       keyfile=settings.tls.key_file, cert_reqs=ssl.CERT_REQUIRED)
        client.tls_insecure_set(settings.tls.insecure)
    snap = Snapshot()
    lock = threading.Lock()
    connected = threading.Event()
    refused: list[str] = []
    done = threading.Event()

    def on_connect(c: mqtt.Client, _u: Any, _f: Any, reason: mqtt.ReasonCode, _p: Any) -> None:
        if reason.is_failure:
            refused.append(str(reason))
            connected.set()
            return
        c.subscribe([(f, 1) for f in filters] + [(marker, 1)])
        connected.set()

    def on_subscribe(c: mqtt.Client, _u: Any, _mid: int, _codes: Any, _p: Any) -> None:
        c.publish(marker, b"1", qos=1, retain=False)

    def on_message(_c: mqtt.Client, _u: Any, msg: mqtt.MQTTMessage) -> None:
        if msg.topic == marker:
            done.set()
            return
        if msg.retain and msg.payload:
            with lock:
                snap.messages[msg.topic] = bytes(msg.payload)

    client.on_connect = on_connect
    client.on_subscribe = on_subscribe
    client.on_message = on_message
    try:
        client.connect(host, port, keepalive=max(5, settings.keepalive))
    except (OSError, ssl.SSLError) as exc:
        result = probe(settings, timeout=min(timeout, 5.0))
        raise VoicedError(f"cannot read the broker: {result.detail if not result.ok else exc}") from exc
    client.loop_start()
    try:
        if not connected.wait(timeout) or refused:
            result = probe(settings, timeout=min(timeout, 5.0))
            raise VoicedError(f"cannot read the broker: {result.detail if not result.ok else 'no answer'}")
        snap.complete = done.wait(timeout)
    finally:
        client.disconnect()
        client.loop_stop()
    with lock:
        return Snapshot(dict(snap.messages), snap.complete)
