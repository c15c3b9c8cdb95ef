"""One connection attempt to the broker, for ``voiced doctor``: ok, or a reason a person can act on.

Separate from the daemon's client on purpose: it connects once with exactly the configured address,
TLS and credentials, waits for the CONNACK and disconnects; no reconnect, no queue, no subscriptions.
"""

from __future__ import annotations

import socket
import ssl
import time
import urllib.parse
from dataclasses import dataclass

import paho.mqtt.client as mqtt

from voiced.config import BrokerSettings
from voiced.errors import ConfigError

DEFAULT_URL = "mqtt://127.0.0.1:1883"


@dataclass(frozen=True)
class ProbeResult:
    ok: bool
    reason: str  # "connected", "refused", "not authorized", "bad username or password", "timeout", ...
    detail: str  # one human sentence with what to do about it


def broker_address(settings: BrokerSettings) -> tuple[str, int, bool]:
    """(host, port, tls) from the configured url (empty = the local default)."""
    url = settings.url or f"mqtt://127.0.0.1:{settings.local_port}"
    parts = urllib.parse.urlsplit(url)
    tls = parts.scheme == "mqtts" or settings.tls.enabled
    return parts.hostname or "127.0.0.1", parts.port or (8883 if tls else 1883), tls


def probe(settings: BrokerSettings, timeout: float = 5.0, client_id: str = "") -> ProbeResult:
    """Connect with the configured address, TLS and credentials; never raises for network trouble."""
    host, port, tls = broker_address(settings)
    where = f"{host}:{port}"
    try:
        password = settings.password()
    except ConfigError as exc:
        return ProbeResult(False, "no password", f"{exc}")
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id or f"voiced-doctor-{time.time_ns() % 10**9}",
                         protocol=mqtt.MQTTv311)
    if settings.username is not None:
        client.username_pw_set(settings.username, password)
    if tls:
        try:
            client.tls_set(ca_certs=settings.tls.ca_file, certfile=settings.tls.cert_file,
                           keyfile=settings.tls.key_file, cert_reqs=ssl.CERT_REQUIRED)
            client.tls_insecure_set(settings.tls.insecure)
        except (OSError, ValueError, ssl.SSLError) as exc:
            return ProbeResult(False, "tls setup", f"cannot use the TLS files in mqtt.tls: {exc}")
    answer: list[mqtt.ReasonCode | None] = []

    def on_connect(_c: mqtt.Client, _u: object, _f: object, reason: mqtt.ReasonCode, _p: object) -> None:
        answer.append(reason)

    client.on_connect = on_connect
    client.connect_timeout = timeout
    try:
        client.connect(host, port, keepalive=max(5, settings.keepalive))
    except ConnectionRefusedError:
        return ProbeResult(False, "refused", f"nothing listens on {where}: start the broker "
                           "(systemctl start mosquitto) or fix mqtt.url")
    except ssl.SSLError as exc:
        return ProbeResult(False, "tls", f"TLS handshake with {where} failed: {exc.reason or exc}; "
                           "check mqtt.tls.ca_file and the broker's certificate")
    except TimeoutError:
        return ProbeResult(False, "timeout", f"no answer from {where} within {timeout:g} s: "
                           "check the address and any firewall")
    except ConnectionResetError:
        hint = "TLS to a plain MQTT port? use mqtt://" if tls else "a TLS-only port? use mqtts://"
        return ProbeResult(False, "reset", f"{where} reset the connection ({hint})")
    except socket.gaierror as exc:
        return ProbeResult(False, "unknown host", f"cannot resolve {host!r}: {exc.strerror}; fix mqtt.url")
    except OSError as exc:
        return ProbeResult(False, "network", f"cannot reach {where}: {exc.strerror or exc}")
    deadline = time.monotonic() + timeout
    try:
        while not answer and time.monotonic() < deadline:
            rc = client.loop(timeout=0.1)
            if rc not in (mqtt.MQTT_ERR_SUCCESS, mqtt.MQTT_ERR_AGAIN) and not answer:
                return ProbeResult(False, "closed", f"{where} closed the connection before answering "
                                   f"({mqtt.error_string(rc)}); is it an MQTT broker, TLS or not?")
    except ssl.SSLError as exc:
        return ProbeResult(False, "tls", f"TLS with {where} failed: {exc.reason or exc}")
    finally:
        if answer and answer[0] is not None and not answer[0].is_failure:
            client.disconnect()
            client.loop(timeout=0.1)
        sock = client.socket()
        if sock is not None:
            sock.close()
    if not answer:
        return ProbeResult(False, "timeout", f"{where} accepted TCP but sent no CONNACK within {timeout:g} s; "
                           "is it an MQTT broker (TLS on a plain port, or the other way round)?")
    reason = answer[0]
    if reason is None or not reason.is_failure:
        who = f" as {settings.username!r}" if settings.username else ""
        return ProbeResult(True, "connected", f"connected to {where}{who}{' with TLS' if tls else ''}")
    name = str(reason).lower()
    if reason.value in (134, 4) or "password" in name:
        return ProbeResult(False, "bad username or password",
                           f"{where} rejected the credentials: check mqtt.username and the password "
                           "($VOICED_MQTT_PASSWORD, mqtt.password_file or mqtt.password_env)")
    if reason.value in (135, 5) or "authori" in name:
        return ProbeResult(False, "not authorized", f"{where} does not authorize this client: check "
                           "mqtt.username and the password ($VOICED_MQTT_PASSWORD, mqtt.password_file or "
                           "mqtt.password_env), or allow the client in the broker's configuration")
    return ProbeResult(False, "refused", f"{where} refused the connection: {reason}")
