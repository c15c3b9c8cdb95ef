"""The intent table of shared/spec/intents.md: every intent voiced may return → the slots it may
carry.  One copy, shared by the dataset checks and the benchmarks' baseline."""

from __future__ import annotations

_TARGET = ("name", "area", "floor")
_TIMER = ("hours", "minutes", "seconds", "start_hours", "start_minutes", "start_seconds", "name", "area")

INTENT_SLOTS: dict[str, tuple[str, ...]] = {
    "HassTurnOn": (*_TARGET, "domain", "device_class"),
    "HassTurnOff": (*_TARGET, "domain", "device_class"),
    "HassToggle": (*_TARGET, "domain"),
    "HassLightSet": (*_TARGET, "brightness", "color"),
    "VoicedLightBrighten": (*_TARGET, "brightness"),
    "VoicedLightDim": (*_TARGET, "brightness"),
    "HassClimateSetTemperature": (*_TARGET, "temperature"),
    "VoicedClimateWarmer": (*_TARGET, "temperature"),
    "VoicedClimateCooler": (*_TARGET, "temperature"),
    "HassClimateGetTemperature": _TARGET,
    "HassGetState": (*_TARGET, "domain", "device_class", "state"),
    "HassSetPosition": (*_TARGET, "domain", "position"),
    "HassStartTimer": ("hours", "minutes", "seconds", "name", "conversation_command"),
    "HassCancelTimer": _TIMER,
    "HassCancelAllTimers": _TIMER,
    "HassPauseTimer": _TIMER,
    "HassUnpauseTimer": _TIMER,
    "HassIncreaseTimer": _TIMER,
    "HassDecreaseTimer": _TIMER,
    "HassTimerStatus": _TIMER,
    "HassGetCurrentTime": (),
    "HassGetCurrentDate": (),
    "HassGetWeather": ("name",),
    "HassMediaPause": ("name", "area"),
    "HassMediaUnpause": ("name", "area"),
    "HassMediaNext": ("name", "area"),
    "HassMediaPrevious": ("name", "area"),
    "HassSetVolume": ("name", "area", "volume_level"),
    "HassVacuumStart": ("name", "area"),
    "HassVacuumReturnToBase": ("name", "area"),
    "HassListAddItem": ("item", "name"),
    "HassBroadcast": ("message",),
    "HassNevermind": (),
    "VoicedConfirm": (),
    "VoicedDeny": (),
}
