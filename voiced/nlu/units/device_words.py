"""Device words: "lights", "blinds", "door" outside any name span say which domain is meant.

Only nouns count ("switch on ..." and "light up ..." are verbs, resolve.is_device_word); sensor
words only ask about a state, and a media word only names a player for on/off and state questions.
"""

from __future__ import annotations

from voiced.home.resolve import DOMAIN_WORDS, is_device_word
from voiced.nlu.units.reading import Reading

# words of sensors that are no device word of their own ("is anybody in the kitchen": a motion sensor)
EXTRA_WORDS: dict[str, tuple[str, str | None]] = {
    "humid": ("sensor", "humidity"), "humidity": ("sensor", "humidity"),
    "motion": ("binary_sensor", "motion"), "movement": ("binary_sensor", "motion"),
    **dict.fromkeys(("anybody", "anyone", "someone", "somebody", "occupied"), ("binary_sensor", "motion"))}


class DeviceWords:
    """Sets ``domain`` / ``device_class`` from the first device word and ``device_word`` to the last."""

    name = "device_words"

    def __call__(self, r: Reading) -> None:
        inside = r.inside
        for k, t in enumerate(r.toks):
            if t.start in inside:
                continue
            hit = DOMAIN_WORDS.get(t.text) or EXTRA_WORDS.get(t.text)
            if not hit:
                continue
            if t.text in DOMAIN_WORDS and not is_device_word(r.words, k):
                continue  # "switch on ...", "light up ..." are verbs
            if hit[0] == "sensor" and r.intent != "HassGetState":
                continue
            r.device_word = t.text  # the noun comes last: "lock the door" → "door"
            if r.domain is None:
                r.domain, r.device_class = hit
        if r.domain == "media_player" and r.intent not in ("HassTurnOn", "HassTurnOff", "HassGetState"):
            r.domain, r.device_class = None, None
