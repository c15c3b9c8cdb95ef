"""units/levels.py and whole numbers: level words, values and quantity words said of each kind of
thing, on small crafted readings (the tagger's output given)."""

from __future__ import annotations

import pytest

from voiced.events import Span
from voiced.home import load_home_text
from voiced.nlu.text import tokenize
from voiced.nlu.units import levels, spans
from voiced.nlu.units.reading import HomeContext, Reading

HOME = """
areas:
  - {id: lounge, name: Lounge}
entities:
  - {id: climate.nest, name: Nest, area: lounge, mqtt: {protocol: zigbee2mqtt, topic: z/nest}}
  - {id: media_player.soundbar, name: Soundbar, area: lounge, mqtt: {protocol: generic, command_topic: sb/cmd}}
  - {id: fan.tower_fan, name: Tower Fan, area: lounge, mqtt: {protocol: zigbee2mqtt, topic: z/fan}}
  - {id: switch.kettle, name: Kettle, area: lounge, mqtt: {protocol: zigbee2mqtt, topic: z/kettle}}
  - {id: light.lower_hall_light, name: Lower Hall Light, area: lounge, mqtt: {protocol: zigbee2mqtt, topic: z/lh}}
  - {id: cover.blind, name: Blind, area: lounge, mqtt: {protocol: zigbee2mqtt, topic: z/blind}}
  - {id: lock.flat_door, name: Flat Door, area: lounge, mqtt: {protocol: zigbee2mqtt, topic: z/door}}
  - {id: vacuum.dustbot, name: Dustbot, area: lounge, mqtt: {protocol: zigbee2mqtt, topic: z/vac}}
  - {id: scene.film_night, name: Film Night, area: lounge, mqtt: {protocol: zigbee2mqtt, topic: z/film}}
"""


@pytest.fixture(scope="module")
def ctx() -> HomeContext:
    return HomeContext(load_home_text(HOME))


def reading(ctx: HomeContext, text: str, intent: str, target: str, name: str | None = None,
            **slots: object) -> Reading:
    """A resolved reading of one entity: ``name`` is the text of its name span."""
    r = Reading(text, tokenize(text), ctx, None, intent=intent, confidence=0.95)
    entity = next(e for e in ctx.home.entities if e.id == target)
    said = name or entity.name.lower()
    s = text.index(said)
    r.spans.append(Span("name", s, s + len(said), said))
    r.entities, r.targets = [entity], [target]
    r.slots.update(slots)
    return r


@pytest.mark.parametrize(("text", "read", "target", "intent"), [
    ("turn the nest up", "HassTurnOn", "climate.nest", "VoicedClimateWarmer"),  # on would be its heating mode
    ("lower the nest", "HassTurnOff", "climate.nest", "VoicedClimateCooler"),
    ("raise the nest", "HassTurnOn", "climate.nest", "VoicedClimateWarmer"),
    ("turn the lower hall light down a bit", "HassTurnOff", "light.lower_hall_light", "VoicedLightDim"),
    ("turn up the lower hall light", "HassTurnOn", "light.lower_hall_light", "VoicedLightBrighten"),
])
def test_a_level_said_of_a_thermostat_or_a_light_is_its_step(ctx: HomeContext, text: str, read: str,
                                                             target: str, intent: str) -> None:
    r = reading(ctx, text, read, target)
    levels.LevelWords()(r)
    assert r.intent == intent and "cannot_do" not in r.extra and r.fired == ["step"]


@pytest.mark.parametrize(("text", "read", "target", "rule"), [
    ("lower the soundbar", "HassTurnOff", "media_player.soundbar", "no_level"),  # not switching it off
    ("turn the tower fan down", "HassTurnOff", "fan.tower_fan", "no_level"),
    ("make the soundbar quieter", "HassMediaUnpause", "media_player.soundbar", "no_level"),
    ("raise the flat door", "HassTurnOn", "lock.flat_door", "no_level"),  # on would lock it
    ("turn the dustbot down a bit", "HassVacuumStart", "vacuum.dustbot", "no_level"),
    ("turn the film night up", "HassTurnOn", "scene.film_night", "no_level"),
    ("close the kettle halfway", "HassTurnOff", "switch.kettle", "partway"),
    ("close the nest halfway", "HassTurnOff", "climate.nest", "partway"),
])
def test_a_level_said_of_what_has_none_is_cannot_do(ctx: HomeContext, text: str, read: str, target: str,
                                                    rule: str) -> None:
    r = reading(ctx, text, read, target)
    levels.LevelWords()(r)
    assert r.intent == read and r.extra["cannot_do"] == [target.split(".")[0]] and r.fired == [rule]


