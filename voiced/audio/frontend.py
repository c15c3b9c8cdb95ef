"""The voice front end: source → wake word → VAD segmentation → ASR, as one event stream.

``VoiceFrontend.events()`` yields ``VoiceEvent``s (wake, speech_start, partial, transcript,
no_speech, error); ``run(callback)`` does the same with a callback.  The daemon wires it:

    fe = VoiceFrontend(source, recognizer, vad=settings.vad, wake=WakeWord(settings.wake))
    for ev in fe.events():
        if ev.kind == "transcript": pipeline.handle(ev.transcript, timings=ev.timings_ms,
                                                    end_of_speech=ev.end_of_speech)

``mute()``/``unmute()`` bracket the assistant's own speech: muted audio never reaches the VAD or
the ASR (with ``barge_in`` only the wake phrase is still listened for, so a user can interrupt)
and everything heard before is forgotten on unmute.  ``listen()`` (or
``wake.trigger()``) starts listening without the wake word (``voiced/<site>/listen``, or a
dialogue turn that expects an answer).  One failing utterance becomes an ``error`` event; the loop
goes on.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Protocol

from voiced.audio.sources import AudioSource
from voiced.audio.vad import (
    NO_SPEECH,
    SPEECH,
    SPEECH_START,
    UTTERANCE_END,
    Segmenter,
    SegmentEvent,
    SileroVad,
)
from voiced.audio.wake import WakeEvent, WakeWord
from voiced.config import VadSettings
from voiced.errors import VoicedError
from voiced.events import SAMPLE_RATE, AudioChunk, Transcript, Utterance

log = logging.getLogger(__name__)

WAKE = "wake"
SPEECH_STARTED = "speech_start"
PARTIAL = "partial"
TRANSCRIPT = "transcript"
NO_SPEECH_EVENT = "no_speech"
ERROR = "error"


class Recognizer(Protocol):
    """What the front end needs of an ASR engine (voiced.asr.base.Recognizer satisfies it; audio/
    does not import asr/: stages stay independent)."""

    name: str

    def start(self) -> None: ...

    def accept(self, audio: bytes) -> str: ...

    def finish(self) -> Transcript: ...

    def transcribe(self, utterance: Utterance) -> Transcript: ...


@dataclass(frozen=True)
class VoiceEvent:
    kind: str  # wake | speech_start | partial | transcript | no_speech | error
    session_id: str = ""
    time: float = 0.0  # stream time (seconds of audio since the source started)
    text: str = ""  # partial text, the wake phrase, or the error message
    transcript: Transcript | None = None
    utterance: Utterance | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)  # {"vad", "asr", "wake"}
    end_of_speech: float = 0.0  # clock() when the end of speech was decided (for latency metrics)
    error: VoicedError | None = None


class VoiceFrontend:
    def __init__(self, source: AudioSource, recognizer: Recognizer, vad: VadSettings | None = None,
                 wake: WakeWord | None = None, use_wake: bool = True, streaming: bool | None = None,
                 preroll_ms: int = 300, tail_ms: int = 350, area: str | None = None,
                 clock: Callable[[], float] = time.perf_counter, vad_model: SileroVad | None = None,
                 barge_in: bool = True) -> None:
        self.source = source
        self.recognizer = recognizer
        self.wake = wake
        self.use_wake = use_wake and wake is not None
        # Decode while the user speaks: at the end of speech only the last few hundred ms remain.
        # Measured with PocketSphinx (cepstral mean carried from the previous utterance): end of
        # speech → MQTT p50 42 ms clean / 114 ms at 10 dB vs 269 / 390 ms decoding afterwards, with
        # no loss of accuracy (30/30 and 28/30 vs 28/30 and 28/30).  streaming=False decodes the
        # whole utterance after it ended (utterance-level CMN).
        self.streaming = True if streaming is None else streaming
        self.segmenter = Segmenter(vad, continuous=not self.use_wake)
        self.vad = vad_model or SileroVad()
        self.preroll = preroll_ms / 1000.0
        self.tail = tail_ms / 1000.0
        self.area = area
        self.clock = clock
        self.barge_in = barge_in  # listen for the wake phrase (only) while muted
        self._muted = threading.Event()
        self._listen = threading.Event()
        self._closed = threading.Event()
        self._was_muted = False
        # audio kept for the current utterance: bytes from stream time _buf_t0
        self._buf = bytearray()
        self._buf_t0 = 0.0
        self._listen_from = 0.0
        self._session = ""
        self._vad_s = 0.0
        self._asr_stream_s = 0.0
        self._wake_s = 0.0
        self._fed_until = 0.0  # stream time fed to a streaming recogniser
        self._last_partial = ""
        self._frames: list[tuple[float, float]] = []  # (frame start, speech probability) of this utterance
        self._threshold = (vad or VadSettings()).threshold

    # ------------------------------------------------------------------ control (any thread)
    def mute(self) -> None:
        """Stop hearing (the assistant is speaking)."""
        self._muted.set()

    def unmute(self) -> None:
        self._muted.clear()

    @property
    def muted(self) -> bool:
        return self._muted.is_set()

    def listen(self) -> None:
        """Listen for one command now, without the wake word."""
        self._listen.set()

    def close(self) -> None:
        self._closed.set()
        self.source.close()

    # ------------------------------------------------------------------ the loop
    def run(self, callback: Callable[[VoiceEvent], None]) -> None:
        for ev in self.events():
            callback(ev)

    def events(self) -> Iterator[VoiceEvent]:
        last_t = 0.0
        self.vad.reset()  # a new stream: VAD times re-sync to this source's timestamps
        for chunk in self.source.chunks():
            if self._closed.is_set():
                return
            last_t = chunk.timestamp + chunk.seconds
            if self._muted.is_set():
                self._was_muted = True
                if self.barge_in and self.use_wake and self.wake is not None:
                    # barge-in: while voiced speaks only the wake phrase is listened for ("hey
                    # computer, stop"); the daemon stops the speech, and the command after the
                    # phrase is heard once the microphone is unmuted
                    ev = self.wake.process(chunk)
                    if ev is not None and ev.source == "phrase":
                        self._listen.set()
                        yield VoiceEvent(WAKE, "", ev.time, ev.phrase, timings_ms={"barge_in": 1.0})
                continue
            if self._was_muted:  # forget the assistant's own voice and any half-heard command
                self._was_muted = False
                self._reset_listening()
            yield from self._chunk(chunk)
        yield from self._flush(last_t)

    def _reset_listening(self) -> None:
        self.segmenter.disarm()
        if self.wake is not None:
            self.wake.reset()
        self._buf.clear()
        self._session = ""
        if self.streaming:
            self._abort_stream()

    def _abort_stream(self) -> None:
        with contextlib.suppress(VoicedError):
            self.recognizer.finish()

    def _append(self, chunk: AudioChunk) -> None:
        if not self._buf:
            self._buf_t0 = chunk.timestamp
        self._buf.extend(chunk.audio)
        if self.segmenter.state != SPEECH:  # waiting: keep only what a pre-roll may need
            keep = int((self.preroll + 1.0) * SAMPLE_RATE) * 2
            if len(self._buf) > keep:
                drop = len(self._buf) - keep
                drop -= drop % 2
                del self._buf[:drop]
                self._buf_t0 += drop / 2 / SAMPLE_RATE

    def _audio(self, start: float, end: float) -> bytes:
        a = max(0, int(round((start - self._buf_t0) * SAMPLE_RATE)) * 2)
        b = max(a, int(round((end - self._buf_t0) * SAMPLE_RATE)) * 2)
        return bytes(self._buf[a:b])

    def _arm(self, t: float, wake: WakeEvent | None) -> Iterator[VoiceEvent]:
        self._session = uuid.uuid4().hex[:12]
        self._listen_from = t
        self._vad_s = self._asr_stream_s = 0.0
        self.vad.reset()
        self._buf.clear()
        self.segmenter.arm(t, None if not self.use_wake and wake is None else -1.0)
        if wake is not None:
            yield VoiceEvent(WAKE, self._session, t, wake.phrase, timings_ms={"wake": round(self._wake_s * 1000, 2)})

    def _chunk(self, chunk: AudioChunk) -> Iterator[VoiceEvent]:
        if self._listen.is_set():
            self._listen.clear()
            yield from self._arm(chunk.timestamp, WakeEvent("", chunk.timestamp, "trigger"))
        idle = self.segmenter.state == "idle"
        if idle:
            if not self.use_wake:
                return
            assert self.wake is not None
            t0 = time.perf_counter()
            ev = self.wake.process(chunk)
            self._wake_s = time.perf_counter() - t0
            if ev is None:
                return
            yield from self._arm(ev.time, ev)
            return  # the command starts after the wake phrase
        if not self._session:
            self._session = uuid.uuid4().hex[:12]
        self._append(chunk)
        t0 = time.perf_counter()
        frames = self.vad.process(chunk.audio, chunk.timestamp)
        seg_events: list[SegmentEvent] = []
        for prob, start, dur in frames:
            self._frames.append((start, prob))
            seg_events += self.segmenter.push(prob, start, dur)
        if self.segmenter.state != SPEECH and len(self._frames) > 200:  # waiting: keep the last few s
            del self._frames[:-100]
        self._vad_s += time.perf_counter() - t0
        for sev in seg_events:
            yield from self._segment_event(sev, chunk)
        if self.streaming and self.segmenter.state == SPEECH:
            yield from self._feed_stream(chunk.timestamp + chunk.seconds)

    def _feed_stream(self, until: float) -> Iterator[VoiceEvent]:
        audio = self._audio(self._fed_until, until)
        if not audio:
            return
        self._fed_until = until
        t0 = time.perf_counter()
        try:
            text = self.recognizer.accept(audio)
        except VoicedError as exc:
            yield VoiceEvent(ERROR, self._session, until, str(exc), error=exc)
            return
        self._asr_stream_s += time.perf_counter() - t0
        if text and text != self._last_partial:
            self._last_partial = text
            yield VoiceEvent(PARTIAL, self._session, until, text)

    def _segment_event(self, sev: SegmentEvent, chunk: AudioChunk) -> Iterator[VoiceEvent]:
        if sev.kind == SPEECH_START:
            yield VoiceEvent(SPEECH_STARTED, self._session, sev.start)
            if self.streaming:
                self._last_partial = ""
                self.recognizer.start()
                self._fed_until = max(self._listen_from, sev.start - self.preroll, self._buf_t0)
        elif sev.kind == UTTERANCE_END:
            yield self._finish(sev.start, sev.end, sev.time, sev.reason)
        elif sev.kind == NO_SPEECH:
            yield VoiceEvent(NO_SPEECH_EVENT, self._session, sev.time)
            self._buf.clear()
            self._session = ""
            self.vad.reset()

    def _finish(self, start: float, end: float, now: float, reason: str) -> VoiceEvent:
        eos = self.clock()
        a = max(self._listen_from, start - self.preroll, self._buf_t0)
        b = min(now, end + self.tail)
        utt = Utterance(self._audio(a, b), SAMPLE_RATE, a, b, reason)
        session = self._session
        t0 = time.perf_counter()
        try:
            if self.streaming:
                rest = self._audio(self._fed_until, b)
                if rest:
                    self.recognizer.accept(rest)
                tr = self.recognizer.finish()
            else:
                tr = self.recognizer.transcribe(utt)
        except VoicedError as exc:
            log.error("asr failed on a %.1f s utterance: %s", b - a, exc)
            return VoiceEvent(ERROR, session, now, str(exc), utterance=utt, error=exc)
        finally:
            self._buf.clear()
            self._session = ""
        asr_s = time.perf_counter() - t0
        tr = replace(tr, session_id=session, seconds=round(b - a, 3), area=self.area,
                     evidence={**tr.evidence, **self._speech_ratio(start, end)})
        timings = {"vad": round(self._vad_s * 1000, 2), "asr": round(asr_s * 1000, 2)}
        if self.streaming:
            timings["asr_stream"] = round(self._asr_stream_s * 1000, 2)
        return VoiceEvent(TRANSCRIPT, session, now, tr.text, transcript=tr, utterance=utt,
                          timings_ms=timings, end_of_speech=eos)

    def _speech_ratio(self, start: float, end: float) -> dict[str, float]:
        """The share of the utterance's VAD frames that were speech (evidence for voiced.asr.doubt)."""
        probs = [p for t, p in self._frames if start - 1e-6 <= t < end]
        self._frames = []
        if not probs:
            return {}
        return {"speech_ratio": round(sum(p >= self._threshold for p in probs) / len(probs), 3),
                "speech_prob": round(sum(probs) / len(probs), 3)}

    def _flush(self, t: float) -> Iterator[VoiceEvent]:
        """End of the source: an utterance still going is transcribed as it is."""
        if self.segmenter.state == SPEECH:
            start = self.segmenter.speech_start
            self.segmenter.disarm()
            yield self._finish(start, t, t, "flush")
