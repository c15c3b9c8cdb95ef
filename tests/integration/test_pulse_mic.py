"""The real microphone code path: sounddevice → PortAudio → ALSA `pulse` → a private PulseAudio
whose virtual source (module-pipe-source) is fed a WAV from a FIFO at real-time pace.

PortAudio reads the PulseAudio address when it initialises, so the capture runs in a subprocess
whose environment points at the private server (MicrophoneSource imports sounddevice lazily).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from tests.audio_fixtures import noise, utterance, write_wav
from voiced.asr.pocketsphinx import PocketSphinxRecognizer
from voiced.audio.frontend import TRANSCRIPT, VoiceFrontend
from voiced.audio.sources import WavSource, read_wav
from voiced.config import VadSettings
from voiced.proc import stop_process

REPO = Path(__file__).resolve().parents[2]
COMMANDS = ["turn on the kitchen spots", "lock the front door", "set the bedroom lamp to fifty percent"]
VAD = VadSettings(trailing_silence_ms=600)

CAPTURE = r"""
import json, sys, time
from voiced.asr.pocketsphinx import PocketSphinxRecognizer
from voiced.audio.frontend import VoiceFrontend
from voiced.audio.sources import MicrophoneSource, list_input_devices
from voiced.config import AudioSettings, VadSettings
seconds, raw_out = float(sys.argv[1]), sys.argv[2]
sentences = json.loads(sys.argv[3])
print(json.dumps({"devices": list_input_devices()}), flush=True)
mic = MicrophoneSource(AudioSettings(input_device="pulse", block_ms=30))
class Recording:
    def __init__(self):
        self.audio = bytearray()
    def chunks(self):
        for c in mic.chunks():
            self.audio.extend(c.audio)
            yield c
            if c.timestamp + c.seconds >= seconds:
                mic.close()
    def close(self):
        mic.close()
src = Recording()
fe = VoiceFrontend(src, PocketSphinxRecognizer(sentences), VadSettings(trailing_silence_ms=600), wake=None)
for ev in fe.events():
    if ev.kind == "transcript":
        print(json.dumps({"text": ev.transcript.text}), flush=True)
