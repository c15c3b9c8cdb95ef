"""Checkpoint round trip, and refusal of other format versions and damaged files."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
import torch

from voiced.errors import ModelError
from voiced.nlu import checkpoint
from voiced.nlu.model import JointNlu, NluConfig, NluEnsemble, build


def _tiny(tmp_path: Path, members: int = 1) -> tuple[Path, checkpoint.NluModel]:
    torch.manual_seed(0)
    vocab = checkpoint.Vocab(["<pad>", "<unk>", "turn", "on", "lamp"], ["<pad>", "<unk>", *"abcdefghijklmnopqrstuvwxyz"],
                             ["", "HassTurnOn"], ["O", "B-name", "I-name"])
    net = build(NluConfig(n_words=5, n_chars=28, n_intents=2, n_tags=3, word_dim=8, char_dim=4,
                          char_channels=6, hidden=8, members=members))
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


def test_an_ensemble_reads_as_the_mean_of_its_members(tmp_path: Path) -> None:
    path, original = _tiny(tmp_path, members=2)
    assert isinstance(original.net, NluEnsemble) and len(original.net.members) == 2
    w, c, g, n = original.tensors(["turn", "on", "the", "lamp"], [0, 0, 0, 1])
    with torch.inference_mode():
        intent, tags = original.net(w, c, g, n)
        each = [m(w, c, g, n) for m in original.net.members]
    assert torch.allclose(intent, (torch.log_softmax(each[0][0], -1) + torch.log_softmax(each[1][0], -1)) / 2)
    assert torch.allclose(tags, (torch.log_softmax(each[0][1], -1) + torch.log_softmax(each[1][1], -1)) / 2)
    assert not torch.allclose(each[0][0], each[1][0])  # two networks, not one twice
    loaded = checkpoint.load(path)
    assert isinstance(loaded.net, NluEnsemble) and loaded.net.cfg.members == 2
    toks, gaz = ["turn", "on", "the", "lamp"], [0, 0, 0, 1]
    a, b = original.predict(toks, gaz), loaded.predict(toks, gaz)
    assert a[0] == b[0] and a[2] == b[2] and abs(a[1] - b[1]) < 1e-6
    if importlib.util.find_spec("onnx") and importlib.util.find_spec("onnxruntime"):
        checkpoint.export_onnx(path)
        fast = checkpoint.load(path)
        assert fast.backend == "onnxruntime"
        for x, y in zip(fast.logits(toks, gaz), loaded.logits(toks, gaz), strict=True):
            assert torch.allclose(x, y, atol=1e-5)


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


def test_viterbi_is_the_best_valid_path_whether_or_not_the_argmax_is_valid() -> None:
    import itertools

    import numpy as np

    tags = ["O", "B-name", "I-name", "B-area", "I-area"]
    allow = checkpoint.allowed_transitions(tags)
    rng = np.random.default_rng(0)

    def valid(path: tuple[int, ...]) -> bool:
        return bool(allow[len(tags), path[0]]) and all(allow[a, b] for a, b in zip(path, path[1:], strict=False))

    greedy_valid = 0
    for _ in range(300):
        t = int(rng.integers(1, 5))
        lp = rng.normal(size=(t, len(tags))) * 3
        best = max((p for p in itertools.product(range(len(tags)), repeat=t) if valid(p)),
                   key=lambda p: sum(lp[i, k] for i, k in enumerate(p)))
        assert tuple(checkpoint.viterbi(lp, allow)) == best
        greedy_valid += valid(tuple(int(x) for x in lp.argmax(axis=1)))
    assert 30 < greedy_valid < 270  # both ways through viterbi were taken


def test_onnx_export_gives_the_same_readings_and_torch_is_the_fallback(tmp_path: Path) -> None:
    pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    path, _ = _tiny(tmp_path)
    assert checkpoint.load(path).backend == "torch"  # no export: torch
    checkpoint.export_onnx(path)
    fast, slow = checkpoint.load(path), checkpoint.load(path, onnx=False)
    assert fast.backend == "onnxruntime" and slow.backend == "torch"
    for toks, gaz in ((["turn", "on", "the", "lamp"], [0, 0, 0, 1]), (["lamp"], [1]),
                      (["turn", "xyz", "on", "the", "lamp", "now", "please"], [0, 0, 0, 0, 5, 0, 0])):
        for x, y in zip(fast.logits(toks, gaz), slow.logits(toks, gaz), strict=True):
            assert x.shape == y.shape and torch.allclose(x, y, atol=1e-5)
        a, b = fast.predict(toks, gaz), slow.predict(toks, gaz)
        assert a[0] == b[0] and a[2] == b[2] and abs(a[1] - b[1]) < 1e-5
    # new weights in the directory: the old export is not used
    net = JointNlu(slow.net.cfg)
    torch.save(net.state_dict(), path / "model.pt")
    assert checkpoint.load(path).backend == "torch"
    # a damaged export is not used either
    checkpoint.export_onnx(path)
    (path / checkpoint.ONNX_FILE).write_bytes(b"not onnx")
    assert checkpoint.load(path).backend == "torch"


def test_model_prepare_exports_the_nlu_network(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    import voiced.config
    from voiced.commands import model as model_cmd

    monkeypatch.setattr(voiced.config, "DEFAULT_MODELS", tmp_path)
    assert model_cmd._prepare_nlu() == 0  # no model there: nothing to export, not an error
    _tiny(tmp_path / "nlu")
    assert model_cmd._prepare_nlu() == 0
    assert "onnxruntime; agrees with torch" in capsys.readouterr().out
    assert checkpoint.load(tmp_path / "nlu").backend == "onnxruntime"
