"""Random reply frames for training and held-out evaluation, drawn case by case.

For each template case a frame is built that meets its conditions, with random names, numbers and
counts and, half the time, unrelated extra values (which the model must learn to ignore).  The
frame's real case is then found by ``Casebook.select`` as at run time.

Two disjoint pools of values exist: ``train`` and ``heldout`` (other names, other numbers, longer
lists), and every frame *shape* (its source tokens minus the style) is assigned to one split by a
hash, so held-out frames are combinations of intent, outcome and values training never saw.
"""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass, field
from typing import Any

from voiced.events import OUTCOME_STATUSES, ReplyFrame
from voiced.reply.cases import Case, Casebook
from voiced.reply.frames import ACTION_FORMS, KIND_FORMS, WEATHER_WORDS, source_tokens, view

INTENTS = (
    "HassTurnOn", "HassTurnOff", "HassToggle", "HassLightSet", "VoicedLightBrighten", "VoicedLightDim",
    "HassClimateSetTemperature", "VoicedClimateWarmer", "VoicedClimateCooler",
    "HassClimateGetTemperature", "HassGetState", "HassSetPosition", "HassStartTimer", "HassCancelTimer",
    "HassCancelAllTimers", "HassPauseTimer", "HassUnpauseTimer", "HassIncreaseTimer",
    "HassDecreaseTimer", "HassTimerStatus", "HassGetCurrentTime", "HassGetCurrentDate",
    "HassGetWeather", "HassMediaPause", "HassMediaUnpause", "HassMediaNext", "HassMediaPrevious",
    "HassSetVolume", "HassVacuumStart", "HassVacuumReturnToBase", "HassListAddItem", "HassBroadcast",
    "HassNevermind", "VoicedConfirm", "VoicedDeny", "VoicedTimerFinished",
)
STATES = ("on", "off", "open", "closed", "locked", "unlocked", "detected", "clear")
QUESTIONS = ("which", "area", "temperature", "brightness", "position", "confirm")
HELDOUT_FRACTION = 8  # one frame shape in 8 is held out


@dataclass(frozen=True)
class Pool:
    """Where random values come from; the two splits share none of their names."""

    rooms: tuple[str, ...]
    things: tuple[str, ...]
    spoken: tuple[str, ...]
    items: tuple[str, ...]
    lists: tuple[str, ...]
    colors: tuple[str, ...]
    timer_names: tuple[str, ...]
    messages: tuple[str, ...]
    max_list: int
    min_many: int
    numbers: tuple[int, int]
    odd: bool  # held-out numbers are odd or have a decimal, training numbers are even
    extra_names: tuple[str, ...] = field(default=())


TRAIN_POOL = Pool(
    rooms=("Kitchen", "Bedroom", "Office", "Hallway", "Garage", "Attic", "Porch", "Den", "Library",
           "Kids Room", "Guest Room", "Patio", "Basement", "Laundry", "Dining Room"),
    things=("Lamp", "Light", "Spots", "Ceiling Light", "Heater", "Fan", "Blinds", "Door", "Window",
            "Speaker", "Thermostat", "Plug", "Curtains", "Lock", "Sensor", "Strip", "Kettle", "TV"),
    spoken=("lava lamp", "disco ball", "jacuzzi", "pool pump", "aquarium", "fireplace", "sauna",
            "hot tub", "projector", "bubble machine"),
    items=("milk", "eggs", "bread", "coffee beans", "batteries", "apples", "dish soap", "rice"),
    lists=("Shopping List", "To Do List", "Groceries"),
    colors=("red", "blue", "green", "warm white", "purple", "orange"),
    timer_names=("pizza", "tea", "pasta", "laundry", "oven"),
    messages=("dinner is ready", "the broker did not answer", "time to go", "the device timed out",
              "please come downstairs", "no state known yet"),
    max_list=4, min_many=2, numbers=(0, 100), odd=False,
)
HELDOUT_POOL = Pool(
    rooms=("Studio", "Nursery", "Workshop", "Conservatory", "Cellar", "Loft", "Sunroom", "Pantry",
           "Mudroom", "Gym"),
    things=("Pendant", "Sconce", "Radiator", "Shutters", "Gate", "Floor Lamp", "Soundbar",
            "Humidifier", "Dehumidifier", "Chandelier", "Boiler"),
    spoken=("tesla coil", "fog machine", "wine fridge", "koi pond", "treadmill", "smart mirror"),
    items=("cheese", "olive oil", "paper towels", "oat milk", "tomatoes"),
    lists=("Hardware Store", "Party Supplies"),
    colors=("cyan", "pink", "yellow", "cool white"),
    timer_names=("bread", "egg", "nap", "homework"),
    messages=("the gateway is offline", "movie starts in five minutes", "permission denied"),
    max_list=9, min_many=4, numbers=(1, 99), odd=True,
)


