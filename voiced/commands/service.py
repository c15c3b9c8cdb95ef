"""``voiced run``: load config, home and models, connect, serve until SIGTERM/SIGINT."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import signal
import threading
from pathlib import Path
from types import FrameType
from typing import Any

from voiced import logs
from voiced.config import DEFAULT_MODELS, Settings, default_config_path, redact_url
from voiced.errors import ConfigError, ModelError, VoicedError

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


def load_stages(settings: Settings, home: Any) -> tuple[Any, Any]:
    """The NLU parser and reply generator (the shipped models unless the config names others)."""
    try:
        from voiced.nlu.parser import Parser
        from voiced.reply.generate import ReplyGenerator
    except ImportError as exc:
        raise ModelError(f"the NLU or reply stage is not installed: {exc}") from exc
    nlu_dir = Path(settings.nlu.model_dir) if settings.nlu.model_dir else DEFAULT_MODELS / "nlu"
    reply_dir = Path(settings.reply.model_dir) if settings.reply.model_dir else DEFAULT_MODELS / "reply"
    parser = Parser.load(nlu_dir, home, threshold=settings.nlu.confidence_threshold,
                           act=settings.nlu.act_threshold)
    replier = ReplyGenerator.load(reply_dir, use_model=settings.reply.use_model)
    return parser, replier


def cmd_run(args: argparse.Namespace) -> int:
    from voiced.mqtt.broker import LocalBroker, broker_url
    from voiced.reload import load_files, reload_files
    from voiced.sdnotify import Notifier, watchdog_interval
    from voiced.service import Service, state_file

    config_path = default_config_path(getattr(args, "config", None))
    settings, home = load_files(config_path, getattr(args, "devices", None))
    settings = _apply_args(settings, args)
    logs.setup_logging(settings.log_level)
    devices_path = getattr(args, "devices", None) or settings.devices
    log.info("voiced %s: site %s, %d entities from %s", __import__("voiced").__version__, settings.site,
             len(home.entities), home.source)

    parser, replier = load_stages(settings, home)
    speaker: Any = None
    voice: Any = None
    if not args.no_audio and settings.audio.enabled:
        from voiced.listener import VoiceInput, microphone_available
        from voiced.speech import SpeechOut
        from voiced.tts import Speaker

        if not microphone_available():
            log.warning("no microphone: serving text commands over MQTT only (voiced/%s/text)", settings.site)
        else:
            voice = VoiceInput(settings, home, on_transcript=lambda ev: None)
            log.info("listening with %s; wake word %s", voice.engine,
                     " / ".join(settings.wake.phrases) if settings.wake.enabled else "off")
        from voiced.tts.playback import output_devices

        try:
            outputs = output_devices()
        except VoicedError:
            outputs = []
        if outputs:
            speaker = SpeechOut(Speaker(settings.tts, settings.audio.output_device))
        else:
            log.warning("no speaker: replies are published on voiced/%s/reply only", settings.site)

    local = LocalBroker(settings.mqtt.local_port, state_file(settings.state_dir, lambda d: d))
    service: Service | None = None
    try:
        url = broker_url(settings, local)
        devices_arg = getattr(args, "devices", None)

        def reloader(current: tuple[Settings, Any]) -> tuple[Settings, Any]:
            return reload_files(config_path, devices_arg, current)

        service = Service(settings, home, nlu=parser, replier=replier, url=url, speaker=speaker,
                          devices_path=str(devices_path), reloader=reloader, notifier=Notifier(),
                          watchdog=watchdog_interval(), local_broker=local if local.running else None)
        if voice is not None:
            voice.on_transcript = service.on_voice_transcript
            voice.on_wake = service.on_voice_wake
            service.attach_voice(voice)
        if threading.current_thread() is threading.main_thread():
            svc = service

            # no logging in handlers: a handler must not take a lock the main thread may hold
            def on_stop(_signum: int, _frame: FrameType | None) -> None:
                svc.request_stop()

            def on_hup(_signum: int, _frame: FrameType | None) -> None:
                svc.request_reload()

            signal.signal(signal.SIGTERM, on_stop)
            signal.signal(signal.SIGINT, on_stop)
            signal.signal(signal.SIGHUP, on_hup)
        if not service.start():
            log.warning("broker %s not reachable yet; commands are queued until it is", redact_url(url))
        log.info("ready: text commands on voiced/%s/text", settings.site)
        if voice is not None:
            voice.start()
        service.run()
        return service.exit_code
    finally:
        if voice is not None:
            voice.close()
        if speaker is not None:
            speaker.close()
        if service is not None:
            service.close()
        local.stop()
