"""Each parser unit on its own, on small crafted readings (no model: the tagger's output is given)."""

from __future__ import annotations

from typing import Any

import pytest

from voiced.events import Span
from voiced.home import load_home_text
from voiced.home.model import Home
from voiced.home.resolve import is_device_word
from voiced.nlu import numbers
from voiced.nlu.parser import Parser
from voiced.nlu.text import tokenize
from voiced.nlu.units import (
    answer,
    device_words,
    domain_intent,
    entities,
    fill,
    fixed,
    names,
    places,
    polarity,
    requirements,
    spans,
    states,
    tagger,
    values,
)
from voiced.nlu.units.reading import HomeContext, Reading

HOME = """
floors:
  - {id: ground, name: Ground Floor}
  - {id: upstairs, name: Upstairs}
areas:
  - {id: kitchen, name: Kitchen, floor: ground}
  - {id: bedroom, name: Bedroom, floor: upstairs}
  - {id: garden, name: Garden, floor: ground}
entities:
  - {id: light.kitchen_spots, name: Kitchen Spots, aliases: [spotlights], area: kitchen,
     mqtt: {protocol: zigbee2mqtt, topic: zigbee2mqtt/ks}}
  - {id: light.counter, name: Counter Light, area: kitchen, mqtt: {protocol: zigbee2mqtt, topic: zigbee2mqtt/cl}}
  - {id: light.bedroom_lamp, name: Bedroom Lamp, aliases: [bedside lamp], area: bedroom,
     mqtt: {protocol: zigbee2mqtt, topic: zigbee2mqtt/bl}}
  - {id: light.desk_lamp, name: Desk Lamp, area: bedroom, mqtt: {protocol: zigbee2mqtt, topic: zigbee2mqtt/dl}}
  - {id: light.garden_lights, name: Garden Lights, area: garden, mqtt: {protocol: zigbee2mqtt, topic: zigbee2mqtt/gl}}
  - {id: cover.skylight, name: Skylight, area: bedroom, device_class: window,
     mqtt: {protocol: zigbee2mqtt, topic: zigbee2mqtt/sk}}
  - {id: switch.sprinkler, name: Sprinkler, area: garden, mqtt: {protocol: zigbee2mqtt, topic: zigbee2mqtt/sp}}
  - {id: switch.heating, name: Heating, area: kitchen, mqtt: {protocol: zigbee2mqtt, topic: zigbee2mqtt/he}}
  - {id: lock.front_door, name: Front Door, area: kitchen, mqtt: {protocol: zigbee2mqtt, topic: zigbee2mqtt/fd}}
  - {id: vacuum.dustbot, name: Vacuum Cleaner, area: kitchen, mqtt: {protocol: zigbee2mqtt, topic: zigbee2mqtt/vc}}
"""


@pytest.fixture(scope="module")
def home() -> Home:
    return load_home_text(HOME)


@pytest.fixture(scope="module")
def ctx(home: Home) -> HomeContext:
    return HomeContext(home)


def reading(ctx: HomeContext, text: str, intent: str | None = "HassTurnOn", tagged: dict[str, str] | None = None,
            area: str | None = None, confidence: float = 0.95) -> Reading:
    """A reading as the tagger would leave it: ``tagged`` maps a label to the text it covers."""
    r = Reading(text, tokenize(text), ctx, ctx.satellite_area(area), intent=intent, confidence=confidence)
    for label, said in (tagged or {}).items():
        s = text.index(said)
        r.spans.append(Span(label, s, s + len(said), said))
    return r


def resolved(ctx: HomeContext, text: str, intent: str = "HassTurnOn", tagged: dict[str, str] | None = None,
             area: str | None = None) -> Reading:
    """A reading taken through the units up to (not including) the consistency rules after resolution."""
    r = reading(ctx, text, intent, tagged, area)
    for unit in (spans.SpanNormaliser(), device_words.DeviceWords(), places.TaggedSpans(), values.SlotValues()):
        unit(r)
    return r


# ------------------------------------------------------------------ tagger, fixed phrases, answers
class FakeModel:
    def __init__(self, intent: str | None, conf: float, tags: list[str]) -> None:
        self.out: tuple[str | None, float, list[str], dict[str, float]] = (intent, conf, tags, {})

    def predict(self, tokens: list[str], gaz: list[int]) -> tuple[str | None, float, list[str], dict[str, float]]:
        assert len(gaz) == len(tokens)
        return self.out


def test_tagger_reads_spans_and_values(ctx: HomeContext) -> None:
    r = reading(ctx, "dim the bedroom lamp to 30 percent", intent=None)
    model = FakeModel("HassLightSet", 0.9, ["O", "O", "B-name", "I-name", "O", "B-brightness", "I-brightness"])
    tagger.Tagger(model)(r)  # type: ignore[arg-type]
    assert (r.intent, r.confidence) == ("HassLightSet", 0.9)
    assert r.spans == [Span("name", 8, 20, "bedroom lamp"), Span("brightness", 24, 34, "30 percent")]
    assert r.raw == {"name": "bedroom lamp", "brightness": 30} and r.extra["numbers"] == [30]


def test_find_numbers_skips_the_pronoun_one() -> None:
    assert tagger.find_numbers("the bedroom one") == []
    assert tagger.find_numbers("one minute") == [1]


