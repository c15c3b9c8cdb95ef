"""The composition root: every part of the daemon is built here, from ``Settings`` and the home,
and wired once — the NLU and reply stages, the speaker and its speech thread, the microphone side
(``VoiceInput``), the private broker, the service and its main loop.  The commands call it
(``voiced run`` → ``build`` → ``App.run``); no other module wires parts together.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from voiced.config import DEFAULT_MODELS, Settings, redact_url
from voiced.errors import ModelError, VoicedError
from voiced.home.model import Home
from voiced.mqtt.broker import LocalBroker, broker_url
from voiced.sdnotify import Notifier, watchdog_interval
from voiced.service import Service
from voiced.statedir import state_file

log = logging.getLogger("voiced.app")

Reloader = Callable[[tuple[Settings, Home]], tuple[Settings, Home]]


def load_stages(settings: Settings, home: Home) -> tuple[Any, Any]:
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


def build_speaker(settings: Settings) -> Any:
    """The speech thread over eSpeak, or None when there is no output device."""
    from voiced.speech import SpeechOut
    from voiced.tts import Speaker
    from voiced.tts.playback import output_devices

    try:
        outputs = output_devices()
    except VoicedError:
        outputs = []
    if not outputs:
        log.warning("no speaker: replies are published on voiced/%s/reply only", settings.site)
        return None
    return SpeechOut(Speaker(settings.tts, settings.audio.output_device))


@dataclass
class App:
    """The built daemon; ``run()`` serves until SIGTERM/SIGINT (or ``service.stop()``)."""

    settings: Settings
    service: Service
    local: LocalBroker
    speaker: Any = None  # voiced.speech.SpeechOut
    voice: Any = None  # voiced.listener.VoiceInput
    _closed: bool = field(default=False, repr=False)

    def install_signals(self) -> None:
        """SIGTERM/SIGINT stop, SIGHUP reloads (only from the main thread, where Python allows it)."""
        if threading.current_thread() is not threading.main_thread():
            return
        svc = self.service

        # no logging in handlers: a handler must not take a lock the main thread may hold
        def on_stop(_signum: int, _frame: FrameType | None) -> None:
            svc.request_stop()

        def on_hup(_signum: int, _frame: FrameType | None) -> None:
            svc.request_reload()

        signal.signal(signal.SIGTERM, on_stop)
        signal.signal(signal.SIGINT, on_stop)
        signal.signal(signal.SIGHUP, on_hup)

    def run(self) -> int:
        try:
            self.install_signals()
            if not self.service.start():
                log.warning("broker %s not reachable yet; commands are queued until it is",
                            redact_url(self.service.client.url))
            log.info("ready: text commands on voiced/%s/text", self.settings.site)
            if self.voice is not None:
                self.voice.start()
            self.service.run()
            return self.service.exit_code
        finally:
            self.close()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self.voice is not None:
            self.voice.close()
        if self.speaker is not None:
            self.speaker.close()
        self.service.close()
        self.local.stop()


def build(settings: Settings, home: Home, *, audio: bool = True, reloader: Reloader | None = None,
          devices_path: str | None = None) -> App:
    """Every part from ``settings``: stages, speaker, ears, broker and service, wired."""
    parser, replier = load_stages(settings, home)
    speaker: Any = None
    mic = False
    if audio and settings.audio.enabled:
        from voiced.listener import microphone_available

        mic = microphone_available()
        if not mic:
            log.warning("no microphone: serving text commands over MQTT only (voiced/%s/text)", settings.site)
        speaker = build_speaker(settings)
    local = LocalBroker(settings.mqtt.local_port, state_file(settings.state_dir, lambda d: d))
    try:
        url = broker_url(settings, local)
        service = Service(settings, home, nlu=parser, replier=replier, url=url, speaker=speaker,
                          devices_path=devices_path, reloader=reloader, notifier=Notifier(),
                          watchdog=watchdog_interval(), local_broker=local if local.running else None)
    except BaseException:
        if speaker is not None:
            speaker.close()
        local.stop()
        raise
    app = App(settings, service, local, speaker=speaker)
    if mic:
        from voiced.listener import VoiceInput

        try:
            app.voice = VoiceInput(settings, home, on_transcript=service.on_voice_transcript,
                                   on_wake=service.on_voice_wake)
        except BaseException:
            app.close()
            raise
        service.attach_voice(app.voice)
        log.info("listening with %s; wake word %s", app.voice.engine,
                 " / ".join(settings.wake.phrases) if settings.wake.enabled else "off")
    return app
