"""Spoken numbers, percentages, durations, colours and temperature steps → canonical values.

ASR output spells numbers as words ("twenty one and a half degrees"), typed text uses digits
("21.5°"); both must give the same slot value.  Integer word runs go through text2num (a maintained
parser); the fractions people say around them ("and a half", "point five", "half an hour") are
handled here because text2num does not know them.
"""

from __future__ import annotations

import re

from text_to_num import text2num

_UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
          "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
          "nineteen"]
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
NUMBER_WORDS = frozenset(_UNITS + _TENS[2:] + ["hundred", "thousand", "oh"])
_FRACTION_WORDS = {"half": 0.5, "quarter": 0.25}

# a sign the number words and the tokenizer drop ("minus 5", "negative two", "-5"), right before a number
MINUS_BEFORE = re.compile(r"(?:\bminus|\bnegative|[-\u2212])\s*$", re.IGNORECASE)
_TOKEN = re.compile(r"\d+(?:[.,]\d+)?|[a-z]+|%|°")

COLORS = (
    "warm white", "cool white", "cold white", "daylight", "white", "red", "green", "blue", "yellow",
    "orange", "purple", "pink", "violet", "cyan", "magenta", "turquoise", "teal", "lime", "amber",
    "indigo", "lavender", "gold", "warm", "cool",
)
_COLOR_CANON = {"cold white": "cool white", "warm": "warm white", "cool": "cool white",
                "daylight": "cool white"}


