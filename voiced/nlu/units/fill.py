"""A value the tagger missed but the sentence says plainly: a light's colour, a cover's position
word, outside the name."""

from __future__ import annotations

import re

from voiced.nlu import numbers
from voiced.nlu.units.reading import Reading

# positions said in words ("open the blinds halfway"); numbers are the tagger's ("to 40 percent")
_POSITION_WORDS = re.compile(r"\b(half ?way|half (?:open|closed|shut)|(?:a|one|three) quarters? (?:open|closed|shut|of the way)"
                             r"|part ?way)\b")


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
    """SetPosition with no position tagged: a position word said outside the name ("halfway")."""

    name = "position_words"

    def __call__(self, r: Reading) -> None:
        if r.intent != "HassSetPosition" or "position" in r.slots:
            return
        m = _POSITION_WORDS.search(_outside_name(r).lower())
        value = numbers.parse_percent(m.group(0)) if m else None
        if value is not None:
            r.slots["position"] = value
