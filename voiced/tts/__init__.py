"""Text → speech with pyttsx3's eSpeak NG driver, rendered to a buffer, then played.

Rendering to a buffer (not pyttsx3's own ``say``, which shells out to ``aplay``) lets voiced play
the sound itself and know exactly when speaking ends.  Each render goes to a fresh temporary
file: pyttsx3 keeps the last ``save_to_file`` target, and a later ``say`` would overwrite it.
"""

from __future__ import annotations

import contextlib
import ctypes
import io
import logging
import tempfile
import threading
import wave
from pathlib import Path
from typing import Any

import numpy as np

from voiced.config import TtsSettings
from voiced.errors import TextToSpeechError

log = logging.getLogger(__name__)
RATE = 22050  # eSpeak NG via pyttsx3 always writes 22,050 Hz mono 16-bit
SYNTH_TIMEOUT = 10.0  # seconds, plus 0.1 s per character


_ENGINE_LOCK = threading.Lock()  # pyttsx3 shares one engine per driver in a process


def _keep_final_chunk(engine: Any) -> None:
    """Work around a pyttsx3 2.99 espeak-driver bug: when eSpeak delivers the last samples in the
    same callback as its end-of-message event, the driver writes the WAV *before* appending them,
    so a short reply ("Okay.") can come out empty.  Our callback appends the samples first and
    hands the driver only the events."""
    driver = getattr(getattr(engine, "proxy", None), "_driver", None)
    if driver is None or getattr(driver, "_voiced_fixed", False) or not hasattr(driver, "_onSynth"):
        return
    from pyttsx3.drivers import _espeak

    original = driver._onSynth

    def on_synth(wav: Any, numsamples: int, events: Any) -> int:
        if numsamples > 0 and driver._speaking:
            driver._data_buffer += ctypes.string_at(wav, numsamples * ctypes.sizeof(ctypes.c_short))
        return int(original(wav, 0, events))

    _espeak.SetSynthCallback(on_synth)
    driver._voiced_fixed = True


def _synchronize() -> None:
    try:
        from pyttsx3.drivers import _espeak

        _espeak.Synchronize()
    except (ImportError, AttributeError, OSError):  # another pyttsx3 layout: nothing to wait for
        pass


def _engine() -> Any:
    try:
        import pyttsx3

        with contextlib.redirect_stdout(io.StringIO()):
            engine = pyttsx3.init("espeak")
    except Exception as exc:  # ImportError, RuntimeError("could not initialize espeak"), OSError
        raise TextToSpeechError(f"cannot start eSpeak NG through pyttsx3: {exc} "
                                "(is the espeak-ng package installed?)") from exc
    _keep_final_chunk(engine)
    return engine


RATE_WPM = (50, 500)  # eSpeak's usable speaking rates, words per minute


def check_settings(s: TtsSettings) -> list[tuple[str, str]]:
    """The speaker's own limits as (key under ``tts.``, message), read by the config loader too."""
    problems: list[tuple[str, str]] = []
    if s.voice is not None and not s.voice.strip():
        problems.append(("voice", "must not be empty (leave it out for the default)"))
    lo, hi = RATE_WPM
    if not lo <= s.rate <= hi:
        problems.append(("rate", f"expected words per minute between {lo} and {hi}, not {s.rate}"))
    if not 0.0 <= s.volume <= 1.0:
        problems.append(("volume", f"expected a number between 0 and 1, not {s.volume:g}"))
    return problems


