"""Speech, the microphone and the main loop (voiced/speech.py) against a real Mosquitto, the real
parser and the daemon's speech thread (``SpeechOut``): the speaker stands in for eSpeak and plays
until the test lets it finish, so every "while voiced is speaking" below is a fact, not a sleep.

- Hermes ``sayFinished`` is published once the sentence has been spoken, not when it was queued;
- a question's follow-up listening starts on the main loop once the question has been spoken
  (mute → listen → unmute), never while it is still playing;
- a wake phrase heard while voiced speaks stops the speech (barge-in), and the microphone is
  unmuted when it has stopped.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import EXAMPLE_HOME, Broker
from tests.integration.test_mqtt_client import Sub
from voiced.audio.frontend import WAKE, VoiceEvent
from voiced.config import load_settings_text
from voiced.home import load_home
from voiced.nlu.parser import Parser
from voiced.reply.generate import ReplyGenerator
from voiced.service import Service
from voiced.speech import SpeechOut

SITE = "sp1"
HOME = load_home(EXAMPLE_HOME)


class GateSpeaker:
    """Plays until ``finish()`` (or ``stop()``, which cuts it short like the real speaker)."""

    def __init__(self) -> None:
        self.playing = threading.Event()
        self._gate = threading.Event()
        self.cut = False
        self.spoken: list[str] = []

    def speak(self, text: str) -> bool:
        self.playing.set()
        assert self._gate.wait(20), "the test never let the speech finish"
        self._gate.clear()
        self.playing.clear()
        self.spoken.append(text)
        return not self.cut

    def finish(self) -> None:
        self._gate.set()

    def stop(self) -> None:
        self.cut = True
        self._gate.set()


class Ears:
    """The microphone side of the daemon (``VoiceInput``'s mute / unmute / listen), recorded."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.unmuted = threading.Event()
        self.thread_names: set[str] = set()

    def _note(self, call: str) -> None:
        self.calls.append(call)
        self.thread_names.add(threading.current_thread().name)

    def mute(self) -> None:
        self._note("mute")

    def unmute(self) -> None:
        self._note("unmute")
        self.unmuted.set()

    def listen(self) -> None:
        self._note("listen")

    def set_home(self, _home: Any) -> None:
        pass


@pytest.fixture(scope="module")
def parser() -> Parser:
    return Parser.load(None, HOME)


@pytest.fixture
def daemon(broker: Broker, parser: Parser) -> Iterator[tuple[Service, Sub, GateSpeaker, Ears]]:
    settings = load_settings_text(f"site: {SITE}\nhermes:\n  enabled: true\n", env=False)
    gate = GateSpeaker()
    out = SpeechOut(gate)
    svc = Service(settings, HOME, nlu=parser, replier=ReplyGenerator.load(None, use_model=False),
                  url=broker.url, speaker=out)
    ears = Ears()
    svc.attach_voice(ears)
    sub = Sub(broker.port)
    assert svc.start()
    sub.wait_for(f"voiced/{SITE}/status", b"online", timeout=30)
    thread = threading.Thread(target=svc.run, name="main-loop", daemon=True)
    thread.start()
    try:
        yield svc, sub, gate, ears
    finally:
        gate.finish()
        svc.stop()
        thread.join(10)
        out.close()
        svc.close()
        sub.close()


def _round_trip(sub: Sub, value: bytes) -> None:
    """Everything voiced published before handling this has reached the subscriber once it answers."""
    sub.publish(f"voiced/{SITE}/mute/set", value)
    sub.wait_for(f"voiced/{SITE}/mute", value)


def test_say_finished_when_spoken_not_when_queued(daemon: tuple[Service, Sub, GateSpeaker, Ears]) -> None:
    _svc, sub, gate, ears = daemon
    sub.publish("hermes/tts/say", json.dumps({"text": "hello there", "siteId": SITE, "id": "h1"}))
    assert gate.playing.wait(10)
    _round_trip(sub, b"OFF")
    assert sub.payloads("hermes/tts/sayFinished") == []  # still speaking
    gate.finish()
    assert json.loads(sub.wait_for("hermes/tts/sayFinished")[1]) == {"id": "h1", "siteId": SITE}
    assert ears.unmuted.wait(5) and ears.calls == ["mute", "mute", "unmute"]  # asked, then started
    assert ears.thread_names == {"main-loop"}


def test_follow_up_listens_once_the_question_is_spoken(daemon: tuple[Service, Sub, GateSpeaker, Ears]) -> None:
    _svc, sub, gate, ears = daemon
    sub.publish(f"voiced/{SITE}/text", json.dumps({"text": "turn on the lamp", "session_id": "q1"}))
    _topic, payload, _ = sub.wait_for(f"voiced/{SITE}/reply")
    assert json.loads(payload)["text"].endswith("?")  # "which lamp?": the session stays open
    assert gate.playing.wait(10)
    _round_trip(sub, b"OFF")
    assert "listen" not in ears.calls and "unmute" not in ears.calls  # not while the question plays
    gate.finish()
    assert ears.unmuted.wait(5)
    assert [c for c in ears.calls if c != "mute"] == ["listen", "unmute"] and ears.calls[0] == "mute"
    assert ears.thread_names == {"main-loop"}


def test_wake_phrase_while_speaking_stops_the_speech(daemon: tuple[Service, Sub, GateSpeaker, Ears]) -> None:
    svc, sub, gate, ears = daemon
    sub.publish("hermes/tts/say", json.dumps({"text": "a long announcement", "siteId": SITE, "id": "h2"}))
    assert gate.playing.wait(10)
    svc.on_voice_wake(VoiceEvent(WAKE, session_id="w1", text="hey voiced"))  # as the voice thread does
    assert json.loads(sub.wait_for("hermes/tts/sayFinished")[1]) == {"id": "h2", "siteId": SITE}
    assert gate.cut and ears.unmuted.wait(5)
    assert sub.wait_for("hermes/hotword/hey_voiced/detected")  # the wake is still reported
