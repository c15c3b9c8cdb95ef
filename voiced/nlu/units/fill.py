"""Values the tagger missed but the sentence says plainly: a list item, a light's colour."""

from __future__ import annotations

import re

from voiced.nlu import numbers
from voiced.nlu.text import normalise
from voiced.nlu.units.reading import Reading

_LIST_ITEM = re.compile(r"\b(?:add|put)\s+(.+?)\s+(?:to|on|onto|in)\s+(?:the|my|our)?\s*\S")


class ListItem:
    """ "Add milk to the shopping list" with no item tagged: the words between the verb and the list."""

    name = "list_item"

    def __call__(self, r: Reading) -> None:
        if r.intent == "HassListAddItem" and "item" not in r.slots:
            m = _LIST_ITEM.search(r.text.lower())
            if m:
                r.slots["item"] = normalise(m.group(1))


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
