"""Timers through the dialogue: every HA timer intent, several and named timers, firing, persistence."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import EXAMPLE_HOME
from voiced.config import DialogueSettings
from voiced.dialogue import DialogueManager, TimerManager, load_state, save_state, timers_path
from voiced.dialogue.timers import Timer, normalise_name, split_seconds
from voiced.events import ALREADY, AMBIGUOUS, ANSWER, DONE, NOT_FOUND, Parse
from voiced.home import Home, load_home

SITE = "kitchen"
T0 = 1_800_000_000.0  # a wall-clock time; the tests move it by hand


class Clock:
    """A controllable clock: the dialogue never reads time itself, tests pass this one's value."""

    def __init__(self, t: float = T0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> float:
        self.t += seconds
        return self.t


@pytest.fixture(scope="module")
def home() -> Home:
    return load_home(EXAMPLE_HOME)


@pytest.fixture()
def dm(home: Home) -> DialogueManager:
    return DialogueManager(DialogueSettings(), home)


def T(intent: str, text: str = "", numbers: list[float] | None = None, slots_raw: dict[str, Any] | None = None,
      **slots: Any) -> Parse:
    return Parse(text=text or intent, intent=intent, confidence=0.9, slots=slots,
                 extra={"slots_raw": dict(slots_raw if slots_raw is not None else slots),
                        "numbers": list(numbers or [])})


def start(dm: DialogueManager, clock: Clock, site: str = SITE, area: str | None = "kitchen", **slots: Any) -> None:
    d = dm.on_parse(site, T("HassStartTimer", **slots), clock(), area=area)
    assert d.frame is not None and d.frame.status == DONE, d


# ------------------------------------------------------------------ helpers

def test_split_and_names() -> None:
    assert split_seconds(3725) == {"hours": 1, "minutes": 2, "seconds": 5}
    assert split_seconds(0.2) == {"hours": 0, "minutes": 0, "seconds": 1}
    assert split_seconds(-3) == {"hours": 0, "minutes": 0, "seconds": 0}
    assert normalise_name("the Pizza timer") == "pizza"
    assert normalise_name("timer") is None
    assert normalise_name(None) is None


# ------------------------------------------------------------------ start / fire

def test_start_timer_reply_and_event(dm: DialogueManager) -> None:
    clock = Clock()
    d = dm.on_parse(SITE, T("HassStartTimer", minutes=5), clock(), area="kitchen")
    assert d.execute is None and not d.listen_again
    assert d.frame is not None and d.frame.intent == "HassStartTimer" and d.frame.status == DONE
    assert d.frame.values == {"timer": {"name": None, "hours": 0, "minutes": 5, "seconds": 0}}
    [(topic, payload)] = d.events
    assert topic == "timer/started"
    assert payload["end"] == T0 + 300 and payload["duration"] == 300 and payload["site"] == SITE


def test_timer_fires_at_the_right_tick(dm: DialogueManager) -> None:
    clock = Clock()
    start(dm, clock, minutes=1, seconds=30)
    assert dm.next_wakeup() == T0 + 90
    assert dm.tick(clock.advance(89.9)) == []
    [d] = dm.tick(clock.advance(0.2))
    assert d.site == SITE and d.execute is None and not d.listen_again
    assert d.frame is not None and d.frame.status == DONE and d.frame.intent == "VoicedTimerFinished"
    assert d.frame.values == {"timer": {"name": None, "hours": 0, "minutes": 1, "seconds": 30}}
    [(topic, payload)] = d.events
    assert topic == "timer/finished" and payload["remaining"] == 0 and payload["late"] == pytest.approx(0.1)
    assert dm.tick(clock.advance(100)) == []  # fires once
    assert len(dm.timers) == 0


def test_missing_duration_is_asked(dm: DialogueManager) -> None:
    clock = Clock()
    d = dm.on_parse(SITE, T("HassStartTimer", "start a timer"), clock())
    assert d.listen_again and d.frame is not None and d.frame.status == AMBIGUOUS
    assert d.frame.values == {"question": "duration"}
    d = dm.on_parse(SITE, Parse("ten", None, 0.2, extra={"slots_raw": {}, "numbers": [10]}), clock.advance(2))
    assert d.frame is not None and d.frame.values["timer"]["minutes"] == 10  # a bare number = minutes
    assert d.events[0][0] == "timer/started"
    [t] = dm.timers.all()
    assert t.duration == 600


def test_missing_duration_answered_with_units(dm: DialogueManager) -> None:
    clock = Clock()
    dm.on_parse(SITE, T("HassStartTimer", "start a pizza timer", name="pizza"), clock())
    ans = Parse("a minute and a half", None, 0.2, extra={"slots_raw": {"minutes": 1, "seconds": 30}, "numbers": [1.5]})
    d = dm.on_parse(SITE, ans, clock.advance(1))
    assert d.frame is not None
    assert d.frame.values["timer"] == {"name": "pizza", "hours": 0, "minutes": 1, "seconds": 30}


def test_conversation_command_runs_at_the_end(dm: DialogueManager) -> None:
    clock = Clock()
    start(dm, clock, minutes=10, conversation_command="turn off the kitchen spots")
    [d] = dm.tick(clock.advance(601))
    assert d.run_text == "turn off the kitchen spots" and d.frame is None
    assert d.events[0][0] == "timer/finished"


# ------------------------------------------------------------------ several and named timers

def test_several_timers_fire_in_order(dm: DialogueManager) -> None:
    clock = Clock()
    start(dm, clock, minutes=10, name="pasta")
    start(dm, clock, minutes=5, name="pizza")
    start(dm, clock, site="office", area="office", minutes=5, seconds=1)
    [d] = dm.tick(clock.advance(300))
    assert d.frame is not None and d.frame.values["timer"]["name"] == "pizza" and d.site == SITE
    [d] = dm.tick(clock.advance(1))
    assert d.site == "office" and d.events[0][1]["site"] == "office"
    [d] = dm.tick(clock.advance(299))
    assert d.frame is not None and d.frame.values["timer"]["name"] == "pasta"


def test_two_end_in_one_tick(dm: DialogueManager) -> None:
    clock = Clock()
    start(dm, clock, seconds=30, name="eggs")
    start(dm, clock, seconds=20, name="tea")
    ds = dm.tick(clock.advance(60))
    assert [d.frame.values["timer"]["name"] for d in ds if d.frame] == ["tea", "eggs"]


def test_status_one_and_several(dm: DialogueManager) -> None:
    clock = Clock()
    d = dm.on_parse(SITE, T("HassTimerStatus"), clock())
    assert d.frame is not None and d.frame.status == NOT_FOUND
    start(dm, clock, minutes=10, name="pasta")
    d = dm.on_parse(SITE, T("HassTimerStatus"), clock.advance(61.5))
    assert d.frame is not None and d.frame.status == ANSWER
    assert d.frame.values == {"timer": {"name": "pasta", "hours": 0, "minutes": 8, "seconds": 59}}
    start(dm, clock, minutes=5, name="pizza")
    d = dm.on_parse(SITE, T("HassTimerStatus"), clock.advance(60))
    assert d.frame is not None and d.frame.values["count"] == 2
    assert [t["name"] for t in d.frame.values["timers"]] == ["pasta", "pizza"]
    assert d.frame.values["timers"][1]["minutes"] == 4
    d = dm.on_parse(SITE, T("HassTimerStatus", name="the pizza timer"), clock())
    assert d.frame is not None and d.frame.values == {"timer": {"name": "pizza", "hours": 0, "minutes": 4, "seconds": 0}}


def test_cancel_by_name(dm: DialogueManager) -> None:
    clock = Clock()
    start(dm, clock, minutes=10, name="pasta")
    start(dm, clock, minutes=5, name="pizza")
    d = dm.on_parse(SITE, T("HassCancelTimer", name="pizza"), clock.advance(10))
    assert d.frame is not None and d.frame.status == DONE
    assert d.frame.values == {"timer": {"name": "pizza", "hours": 0, "minutes": 5, "seconds": 0}}
    assert d.events[0][0] == "timer/cancelled"
    assert [t.name for t in dm.timers.all()] == ["pasta"]
    d = dm.on_parse(SITE, T("HassCancelTimer", name="the cake timer"), clock())
    assert d.frame is not None and d.frame.status == NOT_FOUND
    assert d.frame.values == {"count": 0, "timer": {"name": "cake"}}


def test_cancel_by_start_duration(dm: DialogueManager) -> None:
    clock = Clock()
    start(dm, clock, minutes=10)
    start(dm, clock, minutes=5)
    d = dm.on_parse(SITE, T("HassCancelTimer", start_minutes=5), clock.advance(30))
    assert d.frame is not None and d.frame.values["timer"]["minutes"] == 5
    assert [t.duration for t in dm.timers.all()] == [600]
    # "cancel the ten minute timer" tagged as plain minutes is read as the starting duration
    d = dm.on_parse(SITE, T("HassCancelTimer", minutes=10), clock())
    assert d.frame is not None and d.frame.status == DONE and len(dm.timers) == 0


def test_cancel_the_only_timer_and_by_area(dm: DialogueManager) -> None:
    clock = Clock()
    start(dm, clock, site="office", area="office", minutes=3)
    d = dm.on_parse(SITE, T("HassCancelTimer"), clock())  # the only one, even from another site
    assert d.frame is not None and d.frame.status == DONE and len(dm.timers) == 0
    start(dm, clock, site="office", area="office", minutes=3)
    start(dm, clock, minutes=4)
    d = dm.on_parse(SITE, T("HassCancelTimer", area="Study"), clock())  # an alias of Office
    assert d.frame is not None and d.frame.values["timer"]["minutes"] == 3
    assert [t.site for t in dm.timers.all()] == [SITE]


def test_unnamed_cancel_prefers_this_sites_timer(dm: DialogueManager) -> None:
    clock = Clock()
    start(dm, clock, site="office", area="office", minutes=3)
    start(dm, clock, minutes=4)
    d = dm.on_parse("office", T("HassCancelTimer"), clock())
    assert d.frame is not None and d.frame.values["timer"]["minutes"] == 3


def test_cancel_with_several_asks_which_then_answer_by_name(dm: DialogueManager) -> None:
    clock = Clock()
    start(dm, clock, minutes=10, name="pasta")
    start(dm, clock, minutes=5, name="pizza")
    d = dm.on_parse(SITE, T("HassCancelTimer"), clock())
    assert d.listen_again and d.frame is not None and d.frame.status == AMBIGUOUS
    assert d.frame.values["question"] == "which" and d.frame.values["count"] == 2
    ans = Parse("the pasta one", None, 0.2, extra={"slots_raw": {"name": "pasta"}, "numbers": []})
    d = dm.on_parse(SITE, ans, clock.advance(2))
    assert d.frame is not None and d.frame.status == DONE and d.frame.values["timer"]["name"] == "pasta"
    assert [t.name for t in dm.timers.all()] == ["pizza"]


def test_cancel_with_several_answer_by_duration_number(dm: DialogueManager) -> None:
    clock = Clock()
    start(dm, clock, minutes=10)
    start(dm, clock, minutes=5)
    dm.on_parse(SITE, T("HassCancelTimer"), clock())
    bad = Parse("the blue one", None, 0.2, extra={"slots_raw": {}, "numbers": []})
    assert dm.on_parse(SITE, bad, clock()).listen_again
    ans = Parse("the five minute one", None, 0.2, extra={"slots_raw": {"minutes": 5}, "numbers": [5]})
    d = dm.on_parse(SITE, ans, clock())
    assert d.frame is not None and d.frame.status == DONE
    assert [t.duration for t in dm.timers.all()] == [600]


def test_cancel_all(dm: DialogueManager) -> None:
    clock = Clock()
    d = dm.on_parse(SITE, T("HassCancelAllTimers"), clock())
    assert d.frame is not None and d.frame.status == NOT_FOUND
    start(dm, clock, minutes=1)
    start(dm, clock, minutes=2)
    start(dm, clock, site="office", area="office", minutes=3)
    d = dm.on_parse(SITE, T("HassCancelAllTimers"), clock())
    assert d.frame is not None and d.frame.values == {"count": 3}
    assert [e[0] for e in d.events] == ["timer/cancelled"] * 3
    assert len(dm.timers) == 0 and dm.tick(clock.advance(1000)) == []


def test_pause_unpause(dm: DialogueManager) -> None:
    clock = Clock()
    start(dm, clock, minutes=2, name="tea")
    d = dm.on_parse(SITE, T("HassPauseTimer"), clock.advance(30))
    assert d.frame is not None and d.frame.status == DONE and d.frame.intent == "HassPauseTimer"
    assert d.frame.values["timer"] == {"name": "tea", "hours": 0, "minutes": 1, "seconds": 30}
    assert d.events[0][0] == "timer/paused"
    assert dm.next_wakeup() is None
    assert dm.tick(clock.advance(1000)) == []  # paused timers do not end
    d = dm.on_parse(SITE, T("HassPauseTimer"), clock())
    assert d.frame is not None and d.frame.status == ALREADY
    d = dm.on_parse(SITE, T("HassTimerStatus"), clock())
    assert d.frame is not None and d.frame.values["timer"]["seconds"] == 30
    d = dm.on_parse(SITE, T("HassUnpauseTimer"), clock())
    assert d.frame is not None and d.frame.status == DONE and d.events[0][0] == "timer/unpaused"
    d = dm.on_parse(SITE, T("HassUnpauseTimer"), clock())
    assert d.frame is not None and d.frame.status == ALREADY
    assert dm.tick(clock.advance(89)) == []
    assert len(dm.tick(clock.advance(2))) == 1


def test_increase_decrease(dm: DialogueManager) -> None:
    clock = Clock()
    start(dm, clock, minutes=5, name="pizza")
    start(dm, clock, minutes=8, name="pasta")
    d = dm.on_parse(SITE, T("HassIncreaseTimer", minutes=2, name="pizza"), clock.advance(60))
    assert d.frame is not None and d.frame.values == {"timer": {"name": "pizza", "hours": 0, "minutes": 6, "seconds": 0}}
    assert d.events[0][0] == "timer/updated"
    # amounts are not read as the starting duration: "take a minute off the pizza timer"
    d = dm.on_parse(SITE, T("HassDecreaseTimer", minutes=1, name="pizza"), clock())
    assert d.frame is not None and d.frame.values["timer"]["minutes"] == 5
    d = dm.on_parse(SITE, T("HassDecreaseTimer", minutes=30, start_minutes=8), clock())
    assert d.frame is not None and d.frame.values["timer"] == {"name": "pasta", "hours": 0, "minutes": 0, "seconds": 0}
    [fired] = dm.tick(clock())  # cut to zero: ends at the next tick
    assert fired.frame is not None and fired.frame.values["timer"]["name"] == "pasta"


def test_increase_without_amount_asks(dm: DialogueManager) -> None:
    clock = Clock()
    start(dm, clock, minutes=5)
    d = dm.on_parse(SITE, T("HassIncreaseTimer"), clock())
    assert d.listen_again and d.frame is not None and d.frame.values == {"question": "duration"}
    ans = Parse("two minutes", None, 0.2, extra={"slots_raw": {"minutes": 2}, "numbers": [2]})
    d = dm.on_parse(SITE, ans, clock())
    assert d.frame is not None and d.frame.values["timer"]["minutes"] == 7


def test_timer_select_name_tolerates_plural() -> None:
    m = TimerManager()
    m.start(SITE, 60, T0, name="egg")
    assert len(m.select({"name": "eggs"}, SITE).timers) == 1
    assert len(m.select({"name": "toast"}, SITE).timers) == 0


# ------------------------------------------------------------------ persistence

def test_json_round_trip_and_restart(home: Home, tmp_path: Path) -> None:
    clock = Clock()
    dm = DialogueManager(DialogueSettings(), home)
    start(dm, clock, minutes=5, name="pizza")
    start(dm, clock, minutes=1)
    start(dm, clock, site="office", area="office", hours=1)
    dm.on_parse("office", T("HassPauseTimer"), clock.advance(20), area="office")  # office's own timer
    path = timers_path(tmp_path / "state")
    rev = dm.timers_revision
    save_state(path, dm.timer_state())
    assert json.loads(path.read_text())["version"] == 1
    assert [p.name for p in path.parent.iterdir()] == ["timers.json"]  # no temp files left behind

    # the daemon is down for 2 minutes: the 1-minute timer ended meanwhile
    dm2 = DialogueManager(DialogueSettings(), home)
    dm2.load_timers(load_state(path))
    assert dm2.timers.to_json() == dm.timers.to_json()
    fired = dm2.tick(clock.advance(120))
    assert len(fired) == 1 and fired[0].frame is not None
    assert fired[0].frame.values["timer"]["minutes"] == 1
    assert fired[0].events[0][1]["late"] == pytest.approx(80)
    assert dm2.tick(clock.advance(1)) == []  # once only
    d = dm2.on_parse(SITE, T("HassTimerStatus", name="pizza"), clock())
    assert d.frame is not None and d.frame.values["timer"]["minutes"] == 2  # 300 - 141 s = 2:39
    assert d.frame.values["timer"]["seconds"] == 39
    paused = [t for t in dm2.timers.all() if t.paused]
    assert len(paused) == 1 and paused[0].left(clock()) == 3580
    # new ids do not collide with restored ones
    start(dm2, clock, minutes=2)
    assert len({t.id for t in dm2.timers.all()}) == 3
    assert dm.timers_revision == rev


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", "", "\x00\x01"])
def test_corrupt_state_file_starts_empty(tmp_path: Path, content: str, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "timers.json"
    path.write_text(content)
    with caplog.at_level(logging.WARNING):
        data = load_state(path)
    assert data == {}
    assert "timer state" in caplog.text
    assert len(TimerManager.from_json(data)) == 0


def test_missing_state_file_is_empty(tmp_path: Path) -> None:
    assert load_state(tmp_path / "nope.json") == {}


def test_bad_entries_are_skipped(caplog: pytest.LogCaptureFixture) -> None:
    good = Timer("timer-7", SITE, 60.0, T0 + 60).to_json()
    data = {"version": 1, "next": "x", "timers": [good, {"id": "timer-8"}, 42,
                                                  {**good, "id": "timer-9", "end": None, "remaining": None},
                                                  {**good, "id": "timer-10", "duration": True}]}
    with caplog.at_level(logging.WARNING):
        m = TimerManager.from_json(data)
    assert [t.id for t in m.all()] == ["timer-7"]
    assert caplog.text.count("skipped") == 4
    assert m.start(SITE, 5, T0).id == "timer-8"
    assert len(TimerManager.from_json({"timers": "nope"})) == 0


def test_save_replaces_atomically(tmp_path: Path) -> None:
    path = tmp_path / "timers.json"
    save_state(path, {"version": 1, "timers": []})
    save_state(path, {"version": 1, "timers": [], "next": 4})
    assert json.loads(path.read_text())["next"] == 4
    with pytest.raises(TypeError):
        save_state(path, {"bad": object()})
    assert json.loads(path.read_text())["next"] == 4  # the old file survives a failed write
    assert sorted(p.name for p in tmp_path.iterdir()) == ["timers.json"]


@pytest.mark.parametrize("slots", [{"minutes": 0}, {"minutes": -5}, {"minutes": "lots"}, {"hours": float("inf")}])
def test_zero_negative_or_garbage_duration_is_asked(dm: DialogueManager, slots: dict[str, Any]) -> None:
    d = dm.on_parse(SITE, T("HassStartTimer", **slots), T0)
    assert d.listen_again and d.frame is not None and d.frame.values == {"question": "duration"}
    assert len(dm.timers) == 0


def test_full_request_as_answer_keeps_its_name(dm: DialogueManager) -> None:
    dm.on_parse(SITE, T("HassStartTimer", "start a timer"), T0)
    d = dm.on_parse(SITE, T("HassStartTimer", "a pizza timer for five minutes", minutes=5, name="pizza"), T0 + 1)
    assert d.frame is not None and d.frame.values == {"timer": {"name": "pizza", "hours": 0, "minutes": 5, "seconds": 0}}