def test_fixed_phrases_only_whole_replies(ctx: HomeContext) -> None:
    r = reading(ctx, "yes please", intent="HassTurnOn", confidence=0.7)
    fixed.FixedPhrases()(r)
    assert r.result is not None and r.result.intent == "VoicedConfirm" and r.result.confidence == 1.0
    r = reading(ctx, "stop the music", intent="HassMediaPause")
    fixed.FixedPhrases()(r)
    assert r.result is None


def test_not_a_command_bare_value_and_model_yes(ctx: HomeContext) -> None:
    r = reading(ctx, "the bedroom one", intent="HassTurnOn")
    answer.NotACommand(0.5)(r)
    assert r.result is not None and r.result.intent is None and r.extra["slots_raw"] == {"area": "Bedroom"}
    r = reading(ctx, "thanks that's great", intent="VoicedConfirm")
    answer.NotACommand(0.5)(r)
    assert r.result is not None and r.result.intent is None
    r = reading(ctx, "turn on the bedroom lamp", intent="HassTurnOn", confidence=0.4)
    answer.NotACommand(0.5)(r)
    assert r.result is not None
    r = reading(ctx, "bedroom fifty percent", intent="HassLightSet")
    answer.NotACommand(0.5)(r)
    assert r.result is None  # a room and a value: a command


# ------------------------------------------------------------------ spans, device words, places, values
def test_span_normaliser_message_to_the_end_and_timer_only_command(ctx: HomeContext) -> None:
    text = "announce the dinner is ready now!"
    r = reading(ctx, text, "HassBroadcast", {"message": "dinner is"})
    spans.SpanNormaliser()(r)
    assert r.spans[0].text == "the dinner is ready now" and r.raw["message"] == "the dinner is ready now"
    r = reading(ctx, "turn off the lights in ten minutes", "HassTurnOff", {"conversation_command": "turn off"})
    r.raw["conversation_command"] = "turn off"
    spans.SpanNormaliser()(r)
    assert r.spans == [] and "conversation_command" not in r.raw


def test_span_normaliser_whole_command_and_whole_home(ctx: HomeContext) -> None:
    text = "in twenty minutes turn off the desk lamp"
    r = reading(ctx, text, "HassStartTimer", {"conversation_command": "turn off the", "name": "desk lamp"})
    spans.SpanNormaliser()(r)
    assert [(x.slot, x.text) for x in r.spans] == [("conversation_command", "turn off the desk lamp")]
    assert r.raw == {"conversation_command": "turn off the desk lamp"}
    r = reading(ctx, "switch on every light in the flat", "HassTurnOn", {"name": "flat"})
    r.raw["name"] = "flat"
    spans.SpanNormaliser()(r)
    assert r.spans == [] and r.raw == {} and r.all  # the whole home: every light, not a name
    r = reading(ctx, "open the front door", "HassTurnOn", {"name": "front door"})
    spans.SpanNormaliser()(r)
    assert len(r.spans) == 1  # a name is kept


def test_device_words_nouns_not_verbs(ctx: HomeContext) -> None:
    r = reading(ctx, "switch on the lights")
    device_words.DeviceWords()(r)
    assert (r.domain, r.device_word) == ("light", "lights")
    r = reading(ctx, "turn on the kitchen radio please", intent="HassMediaNext")
    device_words.DeviceWords()(r)
    assert r.domain is None  # a media word only names a player for on/off and state questions


def test_tagged_spans_area_that_is_a_name(ctx: HomeContext) -> None:
    r = reading(ctx, "turn off the bedroom lamb", tagged={"area": "bedroom lamb"})
    places.TaggedSpans()(r)
    assert r.name_span == Span("name", 13, 25, "bedroom lamb") and r.out_spans[0].slot == "name"
    assert r.fired == ["area_is_name"]
    r = reading(ctx, "turn on the lights in the pantry", tagged={"area": "pantry"})
    places.TaggedSpans()(r)
    assert r.slots == {"area": "pantry"} and [u.slot for u in r.unresolved] == ["area"]
    r = reading(ctx, "which lights are on upstairs", "HassGetState", tagged={"area": "upstairs"})
    places.TaggedSpans()(r)
    assert r.floor is not None and r.floor.name == "Upstairs" and not r.unresolved and "area" not in r.slots
    assert r.out_spans[0].slot == "floor" and r.fired == ["area_is_floor"]


@pytest.mark.parametrize("text,room", [("turn the room light off", "room"), ("dim my room lights", "my room"),
                                       ("lights off in this room", "this room")])
def test_tagged_spans_a_room_without_its_name_is_here(ctx: HomeContext, text: str, room: str) -> None:
    r = reading(ctx, text, tagged={"area": room})
    places.TaggedSpans()(r)
    assert r.here and not r.unresolved and "area" not in r.slots and r.fired == ["room_is_here"]
    r = reading(ctx, "turn the pantry light off", tagged={"area": "pantry"})
    places.TaggedSpans()(r)
    assert not r.here and [u.text for u in r.unresolved] == ["pantry"]