def test_a_value_said_of_what_has_no_level_and_a_level_below_zero(ctx: HomeContext) -> None:
    r = reading(ctx, "dustbot to full", "HassVacuumReturnToBase", "vacuum.dustbot", brightness=100)
    levels.LevelWords()(r)
    assert r.extra["cannot_do"] == ["vacuum"] and r.fired == ["value_no_level"]
    r = reading(ctx, "set the soundbar to minus 20", "HassSetVolume", "media_player.soundbar", volume_level=20)
    r.spans.append(Span("volume_level", 26, 28, "20"))
    levels.LevelWords()(r)
    assert r.extra["cannot_do"] == ["media_player"] and r.fired == ["below_zero"]


@pytest.mark.parametrize(("text", "read", "target"), [
    ("turn the tower fan up", "HassTurnOn", "fan.tower_fan"),  # on is the way asked
    ("raise the kettle", "HassTurnOn", "switch.kettle"),
    ("lower the blind", "HassTurnOff", "cover.blind"),  # a cover is lowered by closing
    ("power down the soundbar", "HassTurnOff", "media_player.soundbar"),  # switching words said
    ("turn off the tower fan and turn it down", "HassTurnOff", "fan.tower_fan"),
    ("turn off the lower hall light", "HassTurnOff", "light.lower_hall_light"),  # "lower" is the name's
    ("close the blind halfway", "HassTurnOff", "cover.blind"),
    ("set the nest to minus 5", "HassClimateSetTemperature", "climate.nest"),  # its range says (act stage)
])
def test_level_words_leave_alone(ctx: HomeContext, text: str, read: str, target: str) -> None:
    r = reading(ctx, text, read, target)
    if "minus" in text:
        r.spans.append(Span("temperature", text.index("5"), len(text), "5"))
    levels.LevelWords()(r)
    assert r.intent == read and "cannot_do" not in r.extra and not r.fired


def test_a_tagger_span_run_into_a_level_word_still_says_it(ctx: HomeContext) -> None:
    r = reading(ctx, "make the dustbot louder", "HassVacuumStart", "vacuum.dustbot", name="dustbot louder")
    levels.LevelWords()(r)
    assert r.extra["cannot_do"] == ["vacuum"]


@pytest.mark.parametrize(("text", "read", "target", "rule"), [
    ("set the soundbar brightness to 10", "HassSetVolume", "media_player.soundbar", "other_quantity"),
    ("set the blind to 22 degrees", "HassSetPosition", "cover.blind", "other_quantity"),
    ("set the lower hall light volume to 40", "HassLightSet", "light.lower_hall_light", "other_quantity"),
    ("set the soundbar volume to 10", "HassSetVolume", "media_player.soundbar", None),
    ("set the nest to 21 degrees", "HassClimateSetTemperature", "climate.nest", None),
    ("set the lower hall light brightness to 10", "HassLightSet", "light.lower_hall_light", None),
    ("set the blind to green", "HassSetPosition", "cover.blind", "colour_of_no_light"),
    ("turn the soundbar red", "HassSetVolume", "media_player.soundbar", "colour_of_no_light"),
    ("set the lower hall light to red", "HassLightSet", "light.lower_hall_light", None),
    ("set the blind to 50", "HassSetPosition", "cover.blind", None),
])
def test_another_kinds_quantity_or_a_colour_of_no_light_is_cannot_do(ctx: HomeContext, text: str, read: str,
                                                                     target: str, rule: str | None) -> None:
    r = reading(ctx, text, read, target)
    levels.QuantityWords()(r)
    assert ("cannot_do" in r.extra) == (rule is not None) and r.fired == ([rule] if rule else [])


@pytest.mark.parametrize(("text", "tagged", "slot", "value"), [
    ("set the blind to a hundred and fifty", ["fifty"], "position", 100),
    ("set the soundbar to one hundred and twenty percent", ["one hundred and", "twenty percent"], "volume_level",
     100),
    ("set the nest to a hundred and one", ["one"], "temperature", 101),
    ("set the blind to fifty", ["fifty"], "position", 50),
    ("set the blind to a fifty", ["fifty"], "position", 50),  # no hundred: the span as tagged
])
def test_a_number_span_takes_all_its_words(ctx: HomeContext, text: str, tagged: list[str], slot: str,
                                           value: int) -> None:
    from voiced.nlu.slots import span_slots

    r = Reading(text, tokenize(text), ctx, None, intent="HassSetPosition", confidence=0.95)
    for said in tagged:
        s = text.rindex(said) if said == "one" else text.index(said)
        r.spans.append(Span(slot, s, s + len(said), said))
        r.raw.update(span_slots(slot, said))
    spans.SpanNormaliser()(r)
    assert r.raw[slot] == value and len([x for x in r.spans if x.slot == slot]) == 1
    assert r.fired == (["whole_number"] if value != 50 else [])


