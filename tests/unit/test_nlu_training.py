"""Training's pieces: length-pooled batches, the sentence vectors computed by two threads."""

from __future__ import annotations

import random

import pytest
import torch

from voiced.nlu.encoder import SentenceEncoder, package_dir
from voiced.nlu.train import Encoded, _batches, sentence_vectors


def _data(n: int, seed: int = 1) -> list[Encoded]:
    rng = random.Random(seed)
    out: list[Encoded] = []
    for k in range(n):
        t = rng.randint(2, 20)
        out.append(([2] * t, [[3] * 4] * t, [[0.0] * 3] * t, k, [0] * t, [False] * t, k))
    return out


def test_training_batches_hold_every_sentence_once_with_little_padding() -> None:
    data = _data(3000)
    sents = torch.zeros(len(data), 1)
    pooled = _batches(data, 64, random.Random(5), 0.0, 0.0, True, sents)
    seen = sorted(int(i) for b in pooled for i in b[5])
    assert seen == list(range(len(data)))
    assert sum(len(b[5]) < 64 for b in pooled) == 1  # 3000 = 46 x 64 + 56

    def padding(batches: list[tuple[torch.Tensor, ...]]) -> float:
        cells = sum(b[0].numel() for b in batches)
        return 1 - sum(int(b[3].sum()) for b in batches) / cells

    # the same sentences in random batches (the held-out path keeps their order) pad far more
    assert padding(pooled) < 0.1 < padding(_batches(data, 64, random.Random(5), 0.0, 0.0, False, sents))
    # batch order is shuffled too: not shortest first
    firsts = [int(b[3].max()) for b in pooled]
    assert firsts != sorted(firsts)
    # and the same rng gives the same batches
    again = _batches(data, 64, random.Random(5), 0.0, 0.0, True, sents)
    assert all(torch.equal(a[5], b[5]) for a, b in zip(pooled, again, strict=True))


def test_two_threads_give_the_vectors_one_sentence_at_a_time_gives() -> None:
    directory = package_dir()
    if directory is None:
        pytest.skip("sentence encoder package not installed")
    enc = SentenceEncoder(directory, int8=True)
    if enc.backend != "onnxruntime":
        pytest.skip("no onnxruntime export (voiced model prepare)")
    sentences = [f"turn {w} the {room} lights" for w in ("on", "off", "up") for room in
                 ("kitchen", "hall", "garden", "bedroom", "office")] + [["what", "time", "is", "it"][:k] for k in
                                                                        range(1, 5)]
    tokens = [s.split() if isinstance(s, str) else s for s in sentences] * 2
    vecs = sentence_vectors(enc, tokens)
    alone = SentenceEncoder(directory, int8=True)
    for row, toks in zip(vecs, tokens, strict=True):
        assert torch.allclose(row, alone.encode([" ".join(toks)])[0], atol=1e-6)
