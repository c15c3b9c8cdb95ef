"""Home + sentence templates → tagged training examples (tokens, BIO tags, intent).

Names come half from the home (display names and aliases) and half from a generator of plausible
fake names ("the amber uplighter", "marlow room"), so the tagger learns that a name is whatever
sits where a name goes, not a list by heart; that is what lets the shipped model cope with a home
it was never trained on.  Sentences are dressed the way people talk to a speaker: fillers,
politeness, digits or number words, with or without punctuation and capitals.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from voiced.home.model import Entity, Home
from voiced.intents import INTENTS, NULL_WEIGHT
from voiced.nlu import numbers
from voiced.nlu.slots import span_slots
from voiced.nlu.text import normalise, tokenize

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
STOPWORDS = frozenset({"the", "a", "an", "of", "in", "on", "my", "our", "and", "to", "'s", "s"})

# ---------------------------------------------------------------- template syntax


@dataclass(frozen=True)
class _Alt:
    options: tuple[tuple[Any, ...], ...]


@dataclass(frozen=True)
class _Slot:
    kind: str


@dataclass(frozen=True)
class _Macro:
    name: str


def _parse(src: str) -> tuple[Any, ...]:
    """Template text → sequence of str / _Alt / _Slot / _Macro nodes."""
    pos = 0

    def seq(stop: str) -> tuple[tuple[Any, ...], ...]:
        nonlocal pos
        options: list[tuple[Any, ...]] = []
        cur: list[Any] = []
        buf = ""
        while pos < len(src):
            ch = src[pos]
            if ch in stop:
                break
            pos += 1
            if ch == "|" and stop:
                if buf:
                    cur.append(buf)
                options.append(tuple(cur))
                cur, buf = [], ""
            elif ch in "([":
                if buf:
                    cur.append(buf)
                    buf = ""
                inner = seq(")" if ch == "(" else "]")
                pos += 1  # closing bracket
                cur.append(_Alt(inner + (((),) if ch == "[" else ())))
            elif ch in "{<":
                end = src.index("}" if ch == "{" else ">", pos)
                if buf:
                    cur.append(buf)
                    buf = ""
                name = src[pos:end]
                cur.append(_Slot(name) if ch == "{" else _Macro(name))
                pos = end + 1
            else:
                buf += ch
        if buf:
            cur.append(buf)
        options.append(tuple(cur))
        return tuple(options)

    return seq("")[0]


@dataclass
class Templates:
    macros: dict[str, list[tuple[Any, ...]]]
    intents: dict[str | None, list[tuple[Any, ...]]]
    prefix: list[str]
    suffix: list[str]
    # untagged filler words by kind ({topic}, {city}, ...): never a slot, in any intent
    fills: dict[str, list[str]] = field(default_factory=dict)


@lru_cache(maxsize=4)
def load_templates(path: Path = TEMPLATES_DIR / "intents.yaml", extra: bool = True) -> Templates:
    """The templates of ``path`` plus (``extra``) every other ``*.yaml`` beside it (more intents'
    sentences, ``null`` sentences, macro alternatives and ``fills``), so a new class of requests is
    one new file.  The ASR grammar uses ``path`` alone: textbook commands, not every phrasing."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    macros = {k: [_parse(str(v)) for v in vs] for k, vs in data["macros"].items()}
    intents: dict[str | None, list[tuple[Any, ...]]] = {
        k: [_parse(t) for t in ts] for k, ts in data["intents"].items()}
    intents[None] = [_parse(t) for t in data[None]]
    fills = {k: list(v) for k, v in _NULL_FILL.items()}
    for other in sorted(path.parent.glob("*.yaml")) if extra else ():
        if other == path:
            continue
        more = yaml.safe_load(other.read_text(encoding="utf-8")) or {}
        for k, vs in (more.get("macros") or {}).items():
            macros.setdefault(k, []).extend(_parse(str(v)) for v in vs)
        for k, ts in (more.get("intents") or {}).items():
            if k not in intents:
                raise ValueError(f"{other}: intents: {k} is not an intent of {path.name}")
            intents[k] += [_parse(t) for t in ts]
        intents[None] += [_parse(t) for t in more.get(None) or []]
        for k, vs in (more.get("fills") or {}).items():
            fills.setdefault(k, []).extend(str(v) for v in vs)
    return Templates(macros, intents, list(data["fillers"]["prefix"]), list(data["fillers"]["suffix"]), fills)


