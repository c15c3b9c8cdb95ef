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
