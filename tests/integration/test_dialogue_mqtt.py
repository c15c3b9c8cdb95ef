"""Whole conversations through ``voiced/<site>/text`` with a real Mosquitto, the shipped NLU model
and the reply stage's templates: confirmations, follow-up questions, timers that fire on a
controllable clock and survive a restart, alerts raised by a published sensor state."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import EXAMPLE_HOME, Broker
from tests.integration.test_mqtt_client import Sub
from voiced.config import load_settings_text
from voiced.home import load_home
from voiced.nlu.parser import Parser
from voiced.reply.generate import ReplyGenerator
from voiced.service import Service

SITE = "d1"
HOME = load_home(EXAMPLE_HOME)


@pytest.fixture(scope="module")
def parser() -> Parser:
    return Parser.load(None, HOME)


class Clock:
    """Wall-clock seconds that the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


class Conversation:
    def __init__(self, broker: Broker, parser: Parser, state_dir: Path, config: str = "") -> None:
        self.clock = Clock()
        settings = load_settings_text(f"site: {SITE}\nstate_dir: {state_dir}\n{config}", env=False)
        self.svc = Service(settings, HOME, nlu=parser, replier=ReplyGenerator.load(None, use_model=False),
                           url=broker.url, wall=self.clock)
        self.sub = Sub(broker.port)
        assert self.svc.start()
        # voiced publishes "online" after its subscriptions on the same connection: once a client
        # sees it, the broker has those subscriptions and a text turn cannot be lost
        self.sub.wait_for(f"voiced/{SITE}/status", b"online", timeout=30)
        self.thread = threading.Thread(target=self.svc.run, daemon=True)
        self.thread.start()
        self.n = 0

    def say(self, text: str, area: str | None = None) -> dict[str, Any]:
        """Send one text turn and return its reply."""
        self.n += 1
        before = len(self.replies())
        self.sub.publish(f"voiced/{SITE}/text", json.dumps({"text": text, "area": area} if area else {"text": text}))
        return self.next_reply(before)

    def replies(self) -> list[dict[str, Any]]:
        return [json.loads(p) for p in self.sub.payloads(f"voiced/{SITE}/reply")]

    def next_reply(self, before: int, timeout: float = 10) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            r = self.replies()
            if len(r) > before:
                return r[before]
            time.sleep(0.02)
        raise AssertionError(f"no reply; log: {self.sub.messages[-5:]}")

    def commands(self, topic: str) -> list[bytes]:
        return self.sub.payloads(topic)

    def close(self) -> None:
        self.svc.stop()
        self.thread.join(10)
        self.svc.close()
        self.sub.close()


@pytest.fixture
def conv(broker: Broker, parser: Parser, tmp_path: Path) -> Iterator[Conversation]:
    c = Conversation(broker, parser, tmp_path)
    try:
        yield c
    finally:
        c.close()


def test_risky_unlock_needs_confirmation(conv: Conversation) -> None:
    r = conv.say("unlock the front door")
    assert "sure" in r["text"].lower() and "front door" in r["text"].lower()
    time.sleep(0.3)
    assert conv.commands("zigbee2mqtt/front_door_lock/set") == []  # nothing before the yes
    r = conv.say("yes")
    conv.sub.wait_for("zigbee2mqtt/front_door_lock/set", b'{"state":"UNLOCK"}')
    assert "front door" in r["text"].lower()


def test_risky_unlock_denied_sends_nothing(conv: Conversation) -> None:
    conv.say("unlock the back door")
    r = conv.say("no")
    time.sleep(0.3)
    assert conv.commands("zigbee2mqtt/back_door_lock/set") == []
    assert r["text"]


def test_confirmation_timeout_ends_session(conv: Conversation) -> None:
    conv.say("open the garage door")
    before = len(conv.replies())
    conv.clock.now += 60  # nobody answers: the session times out on the next tick
    r = conv.next_reply(before)
    assert r["text"]
    conv.say("yes")  # too late: a yes with nothing asked is not an unlock
    time.sleep(0.3)
    assert conv.commands("garage/door/set") == []