def _words(tpl: Templates, node: tuple[Any, ...], out: set[str], seen: frozenset[str] = frozenset()) -> None:
    """The literal words ``node`` can say, into ``out`` (every alternative and macro; not slots)."""
    for part in node:
        if isinstance(part, str):
            out.update(re.findall(r"[a-z0-9']+", part.lower()))
        elif isinstance(part, _Alt):
            for option in part.options:
                _words(tpl, option, out, seen)
        elif isinstance(part, _Macro) and part.name not in seen:
            for option in tpl.macros[part.name]:
                _words(tpl, option, out, seen | {part.name})


def template_words(tpl: Templates) -> dict[str | None, frozenset[str]]:
    """Every word each intent's templates can say (all alternatives and macros; slots and fills left
    out): the words the model was taught for that intent."""
    vocab: dict[str | None, frozenset[str]] = {}
    for intent, templates in tpl.intents.items():
        words: set[str] = set()
        for t in templates:
            _words(tpl, t, words)
        vocab[intent] = frozenset(words)
    return vocab


def macro_words(tpl: Templates, name: str) -> frozenset[str]:
    """The words of one macro's alternatives ("pls": the courtesy around a command)."""
    words: set[str] = set()
    for option in tpl.macros.get(name, []):
        _words(tpl, option, words, frozenset({name}))
    return frozenset(words)


# ---------------------------------------------------------------- fake names

_MODIFIERS = ["amber", "oak", "corner", "window", "reading", "big", "small", "little", "tall", "brass", "paper", "hanging", "north", "south", "east", "west", "front", "back", "side", "sofa", "desk", "bed", "piano", "mirror", "wall", "table", "floor", "cabinet", "shelf", "bookshelf", "vanity", "aquarium", "porch", "garden", "patio", "stair", "staircase", "island", "dining", "fireplace", "bay", "arch", "tv", "accent", "mood", "main", "upper", "lower", "left", "right", "copper", "glass", "wicker", "velvet", "walnut", "pine", "linen", "retro", "vintage", "cosy", "bright", "white", "blue", "green", "red", "yellow", "rose", "ivy", "willow", "marlow", "maple", "cedar", "birch", "harbour", "orchard", "bronze", "silver", "golden", "moon", "star"]
_NOUNS = {
    "light": ["lamp", "light", "lights", "uplighter", "spotlight", "spots", "strip", "bulb", "chandelier", "pendant", "sconce", "lantern", "downlights", "fairy_lights", "led_strip", "floor_lamp", "table_lamp", "globe"],
    "switch": ["plug", "socket", "kettle", "heater", "dehumidifier", "air_purifier", "christmas_tree", "printer", "monitor", "towel_rail", "boiler", "pump", "extractor", "espresso_machine", "dishwasher", "washing_machine", "fountain", "charger", "humidifier", "fridge", "amplifier", "outlet"],
    "fan": ["fan", "ceiling_fan", "pedestal_fan", "tower_fan", "extractor_fan", "desk_fan"],
    "cover": ["blinds", "blind", "curtains", "shutters", "shades", "awning", "skylight", "garage_door", "roller_shutter", "gate", "drapes"],
    "lock": ["door", "door_lock", "gate", "lock", "deadbolt", "side_door", "patio_door", "gate_lock"],
    "valve": ["valve", "water_valve", "gas_valve", "irrigation_valve", "tap"],
    "climate": ["thermostat", "heater", "radiator", "air_conditioner", "heat_pump", "underfloor_heating", "trv", "aircon"],
    "media_player": ["tv", "television", "speaker", "radio", "soundbar", "stereo", "sonos", "chromecast", "projector", "hifi"],
    "vacuum": ["robot", "vacuum", "hoover", "mopper", "robot_vacuum", "cleaner"],
    "sensor": ["humidity", "humidity_sensor", "air_quality", "power_usage", "energy_meter", "co2_level", "battery", "pressure"],
    "temp_sensor": ["temperature", "temperature_sensor", "thermometer", "outside_temperature", "outdoor_temperature", "indoor_temperature"],
    "binary_sensor": ["window", "door", "door_sensor", "window_sensor", "motion_sensor", "smoke_alarm", "contact_sensor"],
    "alarm": ["smoke_alarm", "fire_alarm", "smoke_detector", "leak_sensor", "gas_alarm", "co_alarm", "flood_sensor"],
}
_SCENES = ["evening glow", "dinner party", "relax", "reading time", "cinema", "party mode", "romantic", "focus", "wake up", "night mode", "sunset", "cosy evening", "game night", "all off", "away", "welcome home", "date night", "chill out", "bright", "concentrate", "lazy sunday", "breakfast"]
_SCRIPTS = ["leaving home", "arriving home", "goodnight routine", "morning routine", "feed the fish", "water the plants", "bath time", "lockdown", "school run", "holiday mode", "warm up the car", "tea time"]
_AREA_A = ["marlow", "willow", "ash", "birch", "maple", "cedar", "rose", "ivy", "orchard", "harbour", "blue", "green", "red", "yellow", "north", "south", "east", "west", "guest", "games", "utility", "laundry", "dining", "sun", "music", "boot", "box", "play", "tv", "spare", "family", "craft", "sewing", "media", "drawing", "morning", "breakfast", "plant", "wine", "gym", "lily", "ruby", "oak", "river", "pine", "emma", "jack", "tom", "lucy"]
_AREA_B = ["room", "room", "room", "lounge", "den", "study", "porch", "loft", "suite", "nook", "bedroom", "bathroom", "kitchen", "office", "hall", "corner", "snug"]
_AREA_SINGLE = ["attic", "cellar", "basement", "conservatory", "porch", "patio", "balcony", "pantry", "laundry", "utility", "loft", "landing", "driveway", "shed", "workshop", "gym", "sunroom", "studio", "annex", "veranda", "terrace", "playroom", "nursery", "library", "den", "foyer", "lobby", "mudroom", "cloakroom", "scullery", "toilet", "ensuite", "dining_room", "family_room", "guest_room", "spare_room", "games_room", "utility_room", "back_garden", "front_garden", "greenhouse", "summer_house"]
_FLOORS = ["basement", "ground floor", "first floor", "second floor", "third floor", "attic", "loft", "upstairs", "downstairs", "main floor", "lower level", "upper level", "top floor", "cellar", "mezzanine", "lower ground floor", "level one", "level two", "garden level"]
_TODO = ["shopping list", "grocery list", "to do list", "chores list", "hardware list", "packing list", "christmas list", "wish list", "groceries", "todo list", "work list", "party list"]


