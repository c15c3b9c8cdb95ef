"""`voiced run` with audio: a private PulseAudio's virtual microphone (module-pipe-source, fed
eSpeak NG speech at real-time pace) → sounddevice → wake word (the neural detector) → VAD → PocketSphinx → NLU → the
device command on a real Mosquitto, the reply spoken into the null sink; the daemon's own voice
does not wake it, and `voiced/<site>/listen` starts listening without the wake word."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from tests.audio_fixtures import noise, utterance
from tests.conftest import EXAMPLE_HOME, REPO, Broker
from tests.integration.test_mqtt_client import Sub
from tests.integration.test_pulse_mic import PrivatePulse
from voiced.proc import stop_process

SITE = "v1"


@pytest.fixture
def daemon(pulse: PrivatePulse, broker: Broker, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], Path]]:
    cfg = tmp_path / "voiced.yaml"
    cfg.write_text(f"state_dir: {tmp_path / 'state'}\naudio:\n  input_device: pulse\n  output_device: pulse\n"
                   "wake:\n  phrases: [hey computer]\nreply:\n  use_model: false\nlog_level: DEBUG\n"
                   "asr:\n  engine: pocketsphinx\n")  # the grammar engine: this test is about the daemon's ears
    log = tmp_path / "daemon.log"
    proc = subprocess.Popen([sys.executable, "-m", "voiced.cli", "run", "--config", str(cfg), "--devices",
                             str(EXAMPLE_HOME), "--broker", broker.url, "--site", SITE],
                            cwd=REPO, env=pulse.env, stdout=subprocess.DEVNULL, stderr=log.open("wb"))
    try:
        yield proc, log
    finally:
        stop_process(proc, 10)


def _wait_log(log: Path, text: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in log.read_text(errors="replace"):
            return
        time.sleep(0.1)  # polling the log for the event, not waiting for the machine to be fast
    raise AssertionError(f"{text!r} not in the daemon's log:\n{log.read_text(errors='replace')[-3000:]}")


def _speech(*parts: str) -> bytes:
    chunks = [noise(8000, 30.0, 1, "white")]
    for i, p in enumerate(parts):
        chunks += [utterance(p, seed=i, snr_db=20), noise(9600, 30.0, i + 3, "white")]
    chunks.append(noise(16000, 30.0, 9, "white"))
    return np.concatenate(chunks).astype("<i2").tobytes()


def _quiet(seconds: float) -> bytes:
    """A pause in stream time (digital silence, as the idle microphone feed: seconds of low noise
    here made the cold wake decoder miss the phrase that follows)."""
    return b"\0" * (int(seconds * 16000) * 2)




def test_spoken_command_through_the_virtual_microphone(daemon: tuple[subprocess.Popen[bytes], Path],
                                                       pulse: PrivatePulse, broker: Broker) -> None:
    proc, log = daemon
    sub = Sub(broker.port)
    try:
        sub.wait_for(f"voiced/{SITE}/status", b"online", timeout=120)
        _wait_log(log, "microphone 'pulse' open")
        assert "listening with pocketsphinx" in log.read_text()
        assert "wake word: hey computer (neural" in log.read_text()  # the shipped head, not the fallback
        # PocketSphinx's live cepstral mean adapts on the first speech it hears (docs/voice.md): a
        # running daemon has heard the room long before its first command
        # (the microphone's audio is played in order, at real-time pace: no test step waits on a
        # sleep; each waits for the event that shows the daemon got there, with generous deadlines)
        pulse.play(_speech("good morning everyone", "what a lovely day"))
        pulse.play(_quiet(7))
        pulse.play(_speech("hey computer", "turn on the kitchen spots"))
        sub.wait_for("cmnd/kitchen_spots/POWER", b"ON", timeout=180)
        reply = json.loads(sub.wait_for(f"voiced/{SITE}/reply", timeout=120)[1])
        assert "kitchen spots" in reply["text"].lower()
        sub.wait_for("hermes/hotword/hey_computer/detected", timeout=60)
        metrics = json.loads(sub.wait_for(f"voiced/{SITE}/metrics", timeout=60)[1])
        assert metrics["asr"] > 0 and metrics["end_of_speech_to_publish"] > 0
        pulse.wait_played()
        _wait_log(log, "speech done; listening again")  # the reply was spoken: the microphone is open

        # without the wake word nothing happens (3 s of room noise after it, in stream time) ...
        pulse.play(_speech("turn on the garage light"))
        pulse.play(_quiet(3))
        pulse.wait_played()
        # ... unless voiced/<site>/listen asked it to listen
        sub.publish(f"voiced/{SITE}/listen", "")
        _wait_log(log, "listen requested over MQTT")
        pulse.play(_speech("turn on the garage light"))
        sub.wait_for("cmnd/garage_light/POWER", b"ON", timeout=180)
        # the audio is heard in order: a command taken from the wake-less speech would be here already
        assert sub.payloads("cmnd/garage_light/POWER") == [b"ON"]
        pulse.wait_played()

        # barge-in: a long announcement, interrupted by "hey computer, stop" once voiced is speaking
        sub.publish(f"voiced/{SITE}/say", json.dumps({"text": "This is a long announcement. " * 12}))
        _wait_log(log, "speaking: 'This is a long announcement")  # muted from here: only the phrase is heard
        pulse.play(_speech("hey computer", "stop"))
        _wait_log(log, "barge-in: wake phrase heard while speaking")
        _wait_log(log, "speech interrupted")
        assert proc.poll() is None
    finally:
        sub.close()
