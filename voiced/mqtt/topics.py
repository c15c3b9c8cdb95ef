"""voiced's own topic names (shared/spec/mqtt.md, docs/mqtt.md); one place so no one misspells them."""

from __future__ import annotations

BROADCAST = "voiced/broadcast"
HA_STATUS = "homeassistant/status"
HERMES_TTS_SAY = "hermes/tts/say"
HERMES_TTS_FINISHED = "hermes/tts/sayFinished"


def status(site: str) -> str:
    return f"voiced/{site}/status"


def transcript(site: str) -> str:
    return f"voiced/{site}/transcript"


def intent(site: str) -> str:
    return f"voiced/{site}/intent"


def reply(site: str) -> str:
    return f"voiced/{site}/reply"


def metrics(site: str) -> str:
    return f"voiced/{site}/metrics"


def say(site: str) -> str:
    return f"voiced/{site}/say"


def listen(site: str) -> str:
    return f"voiced/{site}/listen"


def text(site: str) -> str:
    return f"voiced/{site}/text"


def reload(site: str) -> str:
    return f"voiced/{site}/reload"


def mute(site: str) -> str:
    """Retained ``ON``/``OFF`` state of the mute switch (HA discovery)."""
    return f"voiced/{site}/mute"


def mute_set(site: str) -> str:
    return f"voiced/{site}/mute/set"


def list_add(site: str) -> str:
    return f"voiced/{site}/list/add"


def ha_device_config(site: str) -> str:
    return f"homeassistant/device/voiced_{site}/config"


ALL_STATUS = "voiced/+/status"  # to learn the other sites (for HassBroadcast)


def site_of_status(topic: str) -> str | None:
    parts = topic.split("/")
    if len(parts) == 3 and parts[0] == "voiced" and parts[2] == "status" and parts[1]:
        return parts[1]
    return None


def alert(site: str) -> str:
    """Safety alerts raised by the dialogue's alert rules (JSON notice)."""
    return f"voiced/{site}/alert"