def _fake_entity(rng: random.Random, domain: str) -> str:
    if domain == "scene":
        return rng.choice(_SCENES)
    if domain == "script":
        return rng.choice(_SCRIPTS)
    if domain == "todo":
        return rng.choice(_TODO)
    noun = rng.choice(_NOUNS.get(domain, _NOUNS["switch"])).replace("_", " ")
    r = rng.random()
    if r < 0.35:
        return noun
    if r < 0.6:
        return f"{_fake_area(rng)} {noun}"
    if r < 0.68:
        return f"{rng.choice(_MODIFIERS)} {rng.choice(_MODIFIERS)} {noun}"
    if r < 0.76:
        # numbered devices ("lamp 2", "plug three"): speech recognisers write the number either way
        return f"{noun} {rng.choice(['1', '2', '3', '4', 'one', 'two', 'three', 'four'])}"
    return f"{rng.choice(_MODIFIERS)} {noun}"


def _fake_area(rng: random.Random) -> str:
    if rng.random() < 0.45:
        return rng.choice(_AREA_SINGLE).replace("_", " ")
    return f"{rng.choice(_AREA_A)} {rng.choice(_AREA_B)}"


# ---------------------------------------------------------------- classes of entities a slot accepts

_CLASS_DOMAINS: dict[str, tuple[str, ...]] = {
    "light": ("light",), "switch": ("switch",), "fan": ("fan",), "cover": ("cover",), "lock": ("lock",),
    "valve": ("valve",), "climate": ("climate",), "media": ("media_player",), "vacuum": ("vacuum",),
    "scene": ("scene",), "script": ("script",), "sensor": ("sensor",), "temp_sensor": ("sensor",), "todo": ("todo",),
    "weather": ("weather",), "onoff": ("light", "switch", "fan", "media_player"),
    "toggleable": ("light", "switch", "fan"), "openable": ("cover", "valve"),
    "contact": ("binary_sensor",), "activatable": ("scene", "script"), "alarm": ("binary_sensor",),
    "any": ("light", "switch", "fan", "cover", "lock", "climate", "media_player", "sensor", "binary_sensor"),
}
_STATES = {
    "lock": ["locked", "unlocked", "locked", "locked"],
    "openable": ["open", "closed", "open", "closed", "shut"],
    "contact": ["open", "closed", "open", "shut"],
    "onoff": ["on", "off", "on", "off", "still on", "left on", "running"],
    "alarm": ["going off", "on", "ringing", "beeping", "triggered"],
}
_COMMANDS = ["turn off the lights", "turn on the fan", "switch off the tv", "lock the front door", "close the blinds", "turn off the oven", "start the coffee maker", "turn the heating down", "turn on the porch light", "switch the kettle off", "open the garage door", "turn the music off", "dim the lights"]


