"""A handler table per MQTT topic filter: the daemon's main loop routes each message to the first
route whose filter matches (in the order added), else to the fallback (device state topics).  The
table is also the daemon's list of subscriptions (each filter at its route's QoS).

A route marked ``command`` refuses retained messages: a retained command would repeat on every
restart.  Matching follows MQTT's wildcards (``+`` one level, ``#`` the rest, last only).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from voiced.mqtt.client import Message

log = logging.getLogger("voiced.mqtt.router")

Handler = Callable[[Message], None]


def matches(topic_filter: str, topic: str) -> bool:
    """Whether ``topic`` matches the MQTT subscription filter ``topic_filter``."""
    want, have = topic_filter.split("/"), topic.split("/")
    for i, part in enumerate(want):
        if part == "#":
            return i == len(want) - 1
        if i >= len(have) or (part != "+" and part != have[i]):
            return False
    return len(want) == len(have)


@dataclass(frozen=True)
class Route:
    topic_filter: str
    handler: Handler
    command: bool = False  # one-shot command: a retained message is ignored, with a warning
    qos: int = 0  # the subscription's QoS (1 for commands: the broker keeps them while voiced reconnects)


class Router:
    def __init__(self, fallback: Handler = lambda _m: None) -> None:
        self.routes: list[Route] = []
        self.fallback = fallback

    def add(self, topic_filter: str, handler: Handler, *, command: bool = False, qos: int | None = None) -> None:
        """A route; its filter is also what the daemon subscribes to (commands at QoS 1 by default)."""
        self.routes.append(Route(topic_filter, handler, command, (1 if command else 0) if qos is None else qos))

    def route_for(self, topic: str) -> Route | None:
        return next((r for r in self.routes if matches(r.topic_filter, topic)), None)

    def route(self, msg: Message) -> None:
        """Hand ``msg`` to its handler (exceptions are the caller's: the main loop logs them)."""
        r = self.route_for(msg.topic)
        if r is None:
            self.fallback(msg)
            return
        if r.command and msg.retain:
            log.warning("ignored a retained message on %s (commands must not be retained: it would "
                        "repeat on every restart)", msg.topic)
            return
        r.handler(msg)
