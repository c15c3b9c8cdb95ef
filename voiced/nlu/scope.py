"""Here and now, or elsewhere: what a clock or weather question is about.

voiced knows the time, the date and the weather of the home, now.  "What time is it in Tokyo",
"what day is the fifth" or "will it rain on Friday" are still clock and weather questions (the
intent is right), but answering them with the local time, today's date or the weather now would be
a different answer.  This unit marks them (``extra["scope"]``) so the reply says what voiced can tell.
"""

from __future__ import annotations

import dataclasses
import re

from voiced.events import Parse
from voiced.home.resolve import Resolver

ELSEWHERE, OTHER_DAY = "elsewhere", "other_day"

# a day of the week said (also the time words of units/mood.py)
WEEKDAY = r"(monday|tuesday|wednesday|thursday|friday|saturday|sunday|weekend)"
_MONTH = r"(january|february|march|april|may|june|july|august|september|october|november|december)"
_ORDINAL = (r"(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|thirteenth|"
            r"fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|thirtieth|\d+(st|nd|rd|th))")
_OTHER_DAY = re.compile(
    rf"\b(tomorrow|yesterday|next (week|month|year|{WEEKDAY})|last (week|month|year|{WEEKDAY})|this {WEEKDAY}|"
    rf"on {WEEKDAY}|{_MONTH}|the {_ORDINAL}|(twenty|thirty) {_ORDINAL}|christmas|easter|halloween|birthday|"
    rf"new year|thanksgiving|until|till|(\w+) day forecast|later this week|this week|coming week|next few days|"
    rf"over the weekend|at the weekend|in (two|three|\d+) days)\b")
_TODAY = re.compile(rf"\b(is (it|today) {WEEKDAY})\b")
_PLACE = re.compile(r"\b(?:in|for|at|of) ((?:[a-z]+ ){0,2}[a-z]+)$|\b(?:in|for) ((?:[a-z]+ ){0,2}[a-z]+) (?:now|today|right now|tomorrow)")
_ZONE = re.compile(r"\b(time ?zone|eastern|pacific|central|mountain|gmt|utc|est|pst|cet|different)\b")
_HERE_WORDS = {"here", "the house", "the garden", "home", "the morning", "the afternoon", "the evening", "town",
               "my area", "the area", "this area", "the city", "now", "today", "tonight", "outside", "the week",
               "the weekend", "the day", "me", "my location", "this week", "later", "a bit"}


def scope(intent: str | None, low: str, resolver: Resolver) -> str | None:
    """ELSEWHERE, OTHER_DAY or None (here and now) for a time/date/weather reading of ``low``."""
    if intent not in ("HassGetCurrentTime", "HassGetCurrentDate", "HassGetWeather"):
        return None
    if intent != "HassGetCurrentTime" and _OTHER_DAY.search(low) and not _TODAY.search(low):
        return OTHER_DAY
    if intent == "HassGetCurrentTime" and _ZONE.search(low):
        return ELSEWHERE
    if intent != "HassGetCurrentDate":
        m = _PLACE.search(low.rstrip(" ?.!"))
        place = (m.group(1) or m.group(2)) if m else None
        if place and place not in _HERE_WORDS and not place.startswith(("the next", "the coming")) \
                and resolver.area(place, fuzzy=False) is None and not resolver.exact(place):
            return ELSEWHERE
    return None


_OUTSIDE = {"outside", "outdoors", "out"}
_OUTDOOR_NAME = re.compile(r"\b(outdoor|outside|exterior|garden|weather)\b")


def outdoor(parse: Parse, words: list[str], resolver: Resolver) -> Parse:
    """A temperature asked of the outdoors or of another place is not a room's: "how hot is it
    outside" reads an outdoor temperature sensor when the home has exactly one, else the weather;
    "how cold is it in Oslo" is the weather (answered for here, and the reply says so)."""
    if parse.intent != "HassClimateGetTemperature" or any(k in parse.slots for k in ("name", "area", "floor")):
        return parse
    low = " ".join(words)
    outside = bool(_OUTSIDE & set(words))
    if not outside and scope("HassGetWeather", low, resolver) != ELSEWHERE:
        return parse
    home = resolver.home
    if outside:
        sensors = [e for e in home.entities if e.domain == "sensor" and e.device_class == "temperature"
                   and _OUTDOOR_NAME.search(e.name.lower())]
        if len(sensors) == 1:
            return dataclasses.replace(parse, slots={"name": sensors[0].name}, targets=(sensors[0].id,),
                                       extra={**parse.extra, "outdoor": True})
    weather = tuple(e.id for e in home.entities if e.domain == "weather")
    return dataclasses.replace(parse, intent="HassGetWeather", slots={}, targets=weather[:1],
                               extra={**parse.extra, "outdoor": True})
