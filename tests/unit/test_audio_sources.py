"""Sources and conversion: every input becomes 16 kHz mono s16le chunks with stream-time stamps."""

from __future__ import annotations

import io
import wave
from pathlib import Path

import numpy as np
import pytest

from voiced.audio.sources import StdinSource, StreamResampler, WavSource, read_wav, resample
from voiced.errors import AudioError


def tone(rate: int, seconds: float = 1.0, freq: float = 440.0, amp: float = 8000.0) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return np.asarray(amp * np.sin(2 * np.pi * freq * t))


def write(path: Path, x: np.ndarray, rate: int, channels: int = 1, width: int = 2) -> Path:
    data = np.repeat(x[:, None], channels, axis=1).reshape(-1) if channels > 1 else x
    if width == 1:
        raw = (np.clip(data / 256 + 128, 0, 255)).astype(np.uint8).tobytes()
    elif width == 2:
        raw = np.round(data).astype("<i2").tobytes()
    elif width == 3:
        v = np.round(data * 256).astype("<i4")
        raw = b"".join(int(s).to_bytes(4, "little", signed=True)[:3] for s in v)
    else:
        raw = np.round(data * 65536).astype("<i4").tobytes()
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(raw)
    return path


def dominant_freq(audio: bytes) -> float:
    x = np.frombuffer(audio, "<i2").astype(np.float64)
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.fft.rfftfreq(len(x), 1 / 16000)[int(np.argmax(spec))])


@pytest.mark.parametrize(("rate", "channels", "width"), [
    (16000, 1, 2), (22050, 1, 2), (44100, 2, 2), (48000, 2, 2), (8000, 1, 2), (16000, 1, 1), (48000, 1, 3), (16000, 2, 4),
])
def test_read_wav_any_format(tmp_path: Path, rate: int, channels: int, width: int) -> None:
    p = write(tmp_path / "t.wav", tone(rate), rate, channels, width)
    audio = read_wav(p)
    assert len(audio) == 2 * 16000  # one second at 16 kHz
    assert dominant_freq(audio) == pytest.approx(440, abs=3)
    x = np.frombuffer(audio, "<i2").astype(np.float64)
    assert np.sqrt(np.mean(x[400:-400] ** 2)) == pytest.approx(8000 / np.sqrt(2), rel=0.03)


def test_16k_mono_is_bit_exact(tmp_path: Path) -> None:
    x = np.random.default_rng(0).integers(-20000, 20000, 16000).astype(np.float64)
    p = write(tmp_path / "t.wav", x, 16000)
    assert read_wav(p) == x.astype("<i2").tobytes()


def test_downsampling_removes_what_16k_cannot_hold() -> None:
    y = resample(tone(48000, freq=10000.0).astype(np.float32), 48000, 16000)  # above the new Nyquist
    assert np.sqrt(np.mean(y[200:-200] ** 2)) < 0.01 * 8000


@pytest.mark.parametrize("rate", [44100, 48000, 8000, 22050])
def test_stream_resampler_equals_whole_signal(rate: int) -> None:
    x = (tone(rate) + np.random.default_rng(1).normal(0, 200, rate)).astype(np.float32)
    whole = resample(x, rate)
    r = StreamResampler(rate)
    block = rate * 30 // 1000
    parts = [r.process(x[i:i + block], final=i + block >= len(x)) for i in range(0, len(x), block)]
    streamed = np.concatenate(parts)
    assert len(streamed) == len(whole)
    assert np.abs(streamed - whole).max() < 1e-2


def test_wav_source_chunks_and_timestamps(tmp_path: Path) -> None:
    p = write(tmp_path / "t.wav", tone(16000, 1.0), 16000)
    chunks = list(WavSource(p, block_ms=30, tail_silence_ms=300).chunks())
    assert all(c.rate == 16000 for c in chunks)
    assert [len(c.audio) for c in chunks[:-1]] == [960] * (len(chunks) - 1)
    assert chunks[5].timestamp == pytest.approx(0.15)
    assert sum(c.seconds for c in chunks) == pytest.approx(1.3)


def test_stdin_source_from_a_byte_stream() -> None:
    data = np.arange(5000, dtype="<i2").tobytes()
    chunks = list(StdinSource(io.BytesIO(data), block_ms=20).chunks())
    assert b"".join(c.audio for c in chunks) == data
    assert [c.timestamp for c in chunks[:3]] == pytest.approx([0.0, 0.02, 0.04])


def test_bad_files_give_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(AudioError, match="no such file"):
        read_wav(tmp_path / "missing.wav")
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"this is not a wav file at all")
    with pytest.raises(AudioError, match="bad.wav: not a readable PCM WAV"):
        read_wav(bad)
