"""Spoken numbers, durations, percentages and colours normalise to the canonical slot values."""

from __future__ import annotations

import pytest

from voiced.nlu import numbers


@pytest.mark.parametrize(("text", "value"), [
    ("fifty percent", 50), ("50%", 50), ("50 percent", 50), ("twenty one and a half degrees", 21.5),
    ("21.5", 21.5), ("twenty one point five", 21.5), ("one hundred", 100), ("a couple of degrees", 2),
    ("a degree", 1), ("seventeen", 17), ("ninety nine", 99), ("zero", 0),
])
def test_parse_number(text: str, value: float) -> None:
    assert numbers.parse_number(text) == value


@pytest.mark.parametrize(("text", "value"), [
    ("full", 100), ("full brightness", 100), ("half", 50), ("halfway", 50), ("a quarter open", 25),
    ("three quarters", 75), ("forty percent", 40), ("120%", 100),
])
def test_parse_percent(text: str, value: float) -> None:
    assert numbers.parse_percent(text) == value


@pytest.mark.parametrize(("text", "expected"), [
    ("a minute and a half", {"minutes": 1, "seconds": 30}),
    ("half an hour", {"minutes": 30}),
    ("1 hour 20 minutes", {"hours": 1, "minutes": 20}),
    ("one hour and twenty minutes", {"hours": 1, "minutes": 20}),
    ("an hour and a half", {"hours": 1, "minutes": 30}),
    ("five minutes", {"minutes": 5}),
    ("ninety seconds", {"seconds": 90}),
    ("two and a half minutes", {"minutes": 2, "seconds": 30}),
    ("a quarter of an hour", {"minutes": 15}),
    ("10 min", {"minutes": 10}),
    ("twenty five minutes and thirty seconds", {"minutes": 25, "seconds": 30}),
])
def test_parse_duration(text: str, expected: dict[str, int]) -> None:
    assert numbers.parse_duration(text) == expected


def test_duration_without_units_is_none() -> None:
    assert numbers.parse_duration("the pizza") is None


def test_find_numbers_lists_every_number() -> None:
    assert numbers.find_numbers("set the lamp to fifty percent for twenty one and a half minutes or 3") == [50, 21.5, 3]


@pytest.mark.parametrize(("text", "colour"), [
    ("make it Warm White", "warm white"), ("red please", "red"), ("cold white", "cool white"), ("the lamp", None),
])
def test_parse_color(text: str, colour: str | None) -> None:
    assert numbers.parse_color(text) == colour


@pytest.mark.parametrize("n", [0, 7, 13, 21, 21.5, 40, 99, 105, 250, 1999])
def test_number_words_round_trip(n: float) -> None:
    assert numbers.parse_number(numbers.number_to_words(n)) == n
