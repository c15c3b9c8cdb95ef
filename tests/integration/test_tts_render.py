"""Real eSpeak NG through pyttsx3: audio is non-silent, of plausible length, and `voiced say --out`."""

from __future__ import annotations

import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest

from voiced.config import TtsSettings
from voiced.errors import TextToSpeechError
from voiced.tts import Speaker

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def speaker() -> Speaker:
    return Speaker(TtsSettings(voice="en-us", rate=170, volume=1.0))


def _rms(a: np.ndarray) -> float:
    return float(np.sqrt(np.mean(a.astype(np.float64) ** 2)))


def test_render_is_speech_of_plausible_length(speaker: Speaker) -> None:
    short, rate = speaker.render("Okay.")
    long, rate2 = speaker.render("Two lights are on: the hall lamp and the desk light. "
                                 "The front door is locked and it is 21.5 degrees in the kitchen.")
    assert rate == rate2 == 22050
    assert short.dtype == np.int16
    assert _rms(long) > 500 and _rms(short) > 300  # speech, not silence
    # ~170 words per minute: 25 words take several seconds, one word well under two
    assert 0.2 < short.size / rate < 2.0
    assert 5.0 < long.size / rate < 20.0
    assert long.size > 4 * short.size


def test_rate_setting_changes_the_speed() -> None:
    text = "The bedroom lamp is at forty percent."
    slow, r = Speaker(TtsSettings(rate=120)).render(text)
    fast, _ = Speaker(TtsSettings(rate=300)).render(text)
    assert slow.size / r > 1.6 * fast.size / r


def test_volume_setting_scales_the_signal() -> None:
    loud, _ = Speaker(TtsSettings(volume=1.0)).render("Hello there")
    quiet, _ = Speaker(TtsSettings(volume=0.3)).render("Hello there")
    assert _rms(quiet) < 0.6 * _rms(loud)


def test_renders_do_not_overwrite_each_other(speaker: Speaker) -> None:
    a, _ = speaker.render("one")
    b, _ = speaker.render("this is a much longer sentence than the first one")
    a2, _ = speaker.render("one")
    assert b.size > 2 * a.size
    assert abs(a2.size - a.size) < 0.05 * a.size


def test_empty_text_renders_nothing(speaker: Speaker) -> None:
    audio, rate = speaker.render("   ")
    assert audio.size == 0 and rate == 22050


def test_bad_settings_are_clear_errors() -> None:
    with pytest.raises(TextToSpeechError, match="tts.voice: unknown voice 'no-such-voice'"):
        Speaker(TtsSettings(voice="no-such-voice")).render("hello")
    with pytest.raises(TextToSpeechError, match="tts.volume"):
        Speaker(TtsSettings(volume=3.0))
    with pytest.raises(TextToSpeechError, match="tts.rate"):
        Speaker(TtsSettings(rate=5))


def test_voiced_say_out_writes_a_wav(tmp_path: Path) -> None:
    out = tmp_path / "reply.wav"
    proc = subprocess.run([sys.executable, "-m", "voiced.cli", "say", "Your pizza timer is done",
                           "--out", str(out)], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""  # pyttsx3's "Audio saved to" chatter is kept off stdout
    with wave.open(str(out)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (22050, 1, 2)
        audio = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
    assert 0.8 < audio.size / 22050 < 5.0 and _rms(audio) > 500


def test_voiced_say_unwritable_out_fails_cleanly(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "voiced.cli", "say", "hello", "--out",
                           str(tmp_path / "missing" / "x.wav")], cwd=REPO, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 1
    assert "cannot write WAV" in proc.stderr