@dataclass
class Example:
    text: str
    tokens: list[str]
    tags: list[str]
    intent: str | None
    gaz: list[int]  # per token: bit 1 entity-name word, 2 area word, 4 floor word
    slots: dict[str, Any] = field(default_factory=dict)  # raw frame: tagged spans normalised


@dataclass
class _Ctx:
    rng: random.Random
    home: Home
    words_only: bool  # ASR style: numbers as words, no real/fake mixing (only the home's own names)
    fake_p: float
    known_entity: set[str] = field(default_factory=set)
    known_area: set[str] = field(default_factory=set)
    known_floor: set[str] = field(default_factory=set)


def _name_words(name: str) -> set[str]:
    return {normalise(name)}


def _num(ctx: _Ctx, n: float) -> str:
    if ctx.words_only or ctx.rng.random() < 0.45:
        return numbers.number_to_words(n)
    return str(int(n)) if float(n).is_integer() else str(n)


def _slot_text(ctx: _Ctx, kind: str) -> tuple[str, str]:
    """(surface text, tag label) for one slot placeholder."""
    rng = ctx.rng
    base, _, cls = kind.partition(":")
    if base == "name":
        domains = _CLASS_DOMAINS.get(cls, ("light",))
        pool = [e for e in ctx.home.entities if e.domain in domains]
        if cls == "contact":
            pool = [e for e in pool if e.device_class in ("door", "window", "garage_door", "opening", None)]
        if cls == "temp_sensor":
            pool = [e for e in pool if e.device_class == "temperature"]
        if cls == "sensor":
            pool = [e for e in pool if e.device_class != "temperature"]
        if cls == "alarm":
            pool = [e for e in pool if e.device_class in ("smoke", "gas", "moisture", "carbon_monoxide", "motion")]
        if cls == "weather" and pool and rng.random() < 0.7:
            pool = [e for e in pool if True]
        if pool and (ctx.fake_p == 0 or rng.random() > ctx.fake_p):
            ent: Entity = rng.choice(pool)
            name = rng.choice(ent.names)
            ctx.known_entity |= _name_words(name)
        else:
            fake_dom = cls if cls in ("alarm", "temp_sensor") else rng.choice(domains)
            name = _fake_entity(rng, fake_dom)
            if rng.random() < 0.8:
                ctx.known_entity |= _name_words(name)
        return name.lower() if rng.random() < 0.8 else name, "name"
    if base == "list":
        pool = [e for e in ctx.home.entities if e.domain == "todo"]
        if pool and (ctx.fake_p == 0 or rng.random() > ctx.fake_p):
            name = rng.choice(rng.choice(pool).names).lower()
        else:
            name = rng.choice(_TODO)
        ctx.known_entity |= _name_words(name)
        return name, "list"
    if base == "area":
        if ctx.home.areas and (ctx.fake_p == 0 or rng.random() > ctx.fake_p):
            name = rng.choice(rng.choice(ctx.home.areas).names)
            ctx.known_area |= _name_words(name)
        else:
            name = _fake_area(rng)
            if rng.random() < 0.85:
                ctx.known_area |= _name_words(name)
        return name.lower() if rng.random() < 0.8 else name, "area"
    if base == "floor":
        if ctx.home.floors and (ctx.fake_p == 0 or rng.random() > ctx.fake_p):
            name = rng.choice(rng.choice(ctx.home.floors).names)
        else:
            name = rng.choice(_FLOORS)
        ctx.known_floor |= _name_words(name)
        return name.lower(), "floor"
    if base in ("brightness", "position", "volume"):
        label = "volume_level" if base == "volume" else base
        r = rng.random()
        if r < 0.06 and base != "volume":
            return rng.choice(["full", "maximum", "full brightness" if base == "brightness" else "fully open"]), label
        if r < 0.16 and base == "position":
            return rng.choice(["halfway", "half way", "half open", "a quarter open", "three quarters open",
                               "a quarter", "three quarters", "quarter open"]), label
        v = rng.choice([rng.randrange(0, 101, 5), rng.randrange(1, 101), rng.randrange(10, 101, 10)])
        form = rng.random()
        if form < 0.3:
            return (f"{v}%" if not ctx.words_only else f"{numbers.number_to_words(v)} percent"), label
        if form < 0.75:
            return f"{_num(ctx, v)} percent", label
        return _num(ctx, v), label
    if base == "bfull":
        return rng.choice(["full brightness", "full", "maximum", "maximum brightness", "max", "full power",
                           "a hundred percent", "one hundred percent",
                           "one hundred percent" if ctx.words_only else "100%"]), "brightness"
    if base == "position_word":
        return rng.choice(["halfway", "half way", "half open", "a quarter open", "three quarters open",
                           "a quarter of the way", "three quarters of the way", "part way", "half"]), "position"
    if base == "bstep":
        v = rng.choice([5, 10, 15, 20, 25, 30, 40, 50])
        return (f"{_num(ctx, v)} percent" if rng.random() < 0.7 or ctx.words_only else f"{v}%"), "brightness"
    if base == "color":
        return rng.choice(numbers.COLORS[:20]), "color"
    if base == "temperature":
        deg: float = rng.choice(range(15, 29)) + (0.5 if rng.random() < 0.25 else 0)
        unit = rng.choice([" degrees", " degrees", " degrees celsius", "", "°" if not ctx.words_only else ""])
        return f"{_num(ctx, deg)}{unit}", "temperature"
    if base == "tstep":
        return rng.choice(["a degree", "one degree", "two degrees", "a couple of degrees", "a few degrees",
                           "three degrees", f"{_num(ctx, rng.choice([1, 2, 3, 4, 5]))} degrees", "half a degree",
                           "a couple degrees"]), "temperature"
    if base in ("duration", "start_duration"):
        return _duration_text(ctx), base
    if base == "timer_name":
        return rng.choice(_TIMER_NAMES), "timer_name"
    if base == "item":
        if rng.random() < 0.2:
            qty = rng.choice(["two", "three", "a", "six", "four", "2", "a couple of"]) if not ctx.words_only else "two"
            unit = rng.choice(["pints", "bags", "bottles", "packs", "tins", "boxes", "kilos", "loaves", "cartons"])
            return f"{qty} {unit} of {rng.choice(_BULK)}", "item"
        return rng.choice(_ITEMS), "item"
    if base == "command":
        if rng.random() < 0.5:
            return rng.choice(_COMMANDS), "conversation_command"
        verb = rng.choice(["turn on", "turn off", "switch off", "switch on"])
        return f"{verb} the {_fake_entity(rng, rng.choice(['light', 'switch', 'fan']))}", "conversation_command"
    if base == "message":
        return rng.choice(_MESSAGES), "message"
    if base == "state":
        return rng.choice(_STATES.get(cls, ["on", "off"])), "state"
    raise KeyError(f"unknown slot kind {kind!r}")


