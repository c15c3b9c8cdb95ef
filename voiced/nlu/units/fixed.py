"""Fixed phrases: yes / no / stop as whole-utterance replies, by lookup rather than by the model.

A misheard yes could confirm an unlock and a stray "stop" must never pause the music, so these
replies are taken only when the whole utterance is one ("stop the music" stays a media command).
"""

from __future__ import annotations

import re

from voiced.events import Parse
from voiced.nlu.units.reading import Reading

_LEAD = {"oh", "okay", "ok", "um", "uh", "er", "erm", "hmm", "hey", "so", "well", "just", "please", "sorry",
         "actually", "alright", "computer", "oops"}
_TAIL = {"please", "thanks", "now", "then", "computer"}
_NEVERMIND = re.compile(
    r"(stop|stop it|stop that|stop talking|stop speaking|stop listening|be quiet|quiet|keep quiet|shut up|hush|"
    r"sh+|silence|enough|that's enough|cancel|cancel it|cancel that|never ?mind|forget it|forget that|"
    r"forget about it|scratch that|ignore (me|that)|not now)( (thank you|thanks|please|now|then))*"
    r"( i (don't|do not|didn't|did not) (need|want|mean) (anything|it|that|to))?")
_YES = (r"(yes|yeah|yea|yep|yup|sure|sure thing|ok|okay|correct|right|that's right|that's correct|do it|go ahead|"
        r"go for it|please do|absolutely|definitely|of course|confirm|confirmed|affirmative|sounds good|exactly|"
        r"i'm sure|i am sure|yes please)")
_CONFIRM = re.compile(rf"{_YES}( ({_YES[1:-1]}|please|thanks|thank you))*")
_DENY = re.compile(
    r"(no|nope|nah|negative)( (thanks|thank you|not that|not that one|that's wrong|wrong|don't|don't do it|"
    r"don't do that|do not|do not do that|leave it|cancel|cancel it|cancel that|never ?mind|forget it|stop|not now|"
    r"not really|i don't want that|i don't need that|way|don't bother|please))*"
    r"|don't|do not|don't do it|don't do that|do not do that|not that|not that one|wrong|that's wrong|"
    r"that's not right|definitely not|not really|no way|don't bother")


def fixed_reply(words: list[str]) -> str | None:
    """HassNevermind / VoicedConfirm / VoicedDeny when the whole utterance is such a reply.

    "no ..." forms are a denial; "stop"/"be quiet" alone cancel (the dialogue stops speech);
    "stop the music" is not matched and stays a media command.
    """
    core = list(words)
    while len(core) > 1 and core[0] in _LEAD:
        core.pop(0)
    while len(core) > 1 and core[-1] in _TAIL:
        core.pop()
    if len(core) > 1 and core[-2:] == ["thank", "you"]:
        core = core[:-2]
    full, text = " ".join(words), " ".join(core)
    if not text:
        return None
    if _CONFIRM.fullmatch(full) or _CONFIRM.fullmatch(text):
        return "VoicedConfirm"
    if _DENY.fullmatch(text):
        return "VoicedDeny"
    if _NEVERMIND.fullmatch(text):
        return "HassNevermind"
    return None


class FixedPhrases:
    """The whole utterance is a yes, a no or a stop: that reply, sure unless the model disagreed."""

    name = "fixed_phrases"

    def __call__(self, r: Reading) -> None:
        fixed = fixed_reply(r.words)
        if fixed is not None:
            r.result = Parse(text=r.text, intent=fixed, confidence=r.confidence if r.intent == fixed else 1.0,
                             extra=r.extra)
