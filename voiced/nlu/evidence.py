"""Evidence: what in the utterance (or its context) shows that a reading is about what it claims.

A classifier always names *some* intent; people ask assistants for many things voiced does not do,
and a verb alone ("send", "start", "check") is no command.  So a reading only counts when the
words back it: a device command needs a target that was said (a name, an area, a floor, a device
word) or given by the context (the satellite's room, with words of the topic); a question for the
clock, the weather or a timer needs one of the words such a question is made of.  These are small lexicons
of English, not sentences: they say what a request is *about*, the model says what it *asks*.
"""

from __future__ import annotations

from voiced.events import Parse
from voiced.home.resolve import DOMAIN_WORDS, is_device_word
from voiced.intents import INTENTS, names
from voiced.nlu import numbers

# the words a request of each kind is about (lower case, whole tokens)
_WEEKDAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "weekday", "weekend"}
# a day of the month ("when does the twenty fourth come", "on the 5th"); not "first" and "second",
# which mostly mean something else ("first of all", "just a second")
_ORDINALS = {"third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "eleventh", "twelfth",
             "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth", "eighteenth", "nineteenth",
             "twentieth", "thirtieth", *(f"{n}{end}" for n in range(1, 32) for end in ("st", "nd", "rd", "th"))}
_MONTHS = {"january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december"}
TOPIC_WORDS: dict[str, frozenset[str]] = {
    "weather": frozenset({
        "weather", "forecast", "forecasts", "outlook", "rain", "rains", "raining", "rained", "rainy", "rainfall",
        "snow", "snows", "snowing", "snowy", "snowfall", "sun", "sunny", "sunshine", "sunblock", "sunscreen",
        "cloud", "clouds", "cloudy", "overcast", "wind", "windy", "breezy", "storm", "storms", "stormy", "thunder",
        "thunderstorm", "lightning", "hail", "sleet", "drizzle", "showers", "fog", "foggy", "mist", "misty", "frost",
        "frosty", "freeze", "freezing", "ice", "icy", "humid", "humidity", "muggy", "heatwave", "hot", "cold",
        "warm", "chilly", "cool", "temperature", "temp", "degrees", "outside", "outdoors", "umbrella", "brolly",
        "coat", "jacket", "raincoat", "gloves", "scarf", "shorts", "layers", "jumper", "sweater", "boots",
        "wellies", "waterproofs", "uv", "pollen", "climate", "wet", "dry", "celsius", "fahrenheit", "tornado",
        "hurricane", "flood", "blizzard", "sunrise", "sunset", "dew", "precipitation", "barometer", "nice",
        "hottest", "coldest", "warmest", "wettest", "driest", "sunniest"}),
    "time": frozenset({"time", "clock", "o'clock", "late", "early", "minute", "am", "pm", "timezone", "zone"}),
    "date": frozenset({"date", "dates", "day", "days", "today", "today's", "todays", "tomorrow", "tomorrow's",
                       "yesterday", "yesterday's", "month", "months", "year", "years", "calendar",
                       "christmas", "easter", "halloween", "birthday", "holiday", "holidays", "new", "sleeps",
                       "thanksgiving", "valentine's", "weekday", "fortnight", *_WEEKDAYS, *_MONTHS,
                       *_ORDINALS}),
    "timer": frozenset({"timer", "timers", "countdown", "count", "remind", "wake", "alert", "stopwatch", "know",
                        "time"}),
    "list": frozenset({"list", "lists", "shopping", "groceries", "grocery", "todo", "to-do", "chores"}),
    "broadcast": frozenset({"broadcast", "announce", "announcement", "everyone", "everybody", "intercom",
                            "shout", "inform", "speakers"}),
    "vacuum": frozenset({"vacuum", "vacuuming", "hoover", "hoovering", "robot", "roomba", "cleaner", "clean",
                         "cleaning", "mop", "mopping", "dust", "dusty", "floor", "floors", "carpet", "carpets",
                         "rug", "dock", "base", "charger", "sweep", "sweeping", "cleanup", "tidy"}),
    "media": frozenset({"music", "song", "songs", "track", "tracks", "playback", "tv", "television", "show",
                        "movie", "film", "radio", "speaker", "speakers", "player", "volume", "sound", "loud",
                        "louder", "quiet", "quieter", "audio", "video", "episode", "podcast", "album", "pause",
                        "resume", "skip", "mute", "unmute", "stereo", "sonos", "channel", "tune", "tunes", "playing"}),
    "cancel": frozenset({"stop", "cancel", "nevermind", "never", "mind", "forget", "quiet", "shut", "enough",
                         "silence", "hush", "ignore", "scratch", "abort", "halt", "shush"}),
    "light": frozenset({"light", "lights", "lamp", "lamps", "lighting", "bulb", "bulbs", "bright", "brighter",
                        "brighten", "brightness", "dim", "dimmer", "dark", "darker", "colour", "color", "glow"}),
    "climate": frozenset({"temperature", "temp", "degrees", "heat", "heating", "heater", "thermostat", "warm",
                          "warmer", "cool", "cooler", "cold", "colder", "hot", "hotter", "freezing", "chilly",
                          "boiling", "roasting", "radiator", "aircon", "ac", "celsius", "fahrenheit"}),
}
# which topic each intent is about; intents without one need no words (replies, or device
# commands whose evidence is their target) — voiced/intents.py
INTENT_TOPIC: dict[str, str] = {n: s.topic for n, s in INTENTS.items() if s.topic}
# device commands: a target said or given by the context is evidence enough
TARGETED = names(by_target=True)
# the timer's second parts: a delayed command or a duration with a timer verb stand for the timer
_TIMER_SLOTS = ("conversation_command",)
# timer words that also ask about other things ("let me know the time of the train"): they start a
# timer only beside a duration
_LOOSE_TIMER_WORDS = frozenset({"know", "time"})
# what may follow a colour that is said for a light ("make it blue please", "turn the lamp red in
# here"); any other word is what the colour describes ("white wine", "green tea", "black friday")
_AFTER_COLOUR = frozenset({"please", "now", "thanks", "thank", "again", "instead", "too", "for", "in", "on",
                           "at", "and", "then", "light", "lights", "lamp", "lamps", "bulb", "bulbs", "lighting",
                           "colour", "color", "mode", "if", "right", "tonight", "today"})