@pytest.mark.parametrize("text,word,noun", [
    ("turn off the closet light", "light", True), ("turn the porch light off", "light", True),
    ("turn the room light off", "light", True), ("turn off the smart plug", "plug", True),
    ("light the fire", "light", False), ("can you light up the hall", "light", False),
    ("please switch off", "switch", False), ("switch to the news", "switch", False),
    ("i want you to switch on", "switch", False), ("what is the speed of light", "light", True),
    ("turn off the water", "water", True), ("water the garden", "water", False),
    ("light on", "light", True), ("light off please", "light", True), ("plug off", "plug", True),
    ("light up", "light", False), ("switch off", "switch", False),
])
def test_verb_like_device_words_are_nouns_only_where_nouns_go(text: str, word: str, noun: bool) -> None:
    ws = [t.text for t in tokenize(text)]
    assert is_device_word(ws, ws.index(word)) is noun


def test_number_slot_moves_a_sibling_value() -> None:
    slots: dict[str, Any] = {"position": 40, "volume_level": 10}
    values.fix_numbers("HassLightSet", slots)
    assert slots == {"brightness": 40}
    slots = {"minutes": 5}
    values.fix_numbers("HassCancelTimer", slots)
    assert slots == {"start_minutes": 5}


def test_slot_values_keep_places_out(ctx: HomeContext) -> None:
    r = reading(ctx, "is the kettle on", "HassGetState")
    r.raw.update(name="kettle", state="on")
    values.SlotValues()(r)
    assert r.slots == {"state": "on"} and r.state == "on"


# ------------------------------------------------------------------ name repairs
def test_name_with_device_word(ctx: HomeContext) -> None:
    r = resolved(ctx, "turn on the garden lights", tagged={"area": "garden"})
    names.NameWithDeviceWord()(r)
    assert r.name_span is not None and r.name_span.text == "garden lights" and r.area is None and r.domain is None


def test_whole_home_name(ctx: HomeContext) -> None:
    r = resolved(ctx, "turn on the vacuum cleaner", tagged={"name": "vacuum"})
    names.WholeHomeName()(r)
    assert r.name_span is not None and r.name_span.text == "vacuum cleaner"


def test_untagged_name(ctx: HomeContext) -> None:
    r = resolved(ctx, "turn off the heating please")
    names.UntaggedName()(r)
    assert r.name_span is not None and r.name_span.text == "heating" and r.out_spans == [r.name_span]
    r = resolved(ctx, "turn off the heating in the bedroom", tagged={"area": "bedroom"})
    names.UntaggedName()(r)
    assert r.name_span is None  # a room was said: the name is not looked for house-wide
    r = resolved(ctx, "switch off the spotlights in the kitchen", tagged={"area": "kitchen"})
    names.UntaggedName()(r)  # ... but among that room's: the spots, not every light there
    assert r.name_span is not None and r.name_span.text == "spotlights" and r.fired == ["in_the_room"]
    r = resolved(ctx, "switch off the lights in the pantry", tagged={"area": "pantry"})
    names.UntaggedName()(r)
    assert r.name_span is None  # a room the home lacks: nothing looked for


def test_name_cut_short_and_object_phrase(ctx: HomeContext) -> None:
    r = resolved(ctx, "switch on the lava lamp", tagged={"name": "lava"})
    names.NameCutShort()(r)
    assert r.name_span is not None and r.name_span.text == "lava lamp"
    assert [s.text for s in r.out_spans] == ["lava lamp"]
    r = resolved(ctx, "switch on the hot tub")
    names.NameCutShort()(r)
    assert r.name_span is None
    names.ObjectPhraseName()(r)
    assert r.name_span is not None and r.name_span.text == "hot tub"
    r = resolved(ctx, "switch on all the hot tubs")
    names.ObjectPhraseName()(r)
    assert r.name_span is None


def test_object_phrase_stops_at_values() -> None:
    assert names.object_phrase(tokenize("turn the hot tub on please")) == (9, 16)
    assert names.object_phrase(tokenize("set the lamp to fifty")) is None


def test_bare_floor_word(ctx: HomeContext) -> None:
    r = resolved(ctx, "turn off the lights upstairs", "HassTurnOff")
    places.BareFloorWord()(r)
    assert r.floor is not None and r.floor.id == "upstairs"


# ------------------------------------------------------------------ states
def test_state_words(ctx: HomeContext) -> None:
    r = resolved(ctx, "is the front door locked", "HassGetState", {"name": "front door"})
    states.StateWords()(r)
    assert r.state == "locked" and r.slots["state"] == "locked"
    r = resolved(ctx, "is the alarm going off", "HassGetState", {"name": "alarm"})
    r.state = "off"
    states.StateWords()(r)
    assert r.state == "on"


def test_doors_are_locks_and_motion(ctx: HomeContext) -> None:
    r = reading(ctx, "unlock the doors", "HassTurnOff")
    r.domain, r.device_class = "binary_sensor", "door"
    states.DoorsAreLocks()(r)
    assert (r.domain, r.device_class) == ("lock", None)
    r = reading(ctx, "are the doors open", "HassGetState")
    r.domain, r.device_class = "binary_sensor", "door"
    states.DoorsAreLocks()(r)
    assert (r.domain, r.device_class) == ("binary_sensor", "door")
    r = resolved(ctx, "is there any motion in the kitchen", "HassGetState", {"area": "kitchen"})
    states.MotionState()(r)
    assert r.slots["state"] == "on"


