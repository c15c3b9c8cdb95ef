"""Train a small NLU from scratch on the example home, then parse with it through the real Parser."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from tests.conftest import EXAMPLE_HOME
from voiced.home import load_home
from voiced.nlu import checkpoint
from voiced.nlu.encoder import SentenceEncoder
from voiced.nlu.model import NluEnsemble
from voiced.nlu.parser import Parser
from voiced.nlu.train import RECIPE, train


@pytest.mark.slow
def test_train_small_model_and_parse(tmp_path: Path) -> None:
    home = load_home(EXAMPLE_HOME)
    figures = train(home, tmp_path / "nlu", epochs=8, seed=3, progress=False, sentences=5000)
    assert (tmp_path / "nlu" / "model.pt").stat().st_size < 5_000_000
    assert figures["n"] > 0 and figures["intent_accuracy"] > 0.85, figures
    parser = Parser.load(tmp_path / "nlu", home)
    p = parser.parse("turn off the bedroom lamp")
    assert p.intent == "HassTurnOff" and p.slots.get("name") == "Bedroom Lamp"
    assert p.targets == ("light.bedroom_lamp",)
    p = parser.parse("set a timer for five minutes")
    assert p.intent == "HassStartTimer" and p.slots.get("minutes") == 5
    p = parser.parse("what time is it")
    assert p.intent == "HassGetCurrentTime" and p.targets == ()
    assert "bedroom" in parser.known_words()
    # the recipe's members, trained side by side (forked processes), are different networks
    net = parser.model.net
    assert isinstance(net, NluEnsemble) and net.cfg.members == RECIPE["members"] == 2
    a, b = (dict(m.named_parameters())["intent_head.2.weight"] for m in net.members)
    assert not torch.allclose(a, b)
    # with the int8 export there (voiced model prepare, in .ci/setup) the model learns on its vectors,
    # says so, and is read with them
    probe = SentenceEncoder.from_package(int8=True)
    if probe is not None and probe.int8:
        assert parser.model.net.cfg.sent_int8 and parser.model.encoder is not None and parser.model.encoder.int8
    # training wrote the onnxruntime export; without it (or with onnx=False) torch reads the same
    if (tmp_path / "nlu" / "model.onnx").exists():
        assert parser.model.backend == "onnxruntime"
        slow = Parser(checkpoint.load(tmp_path / "nlu", onnx=False), home)
        assert slow.model.backend == "torch"
        for text in ("turn off the bedroom lamp", "set a timer for five minutes", "will it rain tomorrow"):
            a, b = parser.parse(text), slow.parse(text)
            assert (a.intent, a.slots, a.targets) == (b.intent, b.slots, b.targets)
            assert abs(a.confidence - b.confidence) < 1e-4