_HERE = {"here", "room"}
# words that ask the date or the time only when they are asked about: "week" is what a forecast
# is for ("which day will be rainy this week", heard "which they will be made in this week") and
# "hour" how long ("did i get any email in the past hour"); "what week is it", "tell me the hour"
_ASKED_WORDS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "date": (frozenset({"week", "weeks"}), frozenset({"what", "which"})),
    "time": (frozenset({"hour"}), frozenset({"what", "which", "the"})),
}


def _may_target(intent: str, word: str) -> bool:
    """Whether a device word is of a kind the intent may reach ("the music" is no light's)."""
    spec = INTENTS.get(intent)
    return spec is None or not spec.domains or DOMAIN_WORDS[word][0] in spec.domains


def find(parse: Parse, words: list[str], satellite: bool) -> list[str]:
    """The kinds of evidence for ``parse`` (empty: nothing in the utterance backs it).

    name / area / floor: said and resolved in the home; domain: a device word ("lights", "blinds");
    satellite: the satellite's own room filled the area; words: a word of the intent's topic;
    reply: a yes or no.  (A dialogue's follow-ups never come here: the dialogue completes the
    parse that already had its evidence.)
    """
    intent = parse.intent
    if intent is None:
        return []
    found: list[str] = []
    unresolved = {u.slot for u in parse.unresolved}
    topic = INTENT_TOPIC.get(intent)
    topical = topic is not None and any(w in TOPIC_WORDS[topic] for w in words)
    if topic in _ASKED_WORDS and not topical:
        asked, before = _ASKED_WORDS[topic]
        topical = any(w in asked and k and words[k - 1] in before for k, w in enumerate(words))
    if intent == "HassStartTimer" and not any(k in parse.slots for k in numbers.DURATION_UNITS):
        topical = any(w in TOPIC_WORDS["timer"] - _LOOSE_TIMER_WORDS for w in words)
    if intent in TARGETED:
        for slot in ("name", "area", "floor"):
            if slot in parse.slots and slot not in unresolved:
                if slot == "area" and satellite and not _said_area(parse):
                    # the room the satellite is in says *where*, not *what*: only with words that do
                    if topical or _HERE & set(words):
                        found.append("satellite")
                else:
                    found.append(slot)
        if parse.extra.get("candidates") and not parse.extra.get("which_player"):
            found.append("name")  # a device word said stands for them
        if "domain" in parse.slots or parse.extra.get("domain_hint") \
                or any(is_device_word(words, k) and _may_target(intent, words[k]) for k in range(len(words))):
            found.append("domain")
    if intent == "HassListAddItem" and "name" in unresolved:
        return []  # a list the home does not have ("my contact list"): not one of ours
    if topical:
        found.append("words")
    if topic == "timer" and any(k in parse.slots for k in _TIMER_SLOTS):
        found.append("words")
    if intent == "HassLightSet" and _colour_for_a_light(parse):
        found.append("words")  # a colour is something only lights take
    if intent not in TARGETED and topic is None:
        found.append("reply")  # yes / no: whole-utterance replies need no topic
    return sorted(set(found))


def _said_area(parse: Parse) -> bool:
    return any(s.slot == "area" for s in parse.spans)


def _colour_for_a_light(parse: Parse) -> bool:
    """A colour said at the end, or before a word of lights or of manner, not one that names something."""
    if "color" not in parse.slots:
        return False
    spans = [s for s in parse.spans if s.slot == "color"]
    if not spans:
        return True  # filled by a rule, not said as a span: nothing to read after it
    after = parse.text[spans[-1].end:].lower().replace(",", " ").split()
    return not after or after[0] in _AFTER_COLOUR
