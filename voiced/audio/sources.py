"""Audio sources: microphone, WAV file, raw stdin — all yield 16 kHz mono s16le ``AudioChunk``s.

Every later stage (wake word, VAD, ASR) assumes one format, so conversion (rate, channels) happens
here and only here.  Chunk timestamps are *stream time* (seconds of audio delivered so far), which
keeps the segmenter clock-free and makes a WAV replay give the same segmentation as live capture.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import sys
import threading
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO, Protocol

import numpy as np

from voiced.config import AudioSettings
from voiced.errors import AudioError
from voiced.events import SAMPLE_RATE, AudioChunk

log = logging.getLogger(__name__)


class AudioSource(Protocol):
    """Anything that yields 16 kHz mono chunks; ``close()`` stops it from another thread."""

    def chunks(self) -> Iterator[AudioChunk]: ...

    def close(self) -> None: ...


# ----------------------------------------------------------------------------- conversion


def to_mono(samples: np.ndarray, channels: int) -> np.ndarray:
    """Average interleaved channels to mono (int16 in, float32 out)."""
    x = samples.astype(np.float32)
    if channels > 1:
        x = x[: len(x) - len(x) % channels].reshape(-1, channels).mean(axis=1)
    return x


_HALF_TAPS = 16  # windowed-sinc half width, in (cutoff-scaled) input samples


def _kernel_width(src_rate: int, dst_rate: int) -> int:
    return int(np.ceil(_HALF_TAPS / min(1.0, dst_rate / src_rate)))


def _interpolate(x: np.ndarray, pos: np.ndarray, src_rate: int, dst_rate: int) -> np.ndarray:
    """Evaluate the band-limited signal ``x`` at fractional input positions ``pos``.

    Downsampling low-passes at the target Nyquist (otherwise 44.1/48 kHz microphones alias hiss
    into the speech band and hurt the ASR).  Samples outside ``x`` count as zero.
    """
    cutoff = min(1.0, dst_rate / src_rate)
    width = _kernel_width(src_rate, dst_rate)
    base = np.floor(pos).astype(np.int64)
    frac = pos - base
    padded = np.concatenate([np.zeros(width, np.float32), x.astype(np.float32), np.zeros(width + 1, np.float32)])
    out = np.zeros(len(pos), dtype=np.float64)
    norm = np.zeros(len(pos), dtype=np.float64)
    for k in range(-width + 1, width + 1):
        d = k - frac  # distance from the output instant to input sample base+k
        w = cutoff * np.sinc(cutoff * d) * (0.5 + 0.5 * np.cos(np.pi * np.clip(d / width, -1, 1)))
        idx = np.clip(base + k + width, 0, len(padded) - 1)
        out += w * padded[idx]
        norm += w
    norm[np.abs(norm) < 1e-9] = 1.0
    return (out / norm).astype(np.float32)


def resample(x: np.ndarray, src_rate: int, dst_rate: int = SAMPLE_RATE) -> np.ndarray:
    """Resample a whole signal (float in, float out); numpy only, plenty for speech."""
    if src_rate == dst_rate or len(x) == 0:
        return x.astype(np.float32, copy=False)
    n_out = int(round(len(x) * dst_rate / src_rate))
    return _interpolate(x, np.arange(n_out, dtype=np.float64) * src_rate / dst_rate, src_rate, dst_rate)


def to_s16(x: np.ndarray) -> bytes:
    return np.clip(np.round(x), -32768, 32767).astype("<i2").tobytes()


class StreamResampler:
    """Resample a stream block by block; keeps filter context so block edges do not click and the
    result equals resampling the whole signal at once."""

    def __init__(self, src_rate: int, dst_rate: int = SAMPLE_RATE) -> None:
        self.src = src_rate
        self.dst = dst_rate
        self.width = _kernel_width(src_rate, dst_rate)
        self._buf = np.zeros(0, np.float32)
        self._buf_start = 0  # absolute input index of _buf[0]
        self._n_in = 0  # input samples received
        self._n_out = 0  # output samples emitted

    def process(self, x: np.ndarray, final: bool = False) -> np.ndarray:
        if self.src == self.dst:
            return x.astype(np.float32, copy=False)
        self._buf = np.concatenate([self._buf, x.astype(np.float32)])
        self._n_in += len(x)
        step = self.src / self.dst
        if final:
            end = int(round(self._n_in * self.dst / self.src))
        else:  # outputs whose right-hand kernel support has fully arrived
            end = int(np.floor((self._n_in - self.width - 1) / step)) + 1
        if end <= self._n_out:
            return np.zeros(0, np.float32)
        pos = np.arange(self._n_out, end, dtype=np.float64) * step - self._buf_start
        out = _interpolate(self._buf, pos, self.src, self.dst)
        self._n_out = end
        keep_from = max(0, int(np.floor(self._n_out * step)) - self.width - 1 - self._buf_start)
        if keep_from:
            self._buf = self._buf[keep_from:]
            self._buf_start += keep_from
        return out


class _Chunker:
    """Cut a byte stream into fixed-size chunks with stream-time timestamps."""

    def __init__(self, block_ms: int) -> None:
        self.block_bytes = max(1, SAMPLE_RATE * block_ms // 1000) * 2
        self._buf = bytearray()
        self._samples = 0

    def feed(self, data: bytes, final: bool = False) -> Iterator[AudioChunk]:
        self._buf.extend(data)
        while len(self._buf) >= self.block_bytes or (final and self._buf):
            n = min(self.block_bytes, len(self._buf))
            n -= n % 2
            if n == 0:
                self._buf.clear()
                break
            piece = bytes(self._buf[:n])
            del self._buf[:n]
            yield AudioChunk(piece, SAMPLE_RATE, self._samples / SAMPLE_RATE)
            self._samples += n // 2


# ----------------------------------------------------------------------------- WAV


def read_wav(path: str | Path) -> bytes:
    """A whole WAV (any rate, mono/stereo, 8/16/24/32-bit PCM) → 16 kHz mono s16le bytes."""
    p = Path(path)
    try:
        with wave.open(str(p), "rb") as w:
            channels, width, rate, n = w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()
            raw = w.readframes(n)
    except FileNotFoundError as exc:
        raise AudioError(f"{p}: no such file") from exc
    except (wave.Error, EOFError, OSError) as exc:
        raise AudioError(f"{p}: not a readable PCM WAV file ({exc})") from exc
    if rate <= 0 or channels <= 0:
        raise AudioError(f"{p}: invalid WAV header (rate {rate}, channels {channels})")
    if width == 1:
        samples = (np.frombuffer(raw, np.uint8).astype(np.int32) - 128) * 256
    elif width == 2:
        samples = np.frombuffer(raw[: len(raw) - len(raw) % 2], "<i2").astype(np.int32)
    elif width == 3:
        b = np.frombuffer(raw[: len(raw) - len(raw) % 3], np.uint8).reshape(-1, 3).astype(np.int32)
        samples = ((b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)) << 8) >> 16  # sign-extend, keep top 16 bits
    elif width == 4:
        samples = np.frombuffer(raw[: len(raw) - len(raw) % 4], "<i4") >> 16
    else:
        raise AudioError(f"{p}: unsupported sample width {width * 8} bits")
    x = to_mono(samples.astype(np.int32), channels)
    return to_s16(resample(x, rate, SAMPLE_RATE))


def write_wav(path: str | Path, audio: bytes, rate: int = SAMPLE_RATE) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(audio)


class WavSource:
    """A WAV file as a chunk stream (converted to 16 kHz mono up front: files are small)."""

    def __init__(self, path: str | Path, block_ms: int = 30, tail_silence_ms: int = 0) -> None:
        self.path = Path(path)
        self.block_ms = block_ms
        self.tail_silence_ms = tail_silence_ms  # lets the segmenter see the end of a clipped file
        self._closed = False

    def chunks(self) -> Iterator[AudioChunk]:
        audio = read_wav(self.path) + b"\0\0" * (SAMPLE_RATE * self.tail_silence_ms // 1000)
        chunker = _Chunker(self.block_ms)
        yield from chunker.feed(audio, final=True) if not self._closed else iter(())

    def close(self) -> None:
        self._closed = True


class StdinSource:
    """Raw s16le 16 kHz mono PCM from a byte stream (stdin by default): ``arecord | voiced``."""

    def __init__(self, stream: BinaryIO | None = None, block_ms: int = 30) -> None:
        self.stream = stream if stream is not None else sys.stdin.buffer
        self.block_ms = block_ms
        self._closed = False

    def chunks(self) -> Iterator[AudioChunk]:
        chunker = _Chunker(self.block_ms)
        while not self._closed:
            data = self.stream.read(chunker.block_bytes)
            if not data:
                break
            yield from chunker.feed(data)
        yield from chunker.feed(b"", final=True)

    def close(self) -> None:
        self._closed = True


# ----------------------------------------------------------------------------- microphone


class MicrophoneSource:
    """Capture through sounddevice/PortAudio; resamples when the device cannot do 16 kHz.

    sounddevice is imported lazily: PortAudio reads PULSE_SERVER/XDG_RUNTIME_DIR when it is first
    initialised, so tests (and the daemon) must be able to set those before the import.
    A missing or busy device raises one ``AudioError``; ``frames()`` with ``retry=True`` logs it and
    retries every ``retry_seconds`` instead, so the daemon never dies for a missing microphone.
    """

    def __init__(self, settings: AudioSettings | None = None, retry: bool = False) -> None:
        self.settings = settings or AudioSettings()
        self.retry = retry  # the daemon: log and retry every audio.retry_seconds instead of raising
        self._stop = threading.Event()
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=200)
        self.rate = SAMPLE_RATE
        self.device_name = ""
        self.overflows = 0
        self.failures = 0  # consecutive failed attempts to open the device

    @staticmethod
    def _sd() -> Any:
        try:
            import sounddevice as sd
        except OSError as exc:  # PortAudio library missing
            raise AudioError(f"no audio library: {exc} (install libportaudio2)") from exc
        return sd

    def _resolve(self, sd: Any) -> tuple[int | str | None, int]:
        """Device index and the rate to open it at."""
        dev = self.settings.input_device
        if isinstance(dev, str) and dev.strip().isdigit():
            dev = int(dev)
        try:
            info = sd.query_devices(dev, "input")
        except (ValueError, sd.PortAudioError) as exc:
            names = [d["name"] for d in sd.query_devices() if d.get("max_input_channels", 0) > 0]
            have = ", ".join(names) if names else "none"
            raise AudioError(f"microphone {dev if dev is not None else '(default)'} not available: {exc} "
                             f"(input devices: {have})") from exc
        self.device_name = str(info["name"])
        rate = self.settings.input_rate
        if rate is None:
            try:
                sd.check_input_settings(device=dev, samplerate=SAMPLE_RATE, channels=1, dtype="int16")
                rate = SAMPLE_RATE
            except Exception:  # noqa: BLE001 - any refusal means "use the device's own rate"
                rate = int(info.get("default_samplerate") or 48000)
        return dev, int(rate)

    def chunks(self, retry: bool | None = None) -> Iterator[AudioChunk]:
        """Chunks until ``close()``; with ``retry`` a failing device is reopened every retry_seconds."""
        retry = self.retry if retry is None else retry
        self.failures = 0
        while not self._stop.is_set():
            try:
                yield from self._capture()
                return
            except AudioError as exc:
                if not retry:
                    raise
                self.failures += 1
                if self.failures == 1 or self.failures % 60 == 0:  # one clear message, not a flood
                    log.error("%s; retrying every %.0f s", exc, self.settings.retry_seconds)
                if self._stop.wait(self.settings.retry_seconds):
                    return

    def _capture(self) -> Iterator[AudioChunk]:
        sd = self._sd()
        dev, rate = self._resolve(sd)
        self.rate = rate
        block = max(1, rate * self.settings.block_ms // 1000)

        def callback(indata: Any, frames: int, _time: Any, status: Any) -> None:
            if status and status.input_overflow:
                self.overflows += 1
            try:
                self._queue.put_nowait(bytes(indata))
            except queue.Full:
                self.overflows += 1

        try:
            stream = sd.RawInputStream(device=dev, samplerate=rate, channels=1, dtype="int16",
                                       blocksize=block, callback=callback)
            stream.start()
        except (sd.PortAudioError, ValueError) as exc:
            raise AudioError(f"cannot open microphone {self.device_name or dev!r} at {rate} Hz: {exc} "
                             "(busy or unplugged?)") from exc
        log.info("microphone %r open at %d Hz%s", self.device_name, rate,
                 "" if rate == SAMPLE_RATE else " (resampled to 16 kHz)")
        res = StreamResampler(rate, SAMPLE_RATE)
        chunker = _Chunker(self.settings.block_ms)
        try:
            while not self._stop.is_set():
                try:
                    data = self._queue.get(timeout=0.5)
                except queue.Empty:
                    if not stream.active:
                        raise AudioError(f"microphone {self.device_name!r} stopped delivering audio") from None
                    continue
                if data is None:
                    break
                if rate != SAMPLE_RATE:
                    data = to_s16(res.process(np.frombuffer(data, "<i2")))
                yield from chunker.feed(data)
        finally:
            try:
                stream.abort()
                stream.close()
            except Exception as exc:  # noqa: BLE001 - closing a dead device must not mask the real error
                log.debug("closing microphone: %s", exc)

    def close(self) -> None:
        self._stop.set()
        with contextlib.suppress(queue.Full):
            self._queue.put_nowait(None)


def list_input_devices() -> list[str]:
    """Names of capture devices (for ``voiced doctor`` and error messages)."""
    sd = MicrophoneSource._sd()
    return [f"{i}: {d['name']}" for i, d in enumerate(sd.query_devices()) if d.get("max_input_channels", 0) > 0]