@pytest.mark.parametrize(("text", "read", "target", "intent"), [
    ("turn the nest up a little", "VoicedLightBrighten", "climate.nest", "VoicedClimateWarmer"),
    ("turn the nest down", "VoicedLightDim", "climate.nest", "VoicedClimateCooler"),
    ("turn the lower hall light up", "VoicedClimateWarmer", "light.lower_hall_light", "VoicedLightBrighten"),
    ("make the lower hall light warmer", "VoicedClimateWarmer", "light.lower_hall_light", "VoicedClimateWarmer"),
    ("brighten the nest", "VoicedLightBrighten", "climate.nest", "VoicedLightBrighten"),  # no level word
])
def test_another_kinds_step_takes_the_targets_own(ctx: HomeContext, text: str, read: str, target: str,
                                                  intent: str) -> None:
    r = reading(ctx, text, read, target)
    levels.LevelWords()(r)
    assert r.intent == intent and r.fired == (["step"] if intent != read else [])


def test_a_colour_word_in_a_place_name_is_no_colour() -> None:
    ctx = HomeContext(load_home_text("""areas:
  - {id: blue_room, name: Blue Room}
entities:
  - {id: cover.blind, name: Blind, area: blue_room, mqtt: {protocol: zigbee2mqtt, topic: z/blind}}
"""))
    text = "set the blue room blind to 50"
    r = Reading(text, tokenize(text), ctx, None, intent="HassSetPosition", confidence=0.95)
    r.spans += [Span("area", 8, 17, "blue room"), Span("name", 18, 23, "blind")]
    r.targets = ["cover.blind"]
    levels.QuantityWords()(r)
    assert "cannot_do" not in r.extra


@pytest.mark.parametrize(("words", "way"), [
    ("bring our lights up in the bedroom", "up"), ("put the lights up", "up"), ("bring the heating down", "down"),
    ("turn the tv up", "up"), ("lower the blind", "down"), ("turn it up and down", None), ("turn on the tv", None),
])
def test_level_way(words: str, way: str | None) -> None:
    assert levels.level_way(words.split()) == way


@pytest.mark.parametrize(("text", "read", "target", "refused"), [
    ("make the tower fan louder", "HassTurnOn", "fan.tower_fan", True),  # a player's volume only
    ("mute the lower hall light", "HassTurnOff", "light.lower_hall_light", True),
    ("make the blind quieter", "HassSetPosition", "cover.blind", True),
    ("make the film night warmer", "HassTurnOn", "scene.film_night", True),  # a thermostat's, a white light's
    ("mute the soundbar", "HassMediaPause", "media_player.soundbar", False),
    ("make the lower hall light warmer", "HassLightSet", "light.lower_hall_light", False),
    ("make the nest warmer", "VoicedClimateWarmer", "climate.nest", False),
])
def test_a_level_of_another_kind_is_cannot_do(ctx: HomeContext, text: str, read: str, target: str,
                                              refused: bool) -> None:
    r = reading(ctx, text, read, target)
    levels.LevelWords()(r)
    assert ("cannot_do" in r.extra) == refused and (r.fired == ["no_such_level"]) == refused


@pytest.mark.parametrize(("text", "read", "want"), [
    ("it's dim in here", "VoicedLightDim", "VoicedLightBrighten"),  # dim, the adjective: too dark
    ("it's a bit dark in the lounge", "VoicedLightDim", "VoicedLightBrighten"),
    ("it's way too bright in here", "VoicedLightBrighten", "VoicedLightDim"),
    ("make it dark in here", "VoicedLightBrighten", "VoicedLightDim"),  # asked for as it should be
    ("can you make it less bright", "VoicedLightBrighten", "VoicedLightDim"),
    ("make it less dark in here", "VoicedLightDim", "VoicedLightBrighten"),
    ("it's too dark, dim the lights a bit", "VoicedLightDim", "VoicedLightDim"),  # a step verb: the model's
    ("it's too bright, turn the lights down", "VoicedLightDim", "VoicedLightDim"),
    ("dim the lights", "VoicedLightDim", "VoicedLightDim"),
])
def test_the_light_told_or_asked_for_decides_the_step(ctx: HomeContext, text: str, read: str, want: str) -> None:
    r = Reading(text, tokenize(text), ctx, None, intent=read, confidence=0.9)
    levels.LightSaid()(r)
    assert r.intent == want and r.fired == (["told"] if want != read else [])


@pytest.mark.parametrize(("text", "read", "want"), [
    ("it's not warm enough in here", "VoicedClimateCooler", "VoicedClimateWarmer"),
    ("make it less cold in here", "VoicedClimateCooler", "VoicedClimateWarmer"),
    ("it's way too hot in the lounge", "VoicedClimateWarmer", "VoicedClimateCooler"),
    ("make it colder in here", "VoicedClimateWarmer", "VoicedClimateCooler"),
    ("it's a bit chilly in here", "VoicedClimateWarmer", "VoicedClimateWarmer"),
    ("it's too cold, turn the heating down", "VoicedClimateCooler", "VoicedClimateCooler"),  # a step verb said
])
def test_the_warmth_told_or_asked_for_decides_the_step(ctx: HomeContext, text: str, read: str, want: str) -> None:
    r = Reading(text, tokenize(text), ctx, None, intent=read, confidence=0.9)
    levels.ClimateSaid()(r)
    assert r.intent == want and r.fired == (["told"] if want != read else [])
