"""Devices-file errors name the file, the line and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import EXAMPLE_HOME, SECOND_HOME
from voiced.errors import ConfigError
from voiced.home import load_home, load_home_text


def _fails(text: str) -> str:
    with pytest.raises(ConfigError) as exc:
        load_home_text(text, "home.yaml")
    return str(exc.value)


def test_shipped_homes_load() -> None:
    home = load_home(EXAMPLE_HOME)
    assert len(home.floors) >= 2 and len(home.areas) >= 6 and len(home.entities) >= 30
    if SECOND_HOME.exists():
        other = load_home(SECOND_HOME)
        assert {e.name for e in other.entities}.isdisjoint({"Bedroom Lamp", "Living Room Lamp"})


def test_duplicate_id() -> None:
    msg = _fails("""entities:
  - {id: light.a, name: A}
  - {id: light.a, name: B}
""")
    assert msg.startswith("home.yaml:3: entities[1].id:") and "duplicate id" in msg


def test_unknown_area() -> None:
    msg = _fails("""areas:
  - {id: kitchen, name: Kitchen}
entities:
  - id: light.a
    name: A
    area: cellar
""")
    assert msg.startswith("home.yaml:6: entities[0].area:") and "cellar" in msg


def test_unknown_floor() -> None:
    msg = _fails("""floors:
  - {id: ground, name: Ground}
areas:
  - {id: kitchen, name: Kitchen, floor: attic}
entities: []
""")
    assert msg.startswith("home.yaml:4: areas[0].floor:") and "attic" in msg


def test_unknown_domain() -> None:
    msg = _fails("""entities:
  - {id: light.a, name: A}
  - {id: toaster.b, name: B}
""")
    assert msg.startswith("home.yaml:3: entities[1].id:") and "unknown domain" in msg


def test_wrong_types() -> None:
    msg = _fails("""entities:
  - id: light.a
    name: [not, a, string]
""")
    assert msg.startswith("home.yaml:3: entities[0].name:") and "string" in msg
    msg = _fails("""entities:
  - id: light.a
    name: A
    aliases: lamp
""")
    assert msg.startswith("home.yaml:4: entities[0].aliases:") and "list" in msg


def test_bad_yaml() -> None:
    msg = _fails("""entities:
  - id: light.a
    name: "unterminated
  - id: light.b
""")
    assert msg.startswith("home.yaml:") and "(yaml)" in msg


def test_missing_file_names_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nowhere\.yaml:1: \(file\)"):
        load_home(tmp_path / "nowhere.yaml")


def test_unknown_field_and_missing_name() -> None:
    assert _fails("entities:\n  - {id: light.a, name: A, colour: red}\n").startswith("home.yaml:2: entities[0].colour:")
    assert _fails("entities:\n  - {id: light.a}\n").startswith("home.yaml:2: entities[0].name:")


# ----------------------------------------------------------------------------- issue 12, item 7


def _entity(body: str) -> str:
    """A one-entity devices file; ``body`` is the entity's lines after ``name`` (line 4 onwards)."""
    return "entities:\n  - id: light.a\n    name: A\n" + body


