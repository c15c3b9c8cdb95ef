"""Command line: argparse → one function per subcommand (in ``voiced.commands``); no logic here.

Exit codes (shared/spec/cli.md): 0 success, 2 bad usage or bad input files, 1 other failures.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from collections.abc import Sequence

from voiced.asr.engines import CHOICES as ASR_ENGINES
from voiced.errors import ConfigError, VoicedError
from voiced.logs import redact

# subcommand → "module:function"; each function takes the parsed Namespace and returns an exit code
_HANDLERS = {
    "run": "voiced.commands.service:cmd_run",
    "parse": "voiced.commands.nlu:cmd_parse",
    "eval": "voiced.commands.nlu:cmd_eval",
    "train": "voiced.commands.train:cmd_train",
    "train-wake": "voiced.commands.wake:cmd_train_wake",
    "listen": "voiced.commands.audio:cmd_listen",
    "say": "voiced.commands.speech:cmd_say",
    "model": "voiced.commands.model:cmd_model",
    "check-config": "voiced.commands.admin:cmd_check_config",
    "doctor": "voiced.commands.admin:cmd_doctor",
    "install": "voiced.commands.admin:cmd_install",
    "import": "voiced.commands.importer:cmd_import",
}


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="voiced", description="Offline voice assistant for the smart home.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def devices(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--devices", help="devices file (default: the example home in devices/)")

    def model(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--model", help="model directory (default: the shipped models in models/)")

    sp = sub.add_parser("run", help="run the assistant daemon")
    sp.add_argument("--config", help="voiced.yaml")
    devices(sp)
    sp.add_argument("--broker", help="mqtt://HOST:PORT (default: from the config, else a local broker)")
    sp.add_argument("--site", help="satellite site id")
    sp.add_argument("--no-audio", action="store_true", help="no microphone/speaker: text in over MQTT only")
    sp.add_argument("--state-dir", help="where timers and other state are kept")

    sp = sub.add_parser("parse", help="text → intent and slots (JSON)")
    devices(sp)
    model(sp)
    sp.add_argument("--area", help="the satellite's own area (for 'in here')")
    sp.add_argument("text", nargs="?", help="text to parse; without it, read lines from stdin")

    sp = sub.add_parser("eval", help="score the NLU on a JSON-lines test set")
    sp.add_argument("file", help="FILE.jsonl with text, intent, slots[, area]")
    devices(sp)
    model(sp)
    sp.add_argument("--errors", action="store_true", help="also print every wrong frame to stderr")

    sp = sub.add_parser("train", help="train the NLU and reply models for a home")
    devices(sp)
    sp.add_argument("--out", help="output directory (default: the shipped models' place)")
    sp.add_argument("--epochs", type=int, help="override the recipe's number of epochs")
    sp.add_argument("--seed", type=int, default=0)
    sp.add_argument("--only", choices=["nlu", "reply"], help="train only one of the models")

    sp = sub.add_parser("train-wake", help="train the neural wake word's head for a phrase (eSpeak NG speech)")
    sp.add_argument("--phrase", help="the wake phrase (default: the config's first, else 'hey computer')")
    sp.add_argument("--config", help="voiced.yaml")
    devices(sp)
    sp.add_argument("--out", help="model directory (default: models/wake/<phrase>)")
    sp.add_argument("--seed", type=int, default=0)
    sp.add_argument("--scale", type=float, default=1.0,
                    help="share of the recipe's data to make (0.1: a quick, weaker head)")
    sp.add_argument("--data-cache", metavar="FILE.npz",
                    help="keep the spoken data here and reuse it while phrase, sentences and recipe match")

    sp = sub.add_parser("listen", help="one utterance per WAV file → transcript, intent (one JSON line per file)")
    sp.add_argument("wav", nargs="+", help="FILE.wav ... (any rate, mono or stereo)")
    sp.add_argument("--config", help="voiced.yaml")
    devices(sp)
    model(sp)
    sp.add_argument("--broker", help="mqtt://HOST:PORT (with --act)")
    sp.add_argument("--act", action="store_true", help="also command the devices")
    sp.add_argument("--wake", action="store_true", help="expect the wake word before the command")
    sp.add_argument("--engine", choices=list(ASR_ENGINES), help="ASR engine")

    sp = sub.add_parser("say", help="speak text, or render it to a WAV")
    sp.add_argument("text")
    sp.add_argument("--out", help="write a WAV instead of playing")
    sp.add_argument("--config", help="voiced.yaml")

    sp = sub.add_parser("model", help="ASR models (install, list) and the NLU's encoder (prepare)")
    msub = sp.add_subparsers(dest="model_command", required=True, metavar="ACTION")
    ip = msub.add_parser("install", help="download, verify and unpack a Vosk model")
    ip.add_argument("name")
    ip.add_argument("--dir", help="models directory (default: models/asr)")
    ip.add_argument("--url", help="override the download address (mirrors)")
    ip.add_argument("--sha256", help="override the expected checksum (with --url)")
    msub.add_parser("prepare", help="export the NLU's sentence encoder for onnxruntime (models/encoder)")
    lp = msub.add_parser("list", help="known and installed ASR models")
    lp.add_argument("--dir", help="models directory (default: models/asr)")

    sp = sub.add_parser("check-config", help="validate the config and devices files")
    sp.add_argument("--config", help="voiced.yaml")
    devices(sp)

    sp = sub.add_parser("doctor", help="diagnose audio, models, broker and voice")
    sp.add_argument("--config", help="voiced.yaml")
    devices(sp)

    sp = sub.add_parser("import", help="write a devices file from what the broker holds "
                        "(Zigbee2MQTT, Home Assistant discovery, Tasmota)")
    sp.add_argument("--broker", help="mqtt://HOST:PORT (default: from the config, else mqtt://127.0.0.1:1883)")
    sp.add_argument("--out", default="home.yaml", help="the devices file to write (default: home.yaml)")
    sp.add_argument("--config", help="voiced.yaml (for the broker's user, password and TLS)")
    sp.add_argument("--force", action="store_true", help="replace --out if it exists")
    sp.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for the broker (default: 10)")

    sp = sub.add_parser("install", help="install voiced as a systemd service")
    sp.add_argument("--prefix", default="/", help="root to install into (for packaging)")
    sp.add_argument("--dry-run", action="store_true", help="print what would be done")
    sp.add_argument("--venv", help="use this existing environment instead of building /opt/voiced/venv")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    key = args.command
    module_name, func_name = _HANDLERS[key].split(":")
    handler = getattr(importlib.import_module(module_name), func_name)
    # errors are printed, not logged: they go through the same redaction as the log (no password
    # of a URL or of the configured broker, whatever the path that raised them)
    try:
        return int(handler(args) or 0)
    except ConfigError as exc:
        print(f"voiced {key}: {redact(str(exc))}", file=sys.stderr)
        return 2
    except VoicedError as exc:
        print(f"voiced {key}: {redact(str(exc))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception:  # a bug: the traceback, redacted, and status 1 (as Python's own handler would)
        print(redact(traceback.format_exc()), file=sys.stderr, end="")
        return 1


if __name__ == "__main__":
    sys.exit(main())
