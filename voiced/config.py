"""Settings: nested frozen dataclasses, loaded from one YAML file and validated at load.

Errors name the file, the line and the dotted key (``voiced.yaml:12: mqtt.port: expected an
integer``).  Secrets may come from a file or the environment, never from the command line.
"""

from __future__ import annotations

import dataclasses
import os
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from voiced.errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DEVICES = REPO_ROOT / "devices" / "home.yaml"
DEFAULT_MODELS = REPO_ROOT / "models"


@dataclass(frozen=True)
class TlsSettings:
    enabled: bool = False
    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    insecure: bool = False  # skip hostname verification (self-signed certs on a LAN)


@dataclass(frozen=True)
class BrokerSettings:
    url: str = ""  # mqtt://host:port or mqtts://host:port; empty = start/use a local broker
    username: str | None = None
    password_file: str | None = None
    password_env: str | None = None  # name of an environment variable holding the password
    client_id: str = ""
    keepalive: int = 30
    tls: TlsSettings = field(default_factory=TlsSettings)
    queue_max_age: float = 10.0  # seconds a command may wait for a reconnect before it is dropped
    reconnect_min: float = 0.5
    reconnect_max: float = 30.0
    start_local: bool = True  # start a private mosquitto when no url is given and none listens

    def password(self) -> str | None:
        if self.password_env:
            value = os.environ.get(self.password_env)
            if value is None:
                raise ConfigError(f"(env): mqtt.password_env: environment variable {self.password_env} is not set")
            return value
        if self.password_file:
            try:
                return Path(self.password_file).read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ConfigError(f"{self.password_file}:1: mqtt.password_file: cannot read: {exc}") from exc
        return os.environ.get("VOICED_MQTT_PASSWORD")


@dataclass(frozen=True)
class AudioSettings:
    enabled: bool = True
    input_device: str | int | None = None  # name or index; None = system default
    output_device: str | int | None = None
    input_rate: int | None = None  # device rate when it cannot do 16 kHz (resampled)
    block_ms: int = 30
    retry_seconds: float = 5.0


@dataclass(frozen=True)
class WakeSettings:
    phrases: tuple[str, ...] = ("hey computer",)
    sensitivity: float = 0.5  # 0..1; higher wakes more easily
    enabled: bool = True


@dataclass(frozen=True)
class VadSettings:
    threshold: float = 0.5
    trailing_silence_ms: int = 700
    max_seconds: float = 10.0
    no_speech_timeout: float = 5.0
    min_speech_ms: int = 150


@dataclass(frozen=True)
class AsrSettings:
    engine: str = "auto"  # auto | vosk | pocketsphinx
    vosk_model: str | None = None  # a Vosk model directory
    open_vocabulary: bool = False


@dataclass(frozen=True)
class NluSettings:
    model_dir: str | None = None
    confidence_threshold: float = 0.5
    retrain_on_change: bool = True


@dataclass(frozen=True)
class ReplySettings:
    model_dir: str | None = None
    use_model: bool = True


@dataclass(frozen=True)
class TtsSettings:
    voice: str | None = None  # a pyttsx3/eSpeak voice id or name, e.g. "en-us"
    rate: int = 170  # words per minute
    volume: float = 1.0


@dataclass(frozen=True)
class HermesSettings:
    enabled: bool = True


@dataclass(frozen=True)
class DiscoverySettings:
    publish_assistant: bool = True  # Home Assistant MQTT discovery of voiced itself
    import_home: bool = False  # read zigbee2mqtt/HA discovery to extend the home


@dataclass(frozen=True)
class AlertRule:
    entity: str
    state: str  # the state that raises the alert, e.g. "on", "open", "detected"
    message: str
    sites: tuple[str, ...] = ()  # empty = every site
    min_interval: float = 300.0  # seconds between two announcements of the same rule
    only_when_away: bool = False


@dataclass(frozen=True)
class DialogueSettings:
    risky_actions: tuple[str, ...] = ("unlock", "open_garage", "open_gate", "disarm")
    session_timeout: float = 8.0
    max_turns: int = 3
    away_entity: str | None = None  # an entity whose "on"/"away" state means nobody is home


@dataclass(frozen=True)
class Settings:
    site: str = "default"
    area: str | None = None  # the satellite's own area id, for "in here"
    devices: str = str(DEFAULT_DEVICES)
    state_dir: str = "/var/lib/voiced"
    log_level: str = "INFO"
    mqtt: BrokerSettings = field(default_factory=BrokerSettings)
    audio: AudioSettings = field(default_factory=AudioSettings)
    wake: WakeSettings = field(default_factory=WakeSettings)
    vad: VadSettings = field(default_factory=VadSettings)
    asr: AsrSettings = field(default_factory=AsrSettings)
    nlu: NluSettings = field(default_factory=NluSettings)
    reply: ReplySettings = field(default_factory=ReplySettings)
    tts: TtsSettings = field(default_factory=TtsSettings)
    hermes: HermesSettings = field(default_factory=HermesSettings)
    discovery: DiscoverySettings = field(default_factory=DiscoverySettings)
    dialogue: DialogueSettings = field(default_factory=DialogueSettings)
    alerts: tuple[AlertRule, ...] = ()
    source: str = "<defaults>"


