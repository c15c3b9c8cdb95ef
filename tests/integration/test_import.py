"""`voiced import` against a real Mosquitto holding a Zigbee2MQTT device list, Home Assistant
discovery configs and a Tasmota device: the file it writes passes `voiced check-config`, and
`voiced run --no-audio` commands devices from it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, Broker, free_port
from tests.integration.test_mqtt_client import Sub
from voiced.home import load_home
from voiced.proc import stop_process

Z2M_DEVICES = REPO / "tests" / "data" / "z2m_bridge_devices.json"

# as Home Assistant integrations publish them (abbreviated keys, `~`, node ids, device configs),
# including Zigbee2MQTT's own announcement of a device that bridge/devices already lists
HA_CONFIGS: dict[str, dict[str, object]] = {
    "homeassistant/light/hall_strip/config": {
        "~": "hall/strip", "name": "LED Strip", "uniq_id": "hall_strip_01", "cmd_t": "~/set", "stat_t": "~/state",
        "bri_cmd_t": "~/brightness/set", "bri_scl": 100, "rgb_cmd_t": "~/rgb/set", "pl_on": "ON", "pl_off": "OFF",
        "dev": {"ids": ["strip01"], "name": "Hall", "mf": "Generic", "sa": "Hallway"}},
    "homeassistant/sensor/garden/temperature/config": {
        "name": "Garden Temperature", "stat_t": "garden/weather", "unit_of_meas": "°C", "dev_cla": "temperature",
        "val_tpl": "{{ value_json.temp_x10 | float / 10 }}", "uniq_id": "garden_temp"},
    "homeassistant/switch/0x70b3d52b6001a2b4/switch/config": {
        "name": None, "object_id": "kitchen_kettle_plug", "unique_id": "0x70b3d52b6001a2b4_switch_zigbee2mqtt",
        "command_topic": "zigbee2mqtt/kitchen/kettle_plug/set", "state_topic": "zigbee2mqtt/kitchen/kettle_plug",
        "value_template": "{{ value_json.state }}", "payload_on": "ON", "payload_off": "OFF",
        "device": {"identifiers": ["zigbee2mqtt_0x70b3d52b6001a2b4"], "name": "kitchen/kettle_plug",
                   "manufacturer": "Tuya"}},
    "homeassistant/device_automation/0x00158d0007e4f5a6/action_single/config": {
        "automation_type": "trigger", "type": "action", "subtype": "single", "payload": "single",
        "topic": "zigbee2mqtt/hallway/front_door/action"},
    "homeassistant/device_tracker/alice_phone/config": {
        "name": "Alice Phone", "state_topic": "owntracks/alice/phone/state", "payload_home": "home",
        "payload_not_home": "not_home", "unique_id": "alice_phone"},
    "homeassistant/device/garden_pump/config": {
        "dev": {"ids": "pump01", "name": "Garden Pump", "sa": "Garden"}, "o": {"name": "pumpctl"},
        "cmps": {"pump": {"p": "switch", "cmd_t": "garden/pump/set", "stat_t": "garden/pump/state",
                          "uniq_id": "pump01_switch"}}},
}
# Tasmota's native discovery (SetOption19 0): one config and one sensors message per device
TASMOTA: dict[str, dict[str, object]] = {
    "tasmota/discovery/A4CF12D3E4F5/config": {
        "ip": "192.168.1.77", "dn": "Desk Fan Plug", "fn": ["Desk Fan", None, None, None, None, None, None, None],
        "hn": "tasmota-D3E4F5-1269", "mac": "A4CF12D3E4F5", "md": "Sonoff S26", "ty": 0, "if": 0,
        "ofln": "Offline", "onln": "Online", "state": ["OFF", "ON", "TOGGLE", "HOLD"], "sw": "13.2.0",
        "t": "desk_fan_plug", "ft": "%prefix%/%topic%/", "tp": ["cmnd", "stat", "tele"],
        "rl": [1, 0, 0, 0, 0, 0, 0, 0], "swc": [-1] * 8, "swn": [None] * 8, "btn": [0] * 8,
        "so": {"4": 0, "11": 0, "13": 0, "17": 0, "20": 0, "30": 0, "68": 0, "73": 0, "82": 0, "114": 0, "117": 0},
        "lk": 0, "lt_st": 0, "bat": 0, "dslp": 0, "sho": [], "sht": [], "ver": 1},
    "tasmota/discovery/A4CF12D3E4F5/sensors": {
        "sn": {"Time": "2024-05-01T10:00:00", "AM2301": {"Temperature": 22.4, "Humidity": 41.0, "DewPoint": 8.6},
               "TempUnit": "C"}, "ver": 1},
}

EXPECTED = {
    "light.living_room_floor_lamp", "switch.kitchen_kettle_plug", "sensor.kitchen_kettle_plug_power",
    "sensor.kitchen_kettle_plug_energy", "sensor.bedroom_climate_sensor_battery",
    "sensor.bedroom_climate_sensor_temperature", "sensor.bedroom_climate_sensor_humidity",
    "sensor.bedroom_climate_sensor_pressure", "sensor.hallway_front_door_battery",
    "binary_sensor.hallway_front_door_contact", "climate.study_radiator", "sensor.study_radiator_battery",
    "switch.desk_fan", "sensor.desk_fan_plug_temperature", "sensor.desk_fan_plug_humidity",
    "switch.pump01_switch", "sensor.alice_phone", "light.hall_strip_01", "sensor.garden_temp",
}


def voiced(*args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "voiced.cli", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "VOICED_MQTT_PASSWORD": ""})


@pytest.fixture
def stocked(broker: Broker) -> Iterator[Broker]:
    """The broker with the retained discovery messages of a small mixed home."""
    pub = Sub(broker.port, "nothing/here")
    try:
        pub.publish("zigbee2mqtt/bridge/devices", Z2M_DEVICES.read_bytes(), retain=True)
        for topic, config in {**HA_CONFIGS, **TASMOTA}.items():
            pub.publish(topic, json.dumps(config), retain=True)
        pub.publish("zigbee2mqtt/bridge/state", '{"state":"online"}', retain=True)  # not a device list
        yield broker
    finally:
        pub.close()


def test_import_writes_a_file_check_config_accepts_and_run_commands(stocked: Broker, tmp_path: Path) -> None:
    out = tmp_path / "home.yaml"
    done = voiced("import", "--broker", stocked.url, "--out", str(out), "--timeout", "30")
    assert done.returncode == 0, done.stderr
    assert f"wrote {out}: 5 areas, 19 entities" in done.stdout
    text = out.read_text()
    assert text.startswith("# Written by `voiced import` from 127.0.0.1:")
    assert "device_automation" in text.split("# Not imported:")[1]  # what was left out, and why

    checked = voiced("check-config", "--devices", str(out), timeout=60)
    assert checked.returncode == 0, checked.stderr
    assert "ok: configuration is valid (1 warning)" in checked.stdout  # the phone: a state-only entity

    home = load_home(out)
    assert {e.id for e in home.entities} == EXPECTED  # the plug Zigbee2MQTT also announced to HA: once
    assert {a.id: a.name for a in home.areas} == {"bedroom": "Bedroom", "garden": "Garden", "hallway": "Hallway",
                                                  "kitchen": "Kitchen", "living_room": "Living Room"}
    by_id = {e.id: e for e in home.entities}
    lamp = by_id["light.living_room_floor_lamp"]
    assert lamp.name == "Floor Lamp" and lamp.area == "living_room"
    assert lamp.features == ("brightness", "color", "color_temp")
    assert by_id["binary_sensor.hallway_front_door_contact"].device_class == "door"
    garden = by_id["sensor.garden_temp"].mqtt
    assert garden is not None and garden.value_template == "{{ value_json.temp_x10 | float / 10 }}"
    assert by_id["switch.pump01_switch"].area == "garden" and by_id["light.hall_strip_01"].area == "hallway"

    # the daemon, on nothing but the imported file, commands what was imported
    cfg = tmp_path / "voiced.yaml"
    cfg.write_text("discovery:\n  import_home: false\n  publish_assistant: false\nreply:\n  use_model: false\n"
                   "log_level: DEBUG\n")
    log = tmp_path / "daemon.log"
    sub = Sub(stocked.port)
    daemon = subprocess.Popen([sys.executable, "-m", "voiced.cli", "run", "--no-audio", "--config", str(cfg),
                               "--devices", str(out), "--broker", stocked.url, "--site", "imp",
                               "--state-dir", str(tmp_path / "state")],
                              cwd=REPO, stdout=subprocess.DEVNULL, stderr=log.open("wb"))
    try:
        _wait_online(sub, daemon, log)
        sub.publish("voiced/imp/text", json.dumps({"text": "turn on the floor lamp", "session_id": "i1"}))
        _, payload, _ = sub.wait_for("zigbee2mqtt/living_room/floor_lamp/set", timeout=60)
        assert json.loads(payload) == {"state": "ON"}
        sub.publish("voiced/imp/text", json.dumps({"text": "turn on the desk fan", "session_id": "i2"}))
        assert sub.wait_for("cmnd/desk_fan_plug/POWER", timeout=60)[1] == b"ON"
        # state from the imported sensor's HA value_template answers a question
        sub.publish("garden/weather", '{"temp_x10": 125}')
        sub.publish("voiced/imp/text", json.dumps({"text": "what is the garden temperature", "session_id": "i3"}))
        reply = _reply(sub, "i3")
        assert "12.5" in reply["text"], reply
    finally:
        sub.close()
        stop_process(daemon, 10)


def _wait_online(sub: Sub, daemon: subprocess.Popen[bytes], log: Path, timeout: float = 150.0) -> None:
    """Until the daemon's retained status is online; fails at once if the daemon exits."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            sub.wait_for("voiced/imp/status", b"online", timeout=1.0)
            return
        except AssertionError:
            if daemon.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"daemon did not come online:\n{log.read_text(errors='replace')[-3000:]}")