# ------------------------------------------------------------------ entity resolution
def test_name_resolver_alias_ambiguity_and_unknown(ctx: HomeContext) -> None:
    r = resolved(ctx, "turn on the bedside lamp", tagged={"name": "bedside lamp"})
    entities.NameResolver()(r)
    assert r.slots == {"name": "Bedroom Lamp"} and r.targets == ["light.bedroom_lamp"]
    r = resolved(ctx, "turn on the pool pump", tagged={"name": "pool pump"})
    entities.NameResolver()(r)
    assert r.slots == {"name": "pool pump"} and [u.text for u in r.unresolved] == ["pool pump"]


def _named(ctx: HomeContext, text: str, name: str, place: str | None = None, area: str | None = None,
           intent: str = "HassTurnOn") -> Reading:
    tagged = {"name": name, **({"area": place} if place else {})}
    r = resolved(ctx, text, intent, tagged=tagged, area=area)
    entities.NameResolver()(r)
    r.fired.clear()  # as the parser does after each unit
    entities.NameElsewhere()(r)
    return r


def test_a_name_said_with_a_place_it_is_not_in_is_never_a_guess(ctx: HomeContext) -> None:
    # the desk lamp is in the bedroom; the kitchen has lights of its own: ask which
    r = _named(ctx, "turn on the desk lamp in the kitchen", "desk lamp", "kitchen")
    assert r.targets == [] and r.extra["ambiguous_slot"] == "name" and r.fired == ["ask_which"]
    assert [c["id"] for c in r.extra["candidates"]] == ["light.desk_lamp", "light.kitchen_spots", "light.counter"]
    # no lock in the garden: the front door, confirmed first
    r = _named(ctx, "unlock the front door in the garden", "front door", "garden", intent="HassTurnOff")
    assert r.targets == ["lock.front_door"] and r.extra["place_against"] == "Garden" and r.fired == ["confirm"]
    # a floor said: the bedroom lamp is upstairs
    r = _named(ctx, "turn on the bedroom lamp on the ground floor", "bedroom lamp", "ground floor")
    assert r.floor is not None and r.extra.get("ambiguous_slot") == "name"
    # "in here" is the satellite's room
    r = _named(ctx, "turn on the desk lamp in here", "desk lamp", area="kitchen")
    assert r.targets == [] and r.extra["ambiguous_slot"] == "name"


@pytest.mark.parametrize("text,name,place,area", [
    ("turn on the desk lamp in the bedroom", "desk lamp", "bedroom", None),
    ("turn on the desk lamp upstairs", "desk lamp", "upstairs", None),
    ("turn on the desk lamp", "desk lamp", None, "kitchen"),  # the satellite's room alone says nothing
    ("turn on the desk lamp in here", "desk lamp", None, "bedroom"),
])
def test_a_name_in_the_place_said_is_taken(ctx: HomeContext, text: str, name: str, place: str | None,
                                           area: str | None) -> None:
    r = _named(ctx, text, name, place, area)
    assert r.targets == ["light.desk_lamp"] and r.fired == [] and "place_against" not in r.extra


@pytest.mark.parametrize(("text", "tagged"), [
    ("turn on the desk lamp and the sprinkler", ["desk lamp", "sprinkler"]),
    ("turn on the desk lamp, the sprinkler and the heating", ["desk lamp", "sprinkler", "heating"]),
    ("turn on the desk lamp and sprinkler", ["desk lamp and sprinkler"]),  # one span over both
])
def test_several_names_for_one_command_are_all_targets(ctx: HomeContext, text: str, tagged: list[str]) -> None:
    r = reading(ctx, text)
    for said in tagged:
        s = text.index(said)
        r.spans.append(Span("name", s, s + len(said), said))
    r.name_span = r.spans[-1]
    entities.NameResolver()(r)
    entities.NameList()(r)
    want = {"desk lamp": "light.desk_lamp", "sprinkler": "switch.sprinkler", "heating": "switch.heating"}
    assert r.targets == [want[w] for w in want if w in text]


def test_names_not_joined_by_and_or_a_guess_are_left_alone(ctx: HomeContext) -> None:
    r = reading(ctx, "turn on the desk lamp or the sprinkler")
    for said in ("desk lamp", "sprinkler"):
        s = r.text.index(said)
        r.spans.append(Span("name", s, s + len(said), said))
    r.name_span = r.spans[-1]
    entities.NameResolver()(r)
    entities.NameList()(r)
    assert r.targets == ["switch.sprinkler"]  # "or" is a choice, not both


def test_device_word_entities(ctx: HomeContext) -> None:
    r = resolved(ctx, "turn on the lamp")
    entities.DeviceWordEntities()(r)
    assert r.extra["ambiguous_slot"] == "name" and {c["id"] for c in r.extra["candidates"]} == {
        "light.bedroom_lamp", "light.desk_lamp"}
    assert r.slots["name"] == "lamp" and r.targets == []
    r = resolved(ctx, "turn on the lamp", area="kitchen")
    entities.DeviceWordEntities()(r)
    assert r.entities == [] and "name" not in r.slots  # no lamp in the satellite's room: the group there
    r = resolved(ctx, "turn on the lamps")
    entities.DeviceWordEntities()(r)
    assert r.device_word == "lamps" and r.entities == []  # a plural only names a single match


