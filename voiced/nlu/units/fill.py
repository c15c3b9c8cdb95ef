"""A value the tagger missed but the sentence says plainly: a light's colour, a cover's position
word, outside the name."""

from __future__ import annotations

import re

from voiced.nlu import numbers
from voiced.nlu.units.reading import Reading

# positions said in words ("open the blinds halfway"); numbers are the tagger's ("to 40 percent")
_POSITION_WORDS = re.compile(r"\b(half ?way|half (?:open|closed|shut)|(?:a|one|three) quarters? (?:open|closed|shut|of the way)"
                             r"|part ?way)\b")

_CLOSING = re.compile(r"\b(close|shut|lower|draw|pull down)\b")


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
