"""Parse + home + live state → the device commands and the outcome the reply stage speaks.

``plan`` is pure: it reads the state view and the clock it is given and returns an ``Outcome``
whose ``commands`` the pipeline publishes and whose ``values`` follow docs/frames.md.  It never
sends anything itself, so it is tested without a broker.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from voiced.events import (
    ALREADY,
    AMBIGUOUS,
    ANSWER,
    DONE,
    ERROR,
    NOT_FOUND,
    NOT_UNDERSTOOD,
    PARTIAL,
    UNAVAILABLE,
    Command,
    Outcome,
    Parse,
)
from voiced.home.model import Entity, Home
from voiced.home.state import EntityState, StateView
from voiced.intents import DOMAIN_ACTIONS, names
from voiced.mqtt import topics
from voiced.protocols import Unsupported, encode, supports
from voiced.protocols.colors import WHITE_MIREDS, canonical_color

BRIGHTNESS_STEP = 20  # % for "brighter"/"dimmer" without a number
UNKNOWN_BRIGHTNESS = 50  # what a lamp with no reported brightness is assumed to be at
TEMPERATURE_STEP = 1.0  # °C for "warmer"/"cooler" without a number
UNKNOWN_TARGET = 20.0  # °C assumed when a thermostat never reported its target
# a thermostat's setpoint range where its `mqtt:` block gives no min_temp / max_temp: Home Assistant's
# defaults (°C).  A target outside it is never sent ("set the heating to 100" is refused, saying the range)
MIN_TEMP, MAX_TEMP = 7.0, 35.0
BROADCAST_TOPIC = "voiced/broadcast"
SAY_TOPIC = "voiced/{site}/say"
DEFAULT_LIST = "Shopping List"

# intent → (action per domain): voiced/intents.py
_ON, _OFF, _TOGGLE = (DOMAIN_ACTIONS[i] for i in ("HassTurnOn", "HassTurnOff", "HassToggle"))
_MEDIA = {"HassMediaPause": "pause", "HassMediaUnpause": "play", "HassMediaNext": "next",
          "HassMediaPrevious": "previous"}
_VACUUM = {"HassVacuumStart": "start", "HassVacuumReturnToBase": "return"}
# the state an entity is in after an action (for "already ...")
_RESULT_STATE = {"on": "on", "off": "off", "lock": "locked", "unlock": "unlocked", "open": "open",
                 "close": "closed"}
_DIALOGUE_INTENTS = names(timer=True) | {"VoicedConfirm", "VoicedDeny"}  # the dialogue's, not ours


def _names(home: Home, ids: Sequence[str]) -> list[str]:
    out = []
    for i in ids:
        e = home.entity(i)
        out.append(e.name if e else i)
    return out


def _num(v: Any) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int | float):
        return float(v)
    if isinstance(v, str):
        try:
            return float(v)
        except ValueError:
            return None
    return None


def _clean(f: float) -> int | float:
    return int(f) if float(f).is_integer() else round(f, 1)


# readings refused because what they reach cannot do or tell it (voiced/nlu/decide.py), said so
_REFUSED = {"cannot_do": "{names} can't do that", "cannot_answer": "I can't tell that about {names}"}


def _refused(parse: Parse, home: Home) -> Outcome | None:
    """ "Sorry, that didn't work: the Ceiling Fan can't do that" rather than "I didn't understand":
    the reading was understood, and what it reached cannot do it."""
    said = _REFUSED.get(str(parse.extra.get("reason")))
    rejected = parse.extra.get("rejected")
    ids = rejected.get("targets") if isinstance(rejected, dict) else None
    if said is None or not isinstance(ids, list):
        return None
    names = [f"the {n}" for n in _names(home, [i for i in ids if isinstance(i, str)])]
    if not names:
        return None
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    if len(names) > 3:
        listed = f"{', '.join(names[:2])} and {len(names) - 2} more"
    message = said.format(names=listed)
    return Outcome(None, ERROR, values={"message": message}, message=message)


def setpoint_range(e: Entity) -> tuple[float, float]:
    """The targets a thermostat takes: its ``min_temp`` / ``max_temp``, else Home Assistant's defaults."""
    opts = e.mqtt.options if e.mqtt is not None else {}
    lo, hi = _num(opts.get("min_temp")), _num(opts.get("max_temp"))
    return (MIN_TEMP if lo is None else lo, MAX_TEMP if hi is None else hi)