def test_timer_fires_on_the_clock_and_publishes_event(conv: Conversation, tmp_path: Path) -> None:
    r = conv.say("set a pizza timer for ten minutes")
    assert "10" in r["text"] or "ten" in r["text"].lower()
    conv.sub.wait_for(f"voiced/{SITE}/timer/started")
    deadline = time.monotonic() + 5  # saved by the main loop's next tick
    while not (tmp_path / "timers.json").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    saved = json.loads((tmp_path / "timers.json").read_text())
    assert len(saved["timers"]) == 1
    before = len(conv.replies())
    conv.clock.now += 599
    time.sleep(0.6)
    assert len(conv.replies()) == before  # not yet
    conv.clock.now += 2
    r = conv.next_reply(before)
    assert "pizza" in r["text"].lower()
    event = json.loads(conv.sub.wait_for(f"voiced/{SITE}/timer/finished")[1])
    assert event["name"] == "pizza"


def test_several_timers_status_and_cancel(conv: Conversation) -> None:
    conv.say("set a timer for five minutes")
    conv.say("set an egg timer for three minutes")
    r = conv.say("cancel the egg timer")
    assert "egg" in r["text"].lower()
    r = conv.say("how much time is left on my timer")
    assert "5" in r["text"] or "five" in r["text"].lower() or "4" in r["text"]


def test_timers_survive_a_restart(broker: Broker, parser: Parser, tmp_path: Path) -> None:
    first = Conversation(broker, parser, tmp_path)
    try:
        first.say("set a tea timer for two minutes")
        start = first.clock.now
        deadline = time.monotonic() + 5
        while not (tmp_path / "timers.json").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        first.close()
    second = Conversation(broker, parser, tmp_path)
    try:
        second.clock.now = start + 121  # it ended while the daemon was down: fires once at start
        second.next_reply(0)
        event = json.loads(second.sub.wait_for(f"voiced/{SITE}/timer/finished")[1])
        assert event["name"] == "tea"
    finally:
        second.close()


def test_alert_from_published_sensor_state(broker: Broker, parser: Parser, tmp_path: Path) -> None:
    config = ("alerts:\n  - entity: binary_sensor.kitchen_smoke\n    state: detected\n"
              "    message: Smoke in the {area}!\n    min_interval: 600\n")
    c = Conversation(broker, parser, tmp_path, config)
    try:
        c.sub.publish("zigbee2mqtt/kitchen_smoke", json.dumps({"smoke": True}))
        notice = json.loads(c.sub.wait_for(f"voiced/{SITE}/alert")[1])
        assert notice["entity"] == "binary_sensor.kitchen_smoke"
        assert c.next_reply(0)["text"] == "Smoke in the Kitchen!"
        # repeated reports within min_interval: one announcement only
        c.sub.publish("zigbee2mqtt/kitchen_smoke", json.dumps({"smoke": False}))
        c.sub.publish("zigbee2mqtt/kitchen_smoke", json.dumps({"smoke": True}))
        time.sleep(0.5)
        assert len(c.sub.payloads(f"voiced/{SITE}/alert")) == 1
    finally:
        c.close()


def test_nevermind_cancels_a_question(conv: Conversation) -> None:
    conv.say("unlock the front door")
    r = conv.say("never mind")
    assert r["text"]
    conv.say("yes")
    time.sleep(0.3)
    assert conv.commands("zigbee2mqtt/front_door_lock/set") == []


def test_which_one_follow_up(conv: Conversation) -> None:
    r = conv.say("turn on the lamp")
    assert r["text"].endswith("?") and "bedroom lamp" in r["text"].lower()
    time.sleep(0.3)
    assert conv.commands("zigbee2mqtt/bedroom_lamp/set") == []
    conv.say("the bedroom one")
    conv.sub.wait_for("zigbee2mqtt/bedroom_lamp/set", b'{"state":"ON"}')
    assert conv.commands("zigbee2mqtt/living_room_lamp/set") == []


