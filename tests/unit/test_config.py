"""Config loading: the documented example, validation errors with file:line: key, env overrides."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from voiced.config import (
    ENV_OVERRIDES,
    BrokerSettings,
    Settings,
    check_against_home,
    load_settings,
    load_settings_text,
)
from voiced.errors import ConfigError
from voiced.home import load_home

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "systemd" / "voiced.yaml"


def err(text: str, env: dict[str, str] | bool = False) -> str:
    with pytest.raises(ConfigError) as info:
        load_settings_text(text, "v.yaml", env=env)
    return str(info.value)


def test_example_config_equals_the_defaults_except_devices() -> None:
    s = load_settings(EXAMPLE, env=False)
    assert s.devices == str(REPO / "systemd" / "devices.yaml")  # relative to the config file (noted)
    assert dataclasses.replace(s, devices=Settings().devices, source=Settings().source) == Settings()


def test_example_config_mentions_every_key() -> None:
    text = EXAMPLE.read_text()

    def keys(cls: type, prefix: str = "") -> list[str]:
        out = []
        for f in dataclasses.fields(cls):
            if f.name == "source":
                continue
            out.append(f.name)
            if isinstance(f.default_factory, type) and dataclasses.is_dataclass(f.default_factory):
                out += keys(f.default_factory)
        return out

    from voiced.config import AlertRule
    missing = [k for k in keys(Settings) + keys(AlertRule) if not re.search(rf"^\s*#?\s*-?\s*{k}:", text, re.M)]
    assert missing == []
    for var in [*ENV_OVERRIDES, "VOICED_MQTT_PASSWORD"]:
        assert var in text


def test_a_full_valid_config_loads() -> None:
    s = load_settings_text("""
site: kitchen-1
area: kitchen
mqtt:
  url: mqtts://broker.lan:8883
  username: voiced
  keepalive: 60
  tls: {enabled: true, insecure: true}
audio: {input_device: 2, output_device: pulse, input_rate: 48000}
wake: {phrases: computer}
tts: {voice: en-us, rate: 150, volume: 0.8}
dialogue: {away_entity: binary_sensor.away}
alerts:
  - {entity: binary_sensor.smoke, state: on, message: Smoke!, sites: [kitchen-1], only_when_away: true}
