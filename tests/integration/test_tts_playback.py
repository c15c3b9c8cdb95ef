"""Playback through a private PulseAudio null sink: the speaker blocks for the length of the
speech, the sink really receives it (recorded from its monitor), and stop() cuts it short.

sounddevice reads PULSE_SERVER when PortAudio starts, so every playback runs in a subprocess
whose environment points at this test's PulseAudio.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from voiced.proc import stop_process

REPO = Path(__file__).resolve().parents[2]

PLAY = r"""
import json, sys, threading, time
from voiced.config import TtsSettings
from voiced.tts import Speaker
text, stop_after = sys.argv[1], float(sys.argv[2])
sp = Speaker(TtsSettings(), "pulse")
audio, rate = sp.render(text)
if stop_after > 0:
    threading.Timer(stop_after, sp.stop).start()
t = time.monotonic()
done = sp.speak(text)
print(json.dumps({"completed": done, "seconds": time.monotonic() - t, "audio_seconds": audio.size / rate}))
"""


@pytest.fixture
def pulse(tmp_path: Path) -> Iterator[dict[str, str]]:
    exe = shutil.which("pulseaudio")
    if exe is None:
        pytest.fail("pulseaudio is not installed (run .ci/setup)")
    run = tmp_path / "run"
    (run / "pulse").mkdir(parents=True)
    script = tmp_path / "voiced.pa"
    script.write_text(
        f"load-module module-native-protocol-unix auth-anonymous=1 socket={run}/pulse/native\n"
        "load-module module-null-sink sink_name=voiced_null rate=22050 channels=1\n"
        "set-default-sink voiced_null\n")
    env = {**os.environ, "XDG_RUNTIME_DIR": str(run), "HOME": str(tmp_path),
           "PULSE_SERVER": f"unix:{run}/pulse/native"}
    log = (tmp_path / "pulse.log").open("wb")
    proc = subprocess.Popen([exe, "-n", "-F", str(script), "--exit-idle-time=-1", "--daemonize=no",
                             "--log-target=stderr"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 15
        while not (run / "pulse" / "native").exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("PulseAudio did not start: " + (tmp_path / "pulse.log").read_text()[-2000:])
            time.sleep(0.05)
        yield env
    finally:
        stop_process(proc)
        log.close()


def _play(env: dict[str, str], text: str, stop_after: float = 0.0) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", PLAY, text, str(stop_after)], env=env, cwd=REPO,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def test_speak_blocks_until_played_and_reaches_the_sink(pulse: dict[str, str], tmp_path: Path) -> None:
    raw = tmp_path / "monitor.raw"
    with raw.open("wb") as f:
        rec = subprocess.Popen(["parec", "-d", "voiced_null.monitor", "--raw", "--format=s16le",
                                "--rate=22050", "--channels=1"], env=pulse, stdout=f)
        try:
            time.sleep(0.3)
            result = _play(pulse, "The front door is locked and the hall light is on.")
        finally:
            rec.terminate()
            rec.wait(5)
    assert result["completed"] is True
    assert result["audio_seconds"] > 1.0
    # playing blocks for (about) the length of the speech: the mic stays muted meanwhile
    assert result["seconds"] >= 0.9 * result["audio_seconds"]
    heard = np.frombuffer(raw.read_bytes(), dtype=np.int16)
    assert heard.size > 0 and int(np.abs(heard).max()) > 1000, "the null sink received only silence"


def test_stop_interrupts_playback(pulse: dict[str, str]) -> None:
    text = "This is a long announcement that keeps going for several seconds so that it can be stopped."
    result = _play(pulse, text, stop_after=0.5)
    assert result["completed"] is False
    assert result["audio_seconds"] > 3.0
    assert result["seconds"] < result["audio_seconds"] - 1.0


def test_no_output_device_is_a_clear_error(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("PULSE_SERVER",)}
    env["XDG_RUNTIME_DIR"] = str(tmp_path)  # no PulseAudio here: no output device at all
    code = ("from voiced.config import TtsSettings\nfrom voiced.tts import Speaker\n"
            "from voiced.errors import TextToSpeechError\n"
            "try:\n    Speaker(TtsSettings(), 'pulse').speak('hello')\n"
            "except TextToSpeechError as e:\n    print('ERR', e)\n")
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=REPO, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("ERR no audio output device pulse")
