"""Doubtful speech never acts: the hearing assessment, the NLU decision it tempers, and Whisper's
written text turned into the words the NLU reads (pure functions, no audio)."""

from __future__ import annotations

import dataclasses

import pytest

from voiced.asr.doubt import DOUBTFUL, SURE, UNHEARD, assess
from voiced.asr.whisper import (
    AGREEMENT,
    WhisperRecognizer,
    _agreement,
    _Segment,
    collapse_repeats,
    max_tokens,
    prompt_from_names,
    spoken_form,
    window_frames,
)
from voiced.events import Parse, Transcript
from voiced.pipeline import heard_as, understand


@pytest.mark.parametrize(("written", "spoken"), [
    ("Turn off the kitchen lights.", "turn off the kitchen lights"),
    ("Set the bedroom lamp to 50%.", "set the bedroom lamp to 50%"),
    ("Wake me up at 7:30 a.m.", "wake me up at 7:30 am"),
    ("Set the thermostat to 21.5°C.", "set the thermostat to 21.5 degrees celsius"),
    ("Set a timer for 2 minutes!", "set a timer for 2 minutes"),
    ("Lights on, please... and music", "lights on please and music"),
    ("Rock & roll - play it", "rock and roll play it"),
    ("Dim it by 1,000?", "dim it by 1,000"),
    ("Wait ½ an hour", "wait and a half an hour"),
    ("What's the kids' room like?", "what's the kids' room like"),
])
def test_spoken_form(written: str, spoken: str) -> None:
    assert spoken_form(written) == spoken


def test_prompt_lists_names_once_within_budget() -> None:
    assert prompt_from_names(["Kitchen", "Kitchen Spots", "Kitchen", " "]) == "Kitchen, Kitchen Spots."
    assert prompt_from_names([]) == ""
    long = prompt_from_names([f"Device Number {i}" for i in range(200)])
    assert len(long) <= 620 and long.endswith(".")


@pytest.mark.parametrize(("heard", "said"), [
    ("turn the room light off turn the room light off turn the room light", "turn the room light off"),
    ("open my new email open my new email", "open my new email"),
    ("hey howdy howdy howdy howdy how", "hey howdy"),  # ends in part of the phrase
    ("light stone light stone light stone light", "light stone"),
    ("it s ok it s ok it s ok ok ok ok ok", "it s ok"),  # the loop changes phrase
    ("temperature now temperature now", "temperature now"),
    ("what will the winner be next week what will the winner be next", "what will the winner be next week"),
    ("very very bright", "very very bright"),  # people repeat a word
    ("no no", "no no"),
    ("ok ok", "ok ok"),
    ("turn on the on the light", "turn on the on the light"),
    ("set the lamp to 50% set", "set the lamp to 50% set"),
    ("", ""),
])
def test_a_decoder_loop_keeps_one_copy(heard: str, said: str) -> None:
    words, dropped = collapse_repeats(heard.split())
    assert " ".join(words) == said
    assert dropped == len(heard.split()) - len(words)


def test_whisper_window_fits_the_utterance() -> None:
    assert window_frames(2.5, 0) == 600  # at least 6 s
    assert window_frames(8.2, 0) == 1000  # its length + 1 s, in 2 s steps
    assert window_frames(12.0, 10) == 1300  # a fixed window still holds the whole utterance
    assert window_frames(3.0, 10) == 1000
    assert window_frames(3.0, 30) is None  # Whisper's own 30 s windows
    assert window_frames(29.5, 0) is None  # too long for one short window
    assert window_frames(600.0, 0) is None
    assert max_tokens(2.0) == 24 and max_tokens(0.1) == 8


def _tr(text: str, conf: float, **ev: float) -> Transcript:
    return Transcript(text, conf, 2.0, evidence=dict(ev))


def test_the_beams_agreement_on_the_words_makes_the_hearing_surer() -> None:
    # the same words written three ways (and once looped): all the beam's mass is on them
    same = [(" Open the curtains.", [1, 2, 3, 4], -0.36), (" open the curtains", [5, 2, 3], -0.40),
            (" Open the curtains. Open the curtains.", [1, 2, 3, 4, 1, 2, 3, 4], -0.38)]
    assert _agreement(same, "open the curtains") == pytest.approx(1.0)
    # a rival reading close behind takes its share
    rival = [*same[:1], (" Open the curtain.", [1, 2, 6, 4], -0.37)]
    assert 0.4 < _agreement(rival, "open the curtains") < 0.6
    assert _agreement([], "x") == 0.0
    # numbers written as digits or as words, "%" or "percent": one reading
    digits = [(" Set the temperature to 19.", [7, 8, 9], -0.4), (" set the temperature to nineteen", [7, 8, 10], -0.45),
              (" Put the blinds at seventy percent", [11, 12], -0.5)]
    assert 0.5 < _agreement(digits, "set the temperature to 19") < 0.9  # only the other words are a rival
    assert _agreement(digits[:2], "set the temperature to 19") == pytest.approx(1.0)
    assert _agreement([(" 70% please", [1], -0.3), (" seventy percent please", [2], -0.3)], "70% please") == \
        pytest.approx(1.0)
    r = WhisperRecognizer.__new__(WhisperRecognizer)
    r.matcher = None
    seg = _Segment(" Open the curtains.", [1, 2, 3, 4], -0.6, 0.1, 1.0)
    alone = r._result([seg], 1.5)
    agreed = r._result([seg], 1.5, agreement=same)
    assert "beam_agreement" not in alone.evidence and agreed.evidence["beam_agreement"] == 1.0
    assert agreed.confidence == pytest.approx(alone.confidence ** 0.5, abs=1e-3)
    assert agreed.confidence > alone.confidence
    split = r._result([seg], 1.5, agreement=rival)  # a split beam: no surer than its first reading
    assert split.evidence["beam_agreement"] < AGREEMENT and split.confidence == alone.confidence


