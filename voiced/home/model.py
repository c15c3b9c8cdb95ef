"""The home's registry, shaped like Home Assistant's (floors → areas → entities)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DOMAINS = (
    "light", "switch", "fan", "cover", "climate", "lock", "media_player", "sensor",
    "binary_sensor", "scene", "script", "vacuum", "valve", "weather", "todo",
)

# what `features` may list (docs/devices.md); the action encoders read these three
FEATURES = ("brightness", "color", "color_temp")

# valid `device_class` per domain: Home Assistant's classes for that domain, plus the names voiced's
# NLU and state words use (`garage_door` on covers); an empty tuple = the domain takes no device class
DEVICE_CLASSES: dict[str, tuple[str, ...]] = {
    "binary_sensor": (
        "battery", "battery_charging", "carbon_monoxide", "cold", "connectivity", "door", "garage_door", "gas",
        "heat", "light", "lock", "moisture", "motion", "moving", "occupancy", "opening", "plug", "power",
        "presence", "problem", "running", "safety", "smoke", "sound", "tamper", "update", "vibration", "window",
    ),
    "sensor": (
        "apparent_power", "aqi", "area", "atmospheric_pressure", "battery", "blood_glucose_concentration",
        "carbon_dioxide", "carbon_monoxide", "conductivity", "current", "data_rate", "data_size", "date",
        "distance", "duration", "energy", "energy_distance", "energy_storage", "enum", "frequency", "gas",
        "humidity", "illuminance", "irradiance", "moisture", "monetary", "nitrogen_dioxide", "nitrogen_monoxide",
        "nitrous_oxide", "ozone", "ph", "pm1", "pm10", "pm25", "power", "power_factor", "precipitation",
        "precipitation_intensity", "pressure", "reactive_energy", "reactive_power", "signal_strength",
        "sound_pressure", "speed", "sulphur_dioxide", "temperature", "timestamp", "volatile_organic_compounds",
        "volatile_organic_compounds_parts", "voltage", "volume", "volume_flow_rate", "volume_storage", "water",
        "weight", "wind_direction", "wind_speed",
    ),
    "cover": ("awning", "blind", "curtain", "damper", "door", "garage", "garage_door", "gate", "shade",
              "shutter", "window"),
    "switch": ("outlet", "switch"),
    "media_player": ("receiver", "speaker", "tv"),
    "valve": ("gas", "water"),
    **{d: () for d in ("light", "fan", "climate", "lock", "scene", "script", "vacuum", "weather", "todo")},
}

# Home Assistant domains voiced cannot command, loaded (with a warning) as state-only entities of the
# voiced domain that reads their state best: text/number states as sensors, on/off ones as binary
# sensors; `input_boolean` becomes a switch (commandable only if its mqtt settings have a command topic)
STATE_ONLY_DOMAINS: dict[str, str] = {
    "input_boolean": "switch",
    **{d: "binary_sensor" for d in ("automation", "remote", "schedule", "siren", "update")},
    **{d: "sensor" for d in (
        "air_quality", "alarm_control_panel", "button", "calendar", "camera", "counter", "date", "datetime",
        "device_tracker", "event", "group", "humidifier", "image", "input_button", "input_datetime",
        "input_number", "input_select", "input_text", "lawn_mower", "number", "person", "select", "sun",
        "text", "time", "timer", "water_heater", "zone")},
}


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
    value_template: str = ""  # a Home Assistant value_template voiced can evaluate (voiced.home.template)


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
    # what the loader accepted but wants a person to know ("file:line: field: ..."), e.g. state-only entities
    warnings: tuple[str, ...] = field(default=(), compare=False)

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
        return Home(self.floors, self.areas, tuple(by_id.values()), self.source, self.warnings)

    def vocabulary(self) -> set[str]:
        """Lower-case words of every name and alias (for ASR grammars and NLU vocabularies)."""
        words: set[str] = set()
        items: list[Floor | Area | Entity] = [*self.floors, *self.areas, *self.entities]
        for item in items:
            for n in item.names:
                words.update(n.lower().split())
        return words
