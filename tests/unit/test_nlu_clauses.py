"""Which clause of a longer sentence may be re-read as a command (voiced/nlu/clauses.py)."""

from __future__ import annotations

import pytest

from voiced.nlu.clauses import command_clauses


def _clauses(text: str) -> list[str]:
    words = text.split()
    return [" ".join(words[i:j]) for i, j in command_clauses(words)]


@pytest.mark.parametrize(("text", "want"), [
    ("it's getting chilly out here can you switch the heater on", ["can you switch the heater on"]),
    ("we're off now start the leaving routine", ["now start the leaving routine"]),
    ("i'm going to bed please turn off the lights", ["please turn off the lights"]),
    ("turn off the espresso machine when you get a chance", ["turn off the espresso machine"]),
    ("close the blinds it's too bright", ["close the blinds"]),
    ("switch on the fan because it is so hot", ["switch on the fan"]),
    ("open the garage door if you can", ["open the garage door"]),
])
def test_a_command_within_talk(text: str, want: list[str]) -> None:
    assert _clauses(text) == want


@pytest.mark.parametrize("text", [
    "how can you turn on the lights",  # a question is never split
    "what would you do if the lights went out",
    "turn on the heater when i get home",  # a condition: a later command must not happen now
    "turn off the lights after dinner",
    "switch the fan off until ten",
    "i wish you could turn the lights off",  # "could" after a pronoun starts no request
    "lights on",
    "turn off the lights",
])
def test_never_a_split_that_changes_the_meaning(text: str) -> None:
    assert _clauses(text) == []