# ---------------------------------------------------------------------------- loading


def _line(node: yaml.Node | None) -> int:
    return node.start_mark.line + 1 if node is not None else 1


def _convert(value: Any, tp: Any, key: str, node: yaml.Node | None, source: str) -> Any:
    def fail(msg: str) -> ConfigError:
        return ConfigError(f"{source}:{_line(node)}: {key}: {msg}")

    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None and type(None) in args:
            return None
        errors = []
        for a in args:
            if a is type(None):
                continue
            try:
                return _convert(value, a, key, node, source)
            except ConfigError as exc:
                errors.append(str(exc).split(": ", 2)[-1])
        raise fail(" or ".join(errors))
    if dataclasses.is_dataclass(tp):
        return _build(tp, value, key, node, source)
    if origin is tuple:
        (inner, _ellipsis) = typing.get_args(tp)
        if isinstance(value, str) and inner is str:
            value = [value]
        if not isinstance(value, list):
            raise fail("expected a list")
        children = node.value if isinstance(node, yaml.SequenceNode) else [None] * len(value)
        return tuple(_convert(v, inner, f"{key}[{i}]", n, source) for i, (v, n) in enumerate(zip(value, children, strict=False)))
    if tp is bool:
        if not isinstance(value, bool):
            raise fail("expected true or false")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise fail("expected an integer")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise fail("expected a number")
        return float(value)
    if tp is str:
        if isinstance(value, bool):  # YAML 1.1 reads a bare on/off/yes/no as a boolean
            return "on" if value else "off"
        if not isinstance(value, str):
            raise fail("expected a string")
        return value
    raise fail(f"unsupported type {tp}")


def _build(cls: Any, data: Any, prefix: str, node: yaml.Node | None, source: str) -> Any:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}:{_line(node)}: {prefix or '(top level)'}: expected a mapping")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.name != "source"}
    children: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    if isinstance(node, yaml.MappingNode):
        children = {k.value: (k, v) for k, v in node.value}
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        dotted = f"{prefix}.{key}" if prefix else str(key)
        knode, vnode = children.get(key, (node, node))
        if key not in fields:
            raise ConfigError(f"{source}:{_line(knode)}: {dotted}: unknown key (expected one of {', '.join(sorted(fields))})")
        kwargs[key] = _convert(value, hints[key], dotted, vnode, source)
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise ConfigError(f"{source}:{_line(node)}: {prefix or '(top level)'}: {exc}") from exc


def _validate(s: Settings) -> None:
    src = s.source
    if not s.site or any(c in s.site for c in "/#+ "):
        raise ConfigError(f"{src}:1: site: must be a non-empty id without '/', '#', '+' or spaces")
    if s.asr.engine not in ("auto", "vosk", "pocketsphinx"):
        raise ConfigError(f"{src}:1: asr.engine: expected auto, vosk or pocketsphinx, not {s.asr.engine!r}")
    if s.mqtt.url and not s.mqtt.url.startswith(("mqtt://", "mqtts://")):
        raise ConfigError(f"{src}:1: mqtt.url: expected mqtt://HOST:PORT or mqtts://HOST:PORT")
    if not 0.0 <= s.wake.sensitivity <= 1.0:
        raise ConfigError(f"{src}:1: wake.sensitivity: expected a number between 0 and 1")
    if not 0.0 <= s.nlu.confidence_threshold <= 1.0:
        raise ConfigError(f"{src}:1: nlu.confidence_threshold: expected a number between 0 and 1")
    if s.log_level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ConfigError(f"{src}:1: log_level: expected DEBUG, INFO, WARNING or ERROR")


def _env_overrides(data: dict[str, Any]) -> dict[str, Any]:
    """VOICED_SITE, VOICED_MQTT_URL, VOICED_MQTT_USERNAME override the file (secrets stay out of it)."""
    env = os.environ
    if env.get("VOICED_SITE"):
        data["site"] = env["VOICED_SITE"]
    mqtt = dict(data.get("mqtt") or {})
    if env.get("VOICED_MQTT_URL"):
        mqtt["url"] = env["VOICED_MQTT_URL"]
    if env.get("VOICED_MQTT_USERNAME"):
        mqtt["username"] = env["VOICED_MQTT_USERNAME"]
    if mqtt:
        data["mqtt"] = mqtt
    return data


def load_settings_text(text: str, source: str = "<string>", env: bool = True) -> Settings:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise ConfigError(f"{source}:{mark.line + 1 if mark else 1}: (yaml): {exc.problem or exc}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}:1: (yaml): {exc}") from exc
    if data is None:
        data = {}
    if env and isinstance(data, dict):
        data = _env_overrides(data)
    settings = _build(Settings, data, "", node, source)
    settings = dataclasses.replace(settings, source=source)
    _validate(settings)
    return typing.cast(Settings, settings)


def load_settings(path: str | Path | None = None, env: bool = True) -> Settings:
    """Load the config file; ``None`` means built-in defaults (plus environment overrides)."""
    if path is None:
        return load_settings_text("", "<defaults>", env=env)
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(f"{p}:1: (file): no such file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{p}:1: (file): cannot read: {exc}") from exc
    return load_settings_text(text, str(p), env=env)
