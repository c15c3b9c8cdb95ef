"""Logging: one line per event, journald priority prefixes, secrets never printed."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from voiced import logs


@pytest.fixture
def capture() -> Iterator[tuple[io.StringIO, list[logging.Handler]]]:
    handlers: list[logging.Handler] = []
    buf = io.StringIO()
    root = logging.getLogger()
    old_level = root.level
    try:
        yield buf, handlers
    finally:
        for h in handlers:
            root.removeHandler(h)
        root.setLevel(old_level)
        logs.clear_secrets()


def test_plain_format_has_timestamp_level_and_logger(capture: tuple[io.StringIO, list[logging.Handler]]) -> None:
    buf, handlers = capture
    handlers.append(logs.setup_logging("INFO", stream=buf, journal=False))
    logging.getLogger("voiced.test").info("hello %s", "world")
    logging.getLogger("voiced.test").debug("not shown")
    line = buf.getvalue()
    assert line.count("\n") == 1
    assert " INFO voiced.test: hello world" in line
    assert line[:4].isdigit()  # a date first


def test_journal_format_has_priority_prefix_and_no_timestamp(capture: tuple[io.StringIO, list[logging.Handler]],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    buf, handlers = capture
    monkeypatch.setenv("JOURNAL_STREAM", "8:12345")
    handlers.append(logs.setup_logging("DEBUG", stream=buf))
    log = logging.getLogger("voiced.x")
    log.debug("d")
    log.info("i")
    log.warning("w")
    log.error("e")
    assert buf.getvalue().splitlines() == ["<7>voiced.x: d", "<6>voiced.x: i", "<4>voiced.x: w", "<3>voiced.x: e"]


def test_multiline_message_and_traceback_are_one_line(capture: tuple[io.StringIO, list[logging.Handler]]) -> None:
    buf, handlers = capture
    handlers.append(logs.setup_logging("INFO", stream=buf, journal=True))
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("voiced.y").exception("failed\nbadly")
    lines = buf.getvalue().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("<3>voiced.y: failed | badly | Traceback")
    assert "ValueError: boom" in lines[0]


def test_registered_secrets_are_redacted_everywhere(capture: tuple[io.StringIO, list[logging.Handler]]) -> None:
    buf, handlers = capture
    handlers.append(logs.setup_logging("INFO", stream=buf, journal=False))
    logs.register_secret("hunter2-secret")
    logs.register_secret("")  # ignored, must not redact everything
    log = logging.getLogger("voiced.mqtt")
    log.info("connecting with password %s", "hunter2-secret")
    log.warning("url mqtt://bob:pa55word@broker:1883 failed")
    try:
        raise RuntimeError("auth failed for hunter2-secret")
    except RuntimeError:
        log.exception("connect")
    out = buf.getvalue()
    assert "hunter2-secret" not in out and "pa55word" not in out
    assert "connecting with password ***" in out
    assert "mqtt://bob:***@broker:1883" in out
    assert "auth failed for ***" in out


def test_bad_format_arguments_do_not_lose_the_event(capture: tuple[io.StringIO, list[logging.Handler]]) -> None:
    buf, handlers = capture
    handler = logs.setup_logging("INFO", stream=buf, journal=False)
    handlers.append(handler)
    # straight to our handler: pytest's own capture handler would raise on the bad record first
    record = logging.LogRecord("voiced.z", logging.INFO, __file__, 1, "two %s %s", ("only-one",), None)
    handler.handle(record)
    assert "only-one" in buf.getvalue()


def test_setup_is_idempotent_and_rejects_unknown_levels(capture: tuple[io.StringIO, list[logging.Handler]]) -> None:
    buf, handlers = capture
    handlers.append(logs.setup_logging("INFO", stream=io.StringIO(), journal=False))
    handlers.append(logs.setup_logging("WARNING", stream=buf, journal=False))
    ours = [h for h in logging.getLogger().handlers if getattr(h, "_voiced", False)]
    assert len(ours) == 1
    assert logging.getLogger().level == logging.WARNING
    with pytest.raises(ValueError, match="unknown log level"):
        logs.setup_logging("LOUD")