def _reply(sub: Sub, session: str, timeout: float = 60.0) -> dict[str, Any]:
    """The reply published for ``session`` (waits on the subscriber's condition, woken per message)."""
    deadline = time.monotonic() + timeout
    with sub.cond:
        while True:
            for topic, payload, _retain in sub.messages:
                if topic == "voiced/imp/reply":
                    reply = json.loads(payload)
                    if reply.get("session_id") == session:
                        return dict(reply)
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no reply for {session}; got {sub.messages[-5:]}")
            sub.cond.wait(left)


def test_import_refuses_to_overwrite_and_reports_an_empty_broker(broker: Broker, tmp_path: Path) -> None:
    out = tmp_path / "home.yaml"
    out.write_text("entities: []\n")
    done = voiced("import", "--broker", broker.url, "--out", str(out), timeout=60)
    assert done.returncode == 2 and "--out" in done.stderr and "--force" in done.stderr
    assert out.read_text() == "entities: []\n"
    done = voiced("import", "--broker", broker.url, "--out", str(out), "--force", "--timeout", "20", timeout=60)
    assert done.returncode == 1 and "holds no devices to import" in done.stderr
    assert out.read_text() == "entities: []\n"  # nothing written


def test_import_bad_broker_urls(tmp_path: Path) -> None:
    out = tmp_path / "home.yaml"
    done = voiced("import", "--broker", "mqtt://user:s3cret-pw@127.0.0.1:1", "--out", str(out), timeout=60)
    assert done.returncode == 2 and "--broker" in done.stderr and "s3cret-pw" not in done.stderr + done.stdout
    done = voiced("import", "--broker", f"mqtt://127.0.0.1:{free_port()}", "--out", str(out), "--timeout", "5",
                  timeout=60)
    assert done.returncode == 1 and "nothing listens on" in done.stderr and not out.exists()
