"""The joint intent/slot network: config dataclass and ``nn.Module`` only.

Each token is a word embedding, a character CNN (so a name never seen in training still gets
features from its spelling) and three gazetteer bits (is this word part of an entity, area or floor
name of the current home — computed at parse time, so a new home helps without retraining).
A bidirectional GRU reads them; one head tags BIO slots per token, the other classifies the intent
from the pooled sequence.  Optionally (``sent_dim`` > 0) the intent head also sees a frozen
sentence vector (voiced/nlu/encoder.py): the BiGRU stays the centre and does the tagging, the
vector brings what English words mean beyond the templates' vocabulary.

``members`` > 1 makes the network that many such BiGRUs, trained from different seeds, each on its
own share of the sentences, and read as the mean of their log-probabilities (``NluEnsemble``): the
seed alone moved accuracy on people's requests by ±1.5 points; two members on 70 % each were
better across seeds than one on all (docs/benchmarks.md).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, cast

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


@dataclass(frozen=True)
class NluConfig:
    n_words: int
    n_chars: int
    n_intents: int
    n_tags: int
    word_dim: int = 64
    char_dim: int = 24
    char_channels: int = 48
    gaz_dim: int = 3
    hidden: int = 96
    dropout: float = 0.2
    max_word_len: int = 16
    sent_dim: int = 0  # width of the frozen sentence vector fed to the intent head; 0 = none
    sent_int8: bool = False  # trained on the int8 encoder's vectors (voiced/nlu/encoder.py), read with them
    members: int = 1  # BiGRUs read as one (NluEnsemble)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class JointNlu(nn.Module):
    def __init__(self, cfg: NluConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.word_emb = nn.Embedding(cfg.n_words, cfg.word_dim, padding_idx=0)
        self.char_emb = nn.Embedding(cfg.n_chars, cfg.char_dim, padding_idx=0)
        self.char_cnn = nn.Conv1d(cfg.char_dim, cfg.char_channels, kernel_size=3, padding=1)
        self.drop = nn.Dropout(cfg.dropout)
        self.gru = nn.GRU(cfg.word_dim + cfg.char_channels + cfg.gaz_dim, cfg.hidden,
                          batch_first=True, bidirectional=True)
        self.tag_head = nn.Linear(2 * cfg.hidden, cfg.n_tags)
        self.sent_proj = nn.Linear(cfg.sent_dim, cfg.hidden) if cfg.sent_dim else None
        head_in = 4 * cfg.hidden + (cfg.hidden if cfg.sent_dim else 0)
        self.intent_head = nn.Sequential(nn.Linear(head_in, cfg.hidden), nn.ReLU(),
                                         nn.Linear(cfg.hidden, cfg.n_intents))

    def forward(self, words: torch.Tensor, chars: torch.Tensor, gaz: torch.Tensor,
                lengths: torch.Tensor, sent: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """words (B,T), chars (B,T,C), gaz (B,T,3) float, lengths (B,), sent (B,S) → intent logits (B,I),
        tag logits (B,T,K)."""
        b, t, c = chars.shape
        ch = self.char_emb(chars.view(b * t, c)).transpose(1, 2)  # (B*T, D, C)
        ch = torch.relu(self.char_cnn(ch)).max(dim=2).values.view(b, t, -1)
        x = torch.cat([self.word_emb(words), ch, gaz], dim=2)
        x = self.drop(x)
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, h = self.gru(packed)
        seq, _ = pad_packed_sequence(out, batch_first=True, total_length=t)
        seq = self.drop(seq)
        mask = (torch.arange(t, device=words.device)[None, :] < lengths[:, None]).unsqueeze(2)
        pooled = seq.masked_fill(~mask, -1e4).max(dim=1).values
        final = torch.cat([h[0], h[1]], dim=1)
        parts = [pooled, final]
        if self.sent_proj is not None:
            if sent is None:
                raise ValueError("this model needs the sentence vector")
            parts.append(torch.tanh(self.sent_proj(self.drop(sent))))
        intent = self.intent_head(torch.cat(parts, dim=1))
        return intent, self.tag_head(seq)

    def forward_whole(self, words: torch.Tensor, chars: torch.Tensor, gaz: torch.Tensor,
                      sent: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """``forward`` for sentences that fill the whole width (no padding, so no packing and no
        mask), in eval mode: what parsing one sentence needs, and what the ONNX export traces."""
        ch = self.char_emb(chars.reshape(-1, chars.shape[2])).transpose(1, 2)
        ch = torch.relu(self.char_cnn(ch)).max(dim=2).values.reshape(words.shape[0], words.shape[1], -1)
        seq, h = self.gru(torch.cat([self.word_emb(words), ch, gaz], dim=2))
        parts = [seq.max(dim=1).values, torch.cat([h[0], h[1]], dim=1)]
        if self.sent_proj is not None:
            if sent is None:
                raise ValueError("this model needs the sentence vector")
            parts.append(torch.tanh(self.sent_proj(sent)))
        return self.intent_head(torch.cat(parts, dim=1)), self.tag_head(seq)


class NluEnsemble(nn.Module):
    """``cfg.members`` JointNlu read as one: intent and tag outputs are the mean log-probabilities
    of the members (log-probabilities, so softmax and log-softmax of them read as for one net)."""

    def __init__(self, cfg: NluConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.members = nn.ModuleList(JointNlu(cfg) for _ in range(cfg.members))

    @staticmethod
    def _mean(outs: list[tuple[torch.Tensor, torch.Tensor]]) -> tuple[torch.Tensor, torch.Tensor]:
        intent = torch.stack([torch.log_softmax(i, dim=-1) for i, _t in outs]).mean(dim=0)
        tags = torch.stack([torch.log_softmax(t, dim=-1) for _i, t in outs]).mean(dim=0)
        return intent, tags

    def forward(self, words: torch.Tensor, chars: torch.Tensor, gaz: torch.Tensor,
                lengths: torch.Tensor, sent: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        return self._mean([m(words, chars, gaz, lengths, sent) for m in self.members])

    def forward_whole(self, words: torch.Tensor, chars: torch.Tensor, gaz: torch.Tensor,
                      sent: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        return self._mean([cast(JointNlu, m).forward_whole(words, chars, gaz, sent) for m in self.members])


Net = JointNlu | NluEnsemble


def build(cfg: NluConfig) -> Net:
    """The network a config describes: one BiGRU, or an ensemble of ``cfg.members``."""
    return JointNlu(cfg) if cfg.members <= 1 else NluEnsemble(cfg)
