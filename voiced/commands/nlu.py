"""``voiced parse`` and ``voiced eval`` (shared/spec/intents.md, cli.md)."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from voiced.config import DEFAULT_DEVICES
from voiced.errors import ConfigError
from voiced.home import load_home
from voiced.nlu import metrics
from voiced.nlu.parser import Parser


def _parser(args: argparse.Namespace) -> Parser:
    home = load_home(Path(args.devices) if getattr(args, "devices", None) else DEFAULT_DEVICES)
    model = getattr(args, "model", None)
    return Parser.load(Path(model) if model else None, home)


def cmd_parse(args: argparse.Namespace) -> int:
    """One TEXT → one JSON object; no TEXT → one JSON object per stdin line, flushed as it goes."""
    parser = _parser(args)
    if args.text is not None:
        print(parser.parse(args.text, area=args.area).dumps(), flush=True)
        return 0
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        text, area = line, args.area
        if line.startswith("{"):
            try:
                obj = json.loads(line)
            except ValueError:
                obj = None
            if isinstance(obj, dict) and isinstance(obj.get("text"), str):
                text = obj["text"]
                area = obj.get("area") if isinstance(obj.get("area"), str) else args.area
            else:
                print(json.dumps({"error": "expected plain text or a JSON object with \"text\"",
                                  "line": line[:200]}), flush=True)
                continue
        print(parser.parse(text, area=area).dumps(), flush=True)
    return 0


def read_test_file(path: Path) -> list[dict[str, Any]]:
    """JSON lines {"text", "intent", "slots", "area"?}; ConfigError naming file and line when malformed."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}:1: (file): no such file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}:1: (file): cannot read: {exc}") from exc
    rows = []
    for n, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise ConfigError(f"{path}:{n}: (json): {exc}") from exc
        if not isinstance(row, dict) or not isinstance(row.get("text"), str):
            raise ConfigError(f"{path}:{n}: text: expected an object with a string \"text\"")
        if "intent" not in row or not (row["intent"] is None or isinstance(row["intent"], str)):
            raise ConfigError(f"{path}:{n}: intent: expected a string or null")
        if not isinstance(row.get("slots", {}), dict):
            raise ConfigError(f"{path}:{n}: slots: expected an object")
        if row.get("area") is not None and not isinstance(row["area"], str):
            raise ConfigError(f"{path}:{n}: area: expected a string")
        rows.append(row)
    if not rows:
        raise ConfigError(f"{path}:1: (file): no test utterances")
    return rows


def evaluate(parser: Parser, rows: list[dict[str, Any]], errors: bool = False) -> dict[str, Any]:
    """The spec's metrics on what ``voiced parse`` prints: a reading that would be confirmed first
    counts as no action (``intent: null``); ``confirmed`` is the share of such readings; ``fired``
    how often each parser unit changed a reading on these rows (a rule at 0 repairs nothing here)."""
    before = Counter(parser.fired)
    pairs = []
    confirmed = 0
    for row in rows:
        p = parser.parse(row["text"], area=row.get("area"))
        out = p.to_json()
        confirmed += out.get("decision") == "confirm"
        predicted = {"intent": out["intent"], "slots": out["slots"]}
        expected = {"intent": row["intent"], "slots": row.get("slots") or {}}
        pairs.append((expected, predicted))
        if errors and metrics.score([(expected, predicted)])["frame_exact_match"] < 1.0:
            print(json.dumps({"text": row["text"], "area": row.get("area"), "expected": expected,
                              "got": predicted, "confidence": round(p.confidence, 3)}, ensure_ascii=False),
                  file=sys.stderr)
    return {**metrics.score(pairs), "confirmed": round(confirmed / len(rows), 4) if rows else 0.0,
            "fired": {n: parser.fired[n] - before[n] for n in parser.unit_names()}}


def cmd_eval(args: argparse.Namespace) -> int:
    rows = read_test_file(Path(args.file))
    parser = _parser(args)
    print(json.dumps(evaluate(parser, rows, errors=getattr(args, "errors", False))), flush=True)
    return 0
