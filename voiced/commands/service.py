"""``voiced run``: load config and home, apply the command line, and hand them to the composition
root (``voiced.app``), which builds, connects and serves until SIGTERM/SIGINT."""

from __future__ import annotations

import argparse
import dataclasses
import logging
from typing import Any

from voiced import logs
from voiced.config import Settings, default_config_path, redact_url
from voiced.errors import ConfigError

log = logging.getLogger("voiced.run")


def _apply_args(settings: Settings, args: argparse.Namespace) -> Settings:
    if getattr(args, "site", None):
        site = args.site
        if not site or any(c in site for c in "/#+ "):
            raise ConfigError(f"(command line):1: --site: must be an id without '/', '#', '+' or spaces, not {site!r}")
        settings = dataclasses.replace(settings, site=site)
    if getattr(args, "broker", None):
        url = args.broker
        if "@" in url:  # never echoed: the part before "@" may be a password (it is in argv already)
            raise ConfigError(f"(command line):1: --broker: must not contain a user or password ({redact_url(url)!r}): "
                              "set mqtt.username in the config and the password in $VOICED_MQTT_PASSWORD "
                              "or mqtt.password_file")
        if not url.startswith(("mqtt://", "mqtts://")):
            raise ConfigError(f"(command line):1: --broker: expected mqtt://HOST:PORT or mqtts://HOST:PORT, not {url!r}")
        settings = dataclasses.replace(settings, mqtt=dataclasses.replace(settings.mqtt, url=url))
    if getattr(args, "state_dir", None):
        settings = dataclasses.replace(settings, state_dir=args.state_dir)
    return settings


def cmd_run(args: argparse.Namespace) -> int:
    from voiced.app import build
    from voiced.reload import load_files, reload_files

    config_path = default_config_path(getattr(args, "config", None))
    devices_arg = getattr(args, "devices", None)
    settings, home = load_files(config_path, devices_arg)
    settings = _apply_args(settings, args)
    logs.setup_logging(settings.log_level)
    log.info("voiced %s: site %s, %d entities from %s", __import__("voiced").__version__, settings.site,
             len(home.entities), home.source)

    def reloader(current: tuple[Settings, Any]) -> tuple[Settings, Any]:
        return reload_files(config_path, devices_arg, current)

    app = build(settings, home, audio=not args.no_audio, reloader=reloader,
                devices_path=str(devices_arg or settings.devices))
    return app.run()
