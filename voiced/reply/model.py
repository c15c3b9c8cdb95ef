"""The reply model: a GRU encoder-decoder with attention and a copy mechanism (pointer-generator).

Source and target share one vocabulary.  Value placeholders (``<names>``, ``<temperature>``...)
are in it, but the generator's softmax is masked on them: a placeholder, and so any name, number,
unit or state, can only be produced by *copying* a source position that holds it.  The final
distribution is ``p_gen * P_vocab + (1 - p_gen) * P_copy`` (See et al. 2017), where ``P_copy`` is
a pointer over the copyable source positions (keyed by their encoder state and their own
embedding).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import torch
from torch import Tensor, nn

PAD, BOS, EOS, UNK = 0, 1, 2, 3
SPECIALS = ("<pad>", "<s>", "</s>", "<unk>")


@dataclass(frozen=True)
class ReplyModelConfig:
    vocab_size: int
    embedding: int = 64
    hidden: int = 128
    dropout: float = 0.1
    max_len: int = 48  # longest reply, in tokens

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class ReplySeq2Seq(nn.Module):
    gen_mask: Tensor
    is_copy: Tensor

    def __init__(self, config: ReplyModelConfig, copy_ids: list[int]) -> None:
        super().__init__()
        c = config
        self.config = c
        self.embed = nn.Embedding(c.vocab_size, c.embedding, padding_idx=PAD)
        self.encoder = nn.GRU(c.embedding, c.hidden // 2, batch_first=True, bidirectional=True)
        self.bridge = nn.Linear(c.hidden, c.hidden)
        self.decoder = nn.GRU(c.embedding, c.hidden, batch_first=True)
        self.attn = nn.Linear(c.hidden, c.hidden, bias=False)
        self.combine = nn.Linear(2 * c.hidden, c.hidden)
        self.generate = nn.Linear(c.hidden, c.vocab_size)
        # the pointer sees each source position's own embedding as well as its context, so that a
        # placeholder is found by its type even among neighbours never seen together in training
        self.copy_query = nn.Linear(c.hidden, c.hidden + c.embedding, bias=False)
        self.p_gen = nn.Linear(2 * c.hidden + c.embedding, 1)
        self.drop = nn.Dropout(c.dropout)
        mask = torch.zeros(c.vocab_size, dtype=torch.bool)
        mask[copy_ids] = True
        mask[[PAD, BOS, UNK]] = True
        self.register_buffer("gen_mask", mask, persistent=False)  # never generated from the softmax
        is_copy = torch.zeros(c.vocab_size, dtype=torch.bool)
        is_copy[copy_ids] = True
        self.register_buffer("is_copy", is_copy, persistent=False)

    def encode(self, src: Tensor, lengths: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """(encoder outputs B×S×H, copy keys B×S×(H+E), initial decoder state 1×B×H)."""
        emb = self.drop(self.embed(src))
        packed = nn.utils.rnn.pack_padded_sequence(emb, lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, h = self.encoder(packed)
        enc, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=src.size(1))
        h0 = torch.tanh(self.bridge(torch.cat([h[0], h[1]], dim=-1))).unsqueeze(0)
        return enc, torch.cat([enc, emb], dim=-1), h0

    def _mix(self, src: Tensor, enc: Tensor, keys: Tensor, dec: Tensor, emb_in: Tensor) -> Tensor:
        """Decoder states B×T×H → log-probabilities B×T×V of the mixed distribution."""
        scores = torch.bmm(self.attn(dec), enc.transpose(1, 2))  # B×T×S
        pad = (src == PAD).unsqueeze(1)
        attn = torch.softmax(scores.masked_fill(pad, -1e9), dim=-1)
        ctx = torch.bmm(attn, enc)
        feat = torch.tanh(self.combine(torch.cat([dec, ctx], dim=-1)))
        logits = self.generate(self.drop(feat)).masked_fill(self.gen_mask, -1e9)
        p_vocab = torch.softmax(logits, dim=-1)
        copyable = self.is_copy[src]  # B×S
        has_copy = copyable.any(dim=1).view(-1, 1, 1).to(dec.dtype)
        copy_scores = torch.bmm(self.copy_query(dec), keys.transpose(1, 2))
        copy_attn = torch.softmax(copy_scores.masked_fill(~copyable.unsqueeze(1), -1e9), dim=-1) * has_copy
        p_copy = torch.zeros_like(p_vocab).scatter_add(2, src.unsqueeze(1).expand(-1, dec.size(1), -1), copy_attn)
        gate = torch.sigmoid(self.p_gen(torch.cat([dec, ctx, emb_in], dim=-1)))
        gate = 1 - (1 - gate) * has_copy
        return torch.log(gate * p_vocab + (1 - gate) * p_copy + 1e-9)

    def forward(self, src: Tensor, lengths: Tensor, tgt_in: Tensor) -> Tensor:
        """Teacher-forced log-probabilities B×T×V for training."""
        enc, keys, h0 = self.encode(src, lengths)
        emb_in = self.drop(self.embed(tgt_in))
        dec, _ = self.decoder(emb_in, h0)
        return self._mix(src, enc, keys, dec, emb_in)

    @torch.no_grad()
    def greedy(self, src: Tensor, lengths: Tensor, max_len: int | None = None) -> list[list[int]]:
        """Greedy decoding of a batch; each result ends before ``</s>``."""
        max_len = max_len or self.config.max_len
        enc, keys, h = self.encode(src, lengths)
        batch = src.size(0)
        prev = torch.full((batch, 1), BOS, dtype=torch.long)
        out: list[list[int]] = [[] for _ in range(batch)]
        done = torch.zeros(batch, dtype=torch.bool)
        for _ in range(max_len):
            emb_in = self.embed(prev)
            dec, h = self.decoder(emb_in, h)
            nxt = self._mix(src, enc, keys, dec, emb_in)[:, -1].argmax(-1)
            for i in range(batch):
                if not done[i]:
                    if int(nxt[i]) == EOS:
                        done[i] = True
                    else:
                        out[i].append(int(nxt[i]))
            if bool(done.all()):
                break
            prev = nxt.unsqueeze(1)
        return out
