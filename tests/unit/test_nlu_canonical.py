"""Commands a template matcher would match: the pure matcher on the flat's names, the decision it
makes, and the shipped model on names it reads badly (the flat is a home it was never trained on)."""

from __future__ import annotations

import pytest

from tests.conftest import REPO
from voiced.events import Parse
from voiced.home import load_home
from voiced.home.resolve import Resolver
from voiced.nlu import canonical
from voiced.nlu.decide import ACT, CONFIRM, Policy, decide
from voiced.nlu.parser import Parser
from voiced.nlu.units.answer import bare_value
from voiced.nlu.units.reading import HomeContext

FLAT = load_home(REPO / "devices" / "flat.yaml")
RESOLVER = Resolver(FLAT)


@pytest.mark.parametrize(("text", "intent", "entity"), [
    ("turn on the hue go", "HassTurnOn", "light.hue_go"),
    ("turn the hue go off", "HassTurnOff", "light.hue_go"),
    ("please switch off the hue go now", "HassTurnOff", "light.hue_go"),
    ("can you power on the soundbar", "HassTurnOn", "media_player.soundbar"),
    ("start the roborock", "HassVacuumStart", "vacuum.roborock"),
    ("open the awning", "HassTurnOn", "cover.balcony_awning"),
    ("shut the water shutoff", "HassTurnOff", "valve.stopcock"),  # an alias
    ("lock the flat door", "HassTurnOn", "lock.flat_door"),
    ("unlock my flat door please", "HassTurnOff", "lock.flat_door"),
])
def test_the_canonical_forms(text: str, intent: str, entity: str) -> None:
    found = canonical.match(text.split(), RESOLVER.exact)
    assert found is not None and (found.intent, found.entity.id) == (intent, entity)
    assert RESOLVER.exact(" ".join(text.split()[found.first:found.last])) == [found.entity]


@pytest.mark.parametrize(("text", "intent", "entity", "slot", "value"), [
    ("star projector to forty four percent", "HassLightSet", "light.star_projector", "brightness", "forty four percent"),
    ("set the hue go to 30", "HassLightSet", "light.hue_go", "brightness", "30"),
    ("put the awning at 50 %", "HassSetPosition", "cover.balcony_awning", "position", "50 %"),
    ("soundbar to twenty", "HassSetVolume", "media_player.soundbar", "volume_level", "twenty"),
    ("please set the nest to 21 degrees", "HassClimateSetTemperature", "climate.nest", "temperature", "21 degrees"),
    ("set the nest to twenty one and a half", None, None, None, None),  # "a half": not only a number
])
def test_a_name_set_to_a_number_takes_its_kinds_value(text: str, intent: str | None, entity: str | None,
                                                      slot: str | None, value: str | None) -> None:
    words = text.split()
    found = canonical.match(words, RESOLVER.exact)
    if intent is None:
        assert found is None
        return
    assert found is not None and found.value is not None and (found.intent, found.entity.id) == (intent, entity)
    name, first, last = found.value
    assert (name, " ".join(words[first:last])) == (slot, value)


@pytest.mark.parametrize("text", [
    "turn on the ceiling light",  # two entities of that name: the dialogue asks which
    "turn on the hue",  # part of a name is no exact name
    "turn on the hue go and the soundbar",  # two things
    "don't turn on the hue go",  # not a courtesy
    "start the espresso machine",  # "start" switches only a vacuum here
    "open the hue go",  # a light does not open
    "lock the awning",
    "turn the hue go",  # no on/off
    "turn on",
    "hue go",
    "",
    "set the hue go to blue",  # no number
    "set the ceiling light to 50",  # two of that name
    "set the espresso machine to 50",  # a switch has no value
    "hue go to fifty and the soundbar to twenty",
])
def test_what_is_not_canonical(text: str) -> None:
    assert canonical.match(text.split(), RESOLVER.exact) is None


def test_a_canonical_reading_is_acted_on_unless_in_doubt() -> None:
    policy = Policy(act=0.8, ask=0.5, answer=0.6)
    sure = Parse(text="x", intent="HassTurnOn", confidence=1.0, slots={"name": "Hue Go"},
                 targets=("light.hue_go",), extra={"canonical": True})
    assert decide(sure, ["name"], policy).reason == "canonical"
    assert decide(sure, ["name"], policy).decision == ACT
    against = Parse(text="x", intent="HassTurnOn", confidence=1.0, extra={"canonical": True, "verb_against": "off"})
    assert decide(against, ["name"], policy).decision == CONFIRM