def test_assess_levels() -> None:
    assert assess(Transcript("turn on the lamp"), 0.35, 0.6).level == SURE  # typed text: no evidence
    assert assess(_tr("turn on the lamp", 0.9, speech_ratio=0.8), 0.35, 0.6).level == SURE  # grammar engines
    assert assess(_tr("turn on the lamp", 0.9, speech_ratio=0.1), 0.35, 0.6).level == UNHEARD
    sure = _tr("turn on the lamp", 0.75, no_speech_prob=0.01, avg_logprob=-0.27, speech_ratio=0.7)
    assert assess(sure, 0.35, 0.6).level == SURE
    assert assess(_tr("turn on the lamp", 0.5, no_speech_prob=0.05, avg_logprob=-0.64), 0.35, 0.6).level == DOUBTFUL
    assert assess(_tr("water", 0.3, no_speech_prob=0.2, avg_logprob=-1.0), 0.35, 0.6).level == UNHEARD
    # Whisper's own "no speech": high no-speech probability with a poor log-probability
    assert assess(_tr("thank you", 0.36, no_speech_prob=0.62, avg_logprob=-0.75), 0.1, 0.2).level == UNHEARD
    assert assess(_tr("", 0.0, no_speech_prob=0.9, avg_logprob=-2.6), 0.35, 0.6).level == UNHEARD


def _parse(intent: str | None, decision: str) -> Parse:
    return Parse("turn off the kitchen lights", intent, 0.97, slots={"area": "Kitchen"},
                 targets=("light.kitchen",) if intent else (), extra={"decision": decision})


def test_heard_as_tempers_the_decision() -> None:
    sure = _tr("turn off the kitchen lights", 0.8, no_speech_prob=0.01, avg_logprob=-0.2)
    doubtful = _tr("turn off the kitchen lights", 0.5, no_speech_prob=0.01, avg_logprob=-0.68)
    unheard = _tr("turn off the kitchen lights", 0.1, no_speech_prob=0.5, avg_logprob=-2.0)
    p = _parse("HassTurnOff", "act")
    assert heard_as(p, sure, 0.35, 0.6) is p
    asked = heard_as(p, doubtful, 0.35, 0.6)
    assert asked.extra["decision"] == "confirm" and asked.extra["reason"] == "doubtful_speech"
    assert asked.intent == "HassTurnOff" and asked.to_json()["intent"] is None  # nothing done before a yes
    refused = heard_as(p, unheard, 0.35, 0.6)
    assert refused.intent is None and refused.extra["decision"] == "reject"
    assert refused.extra["rejected"]["intent"] == "HassTurnOff"
    # a refusal stays one; a confirmation stays a confirmation
    assert heard_as(_parse(None, "reject"), doubtful, 0.35, 0.6).extra["decision"] == "reject"
    assert heard_as(_parse("HassTurnOff", "confirm"), doubtful, 0.35, 0.6).extra["decision"] == "confirm"
    # answers to a question and read-only questions are not confirmed (a question about a question)
    yes = Parse("yes", "VoicedConfirm", 0.99, extra={"decision": "act"})
    assert heard_as(yes, doubtful, 0.35, 0.6).extra["decision"] == "act"
    time_q = Parse("what time is it", "HassGetCurrentTime", 0.99, extra={"decision": "act"})
    assert heard_as(time_q, doubtful, 0.35, 0.6).extra["decision"] == "act"
    assert heard_as(time_q, unheard, 0.35, 0.6).intent is None


