"""The neural wake word: openWakeWord's front end (features.py) + a head trained here (model.py).

Every 80 ms the front end makes one embedding; the head scores the last 16.  A wake is a score at
or above the threshold; afterwards the history is cleared (the phrase that woke us must not wake
us again when listening resumes) and nothing wakes for ``refractory_seconds``.  ``reset()`` (after
voiced spoke, after a command) replaces the history by quiet room tone rather than emptying it, so
the phrase said right after a reply is heard without waiting two seconds for a full window.

Sensitivity moves the threshold in log-odds around the one chosen at training (on the validation
voices: the lowest that woke nothing on their negatives while hearing 90 % of their phrases): 0.5
is that threshold, each 0.1 more is 0.8 log-odds easier.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from pathlib import Path

import numpy as np

from voiced.audio.wake.base import WakeEvent
from voiced.audio.wake.features import Embedder, FrontEnd
from voiced.audio.wake.model import WakeModel
from voiced.events import SAMPLE_RATE, AudioChunk

log = logging.getLogger(__name__)

LOGIT_PER_SENSITIVITY = 8.0


def threshold_for(base: float, sensitivity: float) -> float:
    base = min(max(base, 1e-4), 1 - 1e-4)
    z = math.log(base / (1 - base)) - LOGIT_PER_SENSITIVITY * (min(1.0, max(0.0, sensitivity)) - 0.5)
    return 1.0 / (1.0 + math.exp(-z))


def room_tone(embedder: Embedder, seconds: float = 2.5, rms: float = 30.0) -> np.ndarray:
    """Embeddings of a quiet noise floor: what the history holds after ``reset()``."""
    x = np.random.default_rng(0).normal(0.0, rms, int(seconds * SAMPLE_RATE)).astype(np.float32)
    return embedder.embed(x)


class NeuralSpotter:
    """One phrase, one head.  ``process`` takes 16 kHz int16 chunks of any size."""

    engine = "neural"

    def __init__(self, model: WakeModel, embedder: Embedder, sensitivity: float = 0.5,
                 refractory_seconds: float = 2.0) -> None:
        self.model = model
        self.phrase = model.phrase
        self.phrases: tuple[str, ...] = (model.phrase,)
        self.frames = model.head.cfg.frames
        self.threshold = threshold_for(model.threshold, sensitivity)
        self.refractory = refractory_seconds
        self.front = FrontEnd(embedder)
        self._head = model.fast()
        self._quiet = room_tone(embedder)[-self.frames:]
        self._hist: deque[np.ndarray] = deque(maxlen=self.frames)
        self._last_wake = -math.inf
        self.last_score = 0.0
        self.reset()
        log.info("wake word: %s (neural, %s, threshold %.3f at sensitivity %.2f)", self.phrase,
                 model.path or "in memory", self.threshold, sensitivity)

    def prime(self, audio: bytes) -> None:
        """Nothing to adapt (kept for the PocketSphinx spotter's interface)."""

    def reset(self) -> None:
        self.front.reset()
        self._hist.clear()
        self._hist.extend(self._quiet)
        self._t0: float | None = None  # stream time of the first sample after the reset

    def scores(self, samples: np.ndarray) -> list[float]:
        """Feed int16-scaled samples; the head's score for each embedding completed."""
        out: list[float] = []
        for emb in self.front.push(samples):
            self._hist.append(emb)
            out.append(float(self._head.scores(np.stack(self._hist)[None])[0]))
        return out

    def process(self, chunk: AudioChunk) -> WakeEvent | None:
        if self._t0 is None:
            self._t0 = chunk.timestamp
        t0 = self._t0
        samples = np.frombuffer(chunk.audio, dtype="<i2")
        scores = self.scores(samples)
        if not scores:
            return None
        self.last_score = max(scores)
        for score, end_sample in zip(scores, self.front.ends, strict=True):
            # the end of the audio the firing window saw: the phrase ended just before it (the
            # command that follows is listened for from here, not from the end of the chunk)
            end = t0 + end_sample / SAMPLE_RATE
            if end < self._last_wake:  # stream time went back: a new stream (a new source)
                self._last_wake = -math.inf
            if score >= self.threshold and end - self._last_wake >= self.refractory:
                self._last_wake = end
                self.reset()
                return WakeEvent(self.phrase, end, "phrase", score=round(score, 3))
        return None


def model_path_for(phrase: str, model_dir: str | None, default_root: Path) -> Path:
    """Where the head for ``phrase`` lives: the configured directory, or models/wake/<slug>."""
    if model_dir:
        return Path(model_dir).expanduser()
    return default_root / slug(phrase)


def slug(phrase: str) -> str:
    return "_".join("".join(c for c in w if c.isalnum()) for w in phrase.lower().split()) or "wake"


__all__ = ["NeuralSpotter", "model_path_for", "room_tone", "slug", "threshold_for"]
