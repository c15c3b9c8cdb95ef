"""The daemon's event loop: one main-loop thread owns the event queue; everything else only posts
to it — paho's network thread (messages, link events), the speech and voice threads
(voiced/speech.py events), workers (``_Call``), signal handlers (stop, reload).  One event at a
time: messages go through the handler table (voiced/handlers.py, voiced/mqtt/router.py), then the
periodic chores run, each on its own; so no lock guards the home, the pipeline or the dialogue.
"""

from __future__ import annotations

import dataclasses
import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

from voiced import __version__
from voiced.act.actions import plan
from voiced.config import Settings
from voiced.dialogue import AlertEngine, DialogueManager
from voiced.errors import ConfigError
from voiced.events import Transcript
from voiced.handlers import Handlers
from voiced.home.manager import HomeManager
from voiced.home.model import Home
from voiced.home.state import StateStore
from voiced.mqtt import discovery, topics
from voiced.mqtt.broker import LocalBroker
from voiced.mqtt.client import Message, MqttClient
from voiced.names import NameRefresher
from voiced.pipeline import NluStage, Pipeline, ReplyStage, SpeakStage
from voiced.reload import reload_devices, settings_to_apply
from voiced.sdnotify import Notifier
from voiced.speech import SpeechCoordinator, WakeHeard
from voiced.statedir import TimerFile
from voiced.supervise import Supervisor

log = logging.getLogger("voiced.service")

TICK = 0.2  # s between periodic chores


@dataclasses.dataclass(frozen=True)
class _Stop:
    reason: str


@dataclasses.dataclass(frozen=True)
class _Call:
    """Run ``fn`` on the main loop (posted by worker threads)."""

    fn: Callable[[], object]


