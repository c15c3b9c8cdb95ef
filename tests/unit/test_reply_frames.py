"""Frame → surface phrases and the model's source tokens."""

from __future__ import annotations

from voiced.events import ReplyFrame
from voiced.reply.frames import count_text, duration_text, join_list, number_text, source_tokens, view


def test_numbers_counts_lists_units() -> None:
    assert number_text(21.5) == "21.5" and number_text(40.0) == "40" and number_text(7) == "7"
    assert number_text("19.25") == "19.2" and number_text(True) is None and number_text("warm") is None
    assert count_text(3) == "three" and count_text(0) == "zero" and count_text(42) == "42"
    assert join_list(["A"]) == "A" and join_list(["A", "B", "C"]) == "A, B and C"
    assert join_list(["A", "B"], "or") == "A or B"
    assert duration_text(1, 30, 0) == "1 hour and 30 minutes"
    assert duration_text(0, 1, 1) == "1 minute and 1 second"
    assert duration_text(None, "x", 0) is None


def test_view_surface_fields() -> None:
    fv = view(ReplyFrame("HassTurnOn", "done", {"area": "Kitchen", "domain": "light"},
                         {"names": ["Kitchen Spots", "Counter Light", "Hall Light"], "action": "on"}))
    s = fv.surface
    assert s["names"] == "the Kitchen Spots, the Counter Light and the Hall Light"
    assert s["count"] == "three" and s["kinds"] == "lights" and s["area"] == "Kitchen"
    assert s["action_past"] == "turned on" and s["action_state"] == "on" and s["names_be"] == "are"
    assert fv.plural["names"] == "many" and fv.categorical["action"] == "on"
    temp = view(ReplyFrame("HassClimateGetTemperature", "answer", {}, {"temperature": 21.5, "unit": "°C"})).surface
    assert temp["temperature"] == "21.5" and temp["temp_unit"] == "degrees"
    timer = view(ReplyFrame("HassStartTimer", "done", {},
                            {"timer": {"name": "pizza", "hours": 0, "minutes": 12, "seconds": 0}})).surface
    assert timer == {"timer_name": "pizza", "duration": "12 minutes"}


def test_ambiguous_candidates_are_read_from_dicts() -> None:
    fv = view(ReplyFrame("HassTurnOn", "ambiguous", {}, {
        "question": "which", "candidates": [{"id": "light.a", "name": "Bedroom Lamp", "area": None},
                                            {"id": "light.b", "name": "Desk Lamp", "area": "Office"}]}))
    assert fv.surface["names_or"] == "the Bedroom Lamp or the Desk Lamp"


def test_garbage_values_never_crash() -> None:
    junk = ReplyFrame("HassTurnOn", "done", {"area": 5, "hours": "x"},  # type: ignore[dict-item]
                      {"names": [None, 3, {"x": 1}, "  Lamp  "], "count": -2, "timer": "soon",
                       "timers": [1, {"minutes": "a"}], "temperature": float("nan"), "all": "yes",
                       "action": ["on"], "unit": 7, "unknown": {"a": 1}})
    fv = view(junk)
    assert fv.surface["names"] == "the Lamp" and fv.surface["count"] == "one"
    assert "temperature" not in fv.surface and "action_past" not in fv.surface
    assert view(ReplyFrame(None, "error", None, None)).surface == {}  # type: ignore[arg-type]


def test_source_tokens() -> None:
    fv = view(ReplyFrame("HassGetState", "answer", {"domain": "light"},
                         {"names": ["Hall Lamp", "Desk Light"], "count": 2, "state": "on"}))
    toks = source_tokens(fv, 1, "answers-1234")
    assert toks[:4] == ["K:answers-1234", "I:HassGetState", "S:answer", "STYLE:1"]
    assert "C:state=on" in toks and "N:names=many" in toks and "<names>" in toks and "<count>" in toks
    assert not any("Hall" in t for t in toks)  # values never enter the source, only placeholders
