"""Training a tiny reply model from scratch, checkpoint round trip and refusal, generate/fallback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from voiced.errors import ModelError
from voiced.events import ReplyFrame
from voiced.reply import checkpoint
from voiced.reply.cases import check
from voiced.reply.frames import view
from voiced.reply.generate import ReplyGenerator
from voiced.reply.model import ReplyModelConfig, ReplySeq2Seq
from voiced.reply.train import train

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, float]]:
    out = tmp_path_factory.mktemp("reply")
    metrics = train(None, out, epochs=3, seed=1, progress=False, examples=1500)
    return out, metrics


def test_training_from_scratch_learns(tiny: tuple[Path, dict[str, float]]) -> None:
    out, metrics = tiny
    assert (out / "model.pt").is_file() and (out / "meta.json").is_file()
    # untrained, the loss is about ln(vocabulary size) ≈ 6; three short epochs get far below
    assert metrics["loss"] < 2.5
    assert 0.0 <= metrics["check_pass"] <= 1.0 and metrics["examples"] == 1500
    meta = json.loads((out / "meta.json").read_text())
    assert meta["format_version"] == checkpoint.FORMAT_VERSION
    assert meta["recipe"]["epochs"] == 3 and meta["recipe"]["seed"] == 1


def test_checkpoint_round_trip(tiny: tuple[Path, dict[str, float]], tmp_path: Path) -> None:
    model, vocab, meta = checkpoint.load(tiny[0])
    checkpoint.save(tmp_path, model, vocab, {"recipe": meta["recipe"], "home_names": []})
    again, vocab2, _ = checkpoint.load(tmp_path)
    assert vocab2 == vocab
    for (k, a), (k2, b) in zip(model.state_dict().items(), again.state_dict().items(), strict=True):
        assert k == k2 and torch.equal(a, b)
    src = torch.tensor([[vocab.index("S:done"), vocab.index("<names>")]])
    assert model.greedy(src, torch.tensor([2])) == again.greedy(src, torch.tensor([2]))


def test_checkpoint_refusals(tiny: tuple[Path, dict[str, float]], tmp_path: Path) -> None:
    model, vocab, meta = checkpoint.load(tiny[0])
    checkpoint.save(tmp_path, model, vocab, {})
    meta_path = tmp_path / "meta.json"
    data = json.loads(meta_path.read_text())

    data["format_version"] = 99
    meta_path.write_text(json.dumps(data))
    with pytest.raises(ModelError, match="format version 99"):
        checkpoint.load(tmp_path)

    data["format_version"] = checkpoint.FORMAT_VERSION
    data["vocab"] = data["vocab"][:-1]
    meta_path.write_text(json.dumps(data))
    with pytest.raises(ModelError, match="vocab_size"):
        checkpoint.load(tmp_path)

    meta_path.write_text("{not json")
    with pytest.raises(ModelError, match="unreadable"):
        checkpoint.load(tmp_path)

    checkpoint.save(tmp_path, model, vocab, {})
    (tmp_path / "model.pt").write_bytes(b"garbage" * 10)
    with pytest.raises(ModelError, match="corrupt"):
        checkpoint.load(tmp_path)

    with pytest.raises(ModelError, match="no reply model"):
        checkpoint.load(tmp_path / "nowhere")


def test_generate_checks_and_falls_back(tiny: tuple[Path, dict[str, float]]) -> None:
    gen = ReplyGenerator.load(tiny[0])
    frames = [
        ReplyFrame("HassTurnOn", "done", {"area": "Kitchen", "domain": "light"},
                   {"names": ["Kitchen Spots", "Counter Light", "Hall Light"], "action": "on"}),
        ReplyFrame("HassGetState", "answer", {}, {"entity": "Front Door", "state": "locked"}),
        ReplyFrame("HassTurnOn", "not_found", {}, {"unknown": ["lava lamp"]}),
        ReplyFrame(None, "not_understood"),
    ]
    for frame in frames * 3:
        reply = gen.generate(frame)
        fv = view(frame)
        assert check(reply.text, fv, gen.book.select(fv)) == [], reply
    assert gen.generated + gen.fallback == 12

    # a model with random weights fails the check: every reply is the deterministic template
    _, vocab, _ = checkpoint.load(tiny[0])
    torch.manual_seed(0)
    raw = ReplySeq2Seq(ReplyModelConfig(len(vocab)), checkpoint.copy_ids(vocab)).eval()
    bad = ReplyGenerator(gen.book, raw, vocab)
    reply = bad.generate(frames[2], session_id="s1")
    assert reply.fallback and reply.text == "I don't know a device called lava lamp."
    assert reply.session_id == "s1" and bad.counters == {"generated": 0, "fallback": 1, "templated": 0}


def test_questions_keep_the_session_open() -> None:
    gen = ReplyGenerator.load(None, use_model=False)
    ask = gen.generate(ReplyFrame("HassTurnOn", "ambiguous", {},
                                  {"question": "which", "names": ["Bedroom Lamp", "Desk Lamp", "Hall Lamp"]}))
    assert ask.text == "Which one: the Bedroom Lamp, the Desk Lamp or the Hall Lamp?"
    assert ask.end_session is False
    assert gen.generate(ReplyFrame("HassNevermind", "done")).end_session is True


def test_template_only_generator_does_not_import_torch() -> None:
    code = ("import sys\nfrom voiced.reply.generate import ReplyGenerator\nfrom voiced.events import ReplyFrame\n"
            "g = ReplyGenerator.load(None, use_model=False)\n"
            "print(g.generate(ReplyFrame('HassGetCurrentTime', 'answer', {}, {'time': '14:05'})).text)\n"
            "print('torch' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[:2] == ["It's 14:05.", "False"]
