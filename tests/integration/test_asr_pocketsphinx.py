"""PocketSphinx (the PyPI package's en-US model) on eSpeak NG speech, restricted to whole commands."""

from __future__ import annotations

import logging

import pytest

from tests.audio_fixtures import VOICES, to_bytes, utterance
from voiced.asr.pocketsphinx import PocketSphinxRecognizer
from voiced.errors import SpeechToTextError
from voiced.events import Utterance

SENTENCES = [
    "turn on the kitchen spots", "turn off the kitchen spots", "turn on the hall light",
    "turn off the hall light", "set the bedroom lamp to fifty percent",
    "set the bedroom lamp to twenty percent", "lock the front door", "unlock the front door",
    "what is the temperature in the living room", "start a timer for five minutes",
    "open the garage door", "close the garage door", "turn on the coffee maker",
    "turn off the coffee maker", "pause the living room tv", "add milk to the shopping list",
    "turn on the lights in the children's room", "what time is it",
]
TEST = SENTENCES[:12]


@pytest.fixture(scope="module")
def rec() -> PocketSphinxRecognizer:
    return PocketSphinxRecognizer(SENTENCES)


def test_grammar_build(rec: PocketSphinxRecognizer) -> None:
    assert rec.build is not None and len(rec.build.sentences) == len(SENTENCES)
    assert rec.graph is not None and all(rec.graph.accepts(s) for s in SENTENCES)
    assert not rec.graph.accepts("turn on the kitchen")


def test_clean_espeak_commands_three_voices(rec: PocketSphinxRecognizer) -> None:
    results = []
    for i, text in enumerate(TEST):
        for voice in VOICES:
            tr = rec.transcribe(Utterance(to_bytes(utterance(text, voice, 160, None, seed=i))))
            results.append((text, voice, tr.text))
    wrong = [r for r in results if r[0] != r[2]]
    assert len(wrong) <= len(results) * 0.05, wrong  # measured 0 wrong


def test_noisy_then_clean_does_not_carry_over(rec: PocketSphinxRecognizer) -> None:
    clean = to_bytes(utterance("unlock the front door", "en-us", 160, None, seed=1))
    first = rec.transcribe(Utterance(clean))
    for i in range(3):
        rec.transcribe(Utterance(to_bytes(utterance("close the garage door", "en-us", 160, 5, seed=i))))
    assert rec.transcribe(Utterance(clean)) == first
    assert first.text == "unlock the front door"


def test_streaming_partials_and_final(rec: PocketSphinxRecognizer) -> None:
    audio = to_bytes(utterance("set the bedroom lamp to fifty percent", "en-us+f3", 160, 20, seed=3))
    rec.start()
    partials = [rec.accept(audio[i:i + 960]) for i in range(0, len(audio), 960)]
    final = rec.finish()
    assert any(p.startswith("set the") for p in partials)
    assert final.text == "set the bedroom lamp to fifty percent"
    assert final.seconds == pytest.approx(len(audio) / 32000)


def test_words_missing_from_the_dictionary(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        r = PocketSphinxRecognizer(["turn on the lamp", "start the zzyzx", "lock the door"])
    assert r.build is not None and r.build.dropped == ("start the zzyzx",)
    assert "zzyzx" in caplog.text
    with pytest.raises(SpeechToTextError, match="zzyzx"):
        r.set_sentences(["zzyzx qqqv"])
    # the old grammar is still active after a failed rebuild
    assert r.transcribe(Utterance(to_bytes(utterance("lock the door", seed=2)))).text == "lock the door"


def test_grammar_rebuilt_when_the_home_changes() -> None:
    r = PocketSphinxRecognizer(["turn on the lamp", "turn off the lamp"])
    audio = to_bytes(utterance("open the garage door", seed=4))
    assert r.transcribe(Utterance(audio)).text != "open the garage door"
    r.set_sentences(["turn on the lamp", "open the garage door"])
    assert r.transcribe(Utterance(audio)).text == "open the garage door"


def test_open_vocabulary_mode_decodes_with_the_language_model() -> None:
    r = PocketSphinxRecognizer(None, open_vocabulary=True)
    tr = r.transcribe(Utterance(to_bytes(utterance("what time is it", seed=5))))
    assert tr.text  # free decoding of eSpeak is poor (field notes), but it decodes


def test_rejects_other_sample_rates(rec: PocketSphinxRecognizer) -> None:
    with pytest.raises(SpeechToTextError, match="16000"):
        rec.transcribe(Utterance(b"\0" * 1000, rate=8000))
