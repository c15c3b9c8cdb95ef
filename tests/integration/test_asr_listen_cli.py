"""`voiced listen FILE.wav`: one utterance → JSON; with --act the command reaches a real Mosquitto."""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from tests.audio_fixtures import noise, utterance, write_wav
from tests.conftest import Broker
from voiced.config import BrokerSettings
from voiced.mqtt.client import Message, MqttClient

REPO = Path(__file__).resolve().parents[2]


def listen(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "voiced.cli", "listen", *args], capture_output=True, text=True,
                          cwd=REPO, timeout=300)


def test_listen_prints_transcript_parse_and_timings(tmp_path: Path) -> None:
    # 44.1 kHz stereo: converted on the way in
    x = utterance("turn on the kitchen spots", "en-us+f3", 160, 20, seed=3)
    t = np.arange(int(len(x) * 44100 / 16000)) * 16000 / 44100
    x44 = np.interp(t, np.arange(len(x)), x)
    wav = write_wav(tmp_path / "cmd.wav", x44, rate=44100, channels=2)
    p = listen(str(wav), "--engine", "pocketsphinx")  # the grammar engine (Whisper: test_asr_whisper.py)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["transcript"]["text"] == "turn on the kitchen spots"
    assert out["intent"] == "HassTurnOn" and out["targets"] == ["light.kitchen_spots"]
    assert out["engine"] == "pocketsphinx" and "asr.engine is pocketsphinx" in out["engine_reason"]
    assert {"vad", "asr", "nlu", "total"} <= set(out["timings_ms"])


def test_listen_with_wake_word(tmp_path: Path) -> None:
    x = np.concatenate([utterance("hey computer", snr_db=20, after=0.3, seed=1),
                        utterance("lock the front door", before=0.0, snr_db=20, seed=2)])
    p = listen(str(write_wav(tmp_path / "w.wav", x)), "--wake", "--engine", "pocketsphinx")
    assert p.returncode == 0, p.stdout + p.stderr
    assert json.loads(p.stdout)["transcript"]["text"] == "lock the front door"
    # without the phrase, --wake finds nothing
    p = listen(str(write_wav(tmp_path / "n.wav", utterance("lock the front door", snr_db=20, seed=2))), "--wake")
    assert p.returncode == 1 and json.loads(p.stdout)["error"] == "the wake word was not heard"


def test_listen_errors(tmp_path: Path) -> None:
    p = listen(str(tmp_path / "missing.wav"))
    assert p.returncode == 2 and "no such file" in p.stderr
    p = listen(str(write_wav(tmp_path / "quiet.wav", noise(32000, 30.0, 1, "white"))))
    assert p.returncode == 1 and json.loads(p.stdout)["error"] == "no speech found"
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF nonsense")
    p = listen(str(bad))
    assert p.returncode == 2 and "bad.wav" in p.stderr


def test_listen_act_commands_the_device(tmp_path: Path, broker: Broker) -> None:
    inbox: queue.Queue = queue.Queue()
    sub = MqttClient(BrokerSettings(), broker.url, inbox, client_id="listen-test")
    assert sub.connect(10)
    sub.subscribe("#", qos=1)
    time.sleep(0.3)
    try:
        wav = write_wav(tmp_path / "c.wav", utterance("turn off the coffee maker", snr_db=20, seed=4))
        p = listen(str(wav), "--act", "--broker", broker.url, "--engine", "pocketsphinx")
        assert p.returncode == 0, p.stderr
        out = json.loads(p.stdout)
        assert out["intent"] == "HassTurnOff" and out["outcome"] == "done"
        assert out["commands"] and all(c["sent"] for c in out["commands"])
        want = {(c["topic"], c["payload"]) for c in out["commands"]}
        got: set[tuple[str, str]] = set()
        deadline = time.monotonic() + 5
        while not want <= got and time.monotonic() < deadline:
            try:
                m = inbox.get(timeout=0.1)
            except queue.Empty:
                continue
            if isinstance(m, Message):
                got.add((m.topic, m.payload.decode()))
        assert want <= got
        assert any("coffee_maker" in t for t, _ in want)
        # the daemon's own pipeline: what it heard, understood and answered is published as well
        assert out["reply"]
        topics = {t for t, _ in got}
        deadline = time.monotonic() + 10
        while not {"voiced/default/transcript", "voiced/default/intent", "voiced/default/reply"} <= topics \
                and time.monotonic() < deadline:
            try:
                m = inbox.get(timeout=0.1)
            except queue.Empty:
                continue
            if isinstance(m, Message):
                topics.add(m.topic)
        assert {"voiced/default/transcript", "voiced/default/intent", "voiced/default/reply"} <= topics, topics
    finally:
        sub.close(publish_offline=False)
