"""Fixtures for the integration tests that need a private PulseAudio (the virtual microphone)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.test_pulse_mic import PrivatePulse


@pytest.fixture
def pulse(tmp_path: Path) -> Iterator[PrivatePulse]:
    """A private PulseAudio whose default source is a FIFO fed at real-time pace, and a null sink."""
    p = PrivatePulse(tmp_path)
    try:
        p.start()
        yield p
    finally:
        p.stop()
