"""Every protocol × action kind, sent through a real Mosquitto and asserted by an independent
subscriber: exact topic, exact payload bytes, QoS 1, not retained.

Two routes: the encoder tables of tests/unit/test_protocols.py (every protocol and action), and
``actions.plan`` on the example home (every intent with a device target) → ``Pipeline.publish_commands``.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import paho.mqtt.client as paho
import pytest

from tests.conftest import EXAMPLE_HOME, Broker
from tests.unit import test_protocols as tables
from voiced.act.actions import plan
from voiced.config import BrokerSettings
from voiced.events import Command, Parse
from voiced.home import load_home
from voiced.home.model import Entity
from voiced.home.state import StateStore
from voiced.mqtt.client import MqttClient
from voiced.protocols import encode


class QosSub:
    """Records (topic, payload, qos, retain) of everything."""

    def __init__(self, port: int) -> None:
        self.got: queue.Queue[tuple[str, bytes, int, bool]] = queue.Queue()
        self.client = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=f"qsub-{time.monotonic_ns()}")
        ready = threading.Event()
        self.client.on_connect = lambda c, *_: c.subscribe("#", 1)
        self.client.on_subscribe = lambda *_: ready.set()
        self.client.on_message = lambda _c, _u, m: self.got.put((m.topic, bytes(m.payload), m.qos, bool(m.retain)))
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        assert ready.wait(5)

    def take(self, timeout: float = 5.0) -> tuple[str, bytes, int, bool]:
        return self.got.get(timeout=timeout)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture(scope="module")
def wire(module_broker: Broker) -> Iterator[tuple[MqttClient, QosSub]]:
    sub = QosSub(module_broker.port)
    client = MqttClient(BrokerSettings(), module_broker.url, queue.Queue(), client_id="cmd-test")
    assert client.connect()
    try:
        yield client, sub
    finally:
        client.close()
        sub.close()


def send_and_check(wire: tuple[MqttClient, QosSub], commands: list[Command],
                   expected: list[tuple[str, bytes]]) -> None:
    client, sub = wire
    while not sub.got.empty():
        sub.got.get()
    for c in commands:
        client.publish(c.topic, c.payload, qos=c.qos, retain=c.retain, entity_id=c.entity_id, command=True)
    seen = [sub.take() for _ in expected]
    assert [(t, p) for t, p, _q, _r in seen] == expected
    assert all(q == 1 and not r for _t, _p, q, r in seen)


def _z2m_expected(eid: str, payload: Any) -> tuple[str, bytes]:
    import json

    return f"zigbee2mqtt/{eid.split('.')[1]}/set", json.dumps(payload, separators=(",", ":")).encode()


CASES: list[tuple[str, Entity, str, Any, tuple[str, bytes]]] = []
for eid, action, value, payload in tables.Z2M_CASES:
    CASES.append(("zigbee2mqtt", tables.z2m(eid), action, value, _z2m_expected(eid, payload)))
for eid, action, value, cmd, text in tables.TASMOTA_CASES:
    CASES.append(("tasmota", tables.tas(eid), action, value, (f"cmnd/{eid.split('.')[1]}/{cmd}", text.encode())))
for entity, action, value, topic, text in tables.HA_CASES:
    CASES.append(("homeassistant", entity, action, value, (topic, text.encode())))
for action, value, payload in tables.HA_JSON_CASES:
    import json as _json

    CASES.append(("homeassistant-json", tables.ha("light.j", **tables.JSON), action, value,
                  ("j/set", _json.dumps(payload, separators=(",", ":")).encode())))
for eid, action, value, text in tables.GEN_CASES:
    CASES.append(("generic", tables.gen(eid, tables.TEMPLATES), action, value, (f"gen/{eid}", text.encode())))


@pytest.mark.parametrize(("protocol", "entity", "action", "value", "expected"), CASES,
                         ids=[f"{c[0]}-{c[1].id}-{c[2]}-{c[3]}" for c in CASES])
def test_encoded_command_on_the_wire(wire: tuple[MqttClient, QosSub], protocol: str, entity: Entity, action: str,
                                     value: Any, expected: tuple[str, bytes]) -> None:
    send_and_check(wire, encode(entity, action, value), [expected])


INTENTS = [
    ("HassTurnOn", ("light.living_room_lamp",), {}, [("zigbee2mqtt/living_room_lamp/set", b'{"state":"ON"}')]),
    ("HassTurnOff", ("light.kitchen_spots", "light.kitchen_counter"), {"area": "Kitchen"},
     [("cmnd/kitchen_spots/POWER", b"OFF"), ("cmnd/kitchen_counter/POWER", b"OFF")]),
    ("HassToggle", ("light.hall_light",), {}, [("cmnd/hall_light/POWER", b"TOGGLE")]),
    ("HassTurnOn", ("lock.back_door",), {}, [("zigbee2mqtt/back_door_lock/set", b'{"state":"LOCK"}')]),
    ("HassTurnOff", ("cover.garage_door",), {}, [("garage/door/set", b"CLOSE")]),
    ("HassTurnOn", ("scene.good_morning",), {}, [("scenes/good_morning/activate", b"ON")]),
    ("HassLightSet", ("light.desk_lamp",), {"brightness": 20}, [("office/desk_lamp/brightness/set", b"51")]),
    ("HassLightSet", ("light.kitchen_counter",), {"color": "purple"}, [("cmnd/kitchen_counter/HSBColor", b"300,100,50")]),
    ("HassLightSet", ("light.bedroom_lamp",), {"color": "cool white"},
     [("zigbee2mqtt/bedroom_lamp/set", b'{"color_temp":182}')]),
    # unknown brightness: 50 % - 20 % = 30 % of brightness_scale 255 = 76.5, rounded to even
    ("VoicedLightDim", ("light.night_light",), {}, [("kids/night_light/set", b'{"state":"ON","brightness":76}')]),
    ("HassClimateSetTemperature", ("climate.bedroom_heater",), {"temperature": 20.5},
     [("zigbee2mqtt/bedroom_trv/set", b'{"current_heating_setpoint":20.5}')]),
    ("VoicedClimateWarmer", ("climate.living_room_thermostat",), {},
     [("climate/living_room/target/set", b"21")]),
    ("HassSetPosition", ("cover.bedroom_curtains",), {"position": 75},
     [("zigbee2mqtt/bedroom_curtains/set", b'{"position":75}')]),
    ("HassMediaNext", ("media_player.living_room_tv",), {}, [("media/living_room_tv/cmd", b"NEXT")]),
    ("HassSetVolume", ("media_player.kitchen_speaker",), {"volume_level": 60},
     [("media/kitchen_speaker/cmd", b"VOLUME 60")]),
    ("HassVacuumStart", ("vacuum.robot_vacuum",), {}, [("vacuum/robot/command", b"start")]),
    ("HassTurnOff", ("valve.water_main",), {}, [("garage/water_main/cmd", b"CLOSE")]),
    ("HassTurnOn", ("switch.garden_sprinkler",), {}, [("garden/sprinkler/cmd", b"START")]),
    ("HassListAddItem", ("todo.shopping_list",), {"item": "eggs", "name": "Shopping List"},
     [("voiced/wire/list/add", b'{"list": "Shopping List", "item": "eggs", "entity_id": "todo.shopping_list"}')]),
    ("HassBroadcast", (), {"message": "time for dinner"},
     [("voiced/broadcast", b'{"text": "time for dinner", "site": "wire"}'),
      ("voiced/attic/say", b'{"text": "time for dinner", "site": "wire"}')]),
]


@pytest.mark.parametrize(("intent", "targets", "slots", "expected"), INTENTS,
                         ids=[f"{i[0]}-{'+'.join(i[1]) or 'none'}" for i in INTENTS])
def test_intent_commands_on_the_wire(wire: tuple[MqttClient, QosSub], intent: str, targets: tuple[str, ...],
                                     slots: dict[str, Any], expected: list[tuple[str, bytes]]) -> None:
    home = load_home(EXAMPLE_HOME)
    outcome = plan(Parse("x", intent, 1.0, slots, targets), home, StateStore(home), now=datetime(2026, 1, 1),
                   site="wire", sites=("wire", "attic"))
    send_and_check(wire, list(outcome.commands), expected)
