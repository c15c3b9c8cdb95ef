"""Name resolution against the home: display names, aliases, plurals, fuzzy slips, area+domain."""

from __future__ import annotations

import pytest

from tests.conftest import EXAMPLE_HOME
from voiced.home import load_home, load_home_text
from voiced.home.resolve import Resolver, norm


@pytest.fixture(scope="module")
def resolver() -> Resolver:
    return Resolver(load_home(EXAMPLE_HOME))


def test_norm_drops_articles_and_case() -> None:
    assert norm("The  Bedroom Lamp!") == "bedroom lamp"


def test_display_name_and_alias(resolver: Resolver) -> None:
    assert [e.id for e in resolver.name("bedroom lamp").entities] == ["light.bedroom_lamp"]
    m = resolver.name("the bedside lamp")
    assert [e.id for e in m.entities] == ["light.bedroom_lamp"] and m.how == "exact"


def test_plural_insensitive(resolver: Resolver) -> None:
    assert [e.id for e in resolver.name("garden light").entities] == ["light.garden_lights"]


def test_fuzzy_asr_slip(resolver: Resolver) -> None:
    m = resolver.name("bedroom lamb")
    assert [e.id for e in m.entities] == ["light.bedroom_lamp"] and m.how == "fuzzy"


def test_area_plus_domain_word(resolver: Resolver) -> None:
    m = resolver.name("kitchen lights")
    assert m.area is not None and m.area.name == "Kitchen" and m.domain == "light" and not m.entities


def test_area_alias_and_floor_alias(resolver: Resolver) -> None:
    area = resolver.area("lounge")
    floor = resolver.floor("downstairs")
    assert area is not None and area.name == "Living Room"
    assert floor is not None and floor.name == "Ground Floor"


def test_partial_name_inside_area(resolver: Resolver) -> None:
    bedroom = resolver.area("bedroom")
    m = resolver.name("curtains", area=bedroom, domains=["cover"])
    # a bare domain word is a domain, not a name
    assert m.domain == "cover" and not m.entities
    m = resolver.name("blanket", area=bedroom)
    assert [e.id for e in m.entities] == ["switch.electric_blanket"] and m.how == "partial"


def test_unknown_name_matches_nothing(resolver: Resolver) -> None:
    m = resolver.name("jacuzzi")
    assert not m.entities and m.area is None and m.how == "none"


def test_entities_in_area_and_floor(resolver: Resolver) -> None:
    kitchen = resolver.area("kitchen")
    assert {e.id for e in resolver.entities_in(area=kitchen, domains=["light"])} == {
        "light.kitchen_spots", "light.kitchen_counter"}
    upstairs = resolver.floor("upstairs")
    ups = {e.id for e in resolver.entities_in(floor=upstairs, domains=["light"])}
    assert "light.bedroom_lamp" in ups and "light.kitchen_spots" not in ups


def test_find_in_text_prefers_longest(resolver: Resolver) -> None:
    ents, start, end = resolver.find_in_text("please set the heating to twenty", ["climate"])
    assert [e.id for e in ents] == ["climate.living_room_thermostat"]
    assert "please set the heating to twenty"[start:end] == "heating"


def test_shared_names_are_narrowed_by_domain_and_area() -> None:
    home = load_home_text("""
areas:
  - {id: study, name: Study}
  - {id: den, name: Den}
entities:
  - {id: light.study_lamp, name: Lamp, area: study}
  - {id: light.den_lamp, name: Lamp, area: den}
  - {id: switch.lamp_plug, name: Lamp, area: den}
""")
    r = Resolver(home)
    both = r.name("lamp").entities
    assert len(both) == 3
    assert [e.id for e in r.narrow(both, domains=["light"], area=r.area("study"))] == ["light.study_lamp"]
    assert {e.id for e in r.narrow(both, domains=["light"])} == {"light.study_lamp", "light.den_lamp"}


def test_with_word_finds_every_name_containing_it(resolver: Resolver) -> None:
    assert {e.id for e in resolver.with_word("lamp")} == {
        "light.living_room_lamp", "light.bedroom_lamp", "light.desk_lamp"}
    # plural-insensitive, and limited to the domains asked for
    assert {e.id for e in resolver.with_word("doors", ["lock"])} == {"lock.front_door", "lock.back_door"}
    assert resolver.with_word("jacuzzi") == [] and resolver.with_word("desk lamp") == []


def test_find_place_in_text(resolver: Resolver) -> None:
    area, floor = resolver.find_place_in_text("the bedroom one")
    assert area is not None and area.name == "Bedroom" and floor is None
    area, floor = resolver.find_place_in_text("the one in the master bedroom")
    assert area is not None and area.name == "Bedroom"
    area, floor = resolver.find_place_in_text("the one upstairs")
    assert area is None and floor is not None and floor.name == "Upstairs"
    assert resolver.find_place_in_text("the second one") == (None, None)


def test_a_room_said_before_a_name_that_two_rooms_have() -> None:
    res = Resolver(load_home_text("""
areas:
  - {id: bedroom, name: Main Bedroom, aliases: [bedroom]}
  - {id: lounge, name: Lounge}
entities:
  - {id: light.bed_ceiling, name: Ceiling Light, area: bedroom, mqtt: {protocol: zigbee2mqtt, topic: zigbee2mqtt/a}}
  - {id: light.lounge_ceiling, name: Ceiling Light, area: lounge, mqtt: {protocol: zigbee2mqtt, topic: zigbee2mqtt/b}}
"""))
    m = res.name("the bedroom ceiling light")
    assert [e.id for e in m.entities] == ["light.bed_ceiling"] and m.how == "exact"
    assert [e.id for e in res.room_and_name("lounge ceiling light")] == ["light.lounge_ceiling"]
    assert res.room_and_name("kitchen ceiling light") == [] and res.room_and_name("ceiling light") == []
    assert {e.id for e in res.name("ceiling light").entities} == {"light.bed_ceiling", "light.lounge_ceiling"}


def test_a_name_with_an_apostrophe_is_the_same_name_without() -> None:
    from voiced.nlu.generate import gazetteer_flags, home_names

    home = load_home_text("""areas:
  - {id: zoes_room, name: "Zoe's Room"}
entities:
  - {id: binary_sensor.zoes_window, name: "Zoe's Window", area: zoes_room, device_class: window,
     mqtt: {protocol: zigbee2mqtt, state_topic: z/w, value_key: contact}}
""")
    r = Resolver(home)
    assert r.area("zoes room") is r.area("zoe's room") is not None
    assert [e.id for e in r.exact("zoes window")] == ["binary_sensor.zoes_window"]
    assert [e.id for e in r.exact("zoe's window")] == ["binary_sensor.zoes_window"]
    # the tagger's gazetteer sees both spellings as the home's names
    ent, area, floor = home_names(home)
    assert gazetteer_flags(["turn", "on", "zoes", "room", "light"], ent, area, floor) == [0, 0, 2, 2, 0]
    assert gazetteer_flags(["is", "zoes", "window", "open"], ent, area, floor) == [0, 1, 1, 0]