class Speaker:
    """One voice with the configured voice, rate and volume; thread-safe."""

    def __init__(self, settings: TtsSettings, output_device: str | int | None = None) -> None:
        for key, msg in check_settings(settings):
            raise TextToSpeechError(f"tts.{key}: {msg}")
        self.settings = settings
        self.output_device = output_device
        self._engine: Any = None
        self._voice: str | None = None
        self._player: Any = None

    def _ready(self) -> Any:
        """The shared engine, set to this speaker's voice, rate and volume (under _ENGINE_LOCK)."""
        if self._engine is None:
            engine = _engine()
            self._voice = self._resolve_voice(engine, self.settings.voice)
            self._engine = engine
        # The engine is shared per process: set our properties before every render.  They go to
        # the driver directly and eSpeak is synchronised before synthesis: through pyttsx3's queue
        # they would reach eSpeak just before pyttsx3 cancels a "busy" eSpeak, and be dropped.
        driver = getattr(getattr(self._engine, "proxy", None), "_driver", None)
        target = driver if driver is not None and hasattr(driver, "setProperty") else self._engine
        try:
            if self._voice:
                target.setProperty("voice", self._voice)
            target.setProperty("rate", self.settings.rate)
            target.setProperty("volume", self.settings.volume)
        except (ValueError, KeyError) as exc:
            raise TextToSpeechError(f"tts: eSpeak refused the voice settings: {exc}") from exc
        _synchronize()
        return self._engine

    @staticmethod
    def _resolve_voice(engine: Any, wanted: str | None) -> str | None:
        """A voice id ("gmw/en-us"), language ("en-us") or name ("English (America)") → its id."""
        if not wanted:
            return None
        w = wanted.strip().lower()
        voices = engine.getProperty("voices")
        for v in voices:
            langs = [str(lang).lower() for lang in (getattr(v, "languages", None) or [])]
            if w in (str(v.id).lower(), str(v.id).lower().rsplit("/", 1)[-1], str(v.name).lower(), *langs):
                return str(v.id)
        examples = ", ".join(str(v.id).rsplit("/", 1)[-1] for v in voices[:8])
        raise TextToSpeechError(f"tts.voice: unknown voice {wanted!r} (e.g. {examples})")

    def render(self, text: str) -> tuple[np.ndarray, int]:
        """Speech for ``text`` as int16 mono samples and their rate (empty text → no samples)."""
        text = " ".join(str(text).split())
        if not text:
            return np.zeros(0, dtype=np.int16), RATE
        with _ENGINE_LOCK, tempfile.TemporaryDirectory(prefix="voiced-tts-") as tmp:
            path = Path(tmp) / "speech.wav"
            engine = self._ready()
            try:
                # eSpeak synthesises on its own thread and pyttsx3's runAndWait may return before
                # the WAV is written (seen under CPU load): wait for the end-of-utterance event.
                finished = threading.Event()
                token = engine.connect("finished-utterance", lambda **_kw: finished.set())
                try:
                    with contextlib.redirect_stdout(io.StringIO()):  # the driver prints "Audio saved to"
                        engine.save_to_file(text, str(path))
                        engine.runAndWait()
                        ok = finished.wait(SYNTH_TIMEOUT + len(text) / 10)
                    if ok:
                        # let eSpeak's thread go idle: pyttsx3 cancels a "playing" eSpeak at the
                        # start of the next run, which would drop that run's rate/voice settings
                        _synchronize()
                finally:
                    engine.disconnect(token)
                if not ok:
                    raise TextToSpeechError(f"speech synthesis did not finish for {text[:40]!r}")
                with wave.open(str(path), "rb") as w:
                    rate = w.getframerate()
                    if w.getsampwidth() != 2:
                        raise TextToSpeechError(f"eSpeak wrote {8 * w.getsampwidth()}-bit audio, expected 16")
                    audio = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
                    if w.getnchannels() > 1:
                        audio = audio.reshape(-1, w.getnchannels())[:, 0]
            except TextToSpeechError:
                raise
            except (OSError, EOFError, wave.Error, RuntimeError) as exc:
                raise TextToSpeechError(f"speech synthesis failed for {text[:40]!r}: {exc}") from exc
        return audio.copy(), rate

    def render_to_file(self, text: str, path: str | Path) -> float:
        """Write ``text`` as a WAV; returns its length in seconds."""
        audio, rate = self.render(text)
        try:
            with wave.open(str(path), "wb") as w:
                w.setnchannels(1)
                w.setsampwidth(2)
                w.setframerate(rate)
                w.writeframes(audio.tobytes())
        except OSError as exc:
            raise TextToSpeechError(f"{path}: cannot write WAV: {exc}") from exc
        return audio.size / rate

    def speak(self, text: str) -> bool:
        """Render and play; blocks until played (True) or interrupted by ``stop()`` (False)."""
        from voiced.tts.playback import Player

        audio, rate = self.render(text)
        if audio.size == 0:
            return True
        if self._player is None:
            self._player = Player(self.output_device)
        return bool(self._player.play(audio, rate))

    def stop(self) -> None:
        """Interrupt what is being spoken now (no effect when silent)."""
        if self._player is not None:
            self._player.stop()
