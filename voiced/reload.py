"""Re-reading config and devices at run time (SIGHUP, ``voiced/<site>/reload``).

All or nothing: both files are loaded and cross-checked before anything is returned, so a bad new
file raises ``ConfigError`` and the caller simply keeps the ``Settings``/``Home`` it runs with.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

from voiced import logs
from voiced.config import Settings, check_against_home, load_settings, resolve_devices
from voiced.errors import ConfigError
from voiced.home import Home, load_home

log = logging.getLogger(__name__)


def load_files(config_path: str | Path | None, devices_path: str | Path | None,
               log_warnings: bool = True) -> tuple[Settings, Home]:
    """Load and cross-check config and devices; ``devices_path`` None = the config's ``devices``.

    The devices file's warnings (``Home.warnings``: state-only entities...) are logged unless
    ``log_warnings`` is false (``check-config`` prints them itself).

    Also resolves the broker password (a missing password file or variable is an error now, not
    at the next reconnect) and registers it with the log redaction.
    """
    settings = load_settings(config_path)
    path = Path(devices_path) if devices_path is not None else resolve_devices(settings, config_path)
    if devices_path is None and not path.is_file():
        where = getattr(settings, "_where", None)
        at = where.at("devices") if where is not None else f"{settings.source}:1"
        raise ConfigError(f"{at}: devices: no such file {str(path)!r}")
    home = load_home(path)
    check_against_home(settings, home)
    if log_warnings:
        for warning in home.warnings:
            log.warning("%s", warning)
    logs.register_secret(settings.mqtt.password())
    return settings, home


def reload_files(config_path: str | Path | None, devices_path: str | Path | None,
                 current: tuple[Settings, Home]) -> tuple[Settings, Home]:
    """The new (settings, home), or ``ConfigError`` naming file, line and key (keep ``current``).

    ``devices_path`` is the ``--devices`` given on the command line, if any: it keeps overriding
    the config's ``devices`` key across reloads.
    """
    try:
        settings, home = load_files(config_path, devices_path)
    except ConfigError as exc:
        log.error("reload refused, keeping the running configuration: %s", exc)
        raise
    what = changed_sections(current, (settings, home))
    log.info("reloaded %s and %s: %s", settings.source, home.source,
             ", ".join(what) if what else "no change")
    return settings, home


def changed_sections(old: tuple[Settings, Home], new: tuple[Settings, Home]) -> list[str]:
    """Names of the top-level settings that differ, plus ``home`` when the devices changed.

    The service uses it to act proportionately: ``home`` → retrain the vocabulary, ``mqtt`` or
    ``site`` → reconnect and resubscribe, ``audio`` → reopen the devices, ``log_level`` → relevel.
    """
    (os_, oh), (ns, nh) = old, new
    names = [f.name for f in dataclasses.fields(Settings) if f.name != "source"]
    out = [n for n in names if getattr(os_, n) != getattr(ns, n)]
    if (oh.floors, oh.areas, oh.entities) != (nh.floors, nh.areas, nh.entities):
        out.append("home")
    return out


# the sections a reload cannot change in a running daemon (they take effect at the next restart)
RESTART_SECTIONS = ("mqtt", "site", "audio", "wake", "vad", "asr", "nlu", "reply", "tts", "discovery")


def settings_to_apply(old: Settings, new: Settings) -> Settings:
    """The reloaded settings a running daemon applies now: the broker connection and the site
    come from the command line too, so they stay until the restart; the other sections that need
    one are named in the log; a new log level is set at once."""
    later = [k for k in RESTART_SECTIONS if getattr(new, k) != getattr(old, k)]
    if later:
        log.warning("changed %s: takes effect at the next restart", ", ".join(later))
    applied = dataclasses.replace(new, site=old.site, mqtt=old.mqtt)
    if applied.log_level != old.log_level:
        logging.getLogger().setLevel(applied.log_level.upper())
    return applied


def reload_devices(path: str | Path) -> Home | None:
    """Re-read the devices file alone (in-process use, without a config reloader); None when it
    is refused (logged with file, line and field)."""
    try:
        return load_home(path)
    except ConfigError as exc:
        log.error("reload refused, keeping the running home: %s", exc)
        return None