def number_to_words(n: float) -> str:
    """English words for ``n`` (0–9999, halves as "and a half"), for generating ASR-style text."""
    whole = int(n)
    frac = round(float(n) - whole, 2)
    if whole < 20:
        words = _UNITS[whole]
    elif whole < 100:
        words = _TENS[whole // 10] + ("" if whole % 10 == 0 else " " + _UNITS[whole % 10])
    elif whole < 1000:
        rest = whole % 100
        words = _UNITS[whole // 100] + " hundred" + ("" if rest == 0 else " " + number_to_words(rest))
    else:
        rest = whole % 1000
        words = number_to_words(whole // 1000) + " thousand" + ("" if rest == 0 else " " + number_to_words(rest))
    if frac == 0.5:
        words += " and a half"
    elif frac:
        words += " point " + " ".join(_UNITS[int(d)] for d in f"{frac:.2f}".split(".")[1].rstrip("0"))
    return words


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower().replace("-", " "))


def _clean(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(float(value), 3)


def _word_run(tokens: list[str], i: int) -> tuple[float | None, int]:
    """Parse the integer word run starting at ``i`` (with text2num); returns (value, next index)."""
    j = i
    while j < len(tokens) and (tokens[j] in NUMBER_WORDS or (tokens[j] == "and" and j > i and j + 1 < len(tokens)
                                                             and tokens[j + 1] in NUMBER_WORDS)):
        j += 1
    while j > i:
        phrase = " ".join(tokens[i:j])
        try:
            return float(text2num(phrase, "en")), j
        except ValueError:
            j -= 1
    return None, i


def _number_at(tokens: list[str], i: int) -> tuple[float | None, int]:
    """A number (digits or words, with its fraction) starting at token ``i``."""
    t = tokens[i]
    value: float | None = None
    j = i
    if t[0].isdigit():
        value, j = float(t.replace(",", ".")), i + 1
    elif t in NUMBER_WORDS:
        value, j = _word_run(tokens, i)
        if value is None:
            return None, i
    elif t in ("a", "an", "one") and i + 1 < len(tokens) and tokens[i + 1] in _FRACTION_WORDS:
        # "a half", "a quarter"
        return _FRACTION_WORDS[tokens[i + 1]], i + 2
    elif t in _FRACTION_WORDS:
        return _FRACTION_WORDS[t], i + 1
    else:
        return None, i
    # fractions after the whole part
    if j + 2 < len(tokens) and tokens[j:j + 3] in (["and", "a", "half"], ["and", "a", "quarter"]):
        value += _FRACTION_WORDS[tokens[j + 2]]
        j += 3
    elif j + 1 < len(tokens) and tokens[j] == "point" and tokens[j + 1] in NUMBER_WORDS:
        digits = []
        k = j + 1
        while k < len(tokens) and tokens[k] in _UNITS[:10]:
            digits.append(str(_UNITS.index(tokens[k])))
            k += 1
        if digits:
            value = float(f"{int(value)}.{''.join(digits)}")
            j = k
    return value, j


def find_numbers(text: str) -> list[int | float]:
    """Every number in ``text``, normalised ("twenty one and a half" → 21.5, "50%" → 50)."""
    toks = _tokens(text)
    out: list[int | float] = []
    i = 0
    while i < len(toks):
        if toks[i] in ("a", "an") and not (i + 1 < len(toks) and toks[i + 1] in _FRACTION_WORDS):
            i += 1
            continue
        value, j = _number_at(toks, i)
        if value is None:
            i += 1
            continue
        out.append(_clean(value))
        i = j
    return out


def parse_number(text: str) -> int | float | None:
    """The first number in a slot's text; "a"/"an"/"a couple" count as small steps ("a degree")."""
    nums = find_numbers(text)
    if nums:
        return nums[0]
    toks = _tokens(text)
    if "couple" in toks:
        return 2
    if "few" in toks:
        return 3
    if toks and toks[0] in ("a", "an", "one"):
        return 1
    if "halfway" in toks or "half" in toks:
        return 50
    return None


def parse_percent(text: str) -> int | float | None:
    """Brightness/position/volume 0–100; "full"/"max" → 100, "half" → 50, "off"/"min" → 0."""
    toks = _tokens(text)
    low = " ".join(toks)
    for phrase, val in (("three quarters", 75), ("three quarter", 75), ("a quarter", 25), ("one quarter", 25),
                        ("quarter", 25), ("a third", 33), ("two thirds", 67), ("half", 50),
                        ("part way", 50), ("partway", 50)):
        if phrase in low and re.search(rf"\b{phrase}\b", low) and "percent" not in toks and "%" not in toks:
            return val
    if any(t in ("closed", "shut", "off") for t in toks) and not find_numbers(text):
        return 0
    if any(t in ("full", "max", "maximum", "fully", "all") for t in toks) and not find_numbers(text):
        return 100
    if any(t in ("minimum", "min") for t in toks) and not find_numbers(text):
        return 1
    value = parse_number(text)
    if value is None:
        return None
    if 0 < value <= 1 and ("half" in toks or "quarter" in toks) and "percent" not in toks:
        value = value * 100
    return _clean(min(max(float(value), 0.0), 100.0))


_UNIT_WORDS = {
    "hour": "hours", "hours": "hours", "hr": "hours", "hrs": "hours", "h": "hours",
    "minute": "minutes", "minutes": "minutes", "min": "minutes", "mins": "minutes", "m": "minutes",
    "second": "seconds", "seconds": "seconds", "sec": "seconds", "secs": "seconds", "s": "seconds",
}
_SECONDS = {"hours": 3600, "minutes": 60, "seconds": 1}
DURATION_UNITS = tuple(_SECONDS)  # the slots of a duration, largest first


def parse_duration(text: str) -> dict[str, int] | None:
    """"a minute and a half" → {"minutes": 1, "seconds": 30}; "half an hour" → {"minutes": 30};
    "1 hour 20 minutes" → {"hours": 1, "minutes": 20}.  Only spoken (or implied) units appear."""
    toks = [t for t in _tokens(text) if t not in ("for", "of")]
    parts: dict[str, float] = {}
    pending: float | None = None
    i = 0
    while i < len(toks):
        t = toks[i]
        if t in _UNIT_WORDS:
            unit = _UNIT_WORDS[t]
            amount = pending if pending is not None else 1.0
            # "a minute and a half", "an hour and a half"
            if toks[i + 1:i + 4] == ["and", "a", "half"]:
                amount += 0.5
                i += 3
            parts[unit] = parts.get(unit, 0.0) + amount
            pending = None
            i += 1
            continue
        if t == "half" and i + 2 < len(toks) and toks[i + 1] in ("a", "an") and toks[i + 2] in _UNIT_WORDS:
            parts[_UNIT_WORDS[toks[i + 2]]] = parts.get(_UNIT_WORDS[toks[i + 2]], 0.0) + 0.5
            i += 3
            continue
        if t in ("a", "an") and i + 1 < len(toks) and toks[i + 1] in _UNIT_WORDS:
            pending = 1.0 if pending is None else pending
            i += 1
            continue
        if t == "quarter" and i + 2 < len(toks) and toks[i + 1] in ("of", "an", "a"):
            pending = 0.25
            i += 1
            continue
        value, j = _number_at(toks, i)
        if value is not None:
            pending = value
            i = j
            continue
        i += 1
    if pending is not None and parts and "seconds" not in parts:
        # "one hour twenty" / "five minutes thirty": a bare trailing number is the next smaller unit
        smallest = min(parts, key=lambda u: _SECONDS[u])
        nxt = {"hours": "minutes", "minutes": "seconds"}.get(smallest)
        if nxt:
            parts[nxt] = parts.get(nxt, 0.0) + pending
    if not parts:
        return None
    total = round(sum(_SECONDS[u] * v for u, v in parts.items()))
    largest = max(parts, key=lambda u: _SECONDS[u])
    h = m = 0
    s = total
    if largest == "hours":
        h, s = divmod(total, 3600)
    if largest in ("hours", "minutes"):
        m, s = divmod(s, 60)
    out = {u: int(v) for u, v in (("hours", h), ("minutes", m), ("seconds", s)) if v}
    return out or {largest: 0}


def parse_color(text: str) -> str | None:
    """A colour name in ``text``, canonical lower case ("Warm White" → "warm white")."""
    low = " ".join(_tokens(text))
    for c in COLORS:
        if c in low and re.search(rf"\b{c}\b", low):
            return _COLOR_CANON.get(c, c)
    return None


def parse_temperature(text: str) -> int | float | None:
    """A target temperature or a step ("a couple of degrees" → 2, "a degree" → 1)."""
    return parse_number(text)