class Service:
    """Owns the broker client, the home, its state and the pipeline; ``run()`` is the main loop."""

    def __init__(self, settings: Settings, home: Home, *, nlu: NluStage, replier: ReplyStage,
                 url: str, speaker: SpeakStage | None = None, devices_path: str | None = None,
                 reloader: Callable[[tuple[Settings, Home]], tuple[Settings, Home]] | None = None,
                 notifier: Notifier | None = None, watchdog: float | None = None,
                 wall: Callable[[], float] = time.time, local_broker: LocalBroker | None = None) -> None:
        """``reloader(current)`` re-reads config and devices (``voiced.reload.reload_files``; raises
        ConfigError to refuse); without one a reload re-reads the devices file only.  ``notifier``
        gets READY/RELOADING/STOPPING/WATCHDOG (sd_notify) every ``watchdog`` seconds — WATCHDOG
        only while the broker link is up or has been reconnecting for less than
        ``mqtt.offline_watchdog`` seconds.  ``local_broker``: the private mosquitto ``url`` points
        at, restarted by the main loop when it dies."""
        self.settings = settings
        self.local_broker = local_broker
        self.exit_code = 0  # 1 when the daemon gave up (the private broker keeps dying)
        self.reloader = reloader
        self.notifier = notifier
        self._reload_requested = threading.Event()
        self.site = settings.site
        self.homes = HomeManager(home)  # the devices file's home + discovered entities, one merge
        self.nlu = nlu
        self.devices_path = devices_path or settings.devices
        self.events: queue.Queue[Any] = queue.Queue()
        self.states = StateStore(home)
        self.sites: set[str] = {self.site}
        self.muted = False
        self.wall = wall  # wall-clock seconds for timers and alerts (tests pass a hand-moved clock)
        self.dialogue = DialogueManager(settings.dialogue, home)
        self.alerts = AlertEngine(settings.alerts, home, away_entity=settings.dialogue.away_entity)
        self.timers = TimerFile(settings.state_dir, self.dialogue)
        # a client id that stays the same across restarts: the broker keeps this session (and the
        # commands sent to voiced meanwhile) for mqtt.queue_max_age seconds after the link is lost
        self.client = MqttClient(settings.mqtt, url, self.events, client_id=settings.mqtt.client_id or
                                 f"voiced-{self.site}", will=(topics.status(self.site), "offline"), persistent=True)
        # speech, mic mute, follow-ups and barge-in, on the main loop (voiced/speech.py)
        self.speech = SpeechCoordinator(speaker, site=self.site, publish=self.client.publish, post=self.events.put,
                                        on_spoken=lambda: self.dialogue.speaking_stopped(self.site, self.wall()),
                                        hermes_enabled=lambda: self.settings.hermes.enabled)
        self.pipeline = Pipeline(site=self.site, nlu=nlu, planner=plan, replier=replier, publisher=self.client,
                                 home=lambda: self.home, states=self.states,
                                 speaker=self.speech if speaker is not None else None,
                                 hermes=settings.hermes.enabled, sites=lambda: sorted(self.sites),
                                 muted=lambda: self.muted, dialogue=self.dialogue, wall=self.wall,
                                 speaking=lambda: self.speech.busy, stop_speech=self.speech.stop,
                                 hearing=(settings.asr.reject_below, settings.asr.confirm_below))
        self.supervisor = Supervisor(self.client, notifier=notifier, interval=watchdog, local_broker=local_broker,
                                     offline_bound=lambda: self.settings.mqtt.offline_watchdog, give_up=self._give_up)
        self.speaker = speaker
        self.voice: Any = None  # voiced.listener.VoiceInput when a microphone is in use
        self._stop = threading.Event()
        self.dropped: list[str] = []
        self.names = NameRefresher(nlu)  # the home's names to the NLU and the ASR grammar
        self.handled = 0  # messages handled (for tests and stats)
        self.handlers = Handlers(self)
        self.router = self.handlers.router()
        self.homes.on_change(self._home_changed)

    # ------------------------------------------------------------------ subscriptions

    def _subscribe_all(self) -> None:
        for route in self.router.routes:  # the handler table is the list of subscriptions
            self.client.subscribe(route.topic_filter, route.qos)
        self._subscribe_states()

    def _subscribe_states(self) -> None:
        for t in self.states.topics():
            self.client.subscribe(t)

    def publish_assistant(self) -> None:
        if self.settings.discovery.publish_assistant:
            topic, payload = discovery.assistant_config(self.site, __version__)
            self.client.publish(topic, payload, qos=1, retain=True)
            self.client.publish(topics.mute(self.site), "ON" if self.muted else "OFF", qos=1, retain=True)

    # ------------------------------------------------------------------ lifecycle

    def start(self, timeout: float = 10.0) -> bool:
        """Subscribe and connect; True when connected (False: still retrying in the background)."""
        self._subscribe_all()
        return self.client.connect(timeout)  # the Connected event publishes the discovery config

    def stop(self, reason: str = "stop") -> None:
        """Thread-safe: ask the main loop to finish now."""
        self._stop.set()
        self.events.put(_Stop(reason))

    # ------------------------------------------------------------------ voice

    def attach_voice(self, voice: Any) -> None:
        """Plug in the ears (a started-later ``VoiceInput``): transcripts go through the main loop,
        the microphone is muted while voiced speaks, and a question is followed by listening."""
        self.voice = voice
        self.speech.voice = voice
        self.names.voice = voice

    def on_voice_transcript(self, ev: Any) -> None:
        """Called on the voice thread: hand the transcript to the main loop."""
        timings = {**ev.timings_ms, "t_end_of_speech": ev.end_of_speech}
        self.events.put(_Call(lambda: self._handle_heard(ev.transcript, timings)))

    def on_voice_wake(self, ev: Any) -> None:
        """Called on the voice thread: the main loop's SpeechCoordinator handles it (barge-in)."""
        self.events.put(WakeHeard(ev.text or "", ev.session_id or ""))

    def _handle_heard(self, transcript: Transcript, timings: dict[str, float]) -> None:
        reply = self.pipeline.handle_transcript(transcript, timings=timings)
        self.speech.after_reply(reply.end_session)

    def request_reload(self) -> None:
        """Signal-handler-safe (SIGHUP): the main loop reloads within one tick."""
        self._reload_requested.set()

    def request_stop(self) -> None:
        """Signal-handler-safe (takes no lock the main thread may hold): the loop notices within
        one tick."""
        self._stop.set()

    def close(self) -> None:
        was_connected = self.client.connected
        if self.notifier is not None:
            self.notifier.stopping("stopping")
        self.client.close(publish_offline=True)
        log.info("stopped%s", "; status offline" if was_connected else "")

    def run(self) -> None:
        """The main loop (blocks until ``stop()``)."""
        next_tick = time.monotonic() + TICK
        while not self._stop.is_set():
            try:
                item = self.events.get(timeout=max(0.0, next_tick - time.monotonic()))
            except queue.Empty:
                item = None
            if item is not None:
                if isinstance(item, _Stop):
                    log.info("stopping (%s)", item.reason)
                    break
                self.dispatch(item)
            if time.monotonic() >= next_tick:
                self.tick()
                next_tick = time.monotonic() + TICK
        log.info("main loop finished")

    def tick(self) -> None:
        """Periodic chores on the main loop, each on its own: one that fails is logged and the
        others still run."""
        for name, chore in self._chores():
            try:
                chore()
            except Exception:  # noqa: BLE001 - a chore failing must not stop the daemon or the others
                log.exception("periodic task %s failed", name)

    def _chores(self) -> list[tuple[str, Callable[[], object]]]:
        return [("broker", self.supervisor.broker), ("watchdog", self.supervisor.watchdog),
                ("reload", self._reload_if_requested), ("expire", self.client.expire),
                ("dialogue", self._tick_dialogue), ("timers", self.timers.save),
                ("dropped", self._report_dropped), ("discovery", self.homes.apply_if_due)]

    def _give_up(self) -> None:
        self.exit_code = 1
        self._stop.set()

    def _reload_if_requested(self) -> None:
        if self._reload_requested.is_set():
            self._reload_requested.clear()
            self.reload()

    def _tick_dialogue(self) -> None:
        for decision in self.dialogue.tick(self.wall()):
            self.pipeline.handle_decision(decision)

    def _report_dropped(self) -> None:
        if self.dropped:
            ids, self.dropped = self.dropped, []
            self.pipeline.handle_dropped(ids)

    def dispatch(self, item: Any) -> None:
        """One event: a message through the router, a call posted by a worker, a link event, or a
        speech/voice event; a handler's exception is logged and the loop goes on."""
        try:
            if isinstance(item, Message):
                self.router.route(item)
                self.handled += 1
            elif isinstance(item, _Call):
                item.fn()
            elif not self.handlers.link(item):
                self.speech.handle(item)
        except Exception:  # noqa: BLE001 - bad input is logged and ignored
            log.exception("ignored an event that failed: %s", type(item).__name__)

    # ------------------------------------------------------------------ discovery and reload

    @property
    def home(self) -> Home:
        return self.homes.home

    @property
    def base_home(self) -> Home:
        return self.homes.base

    def _home_changed(self, home: Home) -> None:
        """Actions and state see the new home at once; the NLU learns the names in a worker."""
        self.states.set_home(home)
        self.dialogue.set_home(home)
        self.alerts.set_home(home)
        self._subscribe_states()
        self.names(home)

    def wait_nlu_refresh(self, timeout: float = 30.0) -> bool:
        """For tests and shutdown: wait until the background name refresh is idle."""
        return self.names.wait_idle(timeout)

    def reload(self) -> None:
        """SIGHUP / ``voiced/<site>/reload``: re-read config and devices; a bad file is refused
        (logged with file, line and key) and the running configuration kept."""
        if self.reloader is None:
            self.reload_home()
            return
        if self.notifier is not None:
            self.notifier.reloading("reloading")
        try:
            settings, home = self.reloader((self.settings, self.base_home))
        except ConfigError:
            pass  # logged by the reloader: "reload refused, keeping the running configuration"
        else:
            self._apply_settings(settings, home)
        finally:
            if self.notifier is not None:
                self.notifier.ready(f"listening on voiced/{self.site}/text")

    def _apply_settings(self, settings: Settings, home: Home) -> None:
        self.settings = settings_to_apply(self.settings, settings)
        self.pipeline.hermes = self.settings.hermes.enabled
        self.homes.set_base(home)

    def reload_home(self) -> None:
        """Re-read the devices file; a bad file is refused and the running home kept."""
        base = reload_devices(self.devices_path)
        if base is not None:
            self.homes.set_base(base, always=True)
            log.info("reloaded %s: %d entities", base.source, len(self.home.entities))
