"""``voiced parse`` and ``voiced eval`` as other programs drive them, with the shipped model."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

MODEL = REPO / "models" / "nlu"
pytestmark = pytest.mark.skipif(not (MODEL / "meta.json").exists(), reason="shipped NLU model missing")


def _voiced(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "voiced.cli", *args], input=stdin, capture_output=True,
                          text=True, timeout=120, cwd=REPO)


def test_parse_text_prints_one_json_object() -> None:
    text = "set the bedroom lamp to fifty percent"
    r = _voiced("parse", text)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["text"] == text and out["intent"] == "HassLightSet"
    assert out["slots"] == {"name": "Bedroom Lamp", "brightness": 50}
    assert out["targets"] == ["light.bedroom_lamp"]
    assert 0.5 <= out["confidence"] <= 1.0
    for span in out["spans"]:
        assert text[span["start"]:span["end"]] == span["text"]
    assert {s["slot"] for s in out["spans"]} == {"name", "brightness"}


def test_parse_area_option_fills_in_here() -> None:
    r = _voiced("parse", "--area", "kitchen", "turn on the lights in here")
    out = json.loads(r.stdout)
    assert out["intent"] == "HassTurnOn" and out["slots"]["area"] == "Kitchen"
    assert set(out["targets"]) == {"light.kitchen_spots", "light.kitchen_counter"}


def test_parse_stdin_lines_answer_one_by_one_flushed() -> None:
    proc = subprocess.Popen([sys.executable, "-m", "voiced.cli", "parse"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
    assert proc.stdin is not None and proc.stdout is not None
    try:
        # each answer must arrive before the next line is written (flushed, not buffered to EOF)
        proc.stdin.write("what time is it\n")
        proc.stdin.flush()
        first = json.loads(proc.stdout.readline())
        assert first["intent"] == "HassGetCurrentTime"
        proc.stdin.write(json.dumps({"text": "turn off the lights in here", "area": "office"}) + "\n")
        proc.stdin.flush()
        second = json.loads(proc.stdout.readline())
        assert second["intent"] == "HassTurnOff" and second["slots"]["area"] == "Office"
        assert second["targets"] == ["light.desk_lamp"]
        proc.stdin.write("{not json\n")
        proc.stdin.flush()
        assert "error" in json.loads(proc.stdout.readline())
        proc.stdin.write("tell me a joke\n")
        proc.stdin.flush()
        assert json.loads(proc.stdout.readline())["intent"] is None
        proc.stdin.close()
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_parse_unknown_name_is_reported_unresolved() -> None:
    # a device word says what it is: the command stands, its name reported unresolved
    out = json.loads(_voiced("parse", "switch on the lava lamp").stdout)
    assert out["intent"] == "HassTurnOn" and out["targets"] == [] and out["decision"] == "act"
    assert [u["text"] for u in out["unresolved"]] == ["lava lamp"] and out["slots"] == {"name": "lava lamp"}
    # nothing but an unknown name: no evidence of a device, no action, and the name still reported
    out = json.loads(_voiced("parse", "switch on the hot tub").stdout)
    assert out["intent"] is None and out["decision"] == "reject"
    assert [u["text"] for u in out["unresolved"]] == ["hot tub"]


def test_eval_prints_metrics(tmp_path: Path) -> None:
    f = tmp_path / "t.jsonl"
    rows = [
        {"text": "turn on the bedroom lamp", "intent": "HassTurnOn", "slots": {"name": "Bedroom Lamp"}},
        {"text": "what's the capital of peru", "intent": None, "slots": {}},
        {"text": "lights off", "intent": "HassTurnOff", "slots": {"area": "Office", "domain": "light"},
         "area": "office"},
    ]
    f.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    r = _voiced("eval", str(f))
    assert r.returncode == 0, r.stderr
    m = json.loads(r.stdout)
    assert set(m) == {"intent_accuracy", "slot_f1", "frame_exact_match", "false_action_rate", "n", "confirmed",
                      "fired"}
    assert m["n"] == 3 and m["intent_accuracy"] == 1.0 and m["false_action_rate"] == 0.0
    assert m["confirmed"] == 0.0
    # every parser unit is counted; the tagger reads each row, the satellite's room fills "lights off"
    assert m["fired"]["tagger"] == 3 and m["fired"]["satellite_area"] == 1
    assert "requirements" in m["fired"] and all(isinstance(v, int) for v in m["fired"].values())


def test_eval_bad_file_exits_2_naming_file_and_line(tmp_path: Path) -> None:
    f = tmp_path / "bad.jsonl"
    f.write_text('{"text": "hi", "intent": null, "slots": {}}\n{oops\n')
    r = _voiced("eval", str(f))
    assert r.returncode == 2 and f"{f}:2:" in r.stderr
    r = _voiced("eval", str(tmp_path / "missing.jsonl"))
    assert r.returncode == 2 and "missing.jsonl:1" in r.stderr


def test_missing_model_is_a_clear_error(tmp_path: Path) -> None:
    r = _voiced("parse", "--model", str(tmp_path), "hello")
    assert r.returncode == 1 and "no NLU model" in r.stderr