def _range_message(home: Home, ids: Sequence[str]) -> str:
    """ "the Hall Thermostat can be set from 7 to 35 degrees" (one clause per range)."""
    by_range: dict[tuple[float, float], list[str]] = {}
    for i in ids:
        e = home.entity(i)
        if e is not None:
            by_range.setdefault(setpoint_range(e), []).append(f"the {e.name}")
    return " and ".join(f"{' and '.join(names)} can be set from {_clean(lo)} to {_clean(hi)} degrees"
                        for (lo, hi), names in by_range.items())


def plan(parse: Parse, home: Home, states: StateView, now: datetime | None = None, site: str = "default",
         sites: Sequence[str] = ()) -> Outcome:
    """Decide what ``parse`` means for this home now; see the module docstring."""
    intent = parse.intent
    unknown = [s.text for s in parse.unresolved]
    if intent is None:
        refused = _refused(parse, home)
        if refused is not None:
            return refused
        return Outcome(None, NOT_UNDERSTOOD, values={"unknown": unknown} if unknown else {})
    if parse.extra.get("ambiguous_slot"):
        cands = [c.get("name", "") for c in parse.extra.get("candidates", []) if isinstance(c, dict)]
        return Outcome(intent, AMBIGUOUS, values={"names": cands, "count": len(cands)})
    when = now or datetime.now()
    # a question about another place or day is answered for here and now, and the reply says so
    scope = {"scope": parse.extra["scope"]} if isinstance(parse.extra.get("scope"), str) else {}
    if intent == "HassGetCurrentTime":
        return Outcome(intent, ANSWER, values={"time": when.strftime("%H:%M"), **scope})
    if intent == "HassGetCurrentDate":
        return Outcome(intent, ANSWER, values={"date": f"{when.strftime('%A')} {when.day} {when.strftime('%B %Y')}",
                                               **scope})
    if intent == "HassNevermind":
        return Outcome(intent, DONE)
    if intent == "HassBroadcast":
        return _broadcast(parse, site, sites)
    if intent == "HassListAddItem":
        return _list_add(parse, home, site)
    if intent == "HassGetWeather":
        out = _weather(parse, home, states)
        return dataclasses.replace(out, values={**out.values, **scope}) if scope else out
    if intent in _DIALOGUE_INTENTS:
        return Outcome(intent, ERROR, values={"message": "this is handled by the dialogue"},
                       message="intent handled by the dialogue stage")

    targets = [home.entity(t) for t in parse.targets]
    entities = [e for e in targets if e is not None]
    missing = [t for t, e in zip(parse.targets, targets, strict=True) if e is None]
    unknown += missing
    if intent == "HassClimateGetTemperature":
        return _get_temperature(parse, home, states, entities, unknown)
    if not entities:
        values: dict[str, Any] = {"unknown": unknown} if unknown else {}
        return Outcome(intent, NOT_FOUND, unknown=tuple(unknown), values=values)
    if intent == "HassGetState":
        return _get_state(parse, home, states, entities, unknown)
    return _command(parse, home, states, entities, unknown)


# ----------------------------------------------------------------------------- commands


