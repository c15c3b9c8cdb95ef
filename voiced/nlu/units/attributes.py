"""A question about a device's attribute, not its state: "what's the battery of the flat door".

The model reads it as the device's state ("the flat door is locked": an answer to another
question).  The attribute is a sensor of the same device where the home has one — the lock's
battery sensor reads the lock's own topic (``zigbee2mqtt/flat_door_lock``) — and then the
question is that sensor's; without one voiced cannot answer it, and says nothing rather than
something else (``extra["cannot_answer"]``: refused, decide.py).
"""

from __future__ import annotations

from voiced.home.model import Entity
from voiced.nlu.units.reading import Reading

# words of an attribute a device may have, and the sensor device classes that hold it
_ATTRIBUTE = {"battery": ("battery",), "batteries": ("battery",), "charge": ("battery",),
              "signal": (), "linkquality": (), "firmware": (), "power": ("power",), "watts": ("power",),
              "consumption": ("power", "energy"), "energy": ("energy",)}
_SENSORS = ("sensor", "binary_sensor")


def _topics(e: Entity) -> set[str]:
    return {t for t in (e.mqtt.topic, e.mqtt.state_topic) if t} if e.mqtt is not None else set()


class AttributeAsked:
    """A state question with an attribute word not of the device's own name: that attribute's
    sensor of the same device, or ``cannot_answer`` (the module's docstring)."""

    name = "attribute_asked"
    rules = ("its_sensor", "no_sensor")

    def __call__(self, r: Reading) -> None:
        if r.intent != "HassGetState" or not r.entities:
            return
        own = {w for e in r.entities for n in e.names for w in n.lower().split()}
        asked = [_ATTRIBUTE[w] for w in r.words if w in _ATTRIBUTE and w not in own]
        if not asked or any(e.domain in _SENSORS and e.device_class in asked[0] for e in r.entities):
            return
        classes = asked[0]
        topics = set().union(*(_topics(e) for e in r.entities))
        found = [s for s in r.ctx.home.entities if s.domain in _SENSORS and s.device_class in classes
                 and _topics(s) & topics]
        if found:
            r.entities, r.targets = found, [s.id for s in found]
            r.slots["name"] = found[0].name if len(found) == 1 else r.slots.get("name")
            r.slots.pop("state", None)
            r.state = None
            r.fired.append("its_sensor")
        else:
            r.extra["cannot_answer"] = classes or ("attribute",)
            r.fired.append("no_sensor")
