"""What voiced reads out of command payloads: a text command (JSON ``{"text", "area",
"session_id"}`` or plain UTF-8), the sender's site of an announcement.  Pure, for the router's handlers."""

from __future__ import annotations

import json
from dataclasses import dataclass

MAX_TEXT_PAYLOAD = 4096  # a typed command is a sentence, not a document
MAX_TEXT_CHARS = 500


@dataclass(frozen=True)
class TextCommand:
    text: str
    area: str | None
    session_id: str = ""


def text_command(payload: bytes, default_area: str | None) -> TextCommand | None:
    """A ``voiced/<site>/text`` payload; None when it is too long or malformed."""
    if len(payload) > MAX_TEXT_PAYLOAD:
        return None
    area, session_id = default_area, ""
    text = text_of(payload)
    if text is not None and payload.lstrip().startswith(b"{"):
        data = json.loads(payload)
        if isinstance(data.get("area"), str):
            area = data["area"]
        if isinstance(data.get("session_id"), str):
            session_id = data["session_id"][:64]
    if text is None or len(text) > MAX_TEXT_CHARS:
        return None
    return TextCommand(text, area, session_id)


def site_of(payload: bytes) -> str | None:
    try:
        data = json.loads(payload)
    except (ValueError, RecursionError):
        return None
    site = data.get("site") if isinstance(data, dict) else None
    return site if isinstance(site, str) else None


def text_of(payload: bytes) -> str | None:
    """``{"text": ...}`` JSON or plain UTF-8 text; None for anything else."""
    try:
        raw = payload.decode("utf-8")
    except UnicodeDecodeError:
        return None
    raw = raw.strip()
    if not raw or "\x00" in raw:
        return None
    if raw.startswith("{"):
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):
            return None
        text = data.get("text") if isinstance(data, dict) else None
        return text.strip() if isinstance(text, str) and text.strip() else None
    if raw.startswith("[") or raw.startswith('"'):
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):
            return raw
        return data.strip() if isinstance(data, str) and data.strip() else None
    return raw
