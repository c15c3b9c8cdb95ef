"""The checker: a reply may only say what the frame holds, and must say what the case requires."""

from __future__ import annotations

import pytest

from voiced.errors import ReplyError
from voiced.events import OUTCOME_STATUSES, ReplyFrame
from voiced.reply.cases import Casebook, casebook, check
from voiced.reply.frames import view
from voiced.reply.sampler import INTENTS

LIGHTS = ReplyFrame("HassGetState", "answer", {"domain": "light"},
                    {"names": ["Hall Lamp", "Desk Light"], "count": 2, "state": "on"})


def _check(frame: ReplyFrame, text: str, known: tuple[str, ...] = ()) -> list[str]:
    fv = view(frame)
    return check(text, fv, casebook().select(fv), known)


def test_accepts_good_replies() -> None:
    assert _check(LIGHTS, "Two lights are on: the Hall Lamp and the Desk Light.") == []
    assert _check(LIGHTS, "There are two lights on: the Hall Lamp and the Desk Light.") == []
    door = ReplyFrame("HassGetState", "answer", {}, {"entity": "Front Door", "state": "locked"})
    assert _check(door, "The Front Door is locked.") == []
    temp = ReplyFrame("HassClimateGetTemperature", "answer", {"area": "Kitchen"},
                      {"temperature": 21.5, "unit": "°C"})
    assert _check(temp, "It's 21.5 degrees in the Kitchen.") == []


def test_rejects_an_invented_name() -> None:
    problems = _check(LIGHTS, "Two lights are on: the Hall Lamp and the Lava Lamp.")
    assert any("missing names" in p for p in problems)
    assert any("'lava'" in p for p in problems)
    # a real name of the home that the frame does not hold is caught too
    problems = _check(LIGHTS, "Two lights are on: the Hall Lamp and the Desk Light. Bedroom Lamp.",
                      known=("Bedroom Lamp", "Hall Lamp", "Desk Light"))
    assert any("Bedroom Lamp" in p for p in problems)


def test_rejects_an_invented_number_or_state() -> None:
    assert any("number 'three'" in p for p in
               _check(LIGHTS, "Three lights are on: the Hall Lamp and the Desk Light."))
    temp = ReplyFrame("HassClimateGetTemperature", "answer", {}, {"temperature": 21.5, "unit": "°C"})
    problems = _check(temp, "It's 22 degrees.")
    assert any("missing temperature" in p for p in problems) and any("number '22'" in p for p in problems)
    door = ReplyFrame("HassGetState", "answer", {}, {"entity": "Front Door", "state": "locked"})
    assert any("state 'unlocked'" in p for p in _check(door, "The Front Door is unlocked."))


def test_rejects_missing_values_and_junk() -> None:
    assert _check(LIGHTS, "") == ["empty reply"]
    assert any("missing" in p for p in _check(LIGHTS, "Two lights are on."))
    assert "unresolved placeholder" in _check(LIGHTS, "Two lights are on: <names>.")
    long = "Two lights are on: the Hall Lamp and the Desk Light" + ", the Hall Lamp" * 5 + "."
    assert "reply longer than any phrasing" in _check(LIGHTS, long)


@pytest.mark.parametrize("status", OUTCOME_STATUSES)
def test_every_intent_and_status_has_a_template_that_passes(status: str) -> None:
    book = casebook()
    for intent in (*INTENTS, None):
        for values in ({}, {"names": ["Hall Lamp"], "action": "on"},
                       {"names": ["Hall Lamp", "Desk Lamp"], "count": 2, "question": "which"}):
            fv = view(ReplyFrame(intent, status, {}, values))
            case = book.select(fv)
            for style in range(len(case.phrasings)):
                text = case.say(fv, style)
                assert text and check(text, fv, case) == [], (intent, status, values, text)


def test_template_errors_name_file_and_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    for name in ("timers.yaml", "answers.yaml", "devices.yaml"):
        (tmp_path / name).write_text("[]\n")
    (tmp_path / "general.yaml").write_text(
        "- status: [done]\n  say: ['Fine.']\n- status: [done]\n  need: [names]\n  say: ['Done, two of {names}.']\n")
    with pytest.raises(ReplyError, match=r"general.yaml:3: say\[0\]: the number/state word 'two'"):
        Casebook.load(tmp_path)
    (tmp_path / "general.yaml").write_text("- status: [answer]\n  need: [names]\n  say: ['{names} is on.']\n")
    with pytest.raises(ReplyError, match=r"general.yaml:1: say\[0\]: the number/state word 'on'"):
        Casebook.load(tmp_path)
    (tmp_path / "general.yaml").write_text("- status: [done]\n  say: ['Set {brightness}.']\n")
    with pytest.raises(ReplyError, match=r"general.yaml:1: say\[0\]: uses \{brightness\} which is not in need"):
        Casebook.load(tmp_path)
    (tmp_path / "general.yaml").write_text("- status: [finished]\n  say: ['Ok.']\n")
    with pytest.raises(ReplyError, match="general.yaml:1: status: unknown status 'finished'"):
        Casebook.load(tmp_path)


def test_garbage_frames_always_get_a_checked_reply() -> None:
    import random

    from voiced.reply.generate import ReplyGenerator

    gen = ReplyGenerator.load(None, use_model=False)
    rng = random.Random(3)
    junk: list[object] = [None, 3, -1, 2.5, float("inf"), "", "x", [], [None], {}, {"name": 4}, True,
                          ["Lamp", 7], {"hours": "a"}, "°C"]
    keys = ["names", "count", "already_names", "unavailable_names", "unknown", "entity", "state", "value",
            "unit", "temperature", "brightness", "timer", "timers", "question", "all", "action", "message",
            "item", "list", "time", "date", "weather", "candidates", "area", "domain", "device_class"]
    for _ in range(400):
        values = {k: rng.choice(junk) for k in rng.sample(keys, 5)}
        slots = {k: rng.choice(junk) for k in rng.sample(keys, 2)}
        intent: object = rng.choice([None, "HassTurnOn", "Bogus", 5])
        frame = ReplyFrame(intent, rng.choice([*OUTCOME_STATUSES, "??"]), slots, values)  # type: ignore[arg-type]
        reply = gen.generate(frame)
        fv = view(frame)
        assert reply.text and check(reply.text, fv, gen.book.select(fv)) == [], (frame, reply)
