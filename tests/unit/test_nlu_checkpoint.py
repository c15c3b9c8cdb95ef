"""Checkpoint round trip, and refusal of other format versions and damaged files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from voiced.errors import ModelError
from voiced.nlu import checkpoint
from voiced.nlu.model import JointNlu, NluConfig


def _tiny(tmp_path: Path) -> tuple[Path, checkpoint.NluModel]:
    torch.manual_seed(0)
    vocab = checkpoint.Vocab(["<pad>", "<unk>", "turn", "on", "lamp"], ["<pad>", "<unk>", *"abcdefghijklmnopqrstuvwxyz"],
                             ["", "HassTurnOn"], ["O", "B-name", "I-name"])
    net = JointNlu(NluConfig(n_words=5, n_chars=28, n_intents=2, n_tags=3, word_dim=8, char_dim=4,
                             char_channels=6, hidden=8))
    checkpoint.save(tmp_path, net, vocab, {"note": "test"})
    return tmp_path, checkpoint.NluModel(net, vocab, {})


def test_round_trip_gives_identical_predictions(tmp_path: Path) -> None:
    path, original = _tiny(tmp_path)
    loaded = checkpoint.load(path)
    toks, gaz = ["turn", "on", "the", "lamp"], [0, 0, 0, 1]
    a, b = original.predict(toks, gaz), loaded.predict(toks, gaz)
    assert a[0] == b[0] and a[2] == b[2] and abs(a[1] - b[1]) < 1e-6
    assert loaded.meta["note"] == "test" and loaded.vocab.tags == ["O", "B-name", "I-name"]
    assert json.loads((path / "meta.json").read_text())["format_version"] == checkpoint.FORMAT_VERSION


def test_other_format_version_is_refused(tmp_path: Path) -> None:
    path, _ = _tiny(tmp_path)
    meta = json.loads((path / "meta.json").read_text())
    meta["format_version"] = checkpoint.FORMAT_VERSION + 1
    (path / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="format version"):
        checkpoint.load(path)


def test_damaged_weights_are_refused(tmp_path: Path) -> None:
    path, _ = _tiny(tmp_path)
    (path / "model.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(ModelError, match="model.pt"):
        checkpoint.load(path)


def test_mismatched_config_is_refused(tmp_path: Path) -> None:
    path, _ = _tiny(tmp_path)
    meta = json.loads((path / "meta.json").read_text())
    meta["config"]["hidden"] = 16
    (path / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="mismatched"):
        checkpoint.load(path)


def test_missing_and_unreadable_metadata(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="no NLU model"):
        checkpoint.load(tmp_path / "nowhere")
    path, _ = _tiny(tmp_path)
    (path / "meta.json").write_text("{broken")
    with pytest.raises(ModelError, match="unreadable"):
        checkpoint.load(path)


def test_viterbi_never_starts_a_span_with_inside() -> None:
    import numpy as np

    tags = ["O", "B-name", "I-name"]
    allow = checkpoint.allowed_transitions(tags)
    # the raw argmax would be I-name, O, I-name: invalid BIO
    lp = np.log(np.array([[0.1, 0.2, 0.7], [0.8, 0.1, 0.1], [0.1, 0.3, 0.6]]))
    path = [tags[i] for i in checkpoint.viterbi(lp, allow)]
    assert path[0] != "I-name" and not (path[1] == "O" and path[2] == "I-name")
