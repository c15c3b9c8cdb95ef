"""Home Assistant MQTT discovery, both ways.

Out: the retained ``homeassistant/device/voiced_<site>/config`` that describes the assistant.
In: entities from the home's retained discovery messages, parsed by the protocol that publishes
them (``discover`` in ``voiced.protocols.zigbee2mqtt``, ``.homeassistant`` and ``.tasmota``) into
:class:`voiced.home.model.Entity` objects for ``Home.with_entities`` (the daemon) or for a devices file
(``voiced import``).  Input is untrusted: every parser returns ``(entities, problems)`` and never
raises on bad payloads.

The daemon calls the parsers with their defaults.  ``voiced import`` passes ``areas`` (a dict the
parsers fill with the areas the sources name, Zigbee2MQTT's ``area/device`` friendly names and HA's
``suggested_area``) and ``for_file=True`` (keep the HA ``value_template`` where voiced can evaluate
it; HA components voiced cannot command become state-only entities the loader maps).
"""

from __future__ import annotations

import json

from voiced.mqtt import topics
from voiced.protocols import homeassistant, tasmota, zigbee2mqtt

# the parsers, by the source they read
parse_z2m_devices = zigbee2mqtt.discover
parse_ha_config = homeassistant.discover
parse_tasmota_discovery = tasmota.discover


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
