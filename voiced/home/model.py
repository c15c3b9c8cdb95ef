"""The home's registry, shaped like Home Assistant's (floors → areas → entities)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DOMAINS = (
    "light", "switch", "fan", "cover", "climate", "lock", "media_player", "sensor",
    "binary_sensor", "scene", "script", "vacuum", "valve", "weather", "todo",
)
PROTOCOLS = ("zigbee2mqtt", "tasmota", "homeassistant", "generic")


@dataclass(frozen=True)
class Floor:
    id: str
    name: str
    aliases: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class Area:
    id: str
    name: str
    floor: str | None = None
    aliases: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class MqttSettings:
    """How to command an entity.  ``options`` keeps protocol-specific keys verbatim
    (homeassistant discovery keys, generic payload templates) for the action encoders."""

    protocol: str
    topic: str = ""
    state_topic: str = ""
    value_key: str = ""
    unit: str = ""
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Entity:
    id: str
    name: str
    area: str | None = None
    aliases: tuple[str, ...] = ()
    device_class: str | None = None
    features: tuple[str, ...] = ()
    mqtt: MqttSettings | None = None

    @property
    def domain(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class Home:
    floors: tuple[Floor, ...] = ()
    areas: tuple[Area, ...] = ()
    entities: tuple[Entity, ...] = ()
    source: str = "<memory>"

    def entity(self, entity_id: str) -> Entity | None:
        for e in self.entities:
            if e.id == entity_id:
                return e
        return None

    def area(self, area_id: str | None) -> Area | None:
        for a in self.areas:
            if a.id == area_id:
                return a
        return None

    def floor(self, floor_id: str | None) -> Floor | None:
        for f in self.floors:
            if f.id == floor_id:
                return f
        return None

    def entity_floor(self, entity: Entity) -> Floor | None:
        area = self.area(entity.area)
        return self.floor(area.floor) if area else None

    def with_entities(self, entities: list[Entity]) -> Home:
        """A new home with entities added or replaced by id (used by MQTT discovery)."""
        by_id = {e.id: e for e in self.entities}
        for e in entities:
            by_id[e.id] = e
        return Home(self.floors, self.areas, tuple(by_id.values()), self.source)

    def vocabulary(self) -> set[str]:
        """Lower-case words of every name and alias (for ASR grammars and NLU vocabularies)."""
        words: set[str] = set()
        items: list[Floor | Area | Entity] = [*self.floors, *self.areas, *self.entities]
        for item in items:
            for n in item.names:
                words.update(n.lower().split())
        return words
