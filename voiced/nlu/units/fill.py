"""A value the tagger missed but the sentence says plainly: a light's colour, a cover's position
word, outside the name; a temperature's sign and scale, around its number."""

from __future__ import annotations

import re

from voiced.nlu import numbers
from voiced.nlu.units.reading import NUMBER_SLOTS, Reading

# positions said in words ("open the blinds halfway"); numbers are the tagger's ("to 40 percent")
_POSITION_WORDS = re.compile(r"\b(half ?way|half (?:open|closed|shut)|(?:a|one|three) quarters? (?:open|closed|shut|of the way)"
                             r"|part ?way)\b")

_CLOSING = re.compile(r"\b(close|shut|lower|draw|pull down)\b")

# a sign just before the number (numbers.MINUS_BEFORE) or at its start; a Fahrenheit scale said with it
# ("70 degrees fahrenheit", "68 °F", "70 f")
_MINUS_AT = re.compile(r"^\s*(?:minus\b|negative\b|[-\u2212])", re.IGNORECASE)
_FAHRENHEIT_IN = re.compile(r"(?:\bfahrenheit\b|°\s*f\b|\d\s*f\b|\bdegrees? f\b)", re.IGNORECASE)
_FAHRENHEIT_AFTER = re.compile(r"^\s*(?:degrees?|°)?\s*(?:fahrenheit\b|f\b)", re.IGNORECASE)
_SETPOINT = "HassClimateSetTemperature"
_STEPS = ("VoicedClimateWarmer", "VoicedClimateCooler")


def _outside_name(r: Reading) -> str:
    sp = r.name_span
    named = set(range(sp.start, sp.end)) if sp else set()
    return "".join(ch if i not in named else " " for i, ch in enumerate(r.text))


class ColourWords:
    """LightSet with neither brightness nor colour tagged: a colour said outside the name."""

    name = "colour_words"

    def __call__(self, r: Reading) -> None:
        if r.intent != "HassLightSet" or "color" in r.slots or "brightness" in r.slots:
            return
        colour = numbers.parse_color(_outside_name(r))
        if colour:
            r.slots["color"] = colour


class PositionWords:
    """A position said in words outside the name ("halfway", "a quarter closed"): a SetPosition's
    position (over the tagger's number, which cannot know "closed" turns it round), and an open or
    close of covers becomes a SetPosition ("open the blind halfway")."""

    name = "position_words"

    def __call__(self, r: Reading) -> None:
        opening = r.intent in ("HassTurnOn", "HassTurnOff") and bool(r.targets) \
            and all(t.startswith("cover.") for t in r.targets)
        if r.intent != "HassSetPosition" and not opening:
            return
        outside = _outside_name(r).lower()
        m = _POSITION_WORDS.search(outside)
        value = numbers.parse_percent(m.group(0)) if m else None
        if m and value is not None:
            # a position is how far open: "a quarter closed", "close it three quarters of the way" = 25
            closing = r.intent == "HassTurnOff" or bool(_CLOSING.search(outside))
            if m.group(0).endswith(("closed", "shut")) or (closing and not m.group(0).endswith("open")):
                value = 100 - value
            r.intent = "HassSetPosition"
            r.slots["position"] = value
            if "name" in r.slots:
                r.slots.pop("domain", None)


class TemperatureWords:
    """A temperature's sign and scale, said around its number: "set the heating to minus 5" is −5
    (the tokenizer and the number words see 5: a thermostat refuses −5, it would take 5), and
    "70 degrees fahrenheit" is 21 (voiced's thermostats take °C; a step of 9 °F is 5 °C)."""

    name = "temperature_words"
    rules = ("negative", "fahrenheit")

    def __call__(self, r: Reading) -> None:
        value = r.slots.get("temperature")
        if r.intent not in (_SETPOINT, *_STEPS) or isinstance(value, bool) or not isinstance(value, int | float):
            return
        span = next((sp for sp in r.spans if sp.slot in NUMBER_SLOTS), None)
        if span is None:
            return
        before, inside, after = r.text[:span.start], r.text[span.start:span.end], r.text[span.end:]
        v = float(value)
        if r.intent == _SETPOINT and v > 0 and (numbers.MINUS_BEFORE.search(before) or _MINUS_AT.search(inside)):
            v = -v
            r.fired.append("negative")
        if _FAHRENHEIT_IN.search(inside) or _FAHRENHEIT_AFTER.search(after):
            v = (v - 32) * 5 / 9 if r.intent == _SETPOINT else v * 5 / 9
            v = round(v * 2) / 2  # thermostats take half degrees
            r.fired.append("fahrenheit")
        if v != float(value):
            r.slots["temperature"] = int(v) if v.is_integer() else v
