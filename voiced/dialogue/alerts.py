"""Spoken alerts for the home's safety: entity state changes → announcements (pure).

A rule fires when its entity *enters* the rule's state (edge-triggered: a sensor re-reporting
"on" every minute does not repeat the alert), at most once per ``min_interval`` seconds per
(rule, entity), and, with ``only_when_away``, only while nobody is home.  The first state seen
after start-up counts as a change, so smoke already detected when voiced starts is announced.
"""

from __future__ import annotations

import fnmatch
import logging
import string
from dataclasses import dataclass
from typing import Any

from voiced.config import AlertRule
from voiced.home import Home

log = logging.getLogger(__name__)

# Binary sensors speak on/off but people write the device-class word: these all mean "on" / "off".
ON_WORDS = frozenset({"on", "open", "opened", "opening", "detected", "true", "1", "yes", "wet",
                      "leak", "motion", "occupied", "unsafe", "problem", "smoke", "triggered", "active"})
OFF_WORDS = frozenset({"off", "closed", "close", "closing", "clear", "not_detected", "false", "0",
                       "no", "dry", "safe", "ok", "idle", "unoccupied", "inactive"})
AWAY_WORDS = frozenset({"on", "away", "not_home", "true", "1", "yes", "armed_away"})
UNKNOWN_WORDS = frozenset({"unknown", "unavailable", "none", ""})


@dataclass(frozen=True)
class Alert:
    message: str
    sites: tuple[str, ...]  # where to speak it; () = every site
    rule: AlertRule
    entity: str
    state: str = ""

    def payload(self) -> dict[str, Any]:
        """The MQTT notice (published on ``voiced/<site>/alert`` by the pipeline)."""
        return {"message": self.message, "entity": self.entity, "state": self.state,
                "rule_entity": self.rule.entity, "rule_state": self.rule.state, "sites": list(self.sites)}


def normalise_state(state: Any) -> str:
    if isinstance(state, bool):
        return "on" if state else "off"
    return str(state).strip().lower().replace(" ", "_")


def state_matches(entity_id: str, state: str, wanted: str) -> bool:
    """Case-insensitive; for binary sensors (and on/off-like rule words) synonyms count."""
    have, want = normalise_state(state), normalise_state(wanted)
    if have == want:
        return True
    if have in UNKNOWN_WORDS:
        return False
    domain = entity_id.split(".", 1)[0]
    # a cover/lock/climate state is its own word ("open" on a cover is not "on"); binary sensors
    # and switch-like entities are on/off under their device-class words
    if domain in ("cover", "lock", "climate", "media_player", "vacuum", "valve", "weather", "sensor"):
        return False
    if want in ON_WORDS:
        return have in ON_WORDS
    if want in OFF_WORDS:
        return have in OFF_WORDS
    return False


class AlertEngine:
    def __init__(self, rules: tuple[AlertRule, ...], home: Home, away_entity: str | None = None) -> None:
        self.rules = tuple(rules)
        self.home = home
        self.away_entity = away_entity
        self.away = False
        self._last_fired: dict[tuple[int, str], float] = {}
        self._matching: dict[tuple[int, str], bool] = {}

    def set_home(self, home: Home) -> None:
        self.home = home

    def set_away(self, away: bool) -> None:
        self.away = away

    def on_state(self, entity_id: str, state: str, now: float, away: bool | None = None) -> list[Alert]:
        """A new state for one entity; returns the alerts to announce now.

        ``away``: whether nobody is home; None = as last set (``set_away`` or the ``away_entity``'s state).
        """
        if self.away_entity and entity_id == self.away_entity:
            self.away = normalise_state(state) in AWAY_WORDS
        is_away = self.away if away is None else away
        out: list[Alert] = []
        for i, rule in enumerate(self.rules):
            if not fnmatch.fnmatchcase(entity_id, rule.entity):
                continue
            key = (i, entity_id)
            matches = state_matches(entity_id, state, rule.state)
            was = self._matching.get(key, False)
            self._matching[key] = matches
            if not matches or was:
                continue
            if rule.only_when_away and not is_away:
                continue
            last = self._last_fired.get(key)
            if last is not None and now - last < rule.min_interval:
                log.debug("alert %s on %s rate limited", rule.entity, entity_id)
                continue
            self._last_fired[key] = now
            out.append(Alert(self._message(rule, entity_id, state), tuple(rule.sites), rule, entity_id,
                             normalise_state(state)))
        return out

    def _message(self, rule: AlertRule, entity_id: str, state: str) -> str:
        """Fill {name}, {area} and {state} in the rule's message; other braces stay as written."""
        entity = self.home.entity(entity_id)
        area = self.home.area(entity.area) if entity is not None else None
        values = {"name": entity.name if entity is not None else entity_id,
                  "area": area.name if area is not None else "", "state": normalise_state(state)}
        try:
            return string.Formatter().vformat(rule.message, (), _Keep(values))
        except (ValueError, IndexError):
            return rule.message


class _Keep(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"
