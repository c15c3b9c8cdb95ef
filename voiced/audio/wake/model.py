"""The wake-word head: config dataclass, ``nn.Module`` and its checkpoint.

openWakeWord's design: the last 16 speech embeddings (16 × 96, ≈ 2 s) → a small net → one
probability that the phrase *just ended*.  openWakeWord's head is a flat MLP (``kind: dnn``, kept);
trained here on synthetic speech only it memorised alignments and voices (in a first trial it
heard 80 % of the phrases of voices it never saw), so the default reads the embeddings in order
with a GRU (``kind: gru``), which shares its weights across time.  The embedding network does the hearing; the
head only learns which embedding sequences are this phrase, so a few hundred thousand weights
trained in a minute on synthetic speech are enough.

Checkpoint = a directory: ``model.pt`` (state_dict, loaded ``weights_only``) and ``meta.json``
(format version, config, ``members`` — 1 head, or an ensemble's count —, the phrase, the threshold
chosen at training and the training figures).
"""

from __future__ import annotations

import json
import pickle
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from voiced.errors import ModelError
from voiced.modelfile import read_meta

FORMAT_VERSION = 1


@dataclass(frozen=True)
class WakeHeadConfig:
    frames: int = 16  # embeddings seen (80 ms each)
    dim: int = 96  # embedding width (fixed by the front end)
    kind: str = "gru"  # gru: a GRU reads the 16 embeddings in order; dnn: openWakeWord's flat MLP
    hidden: int = 64
    layers: int = 1
    dropout: float = 0.3

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class WakeHead(nn.Module):
    def __init__(self, cfg: WakeHeadConfig) -> None:
        super().__init__()
        self.cfg = cfg
        if cfg.kind == "gru":
            self.norm = nn.LayerNorm(cfg.dim)
            self.gru = nn.GRU(cfg.dim, cfg.hidden, num_layers=cfg.layers, batch_first=True,
                              dropout=cfg.dropout if cfg.layers > 1 else 0.0)
            self.out = nn.Sequential(nn.Dropout(cfg.dropout), nn.Linear(cfg.hidden, 1))
            return
        if cfg.kind != "dnn":
            raise ValueError(f"unknown wake head kind {cfg.kind!r}")
        blocks: list[nn.Module] = [nn.Flatten()]
        width = cfg.frames * cfg.dim
        for _ in range(cfg.layers):
            blocks += [nn.Linear(width, cfg.hidden), nn.LayerNorm(cfg.hidden), nn.ReLU(), nn.Dropout(cfg.dropout)]
            width = cfg.hidden
        blocks.append(nn.Linear(width, 1))
        self.net = nn.Sequential(*blocks)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, frames, dim) embeddings → (B,) logits."""
        if self.cfg.kind == "gru":
            h, _ = self.gru(self.norm(x))
            return self.out(h[:, -1]).squeeze(-1)
        return self.net(x).squeeze(-1)


class WakeEnsemble(nn.Module):
    """Heads of one config fitted with different seeds on the same data; the mean of their
    logits decides (``WakeRecipe.members``).  Measured for "hey computer": 3 seeds heard as many
    validation phrases as one head at the same false wakes, so the shipped head is one
    (docs/benchmarks.md)."""

    def __init__(self, cfg: WakeHeadConfig, n: int) -> None:
        super().__init__()
        self.cfg = cfg
        self.members = nn.ModuleList(WakeHead(cfg) for _ in range(n))

    @classmethod
    def of(cls, heads: list[WakeHead]) -> WakeEnsemble:
        ens = cls(heads[0].cfg, len(heads))
        for mine, theirs in zip(ens.members, heads, strict=True):
            mine.load_state_dict(theirs.state_dict())
        return ens.eval()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.stack([m(x) for m in self.members]).mean(0)


Head = WakeHead | WakeEnsemble


class NumpyHead:
    """The same head in numpy for the listening thread: batch-1 every 80 ms, where torch's
    per-call overhead (and its intra-op threads) cost more than the arithmetic (0.5–0.9 ms vs
    about 0.1 ms here).  ``tests/unit/test_wake.py`` checks it against the torch module."""

    def __init__(self, head: Head) -> None:
        self.kind = head.cfg.kind
        members = list(head.members) if isinstance(head, WakeEnsemble) else [head]
        self.sds = [{k: v.detach().numpy().astype(np.float32) for k, v in m.state_dict().items()} for m in members]
        self.layers = head.cfg.layers
        self.hidden = head.cfg.hidden

    @staticmethod
    def _norm(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
        mu = x.mean(-1, keepdims=True)
        var = x.var(-1, keepdims=True)
        return np.asarray((x - mu) / np.sqrt(var + 1e-5) * w + b)

    def logits(self, x: np.ndarray) -> np.ndarray:
        """(B, frames, dim) → (B,): the members' mean logit."""
        return np.asarray(np.mean([self._logits(sd, x) for sd in self.sds], axis=0))

    def _logits(self, sd: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
        if self.kind == "gru":
            h_seq = self._norm(x, sd["norm.weight"], sd["norm.bias"])
            for layer in range(self.layers):
                w_ih, w_hh = sd[f"gru.weight_ih_l{layer}"], sd[f"gru.weight_hh_l{layer}"]
                b_ih, b_hh = sd[f"gru.bias_ih_l{layer}"], sd[f"gru.bias_hh_l{layer}"]
                gi = h_seq @ w_ih.T + b_ih  # (B, T, 3H): reset, update, new
                h = np.zeros((x.shape[0], self.hidden), np.float32)
                outs = []
                n = self.hidden
                for t in range(x.shape[1]):
                    gh = h @ w_hh.T + b_hh
                    r = 1 / (1 + np.exp(-(gi[:, t, :n] + gh[:, :n])))
                    z = 1 / (1 + np.exp(-(gi[:, t, n:2 * n] + gh[:, n:2 * n])))
                    cand = np.tanh(gi[:, t, 2 * n:] + r * gh[:, 2 * n:])
                    h = (1 - z) * cand + z * h
                    outs.append(h)
                h_seq = np.stack(outs, axis=1)
            return np.asarray(h_seq[:, -1] @ sd["out.1.weight"].T + sd["out.1.bias"]).reshape(-1)
        y = x.reshape(x.shape[0], -1)
        i = 1
        for _ in range(self.layers):
            y = y @ sd[f"net.{i}.weight"].T + sd[f"net.{i}.bias"]
            y = np.maximum(self._norm(y, sd[f"net.{i + 1}.weight"], sd[f"net.{i + 1}.bias"]), 0)
            i += 4
        return np.asarray(y @ sd[f"net.{i}.weight"].T + sd[f"net.{i}.bias"]).reshape(-1)

    def scores(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(1 / (1 + np.exp(-self.logits(x.astype(np.float32)))))


@dataclass(frozen=True)
class WakeModel:
    """A loaded head with what it was trained for."""

    phrase: str
    head: Head
    threshold: float  # probability at sensitivity 0.5
    meta: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None

    def scores(self, windows: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            return torch.sigmoid(self.head(windows))

    def fast(self) -> NumpyHead:
        return NumpyHead(self.head)


def save(path: Path, phrase: str, head: Head, threshold: float, meta: dict[str, Any]) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    torch.save(head.state_dict(), path / "model.pt")
    doc = {"format": FORMAT_VERSION, "phrase": phrase, "threshold": threshold,
           "config": head.cfg.to_json(), **meta,
           "members": len(head.members) if isinstance(head, WakeEnsemble) else 1}
    (path / "meta.json").write_text(json.dumps(doc, indent=1) + "\n")
    return path


def load(path: Path) -> WakeModel:
    meta_path = path / "meta.json"
    doc = read_meta(meta_path, "wake-word model", FORMAT_VERSION, "voiced train-wake", key="format")
    try:
        cfg = WakeHeadConfig(**doc["config"])
        n = int(doc.get("members", 1))
        if n < 1:
            raise ValueError(f"members: expected at least 1, not {n}")
        head: Head = WakeEnsemble(cfg, n) if n > 1 else WakeHead(cfg)
        head.load_state_dict(torch.load(path / "model.pt", map_location="cpu", weights_only=True))
        phrase, threshold = str(doc["phrase"]), float(doc["threshold"])
    except (KeyError, TypeError, ValueError, RuntimeError, OSError, pickle.UnpicklingError, EOFError) as exc:
        raise ModelError(f"{path}: damaged wake-word model ({exc})") from exc
    head.eval()
    return WakeModel(phrase, head, threshold, doc, path)