def _command(parse: Parse, home: Home, states: StateView, entities: list[Entity],
             unknown: list[str]) -> Outcome:
    intent = parse.intent
    assert intent is not None
    slots = parse.slots
    commands: list[Command] = []
    done: list[str] = []
    already: list[str] = []
    unavailable: list[str] = []
    incapable: list[str] = []  # entities whose domain has no such action (a sensor in "turn off the kitchen")
    out_of_range: list[str] = []  # thermostats that cannot take the target said
    values: dict[str, Any] = {}
    set_values: list[Any] = []
    action_name = ""

    for e in entities:
        st = states.get(e.id)
        action, value, label = _action_for(intent, e, slots, st)
        action_name = action_name or label
        if action is None:
            incapable.append(e.id)
            continue
        if label == "toggle" and st is not None and st.state in ("on", "off"):
            action = "off" if st.state == "on" else "on"  # exact where the state is known
        wanted = _RESULT_STATE.get(action)
        if label != "toggle" and wanted is not None and st is not None and st.state == wanted:
            already.append(e.id)
            continue
        if action == "brightness" and label in ("brighter", "dimmer") and st is not None:
            current = _num(st.get("brightness"))
            if current is not None and round(current) == round(float(value)) and st.state != "off":
                already.append(e.id)
                continue
        if action == "temperature" and label == "temperature":
            lo, hi = setpoint_range(e)
            if not lo <= float(value) <= hi:
                out_of_range.append(e.id)
                continue
        if action == "temperature" and st is not None and label == "temperature":
            current = _num(st.get("temperature"))
            if current is not None and abs(current - float(value)) < 0.05:
                already.append(e.id)
                continue
        try:
            cmds = encode(e, action, value)
        except Unsupported:
            unavailable.append(e.id)
            continue
        commands += cmds
        done.append(e.id)
        set_values.append(value)

    if out_of_range and not (done or already):
        message = _range_message(home, out_of_range)
        return Outcome(intent, ERROR, values={"action": action_name, "message": message}, message=message)
    unavailable += out_of_range
    if len(entities) == 1 or not (done or already or unavailable):
        unavailable = incapable + unavailable  # else: an area fan-out skips what cannot do it at all
    values["action"] = action_name
    if done:
        values["names"] = _names(home, done)
        values["count"] = len(done)
    if already:
        values["already_names"] = _names(home, already)
    if unavailable:
        values["unavailable_names"] = _names(home, unavailable)
    if unknown:
        values["unknown"] = unknown
    shown = set_values or [_action_for(intent, home.entity(i) or entities[0], slots, states.get(i))[1]
                           for i in already]
    if shown and all(v == shown[0] for v in shown) and shown[0] is not None:
        key = {"brightness": "brightness", "brighter": "brightness", "dimmer": "brightness",
               "color": "color", "temperature": "temperature", "warmer": "temperature",
               "cooler": "temperature", "position": "position", "volume": "volume_level"}.get(action_name)
        if key is not None:
            v = shown[0]
            values[key] = _clean(float(v)) if key != "color" else v
            if key == "temperature":
                values["unit"] = "°C"
    if done:
        status = PARTIAL if (unavailable or unknown) else DONE
    elif already:
        status = ALREADY
    else:
        status = UNAVAILABLE
    return Outcome(intent, status, commands=tuple(commands), done=tuple(done), already=tuple(already),
                   unknown=tuple(unknown), unavailable=tuple(unavailable), values=values)


def _action_for(intent: str, e: Entity, slots: dict[str, Any],
                st: EntityState | None) -> tuple[str | None, Any, str]:
    """(protocol action or None when impossible, value, label for ``values.action``)."""
    d = e.domain
    if intent == "HassTurnOn":
        a = _ON.get(d)
        return a, None, a or "on"
    if intent == "HassTurnOff":
        a = _OFF.get(d)
        return a, None, a or "off"
    if intent == "HassToggle":
        a = _TOGGLE.get(d)
        return a, None, "toggle"
    if intent == "HassLightSet":
        if d != "light":
            return None, None, "brightness"
        color = slots.get("color")
        if color is not None:
            name = canonical_color(str(color))
            if name is None or not (supports(e, "color") or (name in WHITE_MIREDS and supports(e, "color_temp"))):
                return None, name or color, "color"
            return "color", name, "color"
        b = _num(slots.get("brightness"))
        if b is None:
            return None, None, "brightness"
        return "brightness", _clean(max(0.0, min(100.0, b))), "brightness"
    if intent in ("VoicedLightBrighten", "VoicedLightDim"):
        label = "brighter" if intent == "VoicedLightBrighten" else "dimmer"
        if d != "light":
            return None, None, label
        step = _num(slots.get("brightness")) or BRIGHTNESS_STEP
        current = _num(st.get("brightness")) if st is not None else None
        if st is not None and st.state == "off":
            current = 0.0
        if current is None:
            current = float(UNKNOWN_BRIGHTNESS)
        target = current + step if label == "brighter" else current - step
        return "brightness", _clean(round(max(1.0, min(100.0, target)))), label
    if intent == "HassClimateSetTemperature":
        t = _num(slots.get("temperature"))
        if d != "climate" or t is None:
            return None, None, "temperature"
        return "temperature", _clean(t), "temperature"
    if intent in ("VoicedClimateWarmer", "VoicedClimateCooler"):
        label = "warmer" if intent == "VoicedClimateWarmer" else "cooler"
        if d != "climate":
            return None, None, label
        step = _num(slots.get("temperature")) or TEMPERATURE_STEP
        current = _num(st.get("temperature")) if st is not None else None
        if current is None:
            current = UNKNOWN_TARGET
        lo, hi = setpoint_range(e)
        target = current + abs(step) if label == "warmer" else current - abs(step)
        return "temperature", _clean(min(hi, max(lo, target))), label
    if intent == "HassSetPosition":
        p = _num(slots.get("position"))
        if d not in ("cover", "valve") or p is None:
            return None, None, "position"
        return "position", _clean(max(0.0, min(100.0, p))), "position"
    if intent in _MEDIA:
        a = _MEDIA[intent]
        return (a if d == "media_player" else None), None, a
    if intent == "HassSetVolume":
        v = _num(slots.get("volume_level"))
        if d != "media_player" or v is None:
            return None, None, "volume"
        return "volume", _clean(max(0.0, min(100.0, v))), "volume"
    if intent in _VACUUM:
        a = _VACUUM[intent]
        return (a if d == "vacuum" else None), None, a
    return None, None, ""


