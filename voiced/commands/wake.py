"""``voiced train-wake``: the neural wake word's head for a phrase (voiced/audio/wake/train.py).

The negatives' sentences are the home's own: the NLU generator's commands, questions and
other-skill requests (what is said in a room with voiced in it, without the wake word first).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

from voiced.config import DEFAULT_DEVICES, load_settings
from voiced.errors import ConfigError
from voiced.home import load_home


def negative_sentences(devices: Path, n: int, seed: int) -> list[str]:
    from voiced.nlu.generate import generate

    home = load_home(devices)
    return list(dict.fromkeys(e.text for e in generate(home, n, seed=seed + 101)))


def cmd_train_wake(args: argparse.Namespace) -> int:
    from voiced.audio.wake import DEFAULT_ROOT
    from voiced.audio.wake.neural import slug
    from voiced.audio.wake.train import WakeRecipe, train

    settings = load_settings(args.config) if getattr(args, "config", None) else None
    phrase = args.phrase or (settings.wake.phrases[0] if settings and settings.wake.phrases else "hey computer")
    phrase = " ".join(phrase.lower().split())
    if not phrase or not any(c.isalpha() for c in phrase):
        raise ConfigError(f"--phrase: expected words to say, not {args.phrase!r}")
    scale = float(args.scale)
    if not 0.01 <= scale <= 4.0:
        raise ConfigError(f"--scale: expected 0.01 to 4, not {scale:g}")
    base = WakeRecipe(seed=int(args.seed))
    recipe = replace(base, positives=max(40, int(base.positives * scale)),
                     negative_sentences=max(40, int(base.negative_sentences * scale)),
                     confusable_repeats=max(2, int(base.confusable_repeats * scale)),
                     generated_near_misses=max(30, int(base.generated_near_misses * scale)),
                     prose=max(20, int(base.prose * scale)),
                     music_seconds=max(30.0, base.music_seconds * scale),
                     noise_seconds=max(16.0, base.noise_seconds * scale))
    devices = Path(args.devices) if getattr(args, "devices", None) else DEFAULT_DEVICES
    texts = negative_sentences(devices, int(recipe.negative_sentences * 1.5), recipe.seed)
    out = Path(args.out) if args.out else DEFAULT_ROOT / slug(phrase)
    cache = Path(args.data_cache) if getattr(args, "data_cache", None) else None
    meta = train(phrase, texts, out, recipe, progress=lambda m: print(f"train-wake: {m}", file=sys.stderr, flush=True),
                 cache=cache)
    print(json.dumps({"phrase": phrase, "out": str(out), "threshold": meta["threshold"],
                      "seconds": meta["seconds"], "validation": meta["validation"]}), flush=True)
    return 0
