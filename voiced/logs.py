"""Logging: one line per event, journald-friendly, secrets redacted.

Under systemd (``$JOURNAL_STREAM`` set) journald adds its own timestamps, so lines carry none and
start with a ``<N>`` syslog priority prefix that journald turns into the entry's priority.
Elsewhere a line is ``2026-01-01 12:00:00,000 INFO voiced.mqtt: text``.  A multi-line message or
traceback is folded into one line (`` | `` between its lines) so that one event stays one entry.

Secrets (the broker password, passwords in ``mqtt://user:pass@host`` URLs) are replaced by
``***`` in every message and traceback, whichever logger emitted them.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import threading
from collections.abc import Mapping
from typing import TextIO

REDACTED = "***"
_URL_PASSWORD = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^:/@\s]+:)[^@\s/]+@", re.IGNORECASE)
_PRIORITY = {logging.DEBUG: 7, logging.INFO: 6, logging.WARNING: 4, logging.ERROR: 3, logging.CRITICAL: 2}
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")

_secrets: set[str] = set()
_lock = threading.Lock()


def register_secret(value: str | None) -> None:
    """Never log ``value`` from now on (call at start and after each reload with the password)."""
    if value:
        with _lock:
            _secrets.add(value)


def clear_secrets() -> None:
    with _lock:
        _secrets.clear()


def redact(text: str) -> str:
    """``text`` with every registered secret and URL password replaced by ``***``."""
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)  # longest first: a secret may contain another
    for s in secrets:
        if s in text:
            text = text.replace(s, REDACTED)
    return _URL_PASSWORD.sub(rf"\1{REDACTED}@", text)


class RedactingFilter(logging.Filter):
    """Rewrites the record's message (and traceback text) with secrets redacted; never drops it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the event
            message = f"{record.msg!r} {record.args!r}"
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class OneLineFormatter(logging.Formatter):
    """Folds newlines so that one event is one line (one journal entry)."""

    def __init__(self, journal: bool) -> None:
        fmt = "%(name)s: %(message)s" if journal else "%(asctime)s %(levelname)s %(name)s: %(message)s"
        super().__init__(fmt)
        self.journal = journal

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        text = " | ".join(line for line in text.splitlines() if line.strip())
        if self.journal:
            return f"<{_PRIORITY.get(record.levelno, 6)}>{text}"
        return text


def under_journal(env: Mapping[str, str] | None = None) -> bool:
    """True when stderr goes to journald (systemd sets ``JOURNAL_STREAM`` for such services)."""
    env = os.environ if env is None else env
    return bool(env.get("JOURNAL_STREAM"))


def setup_logging(level: str | int = "INFO", stream: TextIO | None = None, journal: bool | None = None) -> logging.Handler:
    """Configure the root logger once (idempotent: replaces the handler a previous call installed).

    Returns the handler so that tests can remove it.  ``level`` may be a name from ``LEVELS``.
    """
    if isinstance(level, str):
        name = level.upper()
        if name not in LEVELS and name != "CRITICAL":
            raise ValueError(f"unknown log level {level!r} (expected one of {', '.join(LEVELS)})")
        level_no = logging.getLevelName(name)
    else:
        level_no = level
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(OneLineFormatter(under_journal() if journal is None else journal))
    handler.addFilter(RedactingFilter())
    handler._voiced = True  # type: ignore[attr-defined]
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_voiced", False):
            root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level_no)
    threading.excepthook = _log_thread_exception  # a dying thread's traceback is redacted too
    return handler


def _log_thread_exception(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit:
        return
    name = args.thread.name if args.thread is not None else "?"
    exc_info = (args.exc_type, args.exc_value or args.exc_type(), args.exc_traceback)
    logging.getLogger("voiced").critical("thread %s died", name, exc_info=exc_info)
