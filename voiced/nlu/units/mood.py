"""Said, but not asked for as read: a device command negated, asked about, told as past, for later,
or one of two commands (or with an exception) in one sentence.

The model reads *what* a sentence is about; whether it asks for it now is in a few words around
the verb, and the templates are all plain requests.  So "please don't turn off the tv" was read
as turning it off, "what happens if I turn off the water main" closed the valve, "I already locked
the front door" locked it, and "turn on the lights when I get home" switched them on at once.
"Turn off the lights and lock the front door", read as one command, unlocked the door,
"turn off everything except the night light" switched off the night light, "the coffee maker keeps
switching off" (told, not asked) switched it off and "tell the kids to turn off the tv" (asked of
someone else) turned it off.  Such a reading is
never acted on (``extra["not_for_now"]``, decide.py): negated, asked about, past, told, asked of
someone else, two commands or an exception, it is refused (one thing at a time is what voiced can do); for later (a condition, a time), voiced has no schedule for it, so it asks
whether to do it now.  Timers that carry a command ("in ten minutes turn off the lights") are
timers, not device commands, and are not touched.  Pure functions of the words.
"""

from __future__ import annotations

import re

from voiced.home.resolve import DOMAIN_WORDS
from voiced.intents import names
from voiced.nlu.scope import WEEKDAY
from voiced.nlu.units.reading import Reading

_DEVICE_COMMANDS = names(by_target=True) - names(read_only=True)
_DEVICE_WORDS = frozenset(DOMAIN_WORDS)
_NUMBER = r"(\d{1,2}(:\d\d)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
_VERBS = (r"(turn|switch|open|close|shut|lock|unlock|start|stop|set|put|dim|brighten|raise|lower|play|pause|run"
          r"|activate|deactivate|enable|disable|power|change|make|increase|decrease|touch|bother)")
# "don't turn …", "please do not open …", "can you not switch …", "never unlock …" — not "I don't
# need the tv on", which asks to turn it off
_NEGATED = re.compile(rf"\b(don't|dont|do not|never|not)( ever| you)? {_VERBS}\b")
# negations that still ask for it: "why don't you …"
_STILL_ASKS = re.compile(r"\bwhy (don't|dont) (you|we)\b")
# a question about a command, not a request ("how do I turn off …", "do I need to close …"); not
# "why don't you …", "how about …", "do you mind …", which ask for it, nor "do some vacuuming"
_ASKED_ABOUT = re.compile(r"^(?!why (don't|dont|not)\b|how about\b|do you mind\b)"
                          r"(what|how|why|should|shall|who|where|which|(do|does|did) (i|you|we|they|he|she|it|the|my"
                          r"|our|anyone|anybody|someone|somebody))\b")
_DONE = "turned|switched|locked|unlocked|opened|closed|started|dimmed|left"
# "I already locked the front door", "we've turned the heating off" — not "can you put …", whose
# present is its past: set / put / shut count only after "have" or "already"
_PAST = re.compile(rf"\b(i|we|he|she|they|someone|somebody)( already| just)? ({_DONE})\b"
                   rf"|\b(i|we|you|he|she|they)( have|'ve| had|'d)( already| just)? ({_DONE}|shut|set|put)\b"
                   rf"|\b(i've|we've|i'd|we'd|you've|they've)( already| just)? ({_DONE}|shut|set|put)\b"
                   rf"|\b(i|we|you|they) already (shut|set|put)\b")
