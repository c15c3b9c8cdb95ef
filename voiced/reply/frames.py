"""ReplyFrame → what the reply model reads (a linearised source) and the words it may copy.

Every value the reply can say is turned here into one *surface field*: a short phrase ready to be
spoken by eSpeak (``names`` → "the Hall Light and the Desk Lamp", ``unit`` "°C" → "degrees",
``count`` 3 → "three").  The model never spells a value itself: its source holds one typed
placeholder per surface field (``<names>``), and its copy mechanism points at them.  Categorical
values that change the wording (action, state, question, all) and the plurality of lists are
visible to the model as ordinary tokens.

The functions here never raise on malformed values: a value of the wrong type is skipped (logged
once by the caller's check), so garbage in a frame can only make a reply plainer, never crash it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from voiced.events import ReplyFrame

# surface fields the templates may use, in the order they appear in the source
SURFACE_FIELDS = (
    "names", "names_be", "names_or", "count", "count_be", "count_kinds", "count_timers",
    "already_names", "already_be", "unavailable_names", "unavailable_be", "unknown",
    "entity", "area", "kind", "kinds", "action_past", "action_state", "action_verb", "state",
    "value", "unit", "temperature", "temp_unit", "brightness", "position", "volume_level",
    "color", "item", "list", "time", "date", "weather", "duration", "timer_name", "timers",
    "slot_duration", "message", "announcement", "timer_length", "timers_or", "heard",
)
# fields that are always present when their base fields are (so templates need not list them);
# timer_length only in VoicedTimerFinished frames
TIMER_FINISHED = "VoicedTimerFinished"
IMPLIED = {
    "names_be": ("names",), "names_or": ("names",), "already_be": ("already_names",),
    "unavailable_be": ("unavailable_names",), "count_be": ("count",), "count_timers": ("count",),
    "count_kinds": ("count", "kinds"), "kind": ("kinds",), "kinds": ("kind",),
    "temp_unit": ("temperature",), "action_verb": ("action_past",), "action_past": ("action_verb",),
    "timer_length": ("duration",), "timers_or": ("timers",),
}
# categorical values that select the wording; the model sees them as "C:field=value" tokens
CATEGORICAL_FIELDS = ("action", "state", "question", "all", "scope")
# lists/counts whose plurality (0, 1, many) selects the wording; seen as "N:field=..." tokens
PLURAL_FIELDS = ("names", "already_names", "unavailable_names", "unknown", "count", "timers")

NUMBER_WORDS = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen", "twenty",
)
# HA state words a reply must never say unless the frame holds them
STATE_WORDS = frozenset({"on", "off", "open", "closed", "locked", "unlocked", "detected", "clear"})

UNIT_WORDS = {
    "°c": "degrees", "c": "degrees", "°f": "degrees Fahrenheit", "f": "degrees Fahrenheit",
    "%": "percent", "lx": "lux", "w": "watts", "kw": "kilowatts", "kwh": "kilowatt hours",
    "wh": "watt hours", "v": "volts", "a": "amps", "hpa": "hectopascals", "ppm": "parts per million",
    "db": "decibels", "mm": "millimetres", "cm": "centimetres", "m": "metres", "km/h": "kilometres per hour",
    "m/s": "metres per second", "l": "litres", "µg/m³": "micrograms per cubic metre", "s": "seconds",
    "min": "minutes", "h": "hours",
}

# action → (past tense phrase, resulting state, imperative verb); None where it has no such form
ACTION_FORMS: dict[str, tuple[str, str | None, str]] = {
    "on": ("turned on", "on", "turn on"),
    "off": ("turned off", "off", "turn off"),
    "toggle": ("toggled", None, "toggle"),
    "lock": ("locked", "locked", "lock"),
    "unlock": ("unlocked", "unlocked", "unlock"),
    "open": ("opened", "open", "open"),
    "close": ("closed", "closed", "close"),
    "activate": ("activated", None, "activate"),
    "brightness": ("set", None, "set"),
    "brighter": ("brightened", None, "brighten"),
    "dimmer": ("dimmed", None, "dim"),
    "color": ("changed the colour of", None, "change the colour of"),
    "temperature": ("set", None, "set"),
    "warmer": ("turned up", None, "turn up"),
    "cooler": ("turned down", None, "turn down"),
    "position": ("moved", None, "move"),
    "pause": ("paused", "paused", "pause"),
    "next": ("skipped forward on", None, "skip forward on"),
    "previous": ("went back on", None, "go back on"),
    "play": ("resumed", "playing", "resume"),
    "volume": ("set the volume of", None, "set the volume of"),
    "start": ("started", None, "start"),
    "return": ("sent back", None, "send back"),
    "add": ("added", None, "add"),
    "disarm": ("disarmed", "disarmed", "disarm"),
}

# domain or device class → (singular, plural)
KIND_FORMS: dict[str, tuple[str, str]] = {
    "light": ("light", "lights"), "switch": ("switch", "switches"), "fan": ("fan", "fans"),
    "cover": ("cover", "covers"), "climate": ("thermostat", "thermostats"), "lock": ("lock", "locks"),
    "media_player": ("speaker", "speakers"), "sensor": ("sensor", "sensors"),
    "binary_sensor": ("sensor", "sensors"), "scene": ("scene", "scenes"), "script": ("script", "scripts"),
    "vacuum": ("vacuum", "vacuums"), "valve": ("valve", "valves"), "weather": ("weather station", "weather stations"),
    "todo": ("list", "lists"), "door": ("door", "doors"), "window": ("window", "windows"),
    "garage_door": ("garage door", "garage doors"), "gate": ("gate", "gates"), "blind": ("blind", "blinds"),
    "curtain": ("curtain", "curtains"), "shade": ("shade", "shades"), "shutter": ("shutter", "shutters"),
    "awning": ("awning", "awnings"), "motion": ("motion sensor", "motion sensors"),
    "occupancy": ("occupancy sensor", "occupancy sensors"), "presence": ("presence sensor", "presence sensors"),
    "temperature": ("temperature sensor", "temperature sensors"), "humidity": ("humidity sensor", "humidity sensors"),
    "smoke": ("smoke detector", "smoke detectors"), "moisture": ("leak sensor", "leak sensors"),
    "opening": ("opening", "openings"), "outlet": ("outlet", "outlets"), "tv": ("TV", "TVs"),
    "speaker": ("speaker", "speakers"), "water": ("water valve", "water valves"), "gas": ("gas valve", "gas valves"),
}

WEATHER_WORDS = {
    "clear-night": "clear", "cloudy": "cloudy", "exceptional": "exceptional", "fog": "foggy",
    "hail": "hailing", "lightning": "stormy", "lightning-rainy": "stormy and rainy",
    "partlycloudy": "partly cloudy", "pouring": "pouring", "rainy": "rainy", "snowy": "snowy",
    "snowy-rainy": "sleeting", "sunny": "sunny", "windy": "windy", "windy-variant": "windy and cloudy",
}


def number_text(x: Any) -> str | None:
    """A number as eSpeak reads it best: digits, at most one decimal, no trailing ``.0``."""
    if isinstance(x, bool):
        return None
    if isinstance(x, str):
        try:
            x = float(x.strip())
        except ValueError:
            return None
    if not isinstance(x, int | float) or not math.isfinite(x):
        return None
    if isinstance(x, int) or float(x).is_integer():
        return str(int(x))
    return f"{x:.1f}".rstrip("0").rstrip(".")


def count_text(n: int) -> str:
    """Counts in words ("three lights"), digits past twenty."""
    return NUMBER_WORDS[n] if 0 <= n < len(NUMBER_WORDS) else str(n)


def join_list(items: list[str], conj: str = "and") -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conj} {items[-1]}"


def the(name: str) -> str:
    """Display names take an article ("the Hall Light") unless they carry one already."""
    return name if name.lower().startswith(("the ", "my ", "our ")) else f"the {name}"


def unit_text(unit: Any) -> str | None:
    if not isinstance(unit, str) or not unit.strip():
        return None
    return UNIT_WORDS.get(unit.strip().lower(), unit.strip())


def duration_text(hours: Any = 0, minutes: Any = 0, seconds: Any = 0) -> str | None:
    """``{"minutes": 5}`` → "5 minutes"; ``1, 30, 0`` → "1 hour and 30 minutes"."""
    parts = []
    for value, unit in ((hours, "hour"), (minutes, "minute"), (seconds, "second")):
        if value is None or isinstance(value, bool):
            continue
        try:
            n = float(value)
        except (TypeError, ValueError):
            continue
        if n <= 0 or not math.isfinite(n):
            continue
        text = number_text(n) or ""
        parts.append(f"{text} {unit}" + ("" if n == 1 else "s"))
    return join_list(parts) if parts else None


def length_text(hours: Any = 0, minutes: Any = 0, seconds: Any = 0) -> str | None:
    """A duration used as an adjective: ``{"seconds": 30}`` → "30-second" ("your 30-second
    timer"); ``1, 30, 0`` → "1-hour 30-minute"."""
    full = duration_text(hours, minutes, seconds)
    if full is None:
        return None
    parts = []
    for part in full.replace(" and ", ", ").split(", "):
        num, unit = part.split(" ", 1)
        parts.append(f"{num}-{unit.rstrip('s')}")
    return " ".join(parts)


def _names(value: Any) -> list[str]:
    """A list of display names from a list, a single string, or candidate dicts; junk dropped."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple):
        return []
    out = []
    for v in value:
        if isinstance(v, dict):
            v = v.get("name")
        if isinstance(v, str) and v.strip():
            out.append(" ".join(v.split()))
    return out


def _word(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return number_text(value)
    if isinstance(value, str) and value.strip():
        return " ".join(value.split())
    return None


def _timer(value: Any) -> tuple[str | None, str | None]:
    """(name, duration text) of a timer dict."""
    if not isinstance(value, dict):
        return None, None
    name = _word(value.get("name"))
    return name, duration_text(value.get("hours"), value.get("minutes"), value.get("seconds"))


def _timer_choices(timers: list[Any]) -> list[str]:
    """Timers as the choices of a "which timer" question: "the pizza timer" by name, else by the
    time left (the dialogue sends the remaining time, so "the 5-minute timer" could be wrong);
    a name that several timers share gets the time left too."""
    read = [_timer(t) for t in timers]
    names = [n.lower() for n, _ in read if n]
    out = []
    for name, left in read:
        if name and (names.count(name.lower()) == 1 or not left):
            out.append(f"the {name} timer")
        elif name:
            out.append(f"the {name} timer with {left} left")
        elif left:
            out.append(f"the timer with {left} left")
    return out


def _be(n: int) -> str:
    return "is" if n == 1 else "are"


@dataclass(frozen=True)
class FrameView:
    """A frame read once: surface phrases, categorical values and plurality."""

    intent: str | None
    status: str
    surface: dict[str, str]
    categorical: dict[str, str]
    plural: dict[str, str]


def _plural(n: int) -> str:
    return "0" if n == 0 else "1" if n == 1 else "many"


def view(frame: ReplyFrame) -> FrameView:
    """Read a frame defensively into its surface fields (see module docstring)."""
    values = frame.values if isinstance(frame.values, dict) else {}
    slots = frame.slots if isinstance(frame.slots, dict) else {}
    s: dict[str, str] = {}
    cat: dict[str, str] = {}
    plural: dict[str, str] = {}

    names = _names(values.get("names"))
    if not names and frame.status == "ambiguous":
        names = _names(values.get("candidates"))
    if names:
        s["names"] = join_list([the(n) for n in names])
        s["names_be"] = _be(len(names))
        s["names_or"] = join_list([the(n) for n in names], "or")
        plural["names"] = _plural(len(names))
    count: int | None = None
    raw_count = values.get("count")
    if isinstance(raw_count, int | float) and not isinstance(raw_count, bool) and raw_count >= 0 \
            and float(raw_count).is_integer():
        count = int(raw_count)
    elif names:
        count = len(names)
    for key, be in (("already_names", "already_be"), ("unavailable_names", "unavailable_be")):
        items = _names(values.get(key))
        if items:
            s[key] = join_list([the(n) for n in items])
            s[be] = _be(len(items))
            plural[key] = _plural(len(items))
    unknown = _names(values.get("unknown"))
    if unknown:
        s["unknown"] = join_list(unknown, "or")
        plural["unknown"] = _plural(len(unknown))
    entity = _names(values.get("entity"))
    if entity:
        s["entity"] = the(entity[0])
    area = _word(slots.get("area"))
    if area:
        s["area"] = area

    kind_key = slots.get("device_class") or values.get("device_class") or slots.get("domain")
    kind = KIND_FORMS.get(kind_key) if isinstance(kind_key, str) else None
    if kind:
        s["kind"], s["kinds"] = kind
    if count is not None:
        s["count"] = count_text(count)
        s["count_be"] = _be(count)
        plural["count"] = _plural(count)
        s["count_timers"] = "timer" if count == 1 else "timers"
        if kind:
            s["count_kinds"] = kind[0] if count == 1 else kind[1]

    action = values.get("action")
    if isinstance(action, str) and action in ACTION_FORMS:
        past, state, verb = ACTION_FORMS[action]
        s["action_past"], s["action_verb"] = past, verb
        if state:
            s["action_state"] = state
        cat["action"] = action
    state_word = _word(values.get("state"))
    if state_word:
        s["state"] = state_word.lower()
        cat["state"] = state_word.lower()
    for key in ("question", "scope"):
        q = values.get(key)
        if isinstance(q, str) and q:
            cat[key] = q
    if isinstance(values.get("all"), bool):
        cat["all"] = "true" if values["all"] else "false"

    value = _word(values.get("value"))
    if value:
        s["value"] = value
    unit = unit_text(values.get("unit"))
    if unit:
        s["unit"] = unit
    temperature = number_text(values.get("temperature"))
    if temperature:
        s["temperature"] = temperature
        s["temp_unit"] = unit or "degrees"
    for key in ("brightness", "position", "volume_level"):
        num = number_text(values.get(key))
        if num:
            s[key] = num
    for key in ("color", "item", "time", "date"):
        word = _word(values.get(key))
        if word:
            s[key] = word
    list_name = _word(values.get("list"))
    if list_name:
        s["list"] = list_name
    weather = _word(values.get("weather"))
    if weather:
        s["weather"] = WEATHER_WORDS.get(weather.lower(), weather.replace("-", " ").replace("_", " "))
    timer_name, duration = _timer(values.get("timer"))
    if timer_name:
        s["timer_name"] = timer_name
    if duration:
        s["duration"] = duration
        if frame.intent == TIMER_FINISHED:  # "your 30-second timer": only a finished timer is named so
            t = values["timer"]
            s["timer_length"] = length_text(t.get("hours"), t.get("minutes"), t.get("seconds")) or ""
    timers = values.get("timers")
    if isinstance(timers, list):
        parts = []
        for t in timers:
            tname, tdur = _timer(t)
            if tdur:
                parts.append(f"the {tname} timer has {tdur} left" if tname else f"a timer has {tdur} left")
        if parts:
            s["timers"] = join_list(parts)
            plural["timers"] = _plural(len(parts))
        choices = _timer_choices(timers)
        if choices:
            s["timers_or"] = join_list(choices, "or")
    slot_duration = duration_text(slots.get("hours"), slots.get("minutes"), slots.get("seconds"))
    if slot_duration:
        s["slot_duration"] = slot_duration
    message = _word(values.get("message"))
    if message:
        s["message"] = message.rstrip(".!? ")
    announcement = _word(slots.get("message"))
    if announcement:
        s["announcement"] = announcement.rstrip(".!? ")
    heard = values.get("heard")
    if isinstance(heard, str) and heard.strip():  # words in doubt, said back as heard (at most 24 of them)
        s["heard"] = " ".join(heard.split()[:24]).rstrip(".!?, ")
    s = {k: v for k, v in s.items() if v}
    return FrameView(frame.intent if isinstance(frame.intent, str) else None, str(frame.status),
                     s, cat, plural)


def placeholder(field: str) -> str:
    return f"<{field}>"


def source_tokens(fv: FrameView, style: int, case_key: str) -> list[str]:
    """The model's input: the template case chosen by the rules (content selection), intent,
    status, style, categorical and plurality tokens, and one placeholder per value to copy."""
    toks = [f"K:{case_key}", f"I:{fv.intent}", f"S:{fv.status}", f"STYLE:{style}"]
    toks += [f"C:{k}={fv.categorical[k]}" for k in CATEGORICAL_FIELDS if k in fv.categorical]
    toks += [f"N:{k}={fv.plural[k]}" for k in PLURAL_FIELDS if k in fv.plural]
    toks += [placeholder(f) for f in SURFACE_FIELDS if f in fv.surface]
    return toks