def test_missing_value_follow_up(conv: Conversation) -> None:
    r = conv.say("set the temperature", area="living_room")
    assert r["text"].endswith("?")
    conv.say("twenty one")
    topic, payload, _ = conv.sub.wait_for("climate/living_room/target/set")
    assert float(payload) == 21.0


def test_bare_value_without_a_question_does_nothing(conv: Conversation) -> None:
    conv.say("twenty one")
    time.sleep(0.3)
    assert conv.commands("climate/living_room/target/set") == []
    assert conv.commands("zigbee2mqtt/bedroom_trv/set") == []


# ------------------------------------------------------------------ the open world, by text

def test_misheard_name_is_confirmed_then_done(conv: Conversation) -> None:
    r = conv.say("turn on the bedroom lamb")
    assert "sure" in r["text"].lower() and "bedroom lamp" in r["text"].lower(), r
    assert conv.commands("zigbee2mqtt/bedroom_lamp/set") == []
    conv.say("yes")
    conv.sub.wait_for("zigbee2mqtt/bedroom_lamp/set", b'{"state":"ON"}')


def test_misheard_name_denied_sends_nothing(conv: Conversation) -> None:
    conv.say("turn on the bedroom lamb")
    r = conv.say("no")
    assert r["text"]
    r = conv.say("what time is it")  # the conversation went on: the lamp was never commanded
    assert r["text"] and conv.commands("zigbee2mqtt/bedroom_lamp/set") == []


def test_other_skills_are_not_understood(conv: Conversation) -> None:
    for text in ("order me a pizza from the place round the corner", "send an email to my boss"):
        r = conv.say(text)
        intent = json.loads(conv.sub.payloads(f"voiced/{SITE}/intent")[-1])
        assert intent["intent"] is None and intent["decision"] == "reject", intent
        assert "sorry" in r["text"].lower(), r


def test_unknown_device_is_named_in_the_reply(conv: Conversation) -> None:
    r = conv.say("switch off the pool pump")
    assert "pool pump" in r["text"].lower(), r


def test_time_elsewhere_is_answered_honestly(conv: Conversation) -> None:
    r = conv.say("what time is it in tokyo")
    assert "only" in r["text"].lower() and "here" in r["text"].lower(), r
    r = conv.say("what day of the week is christmas day")
    assert "today" in r["text"].lower() and "only" in r["text"].lower(), r


def test_roomless_light_command_asks_the_room(conv: Conversation) -> None:
    r = conv.say("turn off the lights")
    assert "which room" in r["text"].lower(), r
    conv.say("the office")
    conv.sub.wait_for("office/desk_lamp/set", timeout=30)


def test_a_target_the_thermostat_cannot_take_is_refused_with_its_range(conv: Conversation) -> None:
    r = conv.say("set the heating to minus 10")
    assert "7 to 35 degrees" in r["text"], r
    r = conv.say("set the thermostat to 70 degrees fahrenheit")  # 21 °C: sent
    conv.sub.wait_for("climate/living_room/target/set", b"21", timeout=30)
    assert conv.commands("climate/living_room/target/set") == [b"21"], r


def test_a_volume_with_no_room_known_asks_which_player(conv: Conversation) -> None:
    r = conv.say("set the volume to 80")
    assert "kitchen speaker" in r["text"].lower() and "living room tv" in r["text"].lower(), r
    conv.say("the kitchen speaker")
    conv.sub.wait_for("media/kitchen_speaker/cmd", timeout=30)
    assert conv.commands("media/living_room_tv/cmd") == []


def test_what_a_device_cannot_do_is_said_and_never_sent(conv: Conversation) -> None:
    r = conv.say("make the ceiling fan louder")
    assert "ceiling fan can't do that" in r["text"].lower(), r
    r = conv.say("turn off the coffee maker and the tv")  # both, not only the first
    conv.sub.wait_for("cmnd/coffee_maker/POWER", b"OFF", timeout=30)
    conv.sub.wait_for("media/living_room_tv/cmd", timeout=30)
    assert conv.commands("zigbee2mqtt/bedroom_fan/set") == []
