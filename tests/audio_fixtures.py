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
import time
from pathlib import Path

import numpy as np

from voiced.audio.sources import read_wav

RATE = 16000
VOICES = ("en-us", "en-us+f3", "en-us+m7")  # three US voices: male, female, another male
# harder accents, reported separately by the benchmark: PocketSphinx's en-US model got 19/25 sentences
# of en-us-nyc right where the voices above got 25/25 ("turn" is said "toin")
HARD_VOICES = ("en-us-nyc", "en-gb")
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


def spoken_set(commands: list[str], voices: tuple[str, ...] = VOICES, speeds: tuple[int, ...] = SPEEDS,
               full: bool = False) -> list[tuple[str, str, int]]:
    """(text, voice, speed) items: every command once with voice/speed rotating (each of the
    voice×speed combinations gets an equal share), or ``full`` = every combination of each."""
    combos = [(v, s) for v in voices for s in speeds]
    if full:
        return [(c, v, s) for c in commands for v, s in combos]
    return [(c, *combos[i % len(combos)]) for i, c in enumerate(commands)]


# ----------------------------------------------------------------------------- end to end harness


def actionable_commands(n: int, seed: int = 0, devices: str | None = None,
                        pool: str = "generated") -> tuple[list[str], dict[str, list[tuple[str, str]]]]:
    """``n`` spoken commands of the home that make MQTT commands, and what each must publish.

    Drawn from the ASR grammar's own sentences: ``pool`` "generated" = the NLU generator's varied
    commands (``command_sentences``), "core" = the plain canonical ones (``core_sentences``: short,
    many minimal pairs such as on/off, garage/night light), "mixed" = alternating.  The expected
    (topic, payload) pairs are what the NLU + actions make of the *true* text, so the score
    measures what hearing adds to (or takes from) the text path.
    """
    import random

    from voiced.act.actions import plan
    from voiced.asr.grammar import core_sentences
    from voiced.config import DEFAULT_DEVICES
    from voiced.home import load_home
    from voiced.home.state import StateStore
    from voiced.nlu.generate import command_sentences
    from voiced.nlu.parser import Parser

    home = load_home(devices or DEFAULT_DEVICES)
    parser = Parser.load(None, home)
    rng = random.Random(seed)
    core, generated = core_sentences(home), command_sentences(home)
    rng.shuffle(core)
    rng.shuffle(generated)
    if pool == "core":
        candidates = core
    elif pool == "mixed":
        candidates = [s for pair in zip(core, generated, strict=False) for s in pair]
    else:
        candidates = generated
    chosen: list[str] = []
    expected: dict[str, list[tuple[str, str]]] = {}
    per_target: dict[tuple[str, ...], int] = {}
    for text in candidates:
        if len(chosen) >= n:
            break
        if len(text.split()) > 9 or any(w in text for w in ("roomba", "hoovering", "unpause")):
            continue
        p = parser.parse(text)
        if p.extra.get("decision") != "act":
            continue  # a reading voiced would confirm first (or refuse) does not act from text either
        out = plan(p, home, StateStore(home))
        cmds = sorted((c.topic, c.payload) for c in out.commands)
        key = tuple(sorted(p.targets))
        if not cmds or any(t.startswith("voiced/") for t, _ in cmds) or per_target.get(key, 0) >= 3:
            # device commands only (voiced's own topics carry ids and times), spread over many devices
            continue
        per_target[key] = per_target.get(key, 0) + 1
        chosen.append(text)
        expected[text] = cmds
    return chosen, expected


