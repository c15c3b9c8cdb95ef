"""The running home (voiced/home/manager.py): the devices file's home plus discovered entities,
one merge for discovery and reload, listeners told of every change."""

from __future__ import annotations

from dataclasses import replace

from tests.conftest import EXAMPLE_HOME
from voiced.home import Entity, Home, load_home
from voiced.home.manager import HomeManager


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_discovery_settles_never_overrides_the_file_and_survives_a_reload() -> None:
    base = load_home(EXAMPLE_HOME)
    clock = Clock()
    homes = HomeManager(base, settle=0.3, clock=clock)
    seen: list[Home] = []
    homes.on_change(seen.append)
    lamp = base.entities[0]
    pantry = Entity("light.pantry", "Pantry Light")
    homes.offer([replace(lamp, name="Renamed By Discovery"), pantry])
    assert homes.apply_if_due() == [] and seen == []  # not settled yet
    clock.now += 0.3
    assert homes.apply_if_due() == ["light.pantry"]
    assert homes.home.entity(lamp.id) == lamp and homes.home.entity("light.pantry") == pantry
    assert seen == [homes.home]
    clock.now += 1
    homes.offer([pantry])  # the same again: nothing changes, nobody is told
    clock.now += 1
    assert homes.apply_if_due() == [] and len(seen) == 1

    assert not homes.set_base(load_home(EXAMPLE_HOME))  # an identical file: nothing to do
    assert homes.set_base(load_home(EXAMPLE_HOME), always=True) and len(seen) == 2
    # the file now describes the pantry light itself: the file's wins, the discovered one stays aside
    own = Entity("light.pantry", "Larder Light")
    assert homes.set_base(base.with_entities([own]))
    assert homes.home.entity("light.pantry") == own and len(seen) == 3
    gone = Home(base.floors, base.areas, tuple(e for e in base.entities if e.id != lamp.id), base.source)
    assert homes.set_base(gone)
    assert homes.home.entity("light.pantry") == pantry and homes.home.entity(lamp.id) is None
