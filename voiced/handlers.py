"""What each topic does: the daemon's handlers, one per topic filter, in the router's table
(``Handlers.router()``).  They run on the main loop, one message at a time, and act on the
service's parts (pipeline, speech, home, state, alerts); bad input is logged and ignored.
"""

from __future__ import annotations

import functools
import json
import logging
from typing import TYPE_CHECKING

from voiced import protocols
from voiced.events import Transcript
from voiced.home.model import Entity
from voiced.mqtt import hermes, topics
from voiced.mqtt.client import Connected, Disconnected, Dropped, Message, Subscribed
from voiced.mqtt.payloads import MAX_TEXT_PAYLOAD, site_of, text_command, text_of
from voiced.mqtt.router import Router
from voiced.speech import HermesSay

if TYPE_CHECKING:
    from voiced.service import Service

log = logging.getLogger("voiced.service")


class Handlers:
    def __init__(self, svc: Service) -> None:
        self.svc = svc
        self._ready_sent = False

    def link(self, item: object) -> bool:
        """The broker link's events (voiced/mqtt/client.py); False for any other event."""
        svc, notifier = self.svc, self.svc.notifier
        if isinstance(item, Connected):
            svc.publish_assistant()  # first connect (maybe late) and every reconnect
            if notifier is not None and not self._ready_sent:
                self._ready_sent = True  # READY=1 only once the broker took us ('online' is out)
                notifier.ready(f"listening on voiced/{svc.site}/text")
            elif notifier is not None:
                notifier.status(f"listening on voiced/{svc.site}/text")
        elif isinstance(item, Disconnected):
            if notifier is not None:  # logged by the client; commands queue until it is back
                notifier.status("broker connection lost; reconnecting")
        elif isinstance(item, Subscribed):
            if svc.local_broker is not None:
                svc.local_broker.save()  # our session survives a crash of the private broker
        elif isinstance(item, Dropped):
            if item.command:
                svc.dropped.append(item.entity_id or item.topic)
        else:
            return False
        return True

    def router(self) -> Router:
        """The handler table: one route per topic filter, first match wins; device state last.
        The daemon subscribes to exactly these filters (and the device state topics)."""
        svc = self.svc
        site, r = svc.site, Router(fallback=self._on_state)
        r.add(topics.text(site), lambda m: self._on_text(m.payload), command=True)
        r.add(topics.say(site), self._on_say, command=True)
        r.add(topics.BROADCAST, self._on_say, command=True)
        if svc.settings.hermes.enabled:
            r.add(topics.HERMES_TTS_SAY, self._on_hermes_say, command=True)
        r.add(topics.listen(site), self._on_listen, command=True)
        r.add(topics.reload(site), lambda _m: svc.reload(), command=True)
        r.add(topics.mute_set(site), self._on_mute_set, qos=1)
        if svc.settings.discovery.publish_assistant:
            r.add(topics.HA_STATUS, self._on_ha_status)
        r.add(topics.ALL_STATUS, self._on_site_status)
        if svc.settings.discovery.import_home:  # every registered protocol's discovery topics
            for proto in protocols.discoverers():
                for f in proto.discovery_topics:
                    r.add(f, functools.partial(self._on_discovery, proto))
        return r

    def _on_say(self, msg: Message) -> None:
        svc = self.svc
        text = text_of(msg.payload)
        if text is None:
            log.warning("ignored a malformed say message on %s", msg.topic)
            return
        if msg.topic == topics.BROADCAST and site_of(msg.payload) == svc.site:
            return  # our own announcement
        self._speak(text)

    def _on_hermes_say(self, msg: Message) -> None:
        svc = self.svc
        parsed = hermes.parse_tts_say(msg.payload)
        if parsed is None:
            log.warning("ignored a malformed hermes/tts/say message")
            return
        text, site_id, ident = parsed
        if site_id in (None, svc.site):
            self._speak(text, HermesSay(ident))  # sayFinished once it has been spoken

    def _on_listen(self, _msg: Message) -> None:
        svc = self.svc
        if svc.voice is not None:
            log.info("listen requested over MQTT")
            svc.voice.listen()
        else:
            log.info("listen requested, but there is no microphone here: send text on %s", topics.text(svc.site))

    def _on_mute_set(self, msg: Message) -> None:
        svc = self.svc
        value = msg.payload.decode("utf-8", "replace").strip().upper()
        if value in ("ON", "OFF"):
            svc.muted = value == "ON"
            svc.client.publish(topics.mute(svc.site), value, qos=1, retain=True)
            log.info("mute %s", value)
        else:
            log.warning("ignored mute payload %r (expected ON or OFF)", value[:20])

    def _on_ha_status(self, msg: Message) -> None:
        svc = self.svc
        if msg.payload.strip() == b"online":
            log.info("Home Assistant is back online: re-publishing discovery")
            svc.publish_assistant()

    def _on_site_status(self, msg: Message) -> None:
        svc = self.svc
        other = topics.site_of_status(msg.topic)
        if other is None:
            return
        if msg.payload == b"online":
            svc.sites.add(other)
        elif other != svc.site:
            svc.sites.discard(other)

    def _on_discovery(self, proto: protocols.Protocol, msg: Message) -> None:
        svc = self.svc
        for found in protocols.discover(proto, {msg.topic: msg.payload}, svc.base_home).found:
            self._queue_discovery(found.topic, found.entities, found.problems)

    def _on_state(self, msg: Message) -> None:
        svc = self.svc
        changed = svc.states.update(msg.topic, msg.payload)
        if changed:
            log.debug("state %s", ", ".join(f"{i}={(s.state if (s := svc.states.get(i)) else None)}"
                                            for i in changed))
            self._check_alerts(changed)

    def _check_alerts(self, changed: list[str]) -> None:
        """Safety alerts (smoke, leak, door opened...): spoken here and published as a notice."""
        svc = self.svc
        for entity_id in changed:
            st = svc.states.get(entity_id)
            if st is None or st.state is None:
                continue
            for alert in svc.alerts.on_state(entity_id, str(st.state), svc.wall()):
                if alert.sites and svc.site not in alert.sites:
                    continue
                log.warning("alert: %s", alert.message)
                svc.client.publish(topics.alert(svc.site), json.dumps(alert.payload(), ensure_ascii=False), qos=1)
                svc.pipeline.say(alert.message)

    def _on_text(self, payload: bytes) -> None:
        svc = self.svc
        if len(payload) > MAX_TEXT_PAYLOAD:
            log.warning("ignored a %d-byte text command (limit %d)", len(payload), MAX_TEXT_PAYLOAD)
            return
        cmd = text_command(payload, svc.settings.area)
        if cmd is None:
            log.warning("ignored a malformed text command on %s", topics.text(svc.site))
            return
        reply = svc.pipeline.handle_transcript(Transcript(text=cmd.text, session_id=cmd.session_id, area=cmd.area))
        svc.speech.after_reply(reply.end_session)

    def _speak(self, text: str, tag: object = None) -> None:
        svc = self.svc
        if svc.speaker is None or svc.muted:
            log.info("say (not spoken: %s): %r", "muted" if svc.muted else "no speaker", text[:200])
            svc.speech.not_spoken(tag)
            return
        try:
            svc.speech.speak(text, tag)
        except Exception:  # noqa: BLE001
            log.exception("speaking failed")

    def _queue_discovery(self, topic: str, entities: list[Entity], problems: list[str]) -> None:
        svc = self.svc
        for p in problems[:5]:
            log.warning("discovery %s: %s (ignored)", topic, p)
        svc.homes.offer(entities)
