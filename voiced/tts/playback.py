"""Play a buffer of 16-bit mono audio on an output device, blocking until it has been heard.

Blocking matters: the voice pipeline keeps the microphone muted until ``play`` returns, so the
assistant does not hear itself.  ``stop()`` from another thread cuts playback short (the user
said "stop").  sounddevice is imported lazily so that a machine without PortAudio can still
render WAV files.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from voiced.errors import TextToSpeechError

BLOCK_SECONDS = 0.05  # write granularity: how quickly stop() takes effect


def _sounddevice() -> Any:
    try:
        import sounddevice
    except OSError as exc:  # PortAudio library missing
        raise TextToSpeechError(f"no audio output: PortAudio is not available ({exc})") from exc
    return sounddevice


def output_devices() -> list[str]:
    """Names of the devices that can play sound (empty on a machine without any)."""
    sd = _sounddevice()
    return [d["name"] for d in sd.query_devices() if d.get("max_output_channels", 0) > 0]


def _resample(audio: np.ndarray, rate: int, target: int) -> np.ndarray:
    """Linear resampling; enough for speech played on a device that refuses the voice's rate."""
    if rate == target or audio.size == 0:
        return audio
    n = int(round(audio.size * target / rate))
    x = np.linspace(0, audio.size - 1, n)
    return np.interp(x, np.arange(audio.size), audio.astype(np.float32)).astype(np.int16)


class Player:
    """One output device; ``play`` blocks until the sound has been played or ``stop`` is called."""

    def __init__(self, device: str | int | None = None) -> None:
        self.device = device
        self._stop = threading.Event()
        self._lock = threading.Lock()  # one sound at a time

    def _open(self, sd: Any, rate: int) -> tuple[Any, int]:
        try:
            info = sd.query_devices(self.device, "output")
        except (ValueError, sd.PortAudioError) as exc:
            names = ", ".join(output_devices()) or "none"
            raise TextToSpeechError(
                f"no audio output device {self.device if self.device is not None else '(default)'!s}: "
                f"{exc} (output devices: {names}); use `voiced say --out FILE.wav` or set "
                "audio.output_device") from exc
        for try_rate in (rate, int(info["default_samplerate"])):
            try:
                stream = sd.OutputStream(device=self.device, samplerate=try_rate, channels=1, dtype="int16")
                return stream, try_rate
            except sd.PortAudioError as exc:
                last = exc
        raise TextToSpeechError(f"cannot open audio output {info['name']!r}: {last}")

    def play(self, audio: np.ndarray, rate: int) -> bool:
        """Play int16 mono samples; True when played to the end, False when stopped."""
        sd = _sounddevice()
        with self._lock:
            self._stop.clear()
            stream, dev_rate = self._open(sd, rate)
            samples = np.ascontiguousarray(_resample(np.asarray(audio, dtype=np.int16), rate, dev_rate))
            block = max(1, int(dev_rate * BLOCK_SECONDS))
            try:
                stream.start()
                for start in range(0, samples.size, block):
                    if self._stop.is_set():
                        stream.abort()  # drop what is buffered: silence now
                        return False
                    stream.write(samples[start:start + block].reshape(-1, 1))
                if self._stop.is_set():
                    stream.abort()
                    return False
                stream.stop()  # returns once the buffered audio has been played
                return True
            except sd.PortAudioError as exc:
                raise TextToSpeechError(f"audio output failed: {exc}") from exc
            finally:
                stream.close()

    def stop(self) -> None:
        self._stop.set()
