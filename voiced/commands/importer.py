"""``voiced import``: a devices file from what the broker holds, for a person to edit.

Reads the retained discovery messages once (``voiced.mqtt.snapshot``): Zigbee2MQTT's
``<base>/bridge/devices``, Tasmota's ``tasmota/discovery/<mac>/config|sensors`` and Home Assistant's
``homeassistant/<component>/.../config``, parses them with the daemon's own parsers
(``voiced.mqtt.discovery``), keeps the areas the sources name, and writes a file the loader accepts
(each entity is checked with the loader; one it would refuse is left out with the reason).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import sys
import time
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from voiced.config import Settings, default_config_path, load_settings
from voiced.errors import ConfigError, VoicedError
from voiced.home import load_home_text
from voiced.home.dump import dump_home
from voiced.home.model import DEVICE_CLASSES, STATE_ONLY_DOMAINS, Area, Entity, Home
from voiced.mqtt import discovery
from voiced.mqtt.probe import DEFAULT_URL, broker_address
from voiced.mqtt.snapshot import retained
from voiced.protocols import device_topics

FILTERS = ["+/bridge/devices", "tasmota/discovery/#", "homeassistant/#"]


@dataclass
class Imported:
    """What the broker's discovery messages describe, ready to write."""

    home: Home
    notes: dict[str, list[str]] = field(default_factory=dict)  # entity id → comment lines
    skipped: list[str] = field(default_factory=list)  # "source: why" for what is not in the file
    sources: list[str] = field(default_factory=list)  # one line per source kind, for the header


def _domain(e: Entity) -> str:
    return STATE_ONLY_DOMAINS.get(e.domain, e.domain)


def _one_line(text: str, limit: int = 220) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def build_home(messages: dict[str, bytes]) -> Imported:
    """The home the retained ``messages`` (topic → payload) describe; never raises on bad payloads."""
    areas: dict[str, Area] = {}
    entities: list[Entity] = []
    notes: dict[str, list[str]] = {}
    skipped: list[str] = []
    sources: list[str] = []

    prior: set[str] = set()  # topics of the devices earlier sources gave

    def add(found: Iterable[Entity], note: Callable[[Entity], str]) -> None:
        ids = {e.id for e in entities}
        for e in found:
            if device_topics(e) & prior:
                continue  # the same device, already imported from another source
            eid, n = e.id, 2
            while eid in ids:
                eid, n = f"{e.id}_{n}", n + 1
            lines = [note(e)]
            dc = e.device_class
            if dc is not None and dc not in DEVICE_CLASSES.get(_domain(e), ()):
                lines.append(f"device_class {dc!r} left out: not a {_domain(e)} class voiced knows")
                dc = None
            e = dataclasses.replace(e, id=eid, device_class=dc)
            ids.add(eid)
            entities.append(e)
            notes[eid] = lines

    def fixed(text: str) -> Callable[[Entity], str]:
        return lambda _e: text

    def z2m_note(base: str) -> Callable[[Entity], str]:
        def note(e: Entity) -> str:
            friendly = (e.mqtt.topic or e.mqtt.state_topic) if e.mqtt else ""
            return f"zigbee2mqtt: {friendly.removeprefix(base + '/')}"
        return note

    # Zigbee2MQTT: one list per bridge (base topic)
    for topic in sorted(t for t in messages if t.endswith("/bridge/devices") and t.count("/") == 2):
        base = topic.split("/")[0]
        found, problems = discovery.parse_z2m_devices(messages[topic], Home(), base, areas=areas)
        skipped += [f"{topic}: {p}" for p in problems]
        if found or not problems:
            sources.append(f"{topic} ({len(found)} entities)")
        add(found, z2m_note(base))
    for e in entities:
        prior.update(device_topics(e))

    # Tasmota: a config per device, and its sensors
    configs = sorted(t for t in messages if t.startswith("tasmota/discovery/") and t.endswith("/config"))
    for topic in configs:
        sensors = messages.get(topic.removesuffix("/config") + "/sensors")
        found, problems = discovery.parse_tasmota_discovery(messages[topic], sensors, Home(), areas=areas)
        skipped += [f"{topic}: {p}" for p in problems]
        add(found, fixed(f"tasmota: {topic.split('/')[2]}"))
    if configs:
        sources.append(f"{len(configs)} Tasmota devices (tasmota/discovery/...)")
    for e in entities:
        prior.update(device_topics(e))

    # Home Assistant MQTT discovery (after the others: a device they already gave is not repeated,
    # even when Zigbee2MQTT or Tasmota also announced it to Home Assistant)
    before = Home(entities=tuple(entities))
    ha = sorted(t for t in messages if t.startswith("homeassistant/") and t.endswith("/config")
                and t.count("/") in (3, 4))
    for topic in ha:
        found, problems = discovery.parse_ha_config(topic, messages[topic], before, areas=areas, for_file=True)
        skipped += [f"{topic}: {p}" for p in problems]
        add(found, fixed(f"from {topic}"))
    if ha:
        sources.append(f"{len(ha)} Home Assistant discovery configs (homeassistant/.../config)")

    # every entity must load: one the loader refuses is left out, with its reason
    area_tuple = tuple(sorted(areas.values(), key=lambda a: a.id))
    good: list[Entity] = []
    for e in entities:
        try:
            load_home_text(dump_home(Home(areas=area_tuple, entities=(e,))), "(import)")
        except ConfigError as exc:
            reason = str(exc).split(": ", 2)[-1]
            skipped.append(f"{notes[e.id][0]}: {e.id} left out: {reason}")
            continue
        good.append(e)
    used = {e.area for e in good}
    home = Home(areas=tuple(a for a in area_tuple if a.id in used), entities=tuple(good))
    return Imported(home, {e.id: notes[e.id] for e in good}, skipped, sources)


