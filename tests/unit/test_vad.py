"""The pure segmenter on synthetic probability sequences, and Silero VAD on synthetic audio."""

from __future__ import annotations

import numpy as np
import pytest

from voiced.audio.vad import NO_SPEECH, SPEECH_START, UTTERANCE_END, Segmenter, SegmentEvent, SileroVad
from voiced.config import VadSettings

FRAME = 0.03


def run(seg: Segmenter, probs: list[float], t0: float = 0.0) -> list[SegmentEvent]:
    events: list[SegmentEvent] = []
    for i, p in enumerate(probs):
        events += seg.push(p, t0 + i * FRAME, FRAME)
    return events


def settings(**kw: float) -> VadSettings:
    base = {"threshold": 0.5, "trailing_silence_ms": 300, "max_seconds": 3.0,
            "no_speech_timeout": 1.0, "min_speech_ms": 90}
    base.update(kw)
    return VadSettings(**base)  # type: ignore[arg-type]


def test_speech_then_trailing_silence_ends_utterance() -> None:
    seg = Segmenter(settings())
    seg.arm(0.0)
    probs = [0.0] * 10 + [0.9] * 20 + [0.05] * 15
    ev = run(seg, probs)
    assert [e.kind for e in ev] == [SPEECH_START, UTTERANCE_END]
    assert ev[0].start == pytest.approx(0.30)
    end = ev[1]
    assert end.reason == "silence"
    assert end.start == pytest.approx(0.30)
    assert end.end == pytest.approx(0.90)  # end of the last speech frame
    assert end.time == pytest.approx(0.90 + 0.30)  # decided after 300 ms of silence
    assert seg.state == "idle"


def test_short_click_is_not_speech() -> None:
    seg = Segmenter(settings())
    seg.arm(0.0, timeout=None)
    ev = run(seg, [0.0] * 5 + [0.95] * 2 + [0.0] * 40)  # 60 ms < min_speech_ms 90
    assert ev == []
    assert seg.state == "waiting"


def test_pause_shorter_than_trailing_silence_keeps_one_utterance() -> None:
    seg = Segmenter(settings())
    seg.arm(0.0)
    probs = [0.9] * 10 + [0.1] * 8 + [0.9] * 10 + [0.0] * 12  # 240 ms pause < 300 ms
    ev = run(seg, probs)
    assert [e.kind for e in ev] == [SPEECH_START, UTTERANCE_END]
    assert ev[1].end == pytest.approx(28 * FRAME)


def test_hysteresis_between_thresholds() -> None:
    seg = Segmenter(settings())
    seg.arm(0.0)
    # 0.4 is below the start threshold (0.5) but above the stop threshold (0.35): keeps speech alive
    ev = run(seg, [0.9] * 5 + [0.4] * 30)
    assert [e.kind for e in ev] == [SPEECH_START]
    # once silent, a 0.4 frame does not count as speech again
    seg2 = Segmenter(settings())
    seg2.arm(0.0)
    ev2 = run(seg2, [0.9] * 5 + [0.1] * 5 + [0.4] * 5)
    assert [e.kind for e in ev2] == [SPEECH_START, UTTERANCE_END]
    assert ev2[1].end == pytest.approx(5 * FRAME)


def test_max_length() -> None:
    seg = Segmenter(settings(max_seconds=1.5))
    seg.arm(0.0)
    ev = run(seg, [0.9] * 100)
    assert [e.kind for e in ev] == [SPEECH_START, UTTERANCE_END]
    assert ev[1].reason == "max_length"
    assert ev[1].end - ev[1].start == pytest.approx(1.5, abs=FRAME)


def test_no_speech_timeout() -> None:
    seg = Segmenter(settings(no_speech_timeout=1.0))
    seg.arm(2.0)
    ev = run(seg, [0.0] * 100, t0=2.0)
    assert [e.kind for e in ev] == [NO_SPEECH]
    assert ev[0].time == pytest.approx(3.0, abs=FRAME)
    assert seg.state == "idle"


def test_timeout_waits_for_a_run_in_progress() -> None:
    seg = Segmenter(settings(no_speech_timeout=0.3))
    seg.arm(0.0)
    ev = run(seg, [0.0] * 9 + [0.9] * 10 + [0.0] * 12)
    assert [e.kind for e in ev] == [SPEECH_START, UTTERANCE_END]


def test_idle_ignores_everything_until_armed() -> None:
    seg = Segmenter(settings())
    assert run(seg, [0.9] * 50) == []
    seg.arm(1.5)
    ev = run(seg, [0.9] * 5 + [0.0] * 20, t0=1.5)
    assert [e.kind for e in ev] == [SPEECH_START, UTTERANCE_END]


def test_continuous_mode_rearms() -> None:
    seg = Segmenter(settings(), continuous=True)
    ev = run(seg, ([0.0] * 10 + [0.9] * 10 + [0.0] * 12) * 3)
    assert [e.kind for e in ev].count(UTTERANCE_END) == 3
    assert NO_SPEECH not in [e.kind for e in ev]


def test_invalid_threshold() -> None:
    with pytest.raises(ValueError):
        Segmenter(VadSettings(threshold=1.5))


def _noise(seconds: float, rms: float, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(0, rms, int(16000 * seconds))


def test_silero_vad_on_noise_vs_speech() -> None:
    from tests.audio_fixtures import synth_speech

    vad = SileroVad()
    speech = synth_speech("turn on the kitchen lights", voice="en-us")
    noise = _noise(2.0, 300, 1)
    sig = np.concatenate([noise, speech.astype(np.float64), noise])
    audio = np.clip(sig, -32768, 32767).astype("<i2").tobytes()
    probs = []
    for i in range(0, len(audio), 960):
        probs += vad.process(audio[i:i + 960], i / 32000)
    p = np.array([x[0] for x in probs])
    t = np.array([x[1] for x in probs])
    in_speech = (t > 2.2) & (t < 2.0 + len(speech) / 16000 - 0.2)
    in_noise = (t < 1.8) | (t > 2.0 + len(speech) / 16000 + 0.3)
    assert p[in_noise].max() < 0.5
    assert np.mean(p[in_speech] > 0.5) > 0.6
    # segmenter on the real VAD output finds exactly one utterance that covers the speech
    seg = Segmenter(VadSettings(trailing_silence_ms=500))
    seg.arm(0.0, timeout=None)
    ev = [e for prob, start, dur in probs for e in seg.push(prob, start, dur)]
    ends = [e for e in ev if e.kind == UTTERANCE_END]
    assert len(ends) == 1
    assert ends[0].start == pytest.approx(2.0, abs=0.25)
    assert ends[0].end == pytest.approx(2.0 + len(speech) / 16000, abs=0.3)
