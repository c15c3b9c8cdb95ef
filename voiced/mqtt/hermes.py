"""Hermes protocol (Snips/Rhasspy) messages, so existing Hermes consumers can follow voiced.

Pure encoders/decoders: each returns ``(topic, json_text)``; the daemon decides whether to send.
"""

from __future__ import annotations

import json
from typing import Any

from voiced.events import Parse, Transcript
from voiced.mqtt import topics


def _dumps(obj: dict[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False)


def hotword_detected(wakeword: str, site: str, session_id: str = "") -> tuple[str, str]:
    word = "_".join(wakeword.lower().split()) or "default"
    return f"hermes/hotword/{word}/detected", _dumps(
        {"siteId": site, "modelId": word, "sessionId": session_id or None})


def text_captured(t: Transcript, site: str) -> tuple[str, str]:
    return "hermes/asr/textCaptured", _dumps(
        {"text": t.text, "likelihood": t.confidence, "seconds": t.seconds, "siteId": site,
         "sessionId": t.session_id or None})


def intent(parse: Parse, site: str, session_id: str = "") -> tuple[str, str]:
    """``hermes/intent/<name>`` for a recognised intent, else ``hermes/nlu/intentNotRecognized``."""
    if parse.intent is None:
        return "hermes/nlu/intentNotRecognized", _dumps(
            {"input": parse.text, "siteId": site, "sessionId": session_id or None})
    spans = {s.slot: s for s in parse.spans}
    slots = []
    for name, value in parse.slots.items():
        span = spans.get(name)
        is_num = isinstance(value, int | float) and not isinstance(value, bool)
        slots.append({
            "slotName": name,
            "entity": name,
            "rawValue": span.text if span else str(value),
            "value": {"kind": "Number" if is_num else "Custom", "value": value},
            "range": {"start": span.start, "end": span.end} if span else None,
            "confidence": 1.0,
        })
    return f"hermes/intent/{parse.intent}", _dumps({
        "input": parse.text,
        "intent": {"intentName": parse.intent, "confidenceScore": round(float(parse.confidence), 4)},
        "slots": slots,
        "siteId": site,
        "sessionId": session_id or None,
        "customData": None,
    })


def parse_tts_say(payload: bytes) -> tuple[str, str | None, str | None] | None:
    """``hermes/tts/say`` → (text, siteId, id); None for anything that is not such a message."""
    try:
        data = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("text"), str) or not data["text"].strip():
        return None
    site = data.get("siteId")
    ident = data.get("id")
    return (data["text"].strip(), site if isinstance(site, str) else None,
            ident if isinstance(ident, str) else None)


def say_finished(site: str, ident: str | None) -> tuple[str, str]:
    return topics.HERMES_TTS_FINISHED, _dumps({"id": ident, "siteId": site})
