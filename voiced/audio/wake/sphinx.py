"""The fallback wake word: PocketSphinx keyphrase spotting on the live stream.

PocketSphinx keyword search (``kws``) with the package's en-US model: measured 30/30 hits and 0/30
false alarms at 20 dB on these machines (field notes), tiny CPU cost, and any phrase made of
dictionary words works without training.  ``sensitivity`` (0..1) maps to the detection threshold
on a log scale: 0 → 1e-10 (strict), 0.5 → 1e-40, 1 → 1e-70 (eager); on eSpeak "hey computer" at
20 dB SNR, 0.5 heard 10/12 with no false wake in 2.2 min of other speech, 0.6 heard 12/12 with one.
Measured since (docs/benchmarks.md): about 30 false wakes per hour on confusable speech and a
third of the phrases missed at 10 dB, which is why the neural detector (neural.py) comes first and
this one is used only for phrases without a trained head or when the ONNX front end is missing.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections import deque
from typing import Any

from voiced.audio.wake.base import WakeEvent
from voiced.errors import WakeError
from voiced.events import SAMPLE_RATE, AudioChunk

log = logging.getLogger(__name__)


def threshold_for(sensitivity: float) -> float:
    """Sensitivity 0..1 → kws threshold on a log scale (lower threshold = wakes more easily)."""
    s = min(1.0, max(0.0, sensitivity))
    return float(10.0 ** -(10.0 + 60.0 * s))


DECODER_OPTS: dict[str, object] = {}  # kept for tuning; dither/remove_noise/cmninit changed nothing measured


class SphinxSpotter:
    """Spot any of ``phrases`` in a stream of 16 kHz chunks.

    The keyword search runs as one long "utterance"; it is restarted after every detection and
    every ``restart_seconds`` (bounding memory), re-feeding the last ``overlap_seconds`` so a phrase
    spoken across a restart is still heard.
    """

    engine = "pocketsphinx"

    def __init__(self, phrases: tuple[str, ...], sensitivity: float = 0.5, restart_seconds: float = 20.0,
                 overlap_seconds: float = 1.5) -> None:
        self.phrases = tuple(p.strip().lower() for p in phrases if p.strip())
        self.sensitivity = sensitivity
        self.restart_seconds = restart_seconds
        self._overlap: deque[bytes] = deque()
        self._overlap_bytes = 0
        self._max_overlap = int(overlap_seconds * SAMPLE_RATE) * 2
        self._utt_samples = 0
        self._dec: Any = None
        if self.phrases:
            self._dec = self._decoder()
            self._dec.start_utt()

    def _decoder(self) -> Any:
        try:
            import pocketsphinx
        except ImportError as exc:
            raise WakeError(f"PocketSphinx is not installed ({exc})") from exc
        base = os.path.join(pocketsphinx.get_model_path(), "en-us")
        dec = pocketsphinx.Decoder(hmm=os.path.join(base, "en-us"), dict=os.path.join(base, "cmudict-en-us.dict"),
                                   lm=None, samprate=SAMPLE_RATE, loglevel="FATAL", **DECODER_OPTS)
        missing = sorted({w for p in self.phrases for w in p.split() if dec.lookup_word(w) is None})
        if missing:
            raise WakeError(f"wake.phrases: word(s) not in the pronunciation dictionary: {', '.join(missing)}")
        lines = [f"{p} /{threshold_for(self.sensitivity):.3g}/" for p in self.phrases]
        with tempfile.NamedTemporaryFile("w", suffix=".kws", delete=False) as f:
            f.write("\n".join(lines) + "\n")
            path = f.name
        try:
            dec.add_kws("wake", path)
            dec.activate_search("wake")
        except (RuntimeError, ValueError) as exc:
            raise WakeError(f"cannot set up the wake word search: {exc}") from exc
        finally:
            os.unlink(path)
        log.info("wake word: %s (PocketSphinx, sensitivity %.2f)", " | ".join(self.phrases), self.sensitivity)
        return dec

    def prime(self, audio: bytes) -> None:
        """Adapt the cepstral mean to this audio (no search) before listening.

        PocketSphinx's live CMN starts from a built-in mean and adapts only after hearing speech; a
        cold decoder missed "hey computer" spoken first thing (0/6 at 20 dB), the same decoder after
        one utterance heard it.  A running daemon adapts by itself; a one-shot WAV is primed with
        its own audio.
        """
        if self._dec is None or not audio:
            return
        self._dec.end_utt()
        self._dec.start_utt()
        self._dec.process_raw(audio, True, False)
        self._dec.get_cmn(True)
        self._dec.end_utt()
        self._dec.start_utt()

    def reset(self) -> None:
        """Forget audio heard so far (after the assistant spoke, or after a command)."""
        if self._dec is not None:
            self._dec.end_utt()
            self._dec.start_utt()
        self._overlap.clear()
        self._overlap_bytes = 0
        self._utt_samples = 0

    def process(self, chunk: AudioChunk) -> WakeEvent | None:
        if self._dec is None:
            return None
        self._dec.process_raw(chunk.audio, False, False)
        self._utt_samples += len(chunk.audio) // 2
        self._overlap.append(chunk.audio)
        self._overlap_bytes += len(chunk.audio)
        while self._overlap_bytes - len(self._overlap[0]) >= self._max_overlap:
            self._overlap_bytes -= len(self._overlap.popleft())
        hyp = self._dec.hyp()
        if hyp is not None and hyp.hypstr:
            phrase = hyp.hypstr.strip().split("  ")[0]
            self.reset()
            return WakeEvent(phrase if phrase in self.phrases else hyp.hypstr.strip(), chunk.timestamp + chunk.seconds)
        if self._utt_samples >= self.restart_seconds * SAMPLE_RATE:
            tail = b"".join(self._overlap)
            self._dec.end_utt()
            self._dec.start_utt()
            self._dec.process_raw(tail, False, False)
            self._utt_samples = len(tail) // 2
        return None