""", "v.yaml", env=False)
    assert s.site == "kitchen-1" and s.mqtt.tls.insecure and s.audio.input_device == 2
    assert s.audio.output_device == "pulse" and s.wake.phrases == ("computer",)
    assert s.alerts[0].state == "on" and s.alerts[0].sites == ("kitchen-1",)


@pytest.mark.parametrize(("text", "expected"), [
    ("site: a b\n", "v.yaml:1: site: must be"),
    ("log_level: info\nsite: ''\n", "v.yaml:2: site:"),
    ("\n\nlog_level: LOUD\n", "v.yaml:3: log_level: expected DEBUG"),
    ("area: Kitchen\n", "v.yaml:1: area:"),
    ("mqtt:\n  url: http://x\n", "v.yaml:2: mqtt.url: expected mqtt://"),
    ("mqtt:\n  url: mqtt://:1883\n", "v.yaml:2: mqtt.url: no host"),
    ("mqtt:\n  url: mqtt://u:secret@host\n", "v.yaml:2: mqtt.url: must not contain a password"),
    ("mqtt:\n  url: mqtt://host:99999\n", "v.yaml:2: mqtt.url:"),
    ("mqtt:\n  username: ''\n", "v.yaml:2: mqtt.username:"),
    ("mqtt:\n  password_env: 'A B'\n", "v.yaml:2: mqtt.password_env:"),
    ("mqtt:\n  password_file: /nonexistent/pw\n", "v.yaml:2: mqtt.password_file: no such file"),
    ("mqtt:\n  keepalive: 70000\n", "v.yaml:2: mqtt.keepalive:"),
    ("mqtt:\n  queue_max_age: -1\n", "v.yaml:2: mqtt.queue_max_age:"),
    ("mqtt:\n  reconnect_min: 0\n", "v.yaml:2: mqtt.reconnect_min:"),
    ("mqtt:\n  reconnect_min: 5\n  reconnect_max: 1\n", "v.yaml:3: mqtt.reconnect_max:"),
    ("mqtt:\n  tls:\n    ca_file: /nonexistent/ca.pem\n", "v.yaml:3: mqtt.tls.ca_file: no such file"),
    ("mqtt:\n  tls:\n    enabled: yes please\n", "v.yaml:3: mqtt.tls.enabled: expected true or false"),
    ("audio:\n  input_device: -1\n", "v.yaml:2: audio.input_device:"),
    ("audio:\n  input_device: [1]\n", "v.yaml:2: audio.input_device:"),
    ("audio:\n  input_rate: 100\n", "v.yaml:2: audio.input_rate:"),
    ("audio:\n  block_ms: 5\n", "v.yaml:2: audio.block_ms:"),
    ("audio:\n  retry_seconds: 0\n", "v.yaml:2: audio.retry_seconds:"),
    ("wake:\n  phrases: []\n", "v.yaml:2: wake.phrases: needs at least one"),
    ("wake:\n  phrases:\n    - ok\n    - ' '\n", "v.yaml:4: wake.phrases[1]: must not be empty"),
    ("wake:\n  sensitivity: 1.5\n", "v.yaml:2: wake.sensitivity: expected a number between 0 and 1"),
    ("vad:\n  threshold: 2\n", "v.yaml:2: vad.threshold:"),
    ("vad:\n  trailing_silence_ms: 0\n", "v.yaml:2: vad.trailing_silence_ms:"),
    ("vad:\n  max_seconds: 0\n", "v.yaml:2: vad.max_seconds:"),
    ("vad:\n  no_speech_timeout: -1\n", "v.yaml:2: vad.no_speech_timeout:"),
    ("vad:\n  min_speech_ms: -5\n", "v.yaml:2: vad.min_speech_ms:"),
    ("asr:\n  engine: kaldi\n", "v.yaml:2: asr.engine: expected auto, vosk, whisper or pocketsphinx"),
    ("asr:\n  vosk_model: ''\n", "v.yaml:2: asr.vosk_model:"),
    ("nlu:\n  confidence_threshold: -0.1\n", "v.yaml:2: nlu.confidence_threshold:"),
    ("reply:\n  model_dir: ' '\n", "v.yaml:2: reply.model_dir:"),
    ("tts:\n  rate: 10\n", "v.yaml:2: tts.rate:"),
    ("tts:\n  volume: 3\n", "v.yaml:2: tts.volume:"),
    ("tts:\n  voice: ''\n", "v.yaml:2: tts.voice:"),
    ("dialogue:\n  risky_actions: [unlock, Open Door]\n", "v.yaml:2: dialogue.risky_actions[1]:"),
    ("dialogue:\n  session_timeout: 0\n", "v.yaml:2: dialogue.session_timeout:"),
    ("dialogue:\n  max_turns: 0\n", "v.yaml:2: dialogue.max_turns:"),
    ("dialogue:\n  away_entity: away\n", "v.yaml:2: dialogue.away_entity:"),
    ("alerts:\n  - entity: smoke\n    state: 'on'\n    message: m\n", "v.yaml:2: alerts[0].entity:"),
    ("alerts:\n  - entity: a.b\n    state: 'on'\n    message: ''\n", "v.yaml:4: alerts[0].message:"),
    ("alerts:\n  - entity: a.b\n    state: ''\n    message: m\n", "v.yaml:3: alerts[0].state:"),
    ("alerts:\n  - entity: a.b\n    state: x\n    message: m\n    min_interval: -1\n", "v.yaml:5: alerts[0].min_interval:"),
    ("alerts:\n  - entity: a.b\n    state: x\n    message: m\n    sites: [ok, 'a/b']\n", "v.yaml:5: alerts[0].sites[1]:"),
    ("alerts:\n  - entity: a.b\n    state: x\n    message: m\n    only_when_away: true\n", "v.yaml:5: alerts[0].only_when_away: needs"),
    ("alerts:\n  - entity: a.b\n    state: x\n", "v.yaml:2: alerts[0]: missing key message"),
    ("alerts: {entity: a.b}\n", "v.yaml:1: alerts: expected a list"),
    ("site: x\nmqtt:\n  port: 1883\n", "v.yaml:3: mqtt.port: unknown key"),
    ("mqtt: 5\n", "v.yaml:1: mqtt: expected a mapping"),
    ("site: a\nwake: {}\nsite: b\n", "v.yaml:3: site: duplicate key (first on line 1)"),
    ("- a\n- b\n", "v.yaml:1: (top level): expected a mapping"),
    ("site: [unclosed\n", "v.yaml:2: (yaml):"),
])
def test_every_error_names_file_line_and_key(text: str, expected: str) -> None:
    assert err(text).startswith(expected), err(text)


def test_numbers_and_yaml_booleans_are_accepted_as_text() -> None:
    s = load_settings_text("site: 2\nalerts:\n  - {entity: a.b, state: on, message: m}\n", "v.yaml", env=False)
    assert s.site == "2" and s.alerts[0].state == "on"


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {"VOICED_SITE": "attic", "VOICED_MQTT_URL": "mqtt://10.0.0.2:1884", "VOICED_MQTT_USERNAME": "bob",
           "VOICED_LOG_LEVEL": "DEBUG", "VOICED_DEVICES": "/srv/home.yaml"}
    s = load_settings_text("site: kitchen\nmqtt:\n  url: mqtt://old:1883\n", "v.yaml", env=env)
    assert (s.site, s.mqtt.url, s.mqtt.username, s.log_level, s.devices) == (
        "attic", "mqtt://10.0.0.2:1884", "bob", "DEBUG", "/srv/home.yaml")
    assert load_settings_text("site: kitchen\n", "v.yaml", env=False).site == "kitchen"
    # a bad value from the environment is blamed on the variable, not on a line of the file
    msg = err("site: kitchen\n", env={"VOICED_MQTT_URL": "localhost"})
    assert msg.startswith("v.yaml: environment variable VOICED_MQTT_URL: mqtt.url:"), msg
    # the process environment is the default
    monkeypatch.setenv("VOICED_SITE", "cellar")
    assert load_settings_text("site: kitchen\n").site == "cellar"


def test_password_sources_and_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("VOICED_MQTT_PASSWORD", "MY_PW", "CREDENTIALS_DIRECTORY"):
        monkeypatch.delenv(var, raising=False)
    pw = tmp_path / "pw"
    pw.write_text("from-file\n")
    assert BrokerSettings().password() is None
    assert BrokerSettings(password_file=str(pw)).password() == "from-file"
    monkeypatch.setenv("VOICED_MQTT_PASSWORD", "from-env")
    assert BrokerSettings(password_file=str(pw)).password() == "from-env"
    monkeypatch.setenv("MY_PW", "named")
    assert BrokerSettings(password_env="MY_PW").password() == "named"
    monkeypatch.delenv("MY_PW")
    with pytest.raises(ConfigError, match="MY_PW is not set"):
        BrokerSettings(password_env="MY_PW").password()
    monkeypatch.delenv("VOICED_MQTT_PASSWORD")
    (tmp_path / "creds").mkdir()
    (tmp_path / "creds" / "mqtt-password").write_text("credential\n")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(tmp_path / "creds"))
    assert BrokerSettings().password() == "credential"
    with pytest.raises(ConfigError, match="password_file: cannot read"):
        BrokerSettings(password_file=str(tmp_path / "missing")).password()
    # voiced doctor names the source password() reads, by the same lookup
    assert BrokerSettings().password_source() == "from the systemd credential mqtt-password"
    assert BrokerSettings(password_env="MY_PW").password_source() == "from $MY_PW (not set)"
    monkeypatch.setenv("VOICED_MQTT_PASSWORD", "from-env")
    assert BrokerSettings(password_file=str(pw)).password_source() == "from $VOICED_MQTT_PASSWORD"
    monkeypatch.delenv("VOICED_MQTT_PASSWORD")
    monkeypatch.delenv("CREDENTIALS_DIRECTORY")
    assert BrokerSettings(password_file=str(pw)).password_source() == f"from {pw}"
    assert BrokerSettings().password_source() == "none"
    # and the file path must exist at load time
    assert err(f"mqtt:\n  password_file: {pw}\n  password_env: X\n").startswith("v.yaml:3: mqtt.password_env: set")


def test_devices_path_is_relative_to_the_config_file(tmp_path: Path) -> None:
    cfg = tmp_path / "etc" / "voiced.yaml"
    cfg.parent.mkdir()
    cfg.write_text("devices: home.yaml\n")
    assert load_settings(cfg, env=False).devices == str(tmp_path / "etc" / "home.yaml")
    cfg.write_text("devices: /abs/home.yaml\n")
    assert load_settings(cfg, env=False).devices == "/abs/home.yaml"


def test_missing_and_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nope.yaml:1: \(file\): no such file"):
        load_settings(tmp_path / "nope.yaml")
    bad = tmp_path / "bin.yaml"
    bad.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ConfigError, match=r"bin.yaml:1: \(file\): cannot read"):
        load_settings(bad)


def test_cross_checks_against_the_home_name_the_line(example_home_path: Path) -> None:
    home = load_home(example_home_path)
    area = home.areas[0].id
    entity = home.entities[0].id
    ok = load_settings_text(f"area: {area}\ndialogue:\n  away_entity: {entity}\n", "v.yaml", env=False)
    check_against_home(ok, home)
    s = load_settings_text("site: a\narea: attic_nowhere\n", "v.yaml", env=False)
    with pytest.raises(ConfigError, match=r"^v.yaml:2: area: unknown area 'attic_nowhere'"):
        check_against_home(s, home)
    s = load_settings_text("dialogue:\n  away_entity: binary_sensor.nobody\n", "v.yaml", env=False)
    with pytest.raises(ConfigError, match=r"^v.yaml:2: dialogue.away_entity: unknown entity"):
        check_against_home(s, home)
    s = load_settings_text("alerts:\n  - entity: a.b\n    state: x\n    message: m\n", "v.yaml", env=False)
    with pytest.raises(ConfigError, match=r"^v.yaml:2: alerts\[0\].entity: unknown entity 'a.b'"):
        check_against_home(s, home)


@pytest.mark.parametrize(("section", "key", "value"), [("vad", "threshold", 1.0), ("vad", "threshold", 0.0),
                                                    ("tts", "rate", 550), ("tts", "rate", 49),
                                                    ("tts", "volume", -0.1)])
def test_config_refuses_exactly_what_the_parts_refuse(section: str, key: str, value: float) -> None:
    """The VAD segmenter and the speaker own their limits; the loader reads the same checks, so a
    config that check-config accepts never makes `voiced run` crash at start."""
    from voiced.audio.vad import Segmenter
    from voiced.errors import TextToSpeechError
    from voiced.tts import Speaker

    assert err(f"{section}:\n  {key}: {value}\n").startswith(f"v.yaml:2: {section}.{key}: ")
    bad = dataclasses.replace(getattr(Settings(), section), **{key: value})
    if section == "vad":
        with pytest.raises(ValueError, match=f"vad.{key}"):
            Segmenter(bad)
    else:
        with pytest.raises(TextToSpeechError, match=f"tts.{key}"):
            Speaker(bad)


def test_the_limits_the_parts_accept_load() -> None:
    from voiced.audio.vad import Segmenter
    from voiced.tts import Speaker

    s = load_settings_text("vad:\n  threshold: 0.99\ntts:\n  rate: 500\n  volume: 0\n", env=False)
    Segmenter(s.vad)
    Speaker(s.tts)