@pytest.mark.parametrize(("text", "where", "words"), [
    # unknown keys, with the closest valid one suggested
    (_entity("    mqtt: {protocol: zigbee2mqtt, toppic: zigbee2mqtt/a}\n"), "home.yaml:4: entities[0].mqtt.toppic:",
     ["unknown field", "did you mean `topic`?"]),
    (_entity("    mqtt:\n      protocol: tasmota\n      topic: lamp\n      stat_topic: tele/lamp/STATE\n"),
     "home.yaml:7: entities[0].mqtt.stat_topic:", ["did you mean `state_topic`?"]),
    ("entities:\n  - id: light.a\n    nmae: A\n", "home.yaml:3: entities[0].nmae:", ["did you mean `name`?"]),
    ("entitys:\n  - {id: light.a, name: A}\n", "home.yaml:1: (top level).entitys:", ["did you mean `entities`?"]),
    ("areas:\n  - {id: kitchen, name: Kitchen, flor: ground}\nentities: []\n", "home.yaml:2: areas[0].flor:",
     ["did you mean `floor`?"]),
    # a key of another protocol says whose it is
    (_entity("    mqtt: {protocol: homeassistant, topic: office/lamp}\n"), "home.yaml:4: entities[0].mqtt.topic:",
     ["belongs to protocol zigbee2mqtt and tasmota", "command_topic"]),
    (_entity("    mqtt: {protocol: zigbee2mqtt, topic: z/a, command_topic: z/a/set}\n"),
     "home.yaml:4: entities[0].mqtt.command_topic:", ["belongs to protocol homeassistant and generic"]),
    (_entity("    mqtt: {protocol: generic, command_topic: a/cmd, payload: {on: '1', of: '0'}}\n"),
     "home.yaml:4: entities[0].mqtt.payload.of:", ["unknown action", "did you mean `off`?"]),
    (_entity("    mqtt: {protocol: zigbe2mqtt, topic: z/a}\n"), "home.yaml:4: entities[0].mqtt.protocol:",
     ["did you mean `zigbee2mqtt`?"]),
    ("entities:\n  - {id: ligth.a, name: A}\n", "home.yaml:2: entities[0].id:", ["did you mean `light`?"]),
    # features and device classes: checked, valid values listed
    (_entity("    features: [brightness, colour]\n"), "home.yaml:4: entities[0].features[1]:",
     ["unknown feature 'colour'", "did you mean `color`?", "brightness, color, color_temp"]),
    ("entities:\n  - id: cover.garage\n    name: Garage\n    device_class: garage_dor\n",
     "home.yaml:4: entities[0].device_class:", ["garage_dor", "did you mean `garage_door`?", "awning, blind"]),
    ("entities:\n  - id: binary_sensor.door\n    name: Door\n    device_class: dor\n",
     "home.yaml:4: entities[0].device_class:", ["did you mean `door`?", "window"]),
    (_entity("    device_class: lamp\n"), "home.yaml:4: entities[0].device_class:", ["light entities take no device_class"]),
    # wildcard topics, every topic key
    (_entity("    mqtt: {protocol: zigbee2mqtt, topic: 'zigbee2mqtt/#'}\n"), "home.yaml:4: entities[0].mqtt.topic:",
     ["wildcard"]),
    ("entities:\n  - id: sensor.t\n    name: T\n    mqtt:\n      protocol: generic\n      state_topic: home/+/temp\n",
     "home.yaml:6: entities[0].mqtt.state_topic:", ["wildcard"]),
    (_entity("    mqtt:\n      protocol: homeassistant\n      command_topic: lamp/set\n"
             "      brightness_command_topic: lamp/+/bri\n"), "home.yaml:7: entities[0].mqtt.brightness_command_topic:",
     ["wildcard"]),
    # templates voiced cannot evaluate are refused, not ignored
    ("entities:\n  - id: sensor.t\n    name: T\n    mqtt:\n      protocol: homeassistant\n      state_topic: t\n"
     "      value_template: \"{{ value_json.t if value_json.ok else 0 }}\"\n",
     "home.yaml:7: entities[0].mqtt.value_template:", ["cannot evaluate", "value_key"]),
    ("entities:\n  - id: sensor.t\n    name: T\n    mqtt:\n      protocol: homeassistant\n      state_topic: t\n"
     "      value_template: \"{{ states('sensor.x') }}\"\n", "home.yaml:7: entities[0].mqtt.value_template:",
     ["cannot evaluate", "states"]),
    ("entities:\n  - id: sensor.t\n    name: T\n    mqtt: {protocol: generic, state_topic: t, value_key: a,"
     " value_template: '{{ value_json.a }}'}\n", "home.yaml:4: entities[0].mqtt.value_template:", ["not both"]),
    # mistakes a person makes with the protocols' own topics
    (_entity("    mqtt: {protocol: zigbee2mqtt, topic: zigbee2mqtt/a/set}\n"), "home.yaml:4: entities[0].mqtt.topic:",
     ["without /set"]),
    (_entity("    mqtt: {protocol: tasmota, topic: cmnd/lamp}\n"), "home.yaml:4: entities[0].mqtt.topic:",
     ["'lamp'", "adds the prefixes"]),
    (_entity("    mqtt: {protocol: homeassistant, command_topic: a, schema: template}\n"),
     "home.yaml:4: entities[0].mqtt.schema:", ["template", "json"]),
    (_entity("    mqtt: {protocol: homeassistant, command_topic: a, supported_color_modes: [rgb, colour_temp]}\n"),
     "home.yaml:4: entities[0].mqtt.supported_color_modes[1]:", ["did you mean `color_temp`?"]),
    (_entity("    mqtt: {protocol: homeassistant, command_topic: a, brightness_scale: lots}\n"),
     "home.yaml:4: entities[0].mqtt.brightness_scale:", ["number"]),
    # a state-only entity cannot carry command keys
    ("entities:\n  - id: person.alice\n    name: Alice\n    mqtt:\n      protocol: generic\n"
     "      state_topic: hass/person/alice/state\n      command_topic: hass/person/alice/set\n",
     "home.yaml:7: entities[0].mqtt.command_topic:", ["person entities are state-only"]),
])
def test_malformed_devices_keys(text: str, where: str, words: list[str]) -> None:
    msg = _fails(text)
    assert msg.startswith(where), msg
    for w in words:
        assert w in msg, msg


def test_generic_actions_match_the_encoders() -> None:
    from voiced.protocols import ACTIONS
    from voiced.protocols.generic import ACTIONS as GENERIC_ACTIONS

    assert GENERIC_ACTIONS == ACTIONS


def test_unquoted_payloads_are_sent_as_written() -> None:
    """YAML reads an unquoted ON as true; a payload is text, so ON stays "ON" (not "True")."""
    from voiced.protocols import encode

    home = load_home_text(_entity("    mqtt: {protocol: homeassistant, command_topic: a/set, payload_on: ON,"
                                  " payload_off: off}\n") + "  - id: switch.b\n    name: B\n"
                          "    mqtt: {protocol: generic, command_topic: b/set, payload: {on: ON, off: 0}}\n")
    lamp, plug = home.entities
    assert [c.payload for c in encode(lamp, "on") + encode(lamp, "off")] == ["ON", "off"]
    assert [c.payload for c in encode(plug, "on") + encode(plug, "off")] == ["ON", "0"]