def _duration_text(ctx: _Ctx) -> str:
    rng = ctx.rng
    n = lambda v: _num(ctx, v)  # noqa: E731
    unit = lambda v, u: f"{n(v)} {u}{'' if v == 1 else 's'}"  # noqa: E731
    forms = [
        lambda: unit(rng.choice([1, 2, 3, 5, 10, 15, 20, 25, 30, 40, 45, 90, rng.randint(1, 59)]), "minute"),
        lambda: unit(rng.choice([10, 15, 20, 30, 45, 90, rng.randint(1, 59)]), "second"),
        lambda: unit(rng.choice([1, 2, 3]), "hour"),
        lambda: rng.choice(["a minute", "an hour", "half an hour", "a minute and a half", "an hour and a half",
                            "a quarter of an hour", "a second", "half a minute"]),
        lambda: f"{unit(rng.randint(1, 3), 'hour')} {rng.choice(['', 'and '])}{unit(rng.randint(1, 59), 'minute')}",
        lambda: f"{unit(rng.randint(1, 20), 'minute')} {rng.choice(['', 'and '])}{unit(rng.randint(1, 59), 'second')}",
        lambda: f"{n(rng.randint(1, 10))} and a half minutes",
        lambda: f"{n(rng.randint(2, 50))} {rng.choice(['min', 'mins'])}" if not ctx.words_only else unit(7, "minute"),
    ]
    weights = [5, 2, 1, 2, 1, 1, 1, 1]
    return str(rng.choices(forms, weights)[0]())


