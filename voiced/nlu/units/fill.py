"""A value the tagger missed but the sentence says plainly: a light's colour outside its name."""

from __future__ import annotations

from voiced.nlu import numbers
from voiced.nlu.units.reading import Reading


class ColourWords:
    """LightSet with neither brightness nor colour tagged: a colour said outside the name."""

    name = "colour_words"

    def __call__(self, r: Reading) -> None:
        if r.intent != "HassLightSet" or "color" in r.slots or "brightness" in r.slots:
            return
        sp = r.name_span
        named = set(range(sp.start, sp.end)) if sp else set()
        outside = "".join(ch if i not in named else " " for i, ch in enumerate(r.text))
        colour = numbers.parse_color(outside)
        if colour:
            r.slots["color"] = colour