def test_value_template_and_ha_keys_accepted() -> None:
    home = load_home_text("""entities:
  - id: sensor.power
    name: Power
    device_class: power
    mqtt:
      protocol: homeassistant
      state_topic: tele/plug/SENSOR
      value_template: "{{ (value_json.ENERGY.Power | float / 1000) | round(2) }}"
      unit_of_measurement: kW
      unique_id: plug_power
      availability_topic: tele/plug/LWT
      qos: 1
""", "home.yaml")
    (e,) = home.entities
    assert e.mqtt is not None and e.mqtt.unit == "kW" and e.mqtt.value_template.startswith("{{ (value_json")
    assert home.warnings == ()


def test_state_only_entities_load_with_a_warning() -> None:
    home = load_home_text("""areas:
  - {id: hall, name: Hall}
entities:
  - {id: light.hall, name: Hall Light, area: hall, mqtt: {protocol: tasmota, topic: hall}}
  - id: person.alice
    name: Alice
    mqtt: {protocol: generic, state_topic: hass/person/alice/state}
  - id: device_tracker.alice_phone
    name: Alice's Phone
  - id: input_boolean.guest_mode
    name: Guest Mode
    mqtt: {protocol: homeassistant, state_topic: hass/guest/state, command_topic: hass/guest/set}
  - id: input_boolean.away
    name: Away Mode
  - id: update.router
    name: Router Update
    mqtt: {protocol: generic, state_topic: hass/update/router/state}
""", "home.yaml")
    ids = [e.id for e in home.entities]
    assert ids == ["light.hall", "sensor.alice", "sensor.alice_phone", "switch.guest_mode", "switch.away",
                   "binary_sensor.router"]
    w = home.warnings
    assert len(w) == 5
    assert w[0].startswith("home.yaml:5: entities[1].id:") and "person" in w[0] and "state-only sensor.alice" in w[0]
    assert w[1].startswith("home.yaml:8: entities[2].id:") and "device_tracker" in w[1]
    assert w[2].startswith("home.yaml:10: entities[3].id:") and "switch.guest_mode" in w[2] and "state-only" not in w[2]
    assert w[3].startswith("home.yaml:13: entities[4].id:") and "state-only" in w[3]
    assert w[4].startswith("home.yaml:15: entities[5].id:") and "binary_sensor.router" in w[4]
    # the state of a state-only entity is read like any sensor's
    from voiced.home.state import StateStore

    store = StateStore(home)
    assert store.update("hass/person/alice/state", b"not_home") == ["sensor.alice"]
    st = store.get("sensor.alice")
    assert st is not None and st.state == "not_home"
    # a state-only id that collides with a real one is a duplicate, named as such
    msg = _fails("entities:\n  - {id: sensor.alice, name: A}\n  - {id: person.alice, name: Alice}\n")
    assert msg.startswith("home.yaml:3: entities[1].id:") and "duplicate id 'sensor.alice'" in msg


def test_check_config_prints_the_warnings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from voiced.cli import main

    devices = tmp_path / "home.yaml"
    devices.write_text("entities:\n  - {id: light.a, name: A}\n  - {id: person.bob, name: Bob}\n")
    config = tmp_path / "voiced.yaml"
    config.write_text("site: t\n")
    assert main(["check-config", "--config", str(config), "--devices", str(devices)]) == 0
    out = capsys.readouterr().out
    assert f"warning:   {devices}:3: entities[1].id:" in out and "ok: configuration is valid (1 warning)" in out
    devices.write_text("entities:\n  - id: light.a\n    name: A\n    features: [colour]\n")
    assert main(["check-config", "--config", str(config), "--devices", str(devices)]) == 2
    assert f"{devices}:4: entities[0].features[0]: unknown feature 'colour' (did you mean `color`?)" \
        in capsys.readouterr().err


def test_a_thermostat_setpoint_range() -> None:
    home = load_home_text("""entities:
  - id: climate.hall
    name: Hall Thermostat
    mqtt: {protocol: zigbee2mqtt, topic: zigbee2mqtt/hall_trv, min_temp: 5, max_temp: 30.5}
""", "home.yaml")
    mqtt = home.entities[0].mqtt
    assert mqtt is not None and (mqtt.options["min_temp"], mqtt.options["max_temp"]) == (5, 30.5)
    msg = _fails("""entities:
  - id: climate.hall
    name: Hall Thermostat
    mqtt: {protocol: homeassistant, command_topic: hall/mode, temperature_command_topic: hall/set, min_temp: 30, max_temp: 20}
""")
    assert msg.startswith("home.yaml:4: entities[0].mqtt.max_temp:") and "greater than min_temp" in msg
    msg = _fails("""entities:
  - id: climate.hall
    name: Hall Thermostat
    mqtt: {protocol: tasmota, topic: hall, min_temp: cold}
""")
    assert msg.startswith("home.yaml:4: entities[0].mqtt.min_temp:") and "expected a number" in msg