def test_a_word_of_a_place_is_not_the_place() -> None:
    ctx = HomeContext(FLAT)  # the living area's alias is "open plan"
    assert not bare_value(["open", "the", "stopcock"], ctx)
    assert bare_value(["open", "plan"], ctx)
    assert bare_value(["the", "open", "plan", "one"], ctx)


@pytest.fixture(scope="module")
def parser() -> Parser:
    return Parser.load(REPO / "models" / "nlu", FLAT)


@pytest.mark.parametrize(("text", "intent", "target"), [
    ("turn on the hue go", "HassTurnOn", "light.hue_go"),
    ("turn the hue go off", "HassTurnOff", "light.hue_go"),
    ("start the roborock", "HassVacuumStart", "vacuum.roborock"),
    ("open the stopcock", "HassTurnOn", "valve.stopcock"),
])
def test_names_the_model_reads_badly_are_acted_on_when_said_canonically(parser: Parser, text: str, intent: str,
                                                                        target: str) -> None:
    p = parser.parse(text)
    assert (p.intent, p.targets, p.extra["decision"]) == (intent, (target,), "act"), p.extra
    assert p.slots["name"] and [s.slot for s in p.spans] == ["name"]


def test_the_models_sure_reading_stands_and_talk_around_a_name_is_not_canonical(parser: Parser) -> None:
    assert parser.parse("turn off plug 3").extra["reason"] == "sure"  # no second reading needed
    for text in ("i wonder if i should turn on the hue go", "turn on the hue go when i get home"):
        assert parser.parse(text).extra["reason"] != "canonical", text


def _commands(home_file: str) -> list[tuple[str, str, str]]:
    """Every home's own canonical commands: each name and alias of each entity, with the verbs its
    domain takes."""
    home = load_home(REPO / "devices" / home_file)
    resolver = Resolver(home)
    out = []
    for e in home.entities:
        for name in (n.lower() for n in e.names):
            if len(resolver.exact(name)) != 1:
                continue  # two things of one name: the dialogue asks which
            if e.domain in ("light", "switch", "fan", "media_player"):
                out += [(f"turn on the {name}", "HassTurnOn", e.id), (f"turn the {name} off", "HassTurnOff", e.id)]
            elif e.domain in ("cover", "valve"):
                out += [(f"open the {name}", "HassTurnOn", e.id), (f"close the {name}", "HassTurnOff", e.id)]
            elif e.domain == "lock":
                out += [(f"lock the {name}", "HassTurnOn", e.id), (f"unlock the {name}", "HassTurnOff", e.id)]
            elif e.domain == "vacuum":
                out.append((f"start the {name}", "HassVacuumStart", e.id))
    return out


@pytest.mark.parametrize("home_file", ["home.yaml", "cottage.yaml", "flat.yaml"])
def test_every_homes_own_canonical_commands_are_done(parser: Parser, home_file: str) -> None:
    commands = _commands(home_file)
    parser.set_home(load_home(REPO / "devices" / home_file))
    try:
        wrong = [(text, p.intent, p.targets, p.extra["reason"]) for text, intent, target in commands
                 if ((p := parser.parse(text)).intent, p.targets) != (intent, (target,))]
    finally:
        parser.set_home(FLAT)
    assert len(commands) > 40 and not wrong, wrong


@pytest.mark.parametrize(("text", "intent", "slots"), [
    ("star projector to forty four percent", "HassLightSet", {"brightness": 44, "name": "Star Projector"}),
    ("hue go to fifty percent", "HassLightSet", {"brightness": 50, "name": "Hue Go"}),
    ("star projector to 44%", "HassLightSet", {"brightness": 44, "name": "Star Projector"}),
    ("soundbar to 20", "HassSetVolume", {"volume_level": 20, "name": "Soundbar"}),
])
def test_a_name_and_a_value_is_a_command_not_an_answer(parser: Parser, text: str, intent: str,
                                                       slots: dict[str, object]) -> None:
    p = parser.parse(text)
    assert (p.intent, p.slots, p.extra["decision"]) == (intent, slots, "act"), p.extra
    ctx = HomeContext(FLAT)
    assert not bare_value(text.replace("%", " %").split(), ctx)
    assert bare_value(["fifty", "percent"], ctx)  # the answer to "what brightness?"