_TIMER_NAMES = ["pizza", "pasta", "egg", "eggs", "oven", "laundry", "tea", "cake", "rice", "bread", "chicken", "workout", "nap", "homework", "parking", "potato", "roast", "cookies", "steak", "meditation", "soup", "pie", "washing", "kids"]
_ITEMS = ["milk", "eggs", "bread", "butter", "cheese", "apples", "bananas", "coffee", "tea", "toilet paper", "washing up liquid", "dog food", "cat litter", "olive oil", "pasta", "rice", "tomatoes", "onions", "garlic", "chicken", "orange juice", "batteries", "light bulbs", "paper towels", "shampoo", "toothpaste", "cereal", "yoghurt", "a loaf of bread", "two pints of milk", "call the plumber", "fix the fence", "mow the lawn", "clean the gutters", "book the dentist", "sugar", "flour", "lemons", "nappies", "bin bags", "wine", "beer", "ice cream", "strawberries", "carrots", "potatoes", "salmon", "a birthday card", "new socks", "take out the bins", "water the garden", "walk the dog", "wash the car", "pay the gas bill", "call the bank", "tidy the garage", "a bag of flour", "some lemons", "the big bag of rice"]
_MESSAGES = ["dinner is ready", "it's time for bed", "we're leaving in five minutes", "the taxi is here", "come downstairs please", "breakfast is on the table", "time to go to school", "someone is at the door", "turn off the tv and go to sleep", "the movie starts now", "please tidy your rooms", "grandma is here", "lunch is ready", "shoes on we are going out", "the pizza has arrived", "bath time in ten minutes", "happy birthday dad", "lights out in five minutes", "the car is ready", "homework time", "the film is starting", "the taxi is outside", "the bath is ready", "the shop closes at six", "a parcel has arrived", "the dog needs a walk", "the game is about to start", "my friends are coming over"]
_MESSAGES += ["the food is getting cold", "the bus leaves in ten minutes", "it's snowing outside",
              "the washing machine has finished", "the plumber is here", "everyone come to the kitchen",
              "we are out of milk", "the match is on"]
_BULK = ["milk", "cream", "rice", "flour", "beans", "tomatoes", "water", "juice", "crisps", "oats", "sugar", "pasta",
         "coffee", "bread"]
