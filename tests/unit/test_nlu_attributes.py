"""units/attributes.py: a question about a device's attribute is its sensor's, or not answered."""

from __future__ import annotations

import pytest

from voiced.events import Parse
from voiced.home import load_home_text
from voiced.nlu.decide import REJECT, Policy, Verdict, decide
from voiced.nlu.text import tokenize
from voiced.nlu.units.attributes import AttributeAsked
from voiced.nlu.units.reading import HomeContext, Reading

HOME = """
entities:
  - {id: lock.flat_door, name: Flat Door, mqtt: {protocol: zigbee2mqtt, topic: zigbee2mqtt/flat_door_lock}}
  - {id: sensor.lock_battery, name: Lock Battery, device_class: battery,
     mqtt: {protocol: zigbee2mqtt, state_topic: zigbee2mqtt/flat_door_lock, value_key: battery}}
  - {id: vacuum.roborock, name: Roborock, mqtt: {protocol: zigbee2mqtt, topic: zigbee2mqtt/roborock}}
  - {id: sensor.hall_battery, name: Hall Sensor Battery, device_class: battery,
     mqtt: {protocol: zigbee2mqtt, state_topic: zigbee2mqtt/hall_sensor, value_key: battery}}
"""


@pytest.fixture(scope="module")
def ctx() -> HomeContext:
    return HomeContext(load_home_text(HOME))


def asked(ctx: HomeContext, text: str, target: str) -> Reading:
    r = Reading(text, tokenize(text), ctx, None, intent="HassGetState", confidence=0.99)
    entity = next(e for e in ctx.home.entities if e.id == target)
    r.entities, r.targets, r.slots = [entity], [target], {"name": entity.name}
    AttributeAsked()(r)
    return r


def test_an_attribute_of_a_device_is_its_sensors(ctx: HomeContext) -> None:
    r = asked(ctx, "what's the battery of the flat door", "lock.flat_door")  # the same device's topic
    assert r.targets == ["sensor.lock_battery"] and r.slots["name"] == "Lock Battery" and r.fired == ["its_sensor"]


def test_an_attribute_without_its_sensor_is_not_answered(ctx: HomeContext) -> None:
    r = asked(ctx, "what's the battery level of the roborock", "vacuum.roborock")  # another device's battery only
    assert r.extra["cannot_answer"] == ("battery",) and r.fired == ["no_sensor"]
    r = asked(ctx, "what's the signal strength of the roborock", "vacuum.roborock")
    assert "cannot_answer" in r.extra
    assert decide(Parse("x", "HassGetState", 0.99, targets=("vacuum.roborock",), extra=r.extra), ["name"],
                  Policy()) == Verdict(REJECT, "cannot_answer")


@pytest.mark.parametrize(("text", "target"), [("is the flat door locked", "lock.flat_door"),
                                               ("is the lock battery low", "sensor.lock_battery")])
def test_a_state_question_or_the_sensors_own_name_is_left_alone(ctx: HomeContext, text: str, target: str) -> None:
    r = asked(ctx, text, target)
    assert r.targets == [target] and not r.fired and "cannot_answer" not in r.extra