@pytest.mark.parametrize(("text", "intent", "tagged", "unresolved"), [
    ("turn on the front door light", "HassTurnOn", "front door", "front door light"),  # a lock: on would lock it
    ("open the skylight blinds", "HassTurnOn", "skylight", None),  # a cover with a cover word: the skylight
    ("turn on the counter light", "HassTurnOn", "counter", None),  # a light's own word
    ("turn on the sprinkler plug", "HassTurnOn", "sprinkler", None),  # a power word fits what switches
    ("is the front door lock locked", "HassGetState", "front door", None),  # a question reads the lock
    ("turn on the light by the front door", "HassTurnOn", "front door", "light by the front door"),
    ("turn on the lamp next to the counter", "HassTurnOn", "counter", None),  # a light by a light: that light
])
def test_a_device_word_after_a_name_of_another_kind_is_another_thing(ctx: HomeContext, text: str, intent: str,
                                                                     tagged: str, unresolved: str | None) -> None:
    r = resolved(ctx, text, intent, tagged={"name": tagged})
    entities.NameResolver()(r)
    assert [u.text for u in r.unresolved] == ([unresolved] if unresolved else [])
    assert (r.targets == []) == (unresolved is not None)


def _rooms_tagged(ctx: HomeContext, text: str, tagged: list[str]) -> Reading:
    """A turn-off with ``tagged`` as the tagger's rooms, taken through to its targets."""
    r = reading(ctx, text, "HassTurnOff")
    for said in tagged:
        k = text.index(said)
        r.spans.append(Span("area", k, k + len(said), said))
    for unit in (spans.SpanNormaliser(), device_words.DeviceWords(), places.TaggedSpans(), values.SlotValues(),
                 entities.SatelliteArea(), entities.Targets()):
        unit(r)
    return r


@pytest.mark.parametrize(("text", "tagged", "targets"), [
    ("turn off the lights in the kitchen and the bedroom", ["kitchen", "bedroom"],
     {"light.kitchen_spots", "light.counter", "light.bedroom_lamp", "light.desk_lamp"}),
    ("turn off the kitchen and bedroom lights", ["kitchen and bedroom"],
     {"light.kitchen_spots", "light.counter", "light.bedroom_lamp", "light.desk_lamp"}),
    ("turn off the lights in the kitchen but not the bedroom", ["kitchen", "bedroom"], None),  # no joiner
])
def test_several_rooms_for_one_command_are_all_reached(ctx: HomeContext, text: str, tagged: list[str],
                                                       targets: set[str] | None) -> None:
    r = _rooms_tagged(ctx, text, tagged)
    before = list(r.targets)
    entities.AreaList()(r)
    if targets is None:
        assert r.targets == before
    else:
        assert set(r.targets) == targets and r.slots["area"] == "Kitchen and Bedroom" and not r.unresolved


@pytest.mark.parametrize(("text", "tagged", "rooms"), [
    ("turn off the lights in the kitchen the bedroom and the garden", ["bedroom"], "Kitchen, Bedroom and Garden"),
    ("turn off the kitchen bedroom and garden lights", ["kitchen bedroom"], "Kitchen, Bedroom and Garden"),
    ("turn off the lights in the kitchen, the bedroom", ["kitchen"], "Kitchen and Bedroom"),
    ("turn off the lights in the kitchen the bedroom", ["kitchen"], None),  # no "and", no comma: no list
    ("turn off the lights in the garden and", ["garden"], None),
])
def test_rooms_the_tagger_missed_in_a_list_are_reached(ctx: HomeContext, text: str, tagged: list[str],
                                                       rooms: str | None) -> None:
    r = _rooms_tagged(ctx, text, tagged)
    entities.AreaList()(r)
    assert r.slots.get("area") == rooms if rooms else " and " not in str(r.slots.get("area"))


def test_satellite_area_and_targets(ctx: HomeContext) -> None:
    r = resolved(ctx, "turn on the lights in here", area="kitchen")
    entities.SatelliteArea()(r)
    entities.Targets()(r)
    assert r.slots == {"area": "Kitchen", "domain": "light"}
    assert set(r.targets) == {"light.kitchen_spots", "light.counter"}
    r = resolved(ctx, "turn on the lights")
    entities.SatelliteArea()(r)
    entities.Targets()(r)
    assert r.targets == []  # never the whole house without "all"
    r = resolved(ctx, "what time is it", "HassGetCurrentTime")
    r.targets = ["light.counter"]
    entities.Targets()(r)
    assert r.targets == []


@pytest.mark.parametrize(("text", "intent"), [("close the bedroom", "HassTurnOff"), ("open up the bedroom", "HassTurnOn")])
def test_opening_or_closing_a_place_is_its_covers_never_its_lights(ctx: HomeContext, text: str, intent: str) -> None:
    r = resolved(ctx, text, intent, tagged={"area": "bedroom"})
    entities.SatelliteArea()(r)
    entities.Targets()(r)
    assert r.slots == {"area": "Bedroom", "domain": "cover"} and r.targets == ["cover.skylight"]
    r = resolved(ctx, "shut off the bedroom", "HassTurnOff", tagged={"area": "bedroom"})  # switching words
    entities.SatelliteArea()(r)
    entities.Targets()(r)
    assert "light.bedroom_lamp" in r.targets and "cover.skylight" not in r.targets
    r = resolved(ctx, "open it", "HassTurnOn", area="bedroom")  # no place said: the verb is no target
    entities.SatelliteArea()(r)
    entities.Targets()(r)
    assert "domain" not in r.slots