_NULL_FILL = {
    "topic": ["the nearest petrol station", "the airport", "the supermarket", "work", "the train station", "paris", "the eiffel tower", "the president", "einstein", "the moon", "mount everest", "france", "the queen", "the sun", "a black hole", "spain", "shakespeare", "the world cup", "london", "japan", "the ocean", "dinosaurs", "bitcoin", "the kitchen sink", "my neighbour", "the best pizza place", "lady gaga", "the nile"],
    "word": ["serendipity", "ephemeral", "lamp", "light", "door", "window", "kitchen", "table", "banana", "bicycle", "house", "garden", "music", "cloud", "bedroom", "curtain", "fan", "lock", "timer", "weather", "temperature"],
    "person": ["mom", "mum", "dad", "john", "sarah", "grandma", "the office", "my boss", "alex", "emma", "the doctor", "the plumber"],
    "music": ["jazz", "some jazz", "the beatles", "taylor swift", "classical music", "relaxing music", "rock", "my workout playlist", "lo fi beats", "the news podcast", "bohemian rhapsody", "something upbeat", "christmas songs"],
    "thing": ["pizza", "a new phone", "batteries", "coffee", "a cake", "pancakes", "the car", "dishwasher", "the washing machine", "apple", "tesla", "the fridge", "the boiler", "the oven", "a lamp", "the heater", "the lights", "the tv"],
    "chore": ["call mom", "take out the trash", "buy milk", "water the plants", "pick up the kids", "pay the bills", "lock the door", "turn off the oven"],
    "clock": ["7 am", "seven thirty", "six o'clock", "noon", "8:30", "tomorrow morning", "nine pm", "midnight"],
    "devnoun": ["lights", "kitchen lights", "thermostat", "blinds", "curtains", "tv", "heating", "fan", "lamp", "front door", "garage door", "speaker", "lamps", "radiator", "kettle", "robot vacuum", "bedroom lights", "smoke alarm", "log burner", "windows", "sofa", "carpet", "fridge", "shutters", "doorbell", "ceiling fan"],
    "room": ["kitchen", "lounge", "study", "bedroom", "office", "garden", "bathroom", "hallway", "attic", "living room", "den"],
    "filler": ["so", "um", "uh", "well", "hmm", "er", "like", "you know", "okay so", "i mean", "erm", "right so", "and", "but"],
    "unit": ["ounces", "grams", "cups", "inches", "feet", "minutes", "seconds", "calories", "days", "people"],
    "qnoun": ["sky", "sea", "banana", "pound", "year", "moon", "sun", "ocean", "cats", "birds", "planes", "bees",
              "leaves", "stars", "rainbow", "week", "mountain", "egg", "country", "volcano"],
    "qtail": ["blue", "salty", "yellow", "fly", "purr", "change colour", "so hot", "shine", "exist", "work",
              "erupt", "float", "sleep"],
    "role": ["prime minister", "president", "king", "queen", "capital", "mayor", "ceo", "captain", "author"],
    "thing2": ["printer ink", "shoes", "a raincoat", "dog food", "a birthday present", "paint", "a sofa",
               "headphones", "a new kettle", "light bulbs", "a bike", "wine", "a book", "a recipe", "batteries"],
    "activity": ["sleeping", "a party", "running", "reading", "a picnic", "studying", "a baby", "dinner",
                 "working from home", "the weekend", "a date"],
    "vp": ["go for a walk", "watch a film", "bake a cake", "visit grandma", "go shopping", "paint the fence",
           "fix the car", "learn french", "plant some flowers", "go to the beach", "have pizza", "sleep in",
           "call the plumber", "clean the windows", "move the sofa", "go camping", "get a dog"],
    "num": ["two", "seven", "12", "fifty", "100", "three hundred", "9"],
}


def _expand(ctx: _Ctx, tpl: Templates, node: tuple[Any, ...], out: list[tuple[str, str | None]]) -> None:
    for part in node:
        if isinstance(part, str):
            out.append((part, None))
        elif isinstance(part, _Alt):
            _expand(ctx, tpl, ctx.rng.choice(part.options), out)
        elif isinstance(part, _Macro):
            _expand(ctx, tpl, ctx.rng.choice(tpl.macros[part.name]), out)
        elif part.kind in tpl.fills:
            out.append((ctx.rng.choice(tpl.fills[part.kind]), None))
        else:
            text, label = _slot_text(ctx, part.kind)
            out.append((text, label))


def _render(ctx: _Ctx, tpl: Templates, intent: str | None, style_asr: bool) -> Example | None:
    rng = ctx.rng
    node = rng.choice(tpl.intents[intent])
    segs: list[tuple[str, str | None]] = []
    _expand(ctx, tpl, node, segs)
    if not style_asr and rng.random() < 0.25:
        segs.insert(0, (rng.choice(tpl.prefix) + rng.choice([" ", ", "]), None))
    if not style_asr and rng.random() < 0.12 and intent not in ("VoicedConfirm", "VoicedDeny", "HassNevermind"):
        segs.append((rng.choice([" ", ", "]) + rng.choice(tpl.suffix), None))
    # join, remembering each slot's character range
    text = ""
    spans: list[tuple[int, int, str]] = []
    for s, label in segs:
        chunk = " ".join(s.split())
        if not chunk:
            continue
        if text and not chunk.startswith(","):
            text += " "
        if label is not None:
            spans.append((len(text), len(text) + len(chunk), label))
        text += chunk
    if not style_asr:
        r = rng.random()
        if r < 0.2:
            text = text[:1].upper() + text[1:] + rng.choice(["?", ".", "!", ""])
        elif r < 0.25:
            text = text + rng.choice([".", "?"])
    toks = tokenize(text)
    if not toks:
        return None
    tags = ["O"] * len(toks)
    if intent is None:
        spans = []  # names inside chatter are not commands: nothing to tag
    slots: dict[str, Any] = {}
    for start, end, label in spans:
        first = True
        for i, t in enumerate(toks):
            if t.start >= start and t.end <= end:
                tags[i] = ("B-" if first else "I-") + label
                first = False
        slots.update(span_slots(label, text[start:end]))
    gaz = gazetteer_flags([t.text for t in toks], ctx.known_entity, ctx.known_area, ctx.known_floor)
    return Example(text, [t.text for t in toks], tags, intent, gaz, slots)