# ----------------------------------------------------------------------------- questions


def _get_state(parse: Parse, home: Home, states: StateView, entities: list[Entity],
               unknown: list[str]) -> Outcome:
    intent = parse.intent
    wanted = parse.slots.get("state")
    wanted = str(wanted).lower() if wanted is not None else None
    known: list[tuple[Entity, EntityState]] = []
    no_state: list[str] = []
    for e in entities:
        st = states.get(e.id)
        if st is None or st.state is None:
            no_state.append(e.id)
        else:
            known.append((e, st))
    values: dict[str, Any] = {}
    if unknown:
        values["unknown"] = unknown
    if no_state:
        values["unavailable_names"] = _names(home, no_state)
    # one entity asked about by name, or a reading ("the humidity in the bathroom"); "which lights
    # are on" stays a list question even when the area has one light
    single = len(entities) == 1 and ("name" in parse.slots or wanted is None or entities[0].domain == "sensor")
    if single:
        e = entities[0]
        values["entity"] = e.name
        if not known:
            return Outcome(intent, UNAVAILABLE, unavailable=tuple(no_state), values=values)
        st = known[0][1]
        value = st.get("value")
        if e.domain in ("sensor",) and value is not None:
            values["value"] = value
            unit = st.get("unit") or (e.mqtt.unit if e.mqtt else "")
            if unit:
                values["unit"] = unit
        else:
            values["state"] = st.state
            if wanted is not None:
                values["all"] = st.state == wanted
        values["names"] = [e.name]
        values["count"] = 1
        return Outcome(intent, ANSWER, values=values)
    if not known:
        return Outcome(intent, UNAVAILABLE, unavailable=tuple(no_state), values=values)
    if wanted is None:
        wanted = _default_state(entities[0])
    matching = [e.id for e, st in known if st.state == wanted]
    values["state"] = wanted
    values["names"] = _names(home, matching)
    values["count"] = len(matching)
    values["all"] = len(matching) == len(known) and not no_state
    return Outcome(intent, ANSWER, done=(), unavailable=tuple(no_state), values=values)


def _default_state(e: Entity) -> str:
    """The state a question without one asks about ("are the windows ..." → open)."""
    if e.domain == "lock":
        return "locked"
    if e.domain in ("cover", "valve") or e.device_class in ("door", "window", "garage_door", "opening"):
        return "open"
    if e.domain == "binary_sensor":
        return "detected" if e.device_class not in (None, "") else "on"
    return "on"