# ------------------------------------------------------------------ intent rules, fills, requirements
def _with_entity(ctx: HomeContext, text: str, intent: str, entity_id: str) -> Reading:
    r = reading(ctx, text, intent)
    r.entities = [e for e in ctx.home.entities if e.id == entity_id]
    return r


def test_stop_non_media(ctx: HomeContext) -> None:
    r = _with_entity(ctx, "stop the sprinkler", "HassMediaPause", "switch.sprinkler")
    domain_intent.StopNonMedia()(r)
    assert r.intent == "HassTurnOff"


@pytest.mark.parametrize(("text", "entity_id"), [("pause the front door", "lock.front_door"),
                                                 ("stop the skylight", "cover.skylight"),
                                                 ("pause the dustbot", "vacuum.dustbot")])
def test_pausing_a_lock_a_cover_or_a_vacuum_is_not_switching_it_off(ctx: HomeContext, text: str,
                                                                     entity_id: str) -> None:
    # off would unlock the door, close the skylight, send the vacuum home: not what "pause" asked
    r = _with_entity(ctx, text, "HassMediaPause", entity_id)
    domain_intent.StopNonMedia()(r)
    assert r.intent == "HassMediaPause"


@pytest.mark.parametrize(("text", "read", "intent", "against"), [
    ("close the front door", "HassTurnOff", "HassTurnOn", None),  # off would unlock it
    ("shut the front door", "HassTurnOff", "HassTurnOn", None),
    ("open the front door", "HassTurnOn", "HassTurnOff", None),  # on would lock it
    ("unlock the front door", "HassTurnOff", "HassTurnOff", None),
    ("lock the front door", "HassTurnOn", "HassTurnOn", None),
    ("stop the front door", "HassTurnOff", "HassTurnOff", "unlock"),  # unlocking without a word for it: ask
    ("shut off the front door", "HassTurnOff", "HassTurnOff", "unlock"),  # "shut off" is no closing
])
def test_lock_words(ctx: HomeContext, text: str, read: str, intent: str, against: str | None) -> None:
    r = _with_entity(ctx, text, read, "lock.front_door")
    r.targets = ["lock.front_door"]
    domain_intent.LockWords()(r)
    assert (r.intent, r.extra.get("verb_against")) == (intent, against)


@pytest.mark.parametrize(("text", "read"), [("close the skylight and the front door", "HassTurnOff"),
                                            ("lock the front door and the skylight", "HassTurnOn")])
def test_a_lock_switched_with_things_of_other_kinds_is_cannot_do(ctx: HomeContext, text: str, read: str) -> None:
    # one *off* would close the skylight and unlock the door; one *on* would lock it and open the skylight
    r = _with_entity(ctx, text, read, "lock.front_door")
    r.targets = ["cover.skylight", "lock.front_door"]
    domain_intent.LockWords()(r)
    assert r.extra["cannot_do"] == ["cover", "lock"] and r.fired == ["with_others"]


def test_lock_words_leave_covers_alone(ctx: HomeContext) -> None:
    r = _with_entity(ctx, "close the skylight", "HassTurnOff", "cover.skylight")
    r.targets = ["cover.skylight"]
    domain_intent.LockWords()(r)
    assert r.intent == "HassTurnOff" and "verb_against" not in r.extra and "cannot_do" not in r.extra


@pytest.mark.parametrize("text", ["lock the skylight", "unlock the skylight"])
def test_locking_what_has_no_lock_is_marked_cannot_do(ctx: HomeContext, text: str) -> None:
    # a cover's *on* is open: "lock the skylight" read as on would open it
    r = _with_entity(ctx, text, "HassTurnOn" if text.startswith("lock") else "HassTurnOff", "cover.skylight")
    r.targets = ["cover.skylight"]
    domain_intent.LockWords()(r)
    assert r.extra["cannot_do"] == ["cover"]


@pytest.mark.parametrize(("text", "intent", "cannot"), [
    ("stop the skylight", "HassTurnOff", ["cover"]), ("hold the skylight", "HassTurnOff", ["cover"]),
    ("stop and close the skylight", "HassTurnOff", None),  # closing said: a close
    ("close the skylight", "HassTurnOff", None),
])
def test_stopping_a_cover_is_no_closing(ctx: HomeContext, text: str, intent: str, cannot: list[str] | None) -> None:
    r = _with_entity(ctx, text, intent, "cover.skylight")
    domain_intent.StopIsNoClose()(r)
    assert r.extra.get("cannot_do") == cannot
    r = _with_entity(ctx, "stop the sprinkler", "HassTurnOff", "switch.sprinkler")  # a switch stops by going off
    domain_intent.StopIsNoClose()(r)
    assert "cannot_do" not in r.extra


def test_switch_not_climate(ctx: HomeContext) -> None:
    r = _with_entity(ctx, "turn the heating off it's wasting money", "VoicedClimateCooler", "switch.heating")
    domain_intent.SwitchNotClimate()(r)
    assert r.intent == "HassTurnOff"
    r = _with_entity(ctx, "make the heating warmer", "VoicedClimateWarmer", "switch.heating")
    domain_intent.SwitchNotClimate()(r)
    assert r.intent == "VoicedClimateWarmer"  # no switching words: not for this rule