def _broker_url(args: argparse.Namespace, settings: Settings) -> str:
    url = getattr(args, "broker", None) or settings.mqtt.url or DEFAULT_URL
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("mqtt", "mqtts") or "@" in url or not parts.hostname:
        shown = "" if "@" in url else f", not {url!r}"
        raise ConfigError(f"(command line):1: --broker: expected mqtt://HOST[:PORT] or mqtts://HOST[:PORT]{shown} "
                          "(a user name and password go in the config: mqtt.username and mqtt.password_file "
                          "or $VOICED_MQTT_PASSWORD)")
    try:
        _ = parts.port
    except ValueError as exc:
        raise ConfigError(f"(command line):1: --broker: invalid port in {url!r}") from exc
    return url


def cmd_import(args: argparse.Namespace) -> int:
    config_path = default_config_path(getattr(args, "config", None))
    settings = load_settings(config_path) if config_path is not None else Settings()
    url = _broker_url(args, settings)
    broker = dataclasses.replace(settings.mqtt, url=url)
    host, port, _tls = broker_address(broker)
    out = Path(getattr(args, "out", None) or "home.yaml")
    if out.exists() and not getattr(args, "force", False):
        raise ConfigError(f"(command line):1: --out: {out} exists; choose another file or add --force to replace it")
    timeout = float(getattr(args, "timeout", None) or 10.0)
    if timeout <= 0:
        raise ConfigError("(command line):1: --timeout: must be greater than 0")
    snap = retained(broker, FILTERS, timeout=timeout)
    result = build_home(snap.messages)
    where = f"{host}:{port}"
    if not result.home.entities:
        why = f" ({len(result.skipped)} discovery messages could not be used: {result.skipped[0]})" \
            if result.skipped else ""
        raise VoicedError(f"{where} holds no devices to import{why}: looked for retained "
                          "zigbee2mqtt/bridge/devices, homeassistant/<component>/.../config and "
                          "tasmota/discovery/<mac>/config (is discovery enabled, with retain?)")
    header = [
        f"Written by `voiced import` from {where} on {time.strftime('%Y-%m-%d %H:%M')}: "
        f"{len(result.home.areas)} areas, {len(result.home.entities)} entities.",
        "Sources: " + "; ".join(result.sources) + ".",
        "Edit it: names and aliases are what you say; give entities an area (and areas a floor) so that",
        "'the lights in the kitchen' works; remove what you never want to command by voice.",
        f"Check it with `voiced check-config --devices {out.name}`. Format: docs/devices.md.",
    ]
    if not snap.complete:
        header.append(f"Note: the broker did not confirm within {timeout:g} s that every retained message "
                      "was sent; run again with a longer --timeout if something is missing.")
    footer = ["", "Not imported:"] + [f"  {_one_line(s)}" for s in result.skipped] if result.skipped else []
    text = dump_home(result.home, header, result.notes, footer)
    load_home_text(text, str(out))  # what is written loads (each entity was checked; this checks the whole)
    tmp = out.with_name(f".{out.name}.tmp{os.getpid()}")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(out)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise VoicedError(f"cannot write {out}: {exc.strerror or exc}") from exc
    print(f"wrote {out}: {len(result.home.areas)} areas, {len(result.home.entities)} entities from {where}"
          + (f"; {len(result.skipped)} not imported (listed at the end of the file)" if result.skipped else ""))
    if not snap.complete:
        print(f"voiced import: warning: {where} did not confirm that every retained message was sent "
              f"within {timeout:g} s", file=sys.stderr)
    print(f"next: voiced check-config --devices {out}")
    return 0


__all__ = ["FILTERS", "Imported", "build_home", "cmd_import"]
