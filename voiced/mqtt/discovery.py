"""MQTT discovery, both ways.

Out: the retained ``homeassistant/device/voiced_<site>/config`` that describes the assistant.
In: entities from the home's retained discovery messages are found by the protocols' registry
(``voiced.protocols.discoverers()`` and ``discover``: each registered protocol with discovery names
its topic filters and parses its own messages) into :class:`voiced.home.model.Entity` objects for
``Home.with_entities`` (the daemon, ``voiced/handlers.py``) or for a devices file (``voiced import``,
``voiced/commands/importer.py``).  Input is untrusted: ``discover`` never raises on bad payloads.

The daemon calls ``discover`` with one message and the defaults.  ``voiced import`` passes every
retained message, ``areas`` (a dict the parsers fill with the areas the sources name) and
``for_file=True`` (entities for a devices file: e.g. templates kept where voiced can evaluate them,
components voiced cannot command made state-only entities the loader maps); see each protocol's
``discover``.
"""

from __future__ import annotations

import json

from voiced.mqtt import topics


def assistant_config(site: str, version: str) -> tuple[str, str]:
    """HA device discovery for the assistant: last transcript, last intent, a mute switch."""
    base = f"voiced/{site}"
    uid = f"voiced_{site}"
    config = {
        "device": {"identifiers": [uid], "name": f"voiced {site}", "manufacturer": "voiced",
                   "model": "offline voice assistant", "sw_version": version},
        "origin": {"name": "voiced", "sw_version": version},
        "availability_topic": f"{base}/status",
        "payload_available": "online",
        "payload_not_available": "offline",
        "qos": 1,
        "components": {
            f"{uid}_transcript": {"platform": "sensor", "name": "Last transcript", "unique_id": f"{uid}_transcript",
                                  "state_topic": f"{base}/transcript", "value_template": "{{ value_json.text }}",
                                  "icon": "mdi:microphone-message"},
            f"{uid}_intent": {"platform": "sensor", "name": "Last intent", "unique_id": f"{uid}_intent",
                              "state_topic": f"{base}/intent",
                              "value_template": "{{ value_json.intent if value_json.intent else 'none' }}",
                              "icon": "mdi:target"},
            f"{uid}_mute": {"platform": "switch", "name": "Mute", "unique_id": f"{uid}_mute",
                            "command_topic": f"{base}/mute/set", "state_topic": f"{base}/mute",
                            "payload_on": "ON", "payload_off": "OFF", "icon": "mdi:volume-off"},
        },
    }
    return topics.ha_device_config(site), json.dumps(config, ensure_ascii=False)
