"""The recogniser interface every ASR engine implements.

Batch (``transcribe``) for a segmented utterance and streaming (``start``/``accept``/``finish``)
for partial results while the user speaks.  Engines are restricted to the home's commands with
``set_sentences`` (rebuilt when the home changes) unless opened with ``open_vocabulary``.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from voiced.events import SAMPLE_RATE, Transcript, Utterance


@runtime_checkable
class Recognizer(Protocol):
    name: str  # "vosk" | "pocketsphinx"

    def set_sentences(self, sentences: list[str]) -> None:
        """Restrict recognition to these whole command sentences (lower case, words as spoken)."""

    def start(self) -> None:
        """Begin a streamed utterance."""

    def accept(self, audio: bytes) -> str:
        """Feed 16 kHz mono s16le audio; return the current partial text ("" if none yet)."""

    def finish(self) -> Transcript:
        """End the streamed utterance and return its final transcript."""

    def transcribe(self, utterance: Utterance) -> Transcript:
        """Recognise one whole utterance."""


def check_rate(rate: int) -> None:
    from voiced.errors import SpeechToTextError

    if rate != SAMPLE_RATE:
        raise SpeechToTextError(f"expected {SAMPLE_RATE} Hz audio, got {rate} Hz (use voiced.audio.sources)")
