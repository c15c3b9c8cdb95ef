"""Typed stage errors (voiced/errors.py): every failure the pipeline reports names its stage."""

from __future__ import annotations

import pytest

from voiced.errors import (
    STAGE_ERRORS,
    ActionError,
    IntentRecognitionError,
    MqttError,
    VoicedError,
    stage_error,
)


@pytest.mark.parametrize("stage", sorted(STAGE_ERRORS))
def test_an_untyped_failure_becomes_the_stage_error(stage: str) -> None:
    bug = ValueError("bad slot")
    typed = stage_error(stage, bug)
    assert isinstance(typed, STAGE_ERRORS[stage]) and typed.code == stage
    assert str(typed) == "bad slot" and typed.__cause__ is bug


def test_a_typed_error_keeps_its_own_code() -> None:
    lost = MqttError("broker gone")
    assert stage_error("action", lost) is lost
    assert stage_error("nlu", RuntimeError()).__class__ is IntentRecognitionError
    assert stage_error("action", KeyError("x")).__class__ is ActionError
    assert type(stage_error("elsewhere", RuntimeError("x"))) is VoicedError
