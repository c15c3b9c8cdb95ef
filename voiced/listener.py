"""The daemon's ears: microphone → wake word → VAD → ASR on a thread of its own, posting each
transcript to the main loop.  Wiring only (like pipeline.py): the stages live in voiced/audio and
voiced/asr; the grammar comes from the NLU's sentence generator for the current home.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from voiced.asr.grammar import home_names, home_sentences
from voiced.asr.select import make_recognizer
from voiced.audio.frontend import ERROR, TRANSCRIPT, WAKE, VoiceEvent, VoiceFrontend
from voiced.audio.sources import AudioSource, MicrophoneSource
from voiced.audio.wake import WakeWord
from voiced.config import Settings
from voiced.events import Transcript, Utterance
from voiced.home.model import Home
from voiced.nlu.generate import command_sentences

log = logging.getLogger("voiced.listener")

GRAMMAR_SENTENCES = 2000


def asr_sentences(home: Home, limit: int = GRAMMAR_SENTENCES) -> list[str]:
    """The home's commands as the ASR grammar: the canonical commands of every entity and area plus
    the NLU generator's sentences (lower case, number words)."""
    return home_sentences(home, command_sentences(home, limit=limit, seed=0))


def asr_prompt(home: Home) -> str:
    """Whisper's bias: the home's device, room and floor names (``asr.prompt``)."""
    from voiced.asr.whisper import prompt_from_names

    return prompt_from_names(home_names(home))


def microphone_available() -> bool:
    """Whether PortAudio sees an input device (no sound card: False)."""
    try:
        import sounddevice as sd  # lazily: PortAudio reads PULSE_SERVER when first initialised

        sd.query_devices(kind="input")
        return True
    except Exception:  # noqa: BLE001 - missing library, no device, PortAudio errors
        return False


class _Swappable:
    """The recogniser, with a new grammar swapped in by the voice thread itself at the start of the
    next utterance: a grammar rebuilt on another thread never changes a decoder mid-utterance."""

    def __init__(self, inner: Any, prompt: bool = True) -> None:
        self.inner = inner
        self.settings_prompt = prompt  # asr.prompt: bias Whisper with the home's names
        self._pending: list[str] | None = None
        self._prompt: str | None = None
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def later(self, sentences: list[str], prompt: str | None = None) -> None:
        with self._lock:
            self._pending = sentences
            self._prompt = prompt

    def _apply(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, None
            prompt, self._prompt = self._prompt, None
        if pending is not None:
            self.inner.set_sentences(pending)
            if prompt is not None and self.settings_prompt and hasattr(self.inner, "set_prompt"):
                self.inner.set_prompt(prompt)

    def start(self) -> None:
        self._apply()
        self.inner.start()

    def transcribe(self, utterance: Utterance) -> Transcript:
        self._apply()
        return self.inner.transcribe(utterance)  # type: ignore[no-any-return]


class VoiceInput:
    """Runs the voice front end until ``close()``; ``on_transcript`` and ``on_wake`` are called on
    the voice thread and must only hand the event over (the daemon posts it to its main loop)."""

    def __init__(self, settings: Settings, home: Home, on_transcript: Callable[[VoiceEvent], None],
                 on_wake: Callable[[VoiceEvent], None] = lambda _e: None,
                 source: AudioSource | None = None) -> None:
        self.settings = settings
        self.on_transcript = on_transcript
        self.on_wake = on_wake
        self.recognizer = _Swappable(make_recognizer(settings.asr, asr_sentences(home), prompt=asr_prompt(home)),
                                     prompt=settings.asr.prompt)
        wake = WakeWord(settings.wake) if settings.wake.enabled else None
        self.source = source or MicrophoneSource(settings.audio, retry=True)
        self.frontend = VoiceFrontend(self.source, self.recognizer, settings.vad, wake=wake,
                                      use_wake=settings.wake.enabled, area=settings.area)
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._run, name="voiced-voice", daemon=True)

    @property
    def engine(self) -> str:
        return str(getattr(self.recognizer, "name", "?"))

    def start(self) -> None:
        self._thread.start()

    def set_home(self, home: Home) -> None:
        """New names (discovery, reload): the sentences are generated here, on the caller's thread;
        the voice thread swaps the grammar in before its next utterance."""
        self.recognizer.later(asr_sentences(home), asr_prompt(home))

    def mute(self) -> None:
        self.frontend.mute()

    def unmute(self) -> None:
        self.frontend.unmute()

    def listen(self) -> None:
        """Listen for one command without the wake word (``voiced/<site>/listen``, a follow-up)."""
        self.frontend.listen()

    def close(self) -> None:
        self._closed.set()
        self.frontend.close()
        self._thread.join(5)

    def _run(self) -> None:
        while not self._closed.is_set():
            try:
                for ev in self.frontend.events():
                    if ev.kind == TRANSCRIPT and ev.transcript is not None and ev.transcript.text.strip():
                        self.on_transcript(ev)
                    elif ev.kind == WAKE:
                        self.on_wake(ev)
                    elif ev.kind == ERROR:
                        log.error("voice: %s", ev.text)
                if self._closed.is_set():
                    return
                log.warning("the audio source ended; reopening")
            except Exception:  # noqa: BLE001 - the ears must come back, whatever broke
                log.exception("voice input failed; restarting it")
            time.sleep(self.settings.audio.retry_seconds)
