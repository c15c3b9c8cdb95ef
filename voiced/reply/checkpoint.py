"""Reply model checkpoints, laid out like the NLU's: ``model.pt`` (a torch state_dict, loaded with
``weights_only=True``) and ``meta.json`` (format version, model config, vocabulary, recipe, metrics, the home's names).

The JSON is read first and its ``format_version`` checked, so a checkpoint from another version
is refused with a clear ModelError before any tensor is touched.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch

from voiced.config import DEFAULT_MODELS
from voiced.errors import ModelError
from voiced.modelfile import read_meta
from voiced.reply.model import SPECIALS, ReplyModelConfig, ReplySeq2Seq

FORMAT_VERSION = 1
DEFAULT_DIR = DEFAULT_MODELS / "reply"
WEIGHTS = "model.pt"  # same file names as the NLU checkpoint, in models/reply
META = "meta.json"


def copy_ids(vocab: list[str]) -> list[int]:
    """Ids of the value placeholders (the tokens only the copy mechanism may produce)."""
    return [i for i, t in enumerate(vocab) if t.startswith("<") and t.endswith(">") and t not in SPECIALS]


def save(directory: Path, model: ReplySeq2Seq, vocab: list[str], meta: dict[str, Any]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    data = {"format_version": FORMAT_VERSION, "config": model.config.to_json(), "vocab": vocab, **meta}
    tmp_w, tmp_m = directory / (WEIGHTS + ".tmp"), directory / (META + ".tmp")
    torch.save(model.state_dict(), tmp_w)
    tmp_m.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp_w.replace(directory / WEIGHTS)  # both files land together or not at all
    tmp_m.replace(directory / META)


def load(directory: Path | None = None) -> tuple[ReplySeq2Seq, list[str], dict[str, Any]]:
    """(model in eval mode, vocabulary, metadata); ModelError when missing, corrupt or foreign."""
    directory = Path(directory) if directory is not None else DEFAULT_DIR
    meta_path, weights_path = directory / META, directory / WEIGHTS
    meta = read_meta(meta_path, "reply model", FORMAT_VERSION, "`voiced train`")
    vocab = meta.get("vocab")
    if not isinstance(vocab, list) or not all(isinstance(t, str) for t in vocab) or \
            list(vocab[:len(SPECIALS)]) != list(SPECIALS):
        raise ModelError(f"{meta_path}: vocab: expected a list of tokens starting with {SPECIALS}")
    try:
        config = ReplyModelConfig(**meta["config"])
    except (KeyError, TypeError) as exc:
        raise ModelError(f"{meta_path}: config: {exc}") from exc
    if config.vocab_size != len(vocab):
        raise ModelError(f"{meta_path}: config.vocab_size {config.vocab_size} != {len(vocab)} tokens")
    try:
        state = torch.load(weights_path, map_location="cpu", weights_only=True)
    except FileNotFoundError as exc:
        raise ModelError(f"{weights_path}: missing reply model weights") from exc
    except Exception as exc:  # torch raises many types for a damaged file
        raise ModelError(f"{weights_path}: corrupt reply model weights: {exc}") from exc
    model = ReplySeq2Seq(config, copy_ids(vocab))
    try:
        model.load_state_dict(state)
    except (RuntimeError, TypeError, AttributeError) as exc:
        raise ModelError(f"{weights_path}: weights do not fit the model config: {exc}") from exc
    model.eval()
    return model, vocab, meta