def _get_temperature(parse: Parse, home: Home, states: StateView, entities: list[Entity],
                     unknown: list[str]) -> Outcome:
    """Measured temperature: a temperature sensor among the targets (or in their area), else a
    thermostat's current/target temperature; with no target, the satellite's area or the first
    indoor sensor."""
    intent = parse.intent
    candidates: list[Entity] = []
    pool = entities
    if not pool:
        area_name = parse.slots.get("area")
        area_ids = {a.id for a in home.areas if area_name and a.name.lower() == str(area_name).lower()}
        pool = [e for e in home.entities if e.area in area_ids] if area_ids else list(home.entities)
    areas = {e.area for e in pool if e.area}
    for e in pool:
        if e.domain == "sensor" and e.device_class == "temperature":
            candidates.append(e)
    for e in home.entities:
        if e.domain == "sensor" and e.device_class == "temperature" and e.area in areas and e not in candidates:
            candidates.append(e)
    candidates += [e for e in pool if e.domain == "climate"]
    values: dict[str, Any] = {"unknown": unknown} if unknown else {}
    for e in candidates:
        st = states.get(e.id)
        if st is None:
            continue
        t = _num(st.get("value")) if e.domain == "sensor" else _num(st.get("current_temperature"))
        if t is None and e.domain == "climate":
            t = _num(st.get("temperature"))
        if t is None:
            continue
        values.update({"temperature": _clean(t), "unit": st.get("unit") or "°C", "entity": e.name,
                       "names": [e.name], "count": 1})
        return Outcome(intent, ANSWER, values=values)
    if not candidates:
        return Outcome(intent, NOT_FOUND, unknown=tuple(unknown), values=values)
    values["unavailable_names"] = [candidates[0].name]
    return Outcome(intent, UNAVAILABLE, unavailable=(candidates[0].id,), values=values)


def _weather(parse: Parse, home: Home, states: StateView) -> Outcome:
    ids = [t for t in parse.targets if t.startswith("weather.")]
    entity = home.entity(ids[0]) if ids else next((e for e in home.entities if e.domain == "weather"), None)
    if entity is None:
        return Outcome(parse.intent, NOT_FOUND, values={})
    st = states.get(entity.id)
    if st is None or st.state is None:
        return Outcome(parse.intent, UNAVAILABLE, unavailable=(entity.id,),
                       values={"unavailable_names": [entity.name]})
    values: dict[str, Any] = {"weather": st.state, "entity": entity.name}
    t = _num(st.get("temperature"))
    if t is not None:
        values["temperature"] = _clean(t)
        values["unit"] = "°C"
    return Outcome(parse.intent, ANSWER, values=values)


# ----------------------------------------------------------------------------- lists, broadcast


def _list_add(parse: Parse, home: Home, site: str) -> Outcome:
    """Publishes ``{"list", "item", "entity_id"}`` on ``voiced/<site>/list/add`` (docs/mqtt.md)."""
    item = str(parse.slots.get("item") or "").strip()
    if not item:
        return Outcome(parse.intent, ERROR, values={"message": "no item"}, message="no item to add")
    todo = next((e for t in parse.targets if (e := home.entity(t)) is not None and e.domain == "todo"), None)
    if todo is None:
        wanted = str(parse.slots.get("name") or DEFAULT_LIST).lower()
        todos = [e for e in home.entities if e.domain == "todo"]
        todo = next((e for e in todos if wanted in (n.lower() for n in e.names)), todos[0] if todos else None)
    list_name = todo.name if todo else str(parse.slots.get("name") or DEFAULT_LIST)
    payload = {"list": list_name, "item": item, "entity_id": todo.id if todo else None}
    cmd = Command(topics.list_add(site), json.dumps(payload, ensure_ascii=False),
                  entity_id=todo.id if todo else "", qos=1)
    return Outcome(parse.intent, DONE, commands=(cmd,), done=(todo.id,) if todo else (),
                   values={"action": "add", "item": item, "list": list_name})


def _broadcast(parse: Parse, site: str, sites: Sequence[str]) -> Outcome:
    """``voiced/broadcast`` for listeners that subscribe once, plus every known site's say topic."""
    message = str(parse.slots.get("message") or "").strip()
    if not message:
        return Outcome(parse.intent, ERROR, values={"message": "no message"}, message="nothing to broadcast")
    body = json.dumps({"text": message, "site": site}, ensure_ascii=False)
    cmds = [Command(BROADCAST_TOPIC, body, qos=1)]
    for s in sorted(set(sites) - {site}):
        cmds.append(Command(SAY_TOPIC.format(site=s), body, qos=1))
    return Outcome(parse.intent, DONE, commands=tuple(cmds), values={"count": len(cmds) - 1})