def test_a_warmth_word_of_a_switchs_own_name_with_a_verb_that_starts_it_is_on() -> None:
    ctx = HomeContext(load_home_text("""entities:
  - {id: switch.towel_rail, name: Towel Rail, aliases: [towel warmer], mqtt: {protocol: zigbee2mqtt, topic: z/t}}
"""))
    r = _with_entity(ctx, "would you mind to run towel warmer", "VoicedClimateWarmer", "switch.towel_rail")
    domain_intent.SwitchNotClimate()(r)
    assert r.intent == "HassTurnOn" and r.fired == ["run_named"]
    r = _with_entity(ctx, "run the towel warmer a bit warmer", "VoicedClimateWarmer", "switch.towel_rail")
    domain_intent.SwitchNotClimate()(r)
    assert r.intent == "VoicedClimateWarmer"  # a warmth word of its own said: not the name's


@pytest.mark.parametrize(("text", "intent"), [("toggle the kitchen spots off", "HassTurnOff"),
                                             ("toggle on the counter light", "HassTurnOn"),
                                             ("toggle the counter light", "HassToggle"),
                                             ("toggle the lights on and off", "HassToggle")])
def test_toggle_says_which(ctx: HomeContext, text: str, intent: str) -> None:
    r = _with_entity(ctx, text, "HassToggle", "light.counter")
    domain_intent.ToggleSaysWhich()(r)
    assert r.intent == intent


@pytest.mark.parametrize(("text", "intent", "against"), [
    ("activate vacuum cleaner", "HassVacuumReturnToBase", "on"),  # the tagger's slip on a rare wording
    ("turn it on", "HassTurnOff", "on"),
    ("switch the heating off", "HassTurnOn", "off"),
    ("dock the vacuum cleaner", "HassVacuumStart", "off"),
    ("activate vacuum cleaner", "HassVacuumStart", None),  # the words agree
    ("turn off the lamp on the desk", "HassTurnOff", None),  # "on" is a preposition there
    ("turn the heater off it's wasting money", "HassTurnOn", "off"),  # a reason after the particle
    ("power down the lights on the landing", "HassTurnOff", None),
    ("turn on the lights and switch off the heating", "HassTurnOff", None),  # both ways: not for this rule
    ("open the skylight", "HassTurnOff", None),  # no switching verb
    ("start the timer", "HassStartTimer", None),
])
def test_verb_against_intent(ctx: HomeContext, text: str, intent: str, against: str | None) -> None:
    r = reading(ctx, text, intent)
    polarity.VerbAgainstIntent()(r)
    assert r.extra.get("verb_against") == against
    assert r.intent == intent  # never turned round: which way was meant is what is in doubt


def test_value_by_domain(ctx: HomeContext) -> None:
    r = _with_entity(ctx, "set the skylight to twenty percent", "HassLightSet", "cover.skylight")
    r.slots = {"name": "Skylight", "brightness": 20}
    domain_intent.ValueByDomain()(r)
    assert r.intent == "HassSetPosition" and r.slots == {"name": "Skylight", "position": 20}


def test_colour_words_outside_the_name(ctx: HomeContext) -> None:
    r = reading(ctx, "make the garden lights red", "HassLightSet")
    fill.ColourWords()(r)
    assert "color" in r.slots
    r = reading(ctx, "set the red lamp", "HassLightSet")
    s = r.text.index("red lamp")
    r.name_span = Span("name", s, s + 8, "red lamp")
    fill.ColourWords()(r)
    assert "color" not in r.slots  # a colour inside the name is the name's


@pytest.mark.parametrize("text,position", [("open the living room blinds halfway", 50),
                                           ("close the curtains half way please", 50),
                                           ("raise the blind three quarters of the way", 75),
                                           ("open the blinds a quarter open", 25),
                                           ("open the halfway house blinds", None),
                                           ("open the blinds", None)])
def test_position_words_outside_the_name(ctx: HomeContext, text: str, position: int | None) -> None:
    r = reading(ctx, text, "HassSetPosition")
    if "halfway house" in text:
        s = text.index("halfway house blinds")
        r.name_span = Span("name", s, s + 20, "halfway house blinds")
    fill.PositionWords()(r)
    assert r.slots.get("position") == position
    r = reading(ctx, text, "HassTurnOn")
    fill.PositionWords()(r)
    assert "position" not in r.slots  # only a position command takes a position


@pytest.mark.parametrize(("text", "intent", "position"), [
    ("open the skylight halfway", "HassTurnOn", 50),
    ("close the skylight a quarter of the way", "HassTurnOff", 75),
    ("set the skylight a quarter closed", "HassSetPosition", 75),
    ("set the skylight three quarters open", "HassSetPosition", 75),
    ("lower the skylight three quarters of the way", "HassSetPosition", 25),
])
def test_position_words_turn_an_open_into_a_position(ctx: HomeContext, text: str, intent: str,
                                                     position: int) -> None:
    r = _with_entity(ctx, text, intent, "cover.skylight")
    r.targets = ["cover.skylight"]
    r.slots = {"name": "Skylight", "position": 25}  # what the tagger may read in "a quarter"
    fill.PositionWords()(r)
    assert (r.intent, r.slots["position"]) == ("HassSetPosition", position)