def gazetteer_flags(tokens: list[str], entity: set[str], area: set[str], floor: set[str],
                    max_len: int = 6) -> list[int]:
    """Per token, which kinds of the home's full names (or aliases) it is part of, found as whole
    word sequences in the sentence (bit 1 entity, 2 area, 4 floor)."""
    flags = [0] * len(tokens)
    for bit, names in ((1, entity), (2, area), (4, floor)):
        if not names:
            continue
        for i in range(len(tokens)):
            for j in range(min(len(tokens), i + max_len), i, -1):
                if " ".join(tokens[i:j]) in names:
                    for k in range(i, j):
                        flags[k] |= bit
                    break
    return flags


def _spellings(name: str) -> set[str]:
    """A normalised name and, with an apostrophe, its spelling without (as the resolver:
    ``voiced.home.resolve.spellings``)."""
    low = normalise(name)
    return {low, low.replace("'", "")}


def home_names(home: Home) -> tuple[set[str], set[str], set[str]]:
    """Normalised names and aliases of the home's entities, areas and floors (for gazetteer_flags)."""
    return ({s for e in home.entities for n in e.names for s in _spellings(n)},
            {s for a in home.areas for n in a.names for s in _spellings(n)},
            {s for f in home.floors for n in f.names for s in _spellings(n)})


# share of the data per intent (voiced/intents.py; null gets a large share: acting on chatter is the worst error)
_WEIGHTS: dict[str | None, float] = {**{n: s.weight for n, s in INTENTS.items()}, None: NULL_WEIGHT}


# the ASR grammar's own balance of commands (the training data asks more of clock and weather,
# which people phrase in many ways the grammar's textbook sentences do not cover)
_GRAMMAR_WEIGHTS = {**_WEIGHTS, "HassGetCurrentTime": 0.7, "HassGetCurrentDate": 0.7, "HassGetWeather": 0.9}


def generate(home: Home, n: int = 6000, seed: int = 0, fake_p: float = 0.5,
             templates: Templates | None = None) -> list[Example]:
    """``n`` tagged examples for ``home``; deterministic for a given seed."""
    tpl = templates or load_templates()
    rng = random.Random(seed)
    ent, area, floor = home_names(home)
    intents = list(tpl.intents)
    weights = [_WEIGHTS.get(i, 1.0) for i in intents]
    out: list[Example] = []
    tries = 0
    while len(out) < n and tries < n * 3:
        tries += 1
        intent = rng.choices(intents, weights)[0]
        ctx = _Ctx(rng, home, words_only=rng.random() < 0.35, fake_p=fake_p,
                   known_entity=set(ent), known_area=set(area), known_floor=set(floor))
        ex = _render(ctx, tpl, intent, style_asr=ctx.words_only)
        if ex is not None:
            out.append(ex)
    return out


def command_sentences(home: Home, limit: int = 2000, seed: int = 0) -> list[str]:
    """Lower-case, number-words commands for THIS home (names and aliases only), for an ASR grammar.

    Every entity and area appears; deterministic for a given seed."""
    tpl = load_templates(extra=False)
    rng = random.Random(seed)
    seen: dict[str, None] = {}
    intents = [i for i in tpl.intents if i is not None]

    def one(intent: str) -> str | None:
        ctx = _Ctx(rng, home, words_only=True, fake_p=0.0)
        ex = _render(ctx, tpl, intent, style_asr=True)
        return " ".join(ex.tokens) if ex else None

    # coverage first: every intent a few times, then every entity/area name inside some sentence
    for intent in intents:
        for _ in range(3):
            s = one(intent)
            if s:
                seen.setdefault(s)
    names = [n.lower() for e in home.entities for n in e.names] + [n.lower() for a in home.areas for n in a.names]
    for name in names:
        for _ in range(40):
            s = one(rng.choice(intents[:12]))
            if s and f" {name} " in f" {s} ":
                seen.setdefault(s)
                break
        else:
            seen.setdefault(f"turn on the {name}")
    weights = [_GRAMMAR_WEIGHTS.get(i, 1.0) for i in intents]
    tries = 0
    while len(seen) < limit and tries < limit * 5:
        tries += 1
        s = one(rng.choices(intents, weights)[0])
        if s:
            seen.setdefault(s)
    return list(seen)[:limit]
