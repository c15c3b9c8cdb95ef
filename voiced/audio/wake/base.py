"""What every wake-word engine gives and takes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from voiced.events import AudioChunk


@dataclass(frozen=True)
class WakeEvent:
    phrase: str  # the phrase heard, "" for an external trigger
    time: float  # stream time of the detection (end of the phrase)
    source: str = "phrase"  # phrase | trigger
    score: float | None = None  # the neural head's probability (None: PocketSphinx or a trigger)


class Spotter(Protocol):
    """One engine listening for its phrases in a 16 kHz stream."""

    engine: str
    phrases: tuple[str, ...]

    def process(self, chunk: AudioChunk) -> WakeEvent | None: ...

    def reset(self) -> None: ...

    def prime(self, audio: bytes) -> None: ...