def test_position_words_leave_lights_alone(ctx: HomeContext) -> None:
    r = _with_entity(ctx, "turn on the desk lamp halfway", "HassTurnOn", "light.desk_lamp")
    r.targets = ["light.desk_lamp"]
    fill.PositionWords()(r)
    assert r.intent == "HassTurnOn" and "position" not in r.slots


@pytest.mark.parametrize(("text", "intent", "said", "value", "rule"), [
    ("set the heating to minus 10", "HassClimateSetTemperature", "10", -10, "negative"),
    ("set the heating to -5", "HassClimateSetTemperature", "5", -5, "negative"),
    ("set the heating to negative two", "HassClimateSetTemperature", "negative two", -2, "negative"),
    ("set the heating to 70 degrees fahrenheit", "HassClimateSetTemperature", "70 degrees", 21, "fahrenheit"),
    ("set the heating to 68°F", "HassClimateSetTemperature", "68", 20, "fahrenheit"),
    ("set the heating to 70 f", "HassClimateSetTemperature", "70 f", 21, "fahrenheit"),
    ("turn the heating up by 9 degrees fahrenheit", "VoicedClimateWarmer", "9 degrees", 5, "fahrenheit"),
    ("turn the heating down by 5 degrees f", "VoicedClimateCooler", "5 degrees", 3, "fahrenheit"),
    ("set the heating to 21 degrees celsius", "HassClimateSetTemperature", "21 degrees celsius", 21, None),
    ("set the heating to 20 for an hour", "HassClimateSetTemperature", "20", 20, None),
    ("turn the heating down by minus 2", "VoicedClimateCooler", "2", 2, None),  # a step has no sign
])
def test_temperature_words_sign_and_scale(ctx: HomeContext, text: str, intent: str, said: str, value: float,
                                          rule: str | None) -> None:
    r = reading(ctx, text, intent, {"temperature": said})
    r.slots["temperature"] = numbers.parse_temperature(said)
    fill.TemperatureWords()(r)
    assert r.slots["temperature"] == value
    assert r.fired == ([rule] if rule else [])


def test_temperature_words_only_temperatures(ctx: HomeContext) -> None:
    r = reading(ctx, "set the lamp to minus 10 fahrenheit", "HassLightSet", {"brightness": "10"})
    r.slots["brightness"] = 10
    fill.TemperatureWords()(r)
    assert r.slots == {"brightness": 10} and not r.fired


def test_requirements(ctx: HomeContext) -> None:
    r = reading(ctx, "set the bedroom lamp", "HassLightSet")
    requirements.Requirements()(r)
    assert r.intent == "HassLightSet" and r.extra["missing"] == ["brightness"]
    r = reading(ctx, "add to the shopping list", "HassListAddItem")
    requirements.Requirements()(r)
    assert r.intent is None and r.extra["missing"] == ["item"]


@pytest.mark.parametrize(("intent", "targets", "cannot"), [
    ("HassMediaPause", ["lock.front_door"], ["lock"]),
    ("HassMediaPause", ["light.counter", "light.desk_lamp"], ["light"]),
    ("HassLightSet", ["switch.sprinkler"], ["switch"]),
    ("HassTurnOn", ["lock.front_door"], None),  # on is *lock*
    ("HassTurnOff", ["light.counter", "lock.front_door"], None),
    ("HassMediaPause", [], None),  # no target: nothing to say here
])
def test_a_command_on_things_that_cannot_do_it_is_marked(ctx: HomeContext, intent: str, targets: list[str],
                                                         cannot: list[str] | None) -> None:
    r = reading(ctx, "pause it", intent)
    r.targets = targets
    r.slots = {"brightness": 50} if intent == "HassLightSet" else {}
    requirements.Requirements()(r)
    assert r.extra.get("cannot_do") == cannot


def test_a_command_on_a_kind_that_cannot_do_it_is_marked(ctx: HomeContext) -> None:
    r = reading(ctx, "close the windows", "HassTurnOff")
    r.domain, r.device_class = "binary_sensor", "window"  # no room said: no targets, only the kind
    requirements.Requirements()(r)
    assert r.extra["cannot_do"] == ["binary_sensor"]
    r = reading(ctx, "turn off the lights", "HassTurnOff")
    r.domain = "light"
    requirements.Requirements()(r)
    assert "cannot_do" not in r.extra


# ------------------------------------------------------------------ the parser counts firings
def test_parser_counts_each_unit_that_changed_the_reading(home: Home) -> None:
    model = FakeModel("HassTurnOn", 0.95, ["O", "O", "O", "B-name", "I-name"])
    parser = Parser(model, home)  # type: ignore[arg-type]
    p = parser.parse("turn on the bedside lamp")
    assert p.intent == "HassTurnOn" and p.targets == ("light.bedroom_lamp",)
    assert parser.fired["tagger"] == 1 and parser.fired["name_resolver"] == 1
    assert parser.fired["untagged_name"] == 0 and parser.fired["fixed_phrases"] == 0
    assert set(parser.fired) <= set(parser.unit_names())
    assert "tagged_spans.area_is_name" in parser.unit_names()