class VoiceE2E:
    """Audio → front end (VAD) → ASR → NLU → actions → a real Mosquitto; collects what arrived."""

    def __init__(self, broker_url: str, engine: str = "pocketsphinx", asr_sentences: list[str] | None = None,
                 streaming: bool = True) -> None:
        import queue as _queue

        from voiced.asr.grammar import home_sentences
        from voiced.asr.pocketsphinx import PocketSphinxRecognizer
        from voiced.audio.vad import SileroVad
        from voiced.config import DEFAULT_DEVICES, BrokerSettings, VadSettings
        from voiced.home import load_home
        from voiced.home.state import StateStore
        from voiced.mqtt.client import MqttClient
        from voiced.nlu.generate import command_sentences
        from voiced.nlu.parser import Parser

        self.home = load_home(DEFAULT_DEVICES)
        self.parser = Parser.load(None, self.home)
        self.sentences = asr_sentences if asr_sentences is not None else home_sentences(
            self.home, command_sentences(self.home))
        assert engine == "pocketsphinx"
        self.streaming = streaming  # decode while speech arrives; the cepstral mean carries over
        self.asr = PocketSphinxRecognizer(self.sentences, carry_cmn=streaming)
        self.vad_model = SileroVad()
        self.vad = VadSettings(trailing_silence_ms=500)
        self.states = StateStore(self.home)
        self.inbox: _queue.Queue = _queue.Queue()
        self.sub = MqttClient(BrokerSettings(), broker_url, self.inbox, client_id="e2e-sub")
        self.pub = MqttClient(BrokerSettings(), broker_url, _queue.Queue(), client_id="e2e-pub")
        # everything the publisher sends (only device commands): connect() returns once subscribed
        self.sub.subscribe("#", qos=1)
        assert self.sub.connect(30) and self.pub.connect(30)

    def close(self) -> None:
        self.sub.close(publish_offline=False)
        self.pub.close(publish_offline=False)

    def run(self, audio: np.ndarray, expected: list[tuple[str, str]]) -> dict[str, object]:
        """One utterance: returns transcript, what arrived, whether it matches, and timings."""
        import queue as _queue

        from voiced.act.actions import plan
        from voiced.audio.frontend import TRANSCRIPT, VoiceFrontend
        from voiced.events import AudioChunk

        raw = to_bytes(audio)

        class _Src:
            def chunks(self_inner):  # noqa: N805 - tiny adapter
                for i in range(0, len(raw), 960):
                    yield AudioChunk(raw[i:i + 960], RATE, i / 32000)

            def close(self_inner) -> None:  # noqa: N805
                pass

        while not self.inbox.empty():
            self.inbox.get_nowait()
        fe = VoiceFrontend(_Src(), self.asr, self.vad, wake=None, vad_model=self.vad_model, streaming=self.streaming)
        text, t_pub, eos, timings = "", 0.0, 0.0, {}
        for ev in fe.events():
            if ev.kind != TRANSCRIPT or ev.transcript is None:
                continue
            text, eos, timings = ev.transcript.text, ev.end_of_speech, dict(ev.timings_ms)
            t0 = time.perf_counter()
            p = self.parser.parse(text)
            out = plan(p, self.home, self.states)
            timings["nlu_act"] = round((time.perf_counter() - t0) * 1000, 2)
            for c in out.commands:
                self.pub.publish(c.topic, c.payload, qos=c.qos, retain=c.retain, entity_id=c.entity_id, command=True)
            t_pub = time.perf_counter()
            break  # one command per utterance
        got: list[tuple[str, str]] = []
        t_first = 0.0
        deadline = time.monotonic() + (10.0 if t_pub else 0.05)  # generous: a loaded machine is slow, not wrong
        while len(got) < len(expected) and time.monotonic() < deadline:
            try:
                m = self.inbox.get(timeout=0.05)
            except _queue.Empty:
                continue
            if hasattr(m, "topic") and hasattr(m, "payload"):
                if not got:
                    t_first = time.perf_counter()
                got.append((m.topic, m.payload.decode("utf-8", "replace")))
        if t_pub and len(got) >= len(expected):  # anything extra (a wrong second command) shows up here
            time.sleep(0.02)
            while not self.inbox.empty():
                m = self.inbox.get_nowait()
                if hasattr(m, "topic"):
                    got.append((m.topic, m.payload.decode("utf-8", "replace")))
        ok = sorted(got) == sorted(expected)
        latency = (t_first - eos) * 1000 if t_first and eos else None
        return {"text": text, "got": got, "ok": ok, "timings": timings, "eos_to_mqtt_ms": latency,
                "seconds": len(audio) / RATE}
