"""``voiced import``: a devices file from what the broker holds, for a person to edit.

Reads the retained discovery messages once (``voiced.mqtt.snapshot``) on the topic filters of every
registered protocol with discovery (``voiced.protocols.import_topics()``), has each of them find its
entities with the daemon's own parsers (``voiced.protocols.discover``), keeps the areas the sources
name, and writes a file the loader accepts (each entity is checked with the loader; one it would
refuse is left out with the reason).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import sys
import time
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from voiced.config import Settings, default_config_path, load_settings
from voiced.errors import ConfigError, VoicedError
from voiced.home import load_home_text
from voiced.home.dump import dump_home
from voiced.home.model import DEVICE_CLASSES, STATE_ONLY_DOMAINS, Area, Entity, Home
from voiced.mqtt.probe import DEFAULT_URL, broker_address
from voiced.mqtt.snapshot import retained
from voiced.protocols import device_topics, discover, discoverers, import_topics


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

    def add(found: Iterable[tuple[Entity, str]]) -> None:
        ids = {e.id for e in entities}
        for e, note in found:
            if device_topics(e) & prior:
                continue  # the same device, already imported from another source
            eid, n = e.id, 2
            while eid in ids:
                eid, n = f"{e.id}_{n}", n + 1
            lines = [note]
            dc = e.device_class
            if dc is not None and dc not in DEVICE_CLASSES.get(_domain(e), ()):
                lines.append(f"device_class {dc!r} left out: not a {_domain(e)} class voiced knows")
                dc = None
            e = dataclasses.replace(e, id=eid, device_class=dc)
            ids.add(eid)
            entities.append(e)
            notes[eid] = lines

    # each protocol with discovery, in the registry's order: a device an earlier one gave is not
    # repeated (a device announced on two protocols' discovery comes from the first)
    for proto in discoverers():
        before = Home(entities=tuple(entities))
        found = discover(proto, messages, before, areas=areas, for_file=True)
        for one in found.found:
            skipped += [f"{one.topic}: {p}" for p in one.problems]
            add(zip(one.entities, one.notes, strict=True))
        sources += found.sources
        for e in entities:
            prior.update(device_topics(e))

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
    snap = retained(broker, import_topics(), timeout=timeout)
    result = build_home(snap.messages)
    where = f"{host}:{port}"
    if not result.home.entities:
        why = f" ({len(result.skipped)} discovery messages could not be used: {result.skipped[0]})" \
            if result.skipped else ""
        looked = [p.import_looks_for for p in discoverers()]
        looked_for = ", ".join(looked[:-1]) + " and " + looked[-1] if len(looked) > 1 else "".join(looked)
        raise VoicedError(f"{where} holds no devices to import{why}: looked for retained "
                          f"{looked_for} (is discovery enabled, with retain?)")
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


__all__ = ["Imported", "build_home", "cmd_import"]
