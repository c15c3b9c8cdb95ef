"""``voiced train``: the NLU (and, unless ``--only nlu``, the reply model) for a home."""

from __future__ import annotations

import argparse
import importlib
import json
from pathlib import Path

from voiced.config import DEFAULT_DEVICES, DEFAULT_MODELS
from voiced.home import load_home


def cmd_train(args: argparse.Namespace) -> int:
    home = load_home(Path(args.devices) if getattr(args, "devices", None) else DEFAULT_DEVICES)
    out_dir = Path(args.out) if getattr(args, "out", None) else DEFAULT_MODELS
    only = getattr(args, "only", None)
    epochs = getattr(args, "epochs", None)
    seed = int(getattr(args, "seed", 0) or 0)
    results: dict[str, dict[str, float]] = {}
    if only in (None, "nlu"):
        from voiced.nlu.train import train as train_nlu  # torch import only when training

        results["nlu"] = train_nlu(home, out_dir / "nlu", epochs=epochs, seed=seed, progress=True)
    if only in (None, "reply"):
        reply_train = importlib.import_module("voiced.reply.train")
        results["reply"] = reply_train.train(home, out_dir / "reply", epochs=epochs, seed=seed, progress=True)
    print(json.dumps(results), flush=True)
    return 0
