"""Speaking, and what the microphone does meanwhile.

``SpeechOut`` renders and plays on the speech thread; it only posts ``SpeechStarted`` and
``SpeechFinished`` to the main loop.  The voice thread only posts ``WakeHeard``.  The
``SpeechCoordinator`` lives on the main loop and owns everything that depends on both: the
microphone is muted from the moment speech is asked for and unmuted when the last queued sentence
has been spoken; a question's follow-up ("listen again without the wake word") starts then; a wake
phrase heard while voiced speaks stops the speech (barge-in); Hermes ``sayFinished`` is published
when a sentence has been spoken (or dropped), not when it was queued.  No state is shared between
threads but the speech queue.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import queue
import threading
from collections.abc import Callable
from typing import Any, Protocol

from voiced.mqtt import hermes

log = logging.getLogger("voiced.speech")


@dataclasses.dataclass(frozen=True)
class SpeechStarted:
    """Posted by the speech thread when it starts a stretch of speech."""

    text: str


@dataclasses.dataclass(frozen=True)
class SpeechFinished:
    """Posted by the speech thread for every sentence asked for: spoken, cut short, failed or
    dropped by ``stop()``.  ``idle``: nothing else was queued at that moment."""

    text: str
    tag: object = None  # what the asker attached (a Hermes say's id)
    interrupted: bool = False
    idle: bool = True


@dataclasses.dataclass(frozen=True)
class WakeHeard:
    """Posted by the voice thread when the wake phrase was heard."""

    text: str
    session_id: str = ""


class Speaker(Protocol):
    def speak(self, text: str) -> object: ...


class SpeechOut:
    """Speaks on its own thread, so the main loop keeps serving while voiced talks (a "stop"
    arriving meanwhile can cut the speech short).  ``post`` receives the SpeechStarted /
    SpeechFinished events (the daemon's event queue)."""

    def __init__(self, speaker: Speaker, post: Callable[[object], None] = lambda _e: None) -> None:
        self.speaker = speaker
        self.post = post
        self._queue: queue.Queue[tuple[str, object] | None] = queue.Queue()
        self._busy = threading.Event()
        self._lock = threading.Lock()  # between the speech thread and stop(): who reports the end
        self._playing = False
        self._stretch = False  # SpeechStarted posted, its last SpeechFinished (idle) not yet
        self._thread = threading.Thread(target=self._run, name="voiced-speech", daemon=True)
        self._thread.start()

    @property
    def busy(self) -> bool:
        return self._busy.is_set() or not self._queue.empty()

    def speak(self, text: str, tag: object = None) -> None:
        self._busy.set()  # busy from the moment it is asked
        self._queue.put((text, tag))

    def stop(self) -> None:
        """Drop what is queued (each reported as interrupted) and cut what is playing."""
        dropped: list[tuple[str, object]] = []
        with self._lock:
            with contextlib.suppress(queue.Empty):
                while True:
                    item = self._queue.get_nowait()
                    if item is not None:
                        dropped.append(item)
            playing = self._playing
            if not playing:  # nothing will report the end but us
                self._busy.clear()
                self._stretch = False
        for i, (text, tag) in enumerate(dropped):
            self.post(SpeechFinished(text, tag, interrupted=True, idle=not playing and i == len(dropped) - 1))
        stop = getattr(self.speaker, "stop", None)
        if stop is not None:
            stop()

    def close(self) -> None:
        self.stop()
        self._queue.put(None)
        self._thread.join(5)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            text, tag = item
            with self._lock:
                self._playing = True
                self._busy.set()
                start, self._stretch = not self._stretch, True
            if start:
                self.post(SpeechStarted(text))
            log.debug("speaking: %r", text[:60])
            interrupted = False
            try:
                if self.speaker.speak(text) is False:
                    interrupted = True
                    log.info("speech interrupted: %r", text[:60])
            except Exception:  # noqa: BLE001 - a TTS failure is logged; the daemon goes on
                log.exception("speaking failed: %r", text[:80])
            finally:
                with self._lock:
                    self._playing = False
                    idle = self._queue.empty()
                    if idle:
                        self._busy.clear()
                        self._stretch = False
                self.post(SpeechFinished(text, tag, interrupted=interrupted, idle=idle))


class SpeechCoordinator:
    """On the main loop: speech, mic mute, follow-up listening, barge-in and Hermes sayFinished.

    ``speaker``: a ``SpeechOut`` (its events come back through ``post``, the main loop's queue), a
    plain synchronous speaker (finished when ``speak`` returns) or None (nothing is spoken).
    ``voice``: the microphone side (``mute``/``unmute``/``listen``), attached when there is one."""

    def __init__(self, speaker: Speaker | None, *, site: str, publish: Callable[..., object],
                 post: Callable[[object], None], on_spoken: Callable[[], None] = lambda: None,
                 hermes_enabled: Callable[[], bool] = lambda: False) -> None:
        self.speaker = speaker
        self.site = site
        self.publish = publish
        self.on_spoken = on_spoken  # after a stretch of speech, with a microphone: the answer window opens
        self.hermes_enabled = hermes_enabled
        self.voice: Any = None
        self._follow_up = False  # the last reply asked a question: listen once it has been spoken
        if isinstance(speaker, SpeechOut):
            speaker.post = post

    # ------------------------------------------------------------------ asked by the main loop

    @property
    def busy(self) -> bool:
        return bool(getattr(self.speaker, "busy", False))

    def speak(self, text: str, tag: object = None) -> None:
        """Speak ``text`` (the microphone is muted before the first sample)."""
        if self.speaker is None:
            self.not_spoken(tag)
            return
        if self.voice is not None:
            self.voice.mute()
        if isinstance(self.speaker, SpeechOut):
            self.speaker.speak(text, tag)
            return
        try:
            self.speaker.speak(text)
        finally:
            self._finished(SpeechFinished(text, tag))

    def not_spoken(self, tag: object = None) -> None:
        """A sentence that was not spoken (no speaker, muted): a Hermes say is finished now."""
        if isinstance(tag, HermesSay):
            topic, payload = hermes.say_finished(self.site, tag.ident)
            self.publish(topic, payload)

    def stop(self) -> None:
        stop = getattr(self.speaker, "stop", None)
        if stop is not None:
            stop()

    def after_reply(self, end_session: bool) -> None:
        """A reply that keeps the session open: listen without the wake word once it is spoken."""
        if self.voice is None or end_session:
            return
        if self.busy:
            self._follow_up = True
        else:
            self.voice.listen()

    # ------------------------------------------------------------------ events from the threads

    def handle(self, event: object) -> bool:
        """One of this module's events; False for anything else."""
        if isinstance(event, SpeechStarted):
            if self.voice is not None:
                self.voice.mute()
        elif isinstance(event, SpeechFinished):
            self._finished(event)
        elif isinstance(event, WakeHeard):
            self._wake(event)
        else:
            return False
        return True

    def _finished(self, event: SpeechFinished) -> None:
        self.not_spoken(event.tag)  # said, cut short or dropped: a Hermes say is finished
        if not event.idle or self.busy or self.voice is None:
            return  # more is queued (or asked since): the microphone stays muted until the end
        if self._follow_up:
            self._follow_up = False
            self.voice.listen()
        self.voice.unmute()
        self.on_spoken()
        log.debug("speech done; listening again")

    def _wake(self, event: WakeHeard) -> None:
        """A wake phrase heard while voiced speaks is a barge-in: the speech stops at once and the
        command after the phrase is listened for."""
        if self.busy:
            log.info("barge-in: wake phrase heard while speaking; stopping speech")
            self.stop()
        if self.hermes_enabled() and event.text:
            topic, payload = hermes.hotword_detected(event.text, self.site, event.session_id)
            self.publish(topic, payload)


@dataclasses.dataclass(frozen=True)
class HermesSay:
    """The tag of a ``hermes/tts/say``: its id comes back in ``sayFinished``."""

    ident: str | None
