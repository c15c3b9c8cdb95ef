"""Synthesised test speech: eSpeak NG at 16 kHz, plus noise mixed at a given SNR.

Nothing generated here is committed: files go to temp dirs, arrays stay in memory.  eSpeak NG
writes 22,050 Hz WAVs; they are converted with voiced's own WAV reader (which the tests thereby
exercise too).  Per the field notes, PocketSphinx decodes perfectly clean digital silence *worse*
than audio with a noise floor, so ``pad`` adds low noise around every utterance.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from voiced.audio.sources import read_wav

RATE = 16000
VOICES = ("en-us", "en-us+f3", "en-us-nyc")  # three distinct US voices (male, female, NYC)
SPEEDS = (150, 185)  # words per minute


def espeak_available() -> bool:
    return shutil.which("espeak-ng") is not None


@functools.lru_cache(maxsize=4096)
def _synth_cached(text: str, voice: str, speed: int) -> bytes:
    with tempfile.TemporaryDirectory(prefix="voiced-tts-") as d:
        out = Path(d) / "s.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(out), text],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return read_wav(out)


def synth_speech(text: str, voice: str = "en-us", speed: int = 160) -> np.ndarray:
    """eSpeak NG speech as int16 samples at 16 kHz (trimmed of eSpeak's own silence)."""
    x = np.frombuffer(_synth_cached(text, voice, speed), "<i2")
    nz = np.flatnonzero(np.abs(x) > 200)
    if len(nz):
        x = x[max(0, nz[0] - 160): nz[-1] + 160]
    return x.copy()


def noise(n: int, rms: float, seed: int = 0, kind: str = "pink") -> np.ndarray:
    """White or pink-ish (1/f, like room/fan noise) Gaussian noise with the given RMS."""
    if n <= 1:
        return np.zeros(max(0, n))
    rng = np.random.default_rng(seed)
    w = rng.normal(0.0, 1.0, n)
    if kind == "pink":
        spec = np.fft.rfft(w)
        f = np.fft.rfftfreq(n, 1 / RATE)
        f[0] = f[1] if len(f) > 1 else 1.0
        w = np.fft.irfft(spec / np.sqrt(f), n)
    w = w / (np.sqrt(np.mean(w**2)) + 1e-12)
    return np.asarray(w * rms)


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x.astype(np.float64) ** 2)))


def pad(x: np.ndarray, before: float = 0.4, after: float = 0.6, floor_rms: float = 30.0, seed: int = 0) -> np.ndarray:
    """Silence (a low noise floor, not digital zeros) before and after the speech."""
    pre = noise(int(before * RATE), floor_rms, seed + 1, "white")
    post = noise(int(after * RATE), floor_rms, seed + 2, "white")
    body = x.astype(np.float64) + noise(len(x), floor_rms, seed + 3, "white")
    return np.concatenate([pre, body, post])


def mix_snr(speech: np.ndarray, snr_db: float | None, seed: int = 0, speech_rms: float | None = None) -> np.ndarray:
    """Add pink noise so that speech power / noise power = ``snr_db`` (None: unchanged).

    The speech power is measured on the speech itself (``speech_rms``, or the loud part of the
    signal), not on the padded silence, as in speech-enhancement benchmarks.
    """
    x = speech.astype(np.float64)
    if snr_db is None:
        return x
    if speech_rms is None:
        loud = x[np.abs(x) > 0.05 * np.abs(x).max()] if len(x) else x
        speech_rms = rms(loud) if len(loud) else rms(x)
    n_rms = speech_rms / (10 ** (snr_db / 20))
    return x + noise(len(x), n_rms, seed)


def utterance(text: str, voice: str = "en-us", speed: int = 160, snr_db: float | None = None,
              seed: int = 0, before: float = 0.4, after: float = 0.6) -> np.ndarray:
    """One padded command with optional noise, as float64 samples (use ``to_bytes``)."""
    s = synth_speech(text, voice, speed)
    speech_rms = rms(s[np.abs(s) > 0.05 * np.abs(s).max()])
    return mix_snr(pad(s, before, after, seed=seed), snr_db, seed, speech_rms)


def to_bytes(x: np.ndarray) -> bytes:
    return np.clip(np.round(x), -32768, 32767).astype("<i2").tobytes()


def write_wav(path: Path, x: np.ndarray, rate: int = RATE, channels: int = 1) -> Path:
    import wave

    data = np.clip(np.round(x), -32768, 32767).astype("<i2")
    if channels > 1:
        data = np.repeat(data[:, None], channels, axis=1).reshape(-1)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(data.tobytes())
    return path
