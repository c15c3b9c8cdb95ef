"""Act, confirm or refuse: the last unit of the parser, a pure function of a resolved reading.

A wrong action is worse than a question, and a question is worse than a right action.  So:
- **act** when the reading has evidence (voiced/nlu/evidence.py) and the calibrated confidence is
  at least ``act`` (temperature-scaled on generated held-out data: 0.9 is right about nine times
  in ten there; real speech is harder, so the margin is kept); a question that changes nothing
  (the time, the weather, a state) is answered from ``answer`` on;
- **confirm** when a device command is plausible (confidence in [``ask``, ``act``)),
  when its name was only matched fuzzily or by sound ("the mac door" → Back Door), when the
  words switch the other way than the intent read ("activate the roomba" → send it home;
  units/polarity.py), when none of its words is one the intent was taught with ("paint the front
  door": units/taught.py), when the device named is not in the place said (units/entities.py), or
  when the command is for later ("when I get home": units/mood.py): the dialogue asks "Do you
  want me to …?" and acts on yes;
- **refuse** otherwise, and always for a command that is negated, asked about or told as past
  ("please don't turn off the tv", "what happens if I turn off the water main", "I already locked
  the front door": units/mood.py), and for one that nothing it reaches can do ("stop the garage
  door", "pause the front door": units/domain_intent.py, units/requirements.py): "intent": null,
  with the reading kept in ``extra["rejected"]``.
"""

from __future__ import annotations

from dataclasses import dataclass

from voiced.events import Parse
from voiced.intents import names
from voiced.nlu.evidence import TARGETED

ACT, CONFIRM, REJECT = "act", "confirm", "reject"
_REPLIES = frozenset({"VoicedConfirm", "VoicedDeny"})  # taken from the fixed-reply rule only
_LOOSE_MATCHES = frozenset({"fuzzy", "phonetic"})


# questions: a wrong one costs an odd answer, never a changed home
READ_ONLY = names(read_only=True)


@dataclass(frozen=True)
class Policy:
    act: float = 0.8
    ask: float = 0.5
    answer: float = 0.6


@dataclass(frozen=True)
class Verdict:
    decision: str  # act | confirm | reject
    reason: str  # sure | unsure | no_evidence | loose_name | verb_against | place_against | untaught | later |
    #              part_of_a_list | negated | someone_else | told | asked_about | past | cannot_do |
    #              cannot_answer | null | reply


def decide(parse: Parse, evidence: list[str], policy: Policy) -> Verdict:
    if parse.intent is None:
        return Verdict(REJECT, "null")
    if parse.intent in _REPLIES:
        return Verdict(ACT, "reply")
    if not evidence:
        return Verdict(REJECT, "no_evidence")
    targeted = parse.intent in TARGETED and parse.intent not in READ_ONLY
    # a command negated, asked about or told as past is not asked for; one for later, not for now
    # (units/mood.py): refused, or for later asked whether to do it now
    not_now = parse.extra.get("not_for_now") if targeted else None
    if not_now and not_now != "later":
        return Verdict(REJECT, str(not_now))
    if targeted and parse.extra.get("cannot_do"):  # all its targets lack the action (units/requirements.py)
        return Verdict(REJECT, "cannot_do")
    if parse.extra.get("cannot_answer"):  # a question about what the home has no sensor for (units/attributes.py)
        return Verdict(REJECT, "cannot_answer")
    # never act on a guessed name, nor on words that switch the other way than the intent read
    # ("activate the roomba" read as *send it home*): ask, however sure the model is of the intent
    doubt = "loose_name" if parse.extra.get("name_match") in _LOOSE_MATCHES else \
        "verb_against" if parse.extra.get("verb_against") else \
        "place_against" if parse.extra.get("place_against") and targeted else \
        "untaught" if parse.extra.get("untaught") and targeted else \
        "part_of_a_list" if parse.extra.get("list_left_out") and targeted else \
        "later" if not_now == "later" else None
    if doubt:
        return Verdict(CONFIRM, doubt) if targeted and parse.confidence >= policy.ask else Verdict(REJECT, doubt)
    if parse.extra.get("canonical"):  # a template matcher's command with an exact name (nlu/canonical.py)
        return Verdict(ACT, "canonical")
    if parse.confidence >= (policy.answer if parse.intent in READ_ONLY else policy.act):
        return Verdict(ACT, "sure")
    if targeted and parse.confidence >= policy.ask:
        return Verdict(CONFIRM, "unsure")
    return Verdict(REJECT, "unsure")
