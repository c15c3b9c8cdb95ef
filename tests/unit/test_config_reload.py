"""reload_files: all or nothing; a bad new file is refused and the running pair kept."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from voiced import logs
from voiced.errors import ConfigError
from voiced.reload import changed_sections, load_files, reload_files


@pytest.fixture
def etc(tmp_path: Path, example_home_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for var in ("VOICED_SITE", "VOICED_DEVICES", "VOICED_MQTT_URL", "VOICED_MQTT_PASSWORD"):
        monkeypatch.delenv(var, raising=False)
    shutil.copy(example_home_path, tmp_path / "devices.yaml")
    (tmp_path / "voiced.yaml").write_text("site: kitchen\ndevices: devices.yaml\n")
    return tmp_path


def test_load_files_reads_the_devices_named_by_the_config(etc: Path) -> None:
    settings, home = load_files(etc / "voiced.yaml", None)
    assert settings.site == "kitchen"
    assert home.source == str(etc / "devices.yaml") and home.entities


def test_reload_returns_the_new_pair_and_what_changed(etc: Path) -> None:
    current = load_files(etc / "voiced.yaml", None)
    (etc / "voiced.yaml").write_text("site: kitchen\ndevices: devices.yaml\nlog_level: DEBUG\n")
    text = (etc / "devices.yaml").read_text()
    (etc / "devices.yaml").write_text(text.replace("entities:", "entities:\n  - {id: light.new_lamp, name: New lamp}", 1))
    new = reload_files(etc / "voiced.yaml", None, current)
    assert new[0].log_level == "DEBUG"
    assert new[1].entity("light.new_lamp") is not None
    assert changed_sections(current, new) == ["log_level", "home"]
    assert changed_sections(new, new) == []


@pytest.mark.parametrize(("config", "devices", "expected"), [
    ("site: kitchen\ndevices: devices.yaml\nwake:\n  sensitivity: 7\n", None, r"voiced.yaml:4: wake.sensitivity"),
    ("site: kitchen\ndevices: nowhere.yaml\n", None, r"voiced.yaml:2: devices: no such file"),
    ("site: kitchen\ndevices: devices.yaml\n", "entities: [{id: nodomain, name: x}]\n", r"devices.yaml:1: entities\[0\].id"),
    ("site: kitchen\ndevices: devices.yaml\narea: no_such_area\n", None, r"voiced.yaml:3: area: unknown area"),
    ("site: kitchen\ndevices: devices.yaml\nmqtt:\n  password_env: UNSET_PW_VAR\n", None, r"UNSET_PW_VAR is not set"),
])
def test_a_bad_new_file_is_refused(etc: Path, config: str, devices: str | None, expected: str,
                                   caplog: pytest.LogCaptureFixture) -> None:
    current = load_files(etc / "voiced.yaml", None)
    (etc / "voiced.yaml").write_text(config)
    if devices is not None:
        (etc / "devices.yaml").write_text(devices)
    with caplog.at_level(logging.ERROR), pytest.raises(ConfigError, match=expected):
        reload_files(etc / "voiced.yaml", None, current)
    assert any("reload refused" in r.getMessage() for r in caplog.records)
    assert current[0].site == "kitchen" and current[1].entities  # untouched


def test_command_line_devices_keep_overriding_the_config(etc: Path, example_home_path: Path) -> None:
    (etc / "voiced.yaml").write_text("site: kitchen\ndevices: nowhere.yaml\n")
    settings, home = load_files(etc / "voiced.yaml", example_home_path)
    assert home.source == str(example_home_path)


def test_reload_registers_the_new_password_for_redaction(etc: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOICED_MQTT_PASSWORD", "n3w-s3cret")
    try:
        current = load_files(etc / "voiced.yaml", None)
        reload_files(etc / "voiced.yaml", None, current)
        assert logs.redact("pw n3w-s3cret") == "pw ***"
    finally:
        logs.clear_secrets()