# for later: a day or a time said, a schedule, or a condition
_LATER_WORDS = (
    "tomorrow", "tonight", "later", "this (morning|afternoon|evening)", "in the (morning|afternoon|evening)",
    f"next (week|month|{WEEKDAY})", f"on {WEEKDAY}", "every (day|morning|night|evening|weekday)", "daily", "weekly",
    f"at {_NUMBER}( (thirty|fifteen|forty five|o'clock))? ?(am|pm|o'clock)",
    "at (noon|midnight|sunset|sunrise|dawn|dusk)", f"by {_NUMBER}( to {_NUMBER})? ?(am|pm|o'clock)",
    r"(when|once|after|before|until|as soon as) (i|we|he|she|they|the|it|my|our|this|that|everyone|everybody)\b",
    "when you('re| are) (done|finished|back|home)", r"^if\b", r"\bif (it|i|we|the|there|he|she|they|nobody|no one)\b",
)
_LATER = re.compile(r"\b(" + "|".join(_LATER_WORDS) + ")")
# two commands in one ("turn off the lights and lock the front door": one reading can hold only one,
# and read as one it had *unlocked* the door) and exceptions ("everything except the night light",
# "… but leave the counter light on": read as one, the exception was switched)
# (a second verb after a first; not "go ahead and …", nor "… and set it to blue", said of the same thing)
_FIRST = re.compile(rf"\b{_VERBS}\b")
_SECOND = re.compile(rf"\b(and|then|but|also)( then| also| please| can you| could you)? {_VERBS}\b(?!( \w+)? (it|them)\b)")
_EXCEPT = re.compile(r"\b(except|excepting|apart from|other than|but (leave|keep|not)|leave (the|my|our) .+ (on|off|open"
                     r"|closed)$|keep (the|my|our) .+ (on|off|open|closed)$)")
# told of a device, not asked of voiced: what it keeps doing or will not do ("the coffee maker keeps
# switching off" was read as switching it off)
_STATE_VERBS = r"(turn|switch|go|come|shut|open|close|lock|unlock|click|start|stop)"
_TOLD = re.compile(rf"\b(keeps|kept|keep) (on )?{_STATE_VERBS}(ing|ping)\b"
                   rf"|\b(always|randomly|sometimes|constantly|suddenly|still) {_STATE_VERBS}(s|es)\b"
                   rf"|\b(won't|wont|doesn't|doesnt|didn't|didnt|isn't|isnt|wasn't|can't|cant|will not|does not"
                   rf"|did not|is not|cannot) (?!you\b){_STATE_VERBS}(ing|ping)?\b")
_ASKS_US = re.compile(r"\bwhy (won't|wont|can't|cant|didn't|didnt|isn't|isnt)\b|\b(won't|wont) you\b")
# asked of someone else: "tell the kids to turn off the tv", "ask dad to lock the front door"
# (not "tell the tv to …", a device of the home; nor another assistant's name, used as a wake word)
_SOMEONE = re.compile(r"\b(tell|ask|get) (?:(?:the|my|our) )?([a-z']+) to\b")
_NOT_SOMEONE = frozenset({"me", "us", "it", "them", "yourself", "alexa", "siri", "google", "olly", "cortana",
                          "computer", "voiced", "assistant"})
# a courtesy is no condition: "when you get a chance", "if you can"
_COURTESY = re.compile(r"\b(when you (get|have) a (chance|minute|moment|second|sec)|if you (can|could|would|please)"
                       r"|if (that's|it's) (ok|okay|alright|possible)|if possible)\b")


def not_for_now(words: list[str], device_words: frozenset[str] | set[str] = frozenset()) -> str | None:
    """Why a device command in ``words`` is not asked for as read: negated, asked_about, except,
    two_commands, past, told, someone_else, later; or None.  ``device_words``: words of the home's
    names and kinds (what "tell … to" may be said to)."""
    low = " ".join(words)
    if _NEGATED.search(low) and not _STILL_ASKS.search(low):
        return "negated"
    someone = _SOMEONE.search(low)
    if someone and someone.group(2) not in _NOT_SOMEONE and someone.group(2) not in device_words:
        return "someone_else"
    if _TOLD.search(low) and not _ASKS_US.search(low):
        return "told"
    if _ASKED_ABOUT.search(low):
        return "asked_about"
    if _EXCEPT.search(low):
        return "except"
    second = _SECOND.search(low)
    if second and _FIRST.search(low[:second.start()]):
        return "two_commands"
    if _PAST.search(low):
        return "past"
    if _LATER.search(_COURTESY.sub(" ", low)):
        return "later"
    return None


class NotForNow:
    """Marks a device command that the words do not ask for now (``extra["not_for_now"]``)."""

    name = "not_for_now"
    rules = ("negated", "someone_else", "told", "asked_about", "except", "two_commands", "past", "later")

    def __call__(self, r: Reading) -> None:
        if r.intent not in _DEVICE_COMMANDS:
            return
        why = not_for_now(r.words, r.ctx.name_words | _DEVICE_WORDS)
        if why is not None:
            r.extra["not_for_now"] = why
            r.fired.append(why)