def test_another_hearing_is_tried_only_when_the_first_means_nothing() -> None:
    readings = {
        "what's the winner like": Parse("what's the winner like", None, 0.9, extra={"decision": "reject",
                                                                                   "reason": "null"}),
        "what's the weather like": Parse("what's the weather like", "HassGetWeather", 0.95,
                                         extra={"decision": "act", "reason": "sure"}),
        "close the bedroom curtains": Parse("close the bedroom curtains", "HassTurnOff", 0.97,
                                            targets=("cover.bedroom_curtains",),
                                            extra={"decision": "act", "reason": "sure"}),
        "close the mad room curtains": Parse("close the mad room curtains", None, 0.97,  # as the parser refuses
                                             extra={"decision": "reject", "reason": "no_evidence",
                                                    "rejected": {"intent": "HassTurnOff"}}),
        "is the bedroom lamp on": Parse("is the bedroom lamp on", "HassGetState", 0.97, targets=("light.bedroom_lamp",),
                                        extra={"decision": "act", "reason": "sure"}),
        "turn off the kitchen lights": _parse("HassTurnOff", "act"),
    }
    read: list[str] = []

    def parse(text: str) -> Parse:
        read.append(text)
        return readings[text]

    def heard(text: str, *alternatives: str, conf: float = 0.8) -> Transcript:
        return dataclasses.replace(_tr(text, conf, no_speech_prob=0.01, avg_logprob=-0.2), alternatives=alternatives)

    # a question about the weather, heard second, is answered
    p = understand(parse, heard("what's the winner like", "what's the weather like"), 0.35, 0.6)
    assert (p.intent, p.extra["decision"], p.extra["reason"]) == ("HassGetWeather", "act", "another_hearing")
    assert p.extra["heard_first"] == "what's the winner like" and p.text == "what's the weather like"
    # a command heard second is asked about first ("Did you say: close the bedroom curtains?")
    p = understand(parse, heard("close the mad room curtains", "close the bedroom curtains"), 0.35, 0.6)
    assert p.extra["decision"] == "confirm" and p.to_json()["intent"] is None
    assert p.to_json()["proposal"]["targets"] == ["cover.bedroom_curtains"]
    # a question about a device cannot be confirmed: not taken from another hearing
    p = understand(parse, heard("what's the winner like", "is the bedroom lamp on"), 0.35, 0.6)
    assert p.intent is None and p.extra["reason"] == "null"
    # a first hearing that means something is kept: the others are never read
    read.clear()
    p = understand(parse, heard("turn off the kitchen lights", "what's the weather like"), 0.35, 0.6)
    assert p.intent == "HassTurnOff" and read == ["turn off the kitchen lights"]
    # a doubtful hearing: a guessed question is not answered, a guessed command still asked about
    p = understand(parse, heard("what's the winner like", "what's the weather like", conf=0.5), 0.35, 0.6)
    assert p.intent is None
    p = understand(parse, heard("close the mad room curtains", "close the bedroom curtains", conf=0.5), 0.35, 0.6)
    assert p.extra["decision"] == "confirm" and p.extra["reason"] == "another_hearing"
    # nor when nothing was heard well enough to act on
    read.clear()
    p = understand(parse, heard("what's the winner like", "what's the weather like", conf=0.1), 0.35, 0.6)
    assert p.intent is None and "what's the weather like" not in read


def test_a_doubtful_hearing_whose_rivals_all_read_the_same_is_acted_on() -> None:
    same = _parse("HassTurnOff", "act")
    readings = {"turn off the kitchen lights": same,
                "turn of the kitchen lights": dataclasses.replace(same, text="turn of the kitchen lights"),
                "turn on the kitchen lights": Parse("turn on the kitchen lights", "HassTurnOn", 0.97,
                                                    slots={"area": "Kitchen"}, targets=("light.kitchen",),
                                                    extra={"decision": "act"}),
                "turn off the kitchen light": Parse("turn off the kitchen light", "HassTurnOff", 0.6,
                                                    slots={"area": "Kitchen"}, targets=("light.kitchen",),
                                                    extra={"decision": "confirm"}),
                "turn off the kitchen": Parse("turn off the kitchen", "HassTurnOff", 0.97, slots={"area": "Kitchen"},
                                              targets=("light.kitchen", "switch.kettle"), extra={"decision": "act"}),
                "turn of the kitten lights": Parse("turn of the kitten lights", None, 0.9,
                                                   extra={"decision": "reject", "reason": "null"})}

    def heard(*alternatives: str) -> Transcript:
        return dataclasses.replace(_tr("turn off the kitchen lights", 0.5, no_speech_prob=0.01, avg_logprob=-0.68),
                                   alternatives=alternatives)

    def decided(*alternatives: str) -> tuple[str, str]:
        p = understand(readings.__getitem__, heard(*alternatives), 0.35, 0.6)
        return p.extra["decision"], p.extra["reason"]

    assert decided("turn of the kitchen lights") == ("act", "hearings_agree")
    # the same reading asked about agrees; a rival that means nothing is neither for nor against
    assert decided("turn off the kitchen light", "turn of the kitten lights") == ("act", "hearings_agree")
    # a rival that would do something else: still a question; so with no rival that agrees
    assert decided("turn of the kitchen lights", "turn on the kitchen lights") == ("confirm", "doubtful_speech")
    assert decided("turn of the kitchen lights", "turn off the kitchen") == ("confirm", "doubtful_speech")
    assert decided("turn of the kitten lights") == ("confirm", "doubtful_speech")
    assert decided() == ("confirm", "doubtful_speech")