def shape_split(tokens: list[str]) -> str:
    """'heldout' for one frame shape in HELDOUT_FRACTION, else 'train' (style ignored)."""
    key = "|".join(t for t in tokens if not t.startswith(("STYLE:", "K:")))
    return "heldout" if zlib.crc32(key.encode()) % HELDOUT_FRACTION == 0 else "train"


class FrameSampler:
    """Builds random frames for a case (see module docstring)."""

    def __init__(self, book: Casebook, pool: Pool, rng: random.Random) -> None:
        self.book = book
        self.pool = pool
        self.rng = rng

    # -- values
    def _num(self) -> int | float:
        lo, hi = self.pool.numbers
        n = self.rng.randint(lo, hi)
        if self.pool.odd:
            return n | 1 if self.rng.random() < 0.7 else n + 0.5
        return n - n % 2

    def _name(self) -> str:
        if self.pool.extra_names and self.rng.random() < 0.5:
            return self.rng.choice(self.pool.extra_names)
        return f"{self.rng.choice(self.pool.rooms)} {self.rng.choice(self.pool.things)}"

    def _names(self, plural: str | None) -> list[str]:
        n = {"1": 1, "many": self.rng.randint(self.pool.min_many, self.pool.max_list)}.get(
            plural or "", self.rng.randint(1, self.pool.max_list))
        out: list[str] = []
        while len(out) < n:
            name = self._name()
            if name not in out:
                out.append(name)
        return out

    def _count(self, plural: str | None) -> int:
        if plural == "0":
            return 0
        if plural == "1":
            return 1
        return self.rng.randint(self.pool.min_many, self.pool.max_list + 3)

    def _timer(self, named: bool) -> dict[str, Any]:
        t: dict[str, Any] = {"name": self.rng.choice(self.pool.timer_names) if named else None,
                             "hours": 0, "minutes": 0, "seconds": 0}
        for k in self.rng.sample(["hours", "minutes", "seconds"], self.rng.randint(1, 2)):
            t[k] = self.rng.randint(1, 59 if k != "hours" else 3)
        return t

    def _set(self, fld: str, case: Case, slots: dict[str, Any], values: dict[str, Any]) -> None:
        """Put raw values into the frame so that surface field ``fld`` exists."""
        n = dict(case.n)
        when = dict(case.when)
        rng = self.rng
        if fld in ("names", "names_be", "names_or"):
            values.setdefault("names", self._names(n.get("names")))
        elif fld in ("count", "count_be", "count_timers", "count_kinds"):
            if "count" not in values:
                values["count"] = len(values["names"]) if "names" in values and "count" not in n \
                    else self._count(n.get("count"))
            if fld == "count_kinds":
                self._set("kinds", case, slots, values)
        elif fld in ("already_names", "already_be"):
            values.setdefault("already_names", self._names(n.get("already_names")))
        elif fld in ("unavailable_names", "unavailable_be"):
            values.setdefault("unavailable_names", self._names(n.get("unavailable_names")))
        elif fld == "unknown":
            k = {"1": 1, "many": 2}.get(n.get("unknown", ""), rng.choice([1, 1, 1, 2]))
            values.setdefault("unknown", rng.sample(self.pool.spoken, k))
        elif fld == "entity":
            values.setdefault("entity", self._name())
        elif fld == "area":
            slots.setdefault("area", rng.choice(self.pool.rooms))
        elif fld in ("kind", "kinds"):
            key = "device_class" if rng.random() < 0.4 else "domain"
            slots.setdefault(key, rng.choice(list(KIND_FORMS)))
        elif fld in ("action_past", "action_verb", "action_state"):
            allowed = list(when.get("action", ACTION_FORMS))
            if fld == "action_state":
                allowed = [a for a in allowed if ACTION_FORMS.get(a, ("", None, ""))[1]] or \
                    [a for a, forms in ACTION_FORMS.items() if forms[1]]
            values.setdefault("action", rng.choice(allowed))
        elif fld == "state":
            values.setdefault("state", rng.choice(list(when.get("state", STATES))))
        elif fld == "value":
            values.setdefault("value", self._num())
        elif fld == "unit":
            values.setdefault("unit", rng.choice(["°C", "%", "lx", "W", "kWh", "hPa", "ppm", "°F"]))
        elif fld in ("temperature", "temp_unit"):
            values.setdefault("temperature", self._num() / 4 + 5)
            if rng.random() < 0.6:
                values.setdefault("unit", rng.choice(["°C", "°C", "°F"]))
        elif fld in ("brightness", "position", "volume_level"):
            values.setdefault(fld, self._num())
        elif fld == "color":
            values.setdefault("color", rng.choice(self.pool.colors))
        elif fld == "item":
            values.setdefault("item", rng.choice(self.pool.items))
        elif fld == "list":
            values.setdefault("list", rng.choice(self.pool.lists))
        elif fld == "time":
            values.setdefault("time", f"{rng.randint(0, 23)}:{rng.randint(0, 59):02d}")
        elif fld == "date":
            values.setdefault("date", f"{rng.choice(['Monday', 'Friday', 'Sunday', 'Tuesday'])} "
                                      f"{rng.randint(1, 28)} {rng.choice(['March', 'July', 'November'])} "
                                      f"{rng.randint(2024, 2030)}")
        elif fld == "weather":
            values.setdefault("weather", rng.choice(list(WEATHER_WORDS)))
        elif fld in ("duration", "timer_name"):
            timer = values.setdefault("timer", self._timer(fld == "timer_name" or rng.random() < 0.5))
            if fld == "timer_name" and not timer.get("name"):
                timer["name"] = rng.choice(self.pool.timer_names)
        elif fld == "timers":
            k = {"1": 1, "many": rng.randint(2, 3)}.get(n.get("timers", ""), rng.randint(1, 3))
            values.setdefault("timers", [self._timer(rng.random() < 0.7) for _ in range(k)])
        elif fld == "slot_duration":
            for key, v in self._timer(False).items():
                if key != "name" and v:
                    slots.setdefault(key, v)
        elif fld == "message":
            values.setdefault("message", rng.choice(self.pool.messages))
        elif fld == "announcement":
            slots.setdefault("message", rng.choice(self.pool.messages))

    def frame_for(self, case: Case) -> ReplyFrame:
        rng = self.rng
        intents: list[str | None] = list(case.intents) if case.intents is not None else [*INTENTS, None]
        intent = rng.choice(intents)
        status = rng.choice(case.statuses) if case.statuses else rng.choice(OUTCOME_STATUSES)
        slots: dict[str, Any] = {}
        values: dict[str, Any] = {}
        for fld in case.need:
            self._set(fld, case, slots, values)
        for fld, allowed in case.when:
            if fld == "question":
                values["question"] = rng.choice(list(allowed))
            elif fld == "all":
                values["all"] = rng.choice(list(allowed)) == "true"
            elif fld == "action":
                values.setdefault("action", rng.choice(list(allowed)))
            elif fld == "state":
                values.setdefault("state", rng.choice(list(allowed)))
        if rng.random() < 0.35:  # unrelated extras the reply must ignore
            from voiced.reply.frames import SURFACE_FIELDS
            extras = [f for f in SURFACE_FIELDS if f not in case.without]
            for fld in rng.sample(extras, rng.randint(1, 2)):
                self._set(fld, case, slots, values)
            if rng.random() < 0.3:
                values["question"] = rng.choice(QUESTIONS)
        if slots.get("area") and "area" in case.without:
            del slots["area"]
        return ReplyFrame(intent=intent, status=status, slots=slots, values=values)

    def sample(self, split: str, n_styles: int, max_tries: int = 1000) -> tuple[ReplyFrame, int, Case]:
        """One frame of the given split: (frame, style, its case)."""
        for _ in range(max_tries):
            case = self.rng.choice(self.book.cases)
            frame = self.frame_for(case)
            style = self.rng.randrange(n_styles)
            fv = view(frame)
            real = self.book.select(fv)
            if shape_split(source_tokens(fv, style, real.key)) == split:
                return frame, style, real
        raise RuntimeError("could not draw a frame of split " + split)