open(raw_out, "wb").write(bytes(src.audio))
print(json.dumps({"rate": mic.rate, "device": mic.device_name, "overflows": mic.overflows}), flush=True)
"""


class PrivatePulse:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.fifo = root / "vmic.fifo"
        self.env = dict(os.environ, HOME=str(root), XDG_RUNTIME_DIR=str(root),
                        PULSE_SERVER=f"unix:{root}/pulse/native", PYTHONPATH=str(REPO))
        self.proc: subprocess.Popen[bytes] | None = None
        self._stop = threading.Event()
        self._queue: list[bytes] = []
        self._lock = threading.Lock()
        self._played = threading.Event()  # set while nothing is queued or being fed
        self._played.set()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        exe = shutil.which("pulseaudio")
        if exe is None:
            pytest.fail("pulseaudio is not installed (run .ci/setup)")
        script = self.root / "vmic.pa"
        script.write_text(
            "load-module module-native-protocol-unix\n"
            "load-module module-null-sink sink_name=nullsink\n"
            f"load-module module-pipe-source source_name=vmic file={self.fifo} format=s16le rate=16000 channels=1\n"
            "set-default-source vmic\nset-default-sink nullsink\n")
        self.proc = subprocess.Popen([exe, "-n", "-F", str(script), "--exit-idle-time=-1", "--daemonize=no",
                                      "--use-pid-file=no", "--system=false", "--disallow-exit"],
                                     env=self.env, stdout=subprocess.DEVNULL, stderr=(self.root / "pa.log").open("wb"))
        deadline = time.monotonic() + 15
        while not (self.root / "pulse" / "native").exists() or not self.fifo.exists():  # the module makes the FIFO
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("PulseAudio did not start: " + (self.root / "pa.log").read_text()[-2000:])
            time.sleep(0.05)
        self._thread = threading.Thread(target=self._feed, daemon=True)
        self._thread.start()

    def play(self, audio: bytes) -> None:
        with self._lock:
            self._played.clear()
            self._queue.append(audio)

    def wait_played(self, timeout: float = 120) -> None:
        """Until everything queued has been written into the microphone (at real-time pace)."""
        if not self._played.wait(timeout):
            raise AssertionError(f"the virtual microphone did not play its queue within {timeout} s")

    def _feed(self) -> None:
        """Real-time pace; silence when there is nothing to play (else the source stalls)."""
        block = 480 * 2
        with open(self.fifo, "wb", buffering=0) as f:  # blocks until PulseAudio opens the pipe
            t_next = time.monotonic()
            pending = b""
            while not self._stop.is_set():
                if not pending:
                    with self._lock:
                        pending = self._queue.pop(0) if self._queue else b""
                        if not pending and not self._queue:
                            self._played.set()
                out, pending = (pending[:block], pending[block:]) if pending else (b"\0" * block, b"")
                out = out.ljust(block, b"\0")
                try:
                    f.write(out)
                except BrokenPipeError:
                    return
                t_next += 0.03
                time.sleep(max(0.0, t_next - time.monotonic()))

    def stop(self) -> None:
        self._stop.set()
        stop_process(self.proc)
        if self._thread is not None:
            self._thread.join(2)


def test_microphone_path_equals_reading_the_wav(pulse: PrivatePulse, tmp_path: Path) -> None:
    parts = [noise(8000, 30.0, 1, "white")]
    for i, c in enumerate(COMMANDS):
        parts += [utterance(c, seed=i), noise(12800, 30.0, i + 5, "white")]
    wav = write_wav(tmp_path / "commands.wav", np.concatenate(parts))
    audio = read_wav(wav)
    seconds = len(audio) / 32000 + 1.5
    raw = tmp_path / "captured.raw"
    cap = subprocess.Popen([sys.executable, "-c", CAPTURE, str(seconds), str(raw), json.dumps(COMMANDS)],
                           env=pulse.env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert cap.stdout is not None
    first_line = cap.stdout.readline()  # printed just before the microphone opens
    time.sleep(0.7)  # the recording starts in silence
    pulse.play(audio)
    out, err = cap.communicate(timeout=120)
    assert cap.returncode == 0, err[-3000:]
    lines = [json.loads(x) for x in [first_line, *out.splitlines()] if x.startswith("{")]
    assert any("pulse" in d for d in lines[0]["devices"]), lines[0]
    mic_texts = [x["text"] for x in lines if "text" in x]
    info = lines[-1]
    assert info["rate"] == 16000 and info["overflows"] == 0
    got = np.frombuffer(raw.read_bytes(), "<i2")
    assert len(got) and np.abs(got).max() > 1000, f"captured {len(got)} samples, max {np.abs(got).max(initial=0)}"

    # the same WAV read directly, through the same front end
    fe = VoiceFrontend(WavSource(wav, tail_silence_ms=1000), PocketSphinxRecognizer(COMMANDS), VAD, wake=None)
    wav_texts = [e.transcript.text for e in fe.events() if e.kind == TRANSCRIPT and e.transcript]
    assert wav_texts == COMMANDS
    assert mic_texts == wav_texts

    # and the captured samples are the WAV's, bit for bit (after the leading silence)
    ref = np.frombuffer(audio, "<i2")
    first = int(np.flatnonzero(got != 0)[0])
    lead = int(np.flatnonzero(ref != 0)[0])
    start = first - lead
    assert start >= 0
    assert np.array_equal(got[start:start + len(ref)], ref)


def test_missing_microphone_is_one_clear_error(pulse: PrivatePulse) -> None:
    code = ("from voiced.audio.sources import MicrophoneSource\n"
            "from voiced.config import AudioSettings\n"
            "from voiced.errors import AudioError\n"
            "try:\n"
            "    next(MicrophoneSource(AudioSettings(input_device='no such mic')).chunks())\n"
            "except AudioError as e:\n"
            "    print('AudioError:', e)\n")
    p = subprocess.run([sys.executable, "-c", code], env=pulse.env, cwd=REPO, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("AudioError: microphone no such mic not available")
    assert "pulse" in p.stdout  # the message lists the devices that do exist


def test_daemon_mode_retries_instead_of_dying(pulse: PrivatePulse) -> None:
    code = ("import logging, threading, time\n"
            "logging.basicConfig(level=logging.ERROR)\n"
            "from voiced.audio.sources import MicrophoneSource\n"
            "from voiced.config import AudioSettings\n"
            "mic = MicrophoneSource(AudioSettings(input_device='no such mic', retry_seconds=0.1), retry=True)\n"
            "threading.Timer(1.0, mic.close).start()\n"
            "n = sum(1 for _ in mic.chunks())\n"
            "print('chunks', n, 'failures', mic.failures)\n")
    p = subprocess.run([sys.executable, "-c", code], env=pulse.env, cwd=REPO, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    chunks, failures = int(p.stdout.split()[1]), int(p.stdout.split()[3])
    assert chunks == 0 and failures >= 3  # kept retrying until closed
    assert p.stderr.count("not available") == 1  # one clear message, not one per retry
