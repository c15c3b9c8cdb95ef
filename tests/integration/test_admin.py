"""check-config, doctor and the broker probe against real Mosquitto brokers (with and without auth)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Broker, free_port, start_broker
from voiced.config import BrokerSettings, load_settings_text
from voiced.mqtt.probe import probe

VOICED = Path(sys.executable).parent / "voiced"


def voiced(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    full_env = {k: v for k, v in os.environ.items() if not k.startswith("VOICED_")}
    full_env.update(env or {})
    return subprocess.run([str(VOICED), *args], capture_output=True, text=True, timeout=300, env=full_env)


@pytest.fixture(scope="module")
def auth_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    """A broker that wants user alice with password s3cret-pw."""
    tmp = tmp_path_factory.mktemp("auth")
    # mosquitto started as root drops to the "mosquitto" user, which cannot enter pytest's 0700 tmp
    public = Path(tempfile.mkdtemp(prefix="voiced-auth-"))
    public.chmod(0o755)
    pw = public / "passwd"
    pw.touch()
    subprocess.run(["mosquitto_passwd", "-b", str(pw), "alice", "s3cret-pw"], check=True, capture_output=True)
    pw.chmod(0o644)
    try:
        b = start_broker(tmp, f"allow_anonymous false\npassword_file {pw}\n")
        try:
            yield b
        finally:
            b.stop()
    finally:
        shutil.rmtree(public, ignore_errors=True)


def test_probe_connects_anonymously(broker: Broker) -> None:
    r = probe(BrokerSettings(url=broker.url))
    assert r.ok and r.reason == "connected"


def test_probe_with_credentials(auth_broker: Broker, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VOICED_MQTT_PASSWORD", raising=False)
    assert probe(BrokerSettings(url=auth_broker.url)).reason == "not authorized"
    monkeypatch.setenv("VOICED_MQTT_PASSWORD", "wrong")
    bad = probe(BrokerSettings(url=auth_broker.url, username="alice"))
    assert not bad.ok and bad.reason in ("not authorized", "bad username or password")
    assert "mqtt.username" in bad.detail and "wrong" not in bad.detail
    monkeypatch.setenv("VOICED_MQTT_PASSWORD", "s3cret-pw")
    good = probe(BrokerSettings(url=auth_broker.url, username="alice"))
    assert good.ok, good.detail
    assert "alice" in good.detail


def test_probe_refused_and_timeout() -> None:
    r = probe(BrokerSettings(url=f"mqtt://127.0.0.1:{free_port()}"))
    assert not r.ok and r.reason == "refused" and "nothing listens" in r.detail
    with socket.socket() as mute:  # accepts TCP (backlog) but never speaks MQTT
        mute.bind(("127.0.0.1", 0))
        mute.listen(1)
        port = mute.getsockname()[1]
        r = probe(BrokerSettings(url=f"mqtt://127.0.0.1:{port}"), timeout=1.0)
    assert not r.ok and r.reason == "timeout"


def test_probe_reports_a_missing_password_variable(broker: Broker) -> None:
    r = probe(BrokerSettings(url=broker.url, username="x", password_env="VOICED_TEST_UNSET_PW"))
    assert not r.ok and "VOICED_TEST_UNSET_PW is not set" in r.detail


def test_check_config_ok_and_errors(tmp_path: Path, example_home_path: Path) -> None:
    cfg = tmp_path / "voiced.yaml"
    cfg.write_text(f"site: hall\ndevices: {example_home_path}\nmqtt:\n  url: mqtt://10.1.2.3:1883\n  username: bob\n")
    res = voiced("check-config", "--config", str(cfg), env={"VOICED_MQTT_PASSWORD": "top-secret-value"})
    assert res.returncode == 0, res.stderr
    assert "site:      hall" in res.stdout and "ok: configuration is valid" in res.stdout
    assert "password from $VOICED_MQTT_PASSWORD" in res.stdout
    assert "top-secret-value" not in res.stdout + res.stderr

    cfg.write_text(f"site: hall\ndevices: {example_home_path}\ntts:\n  rate: 5\n")
    res = voiced("check-config", "--config", str(cfg))
    assert res.returncode == 2
    assert f"{cfg}:4: tts.rate: expected words per minute" in res.stderr

    cfg.write_text("site: hall\n")
    bad_home = tmp_path / "home.yaml"
    bad_home.write_text("entities:\n  - id: light.x\n    name: X\n    area: nowhere\n")
    res = voiced("check-config", "--config", str(cfg), "--devices", str(bad_home))
    assert res.returncode == 2
    assert f"{bad_home}:4: entities[0].area: unknown area 'nowhere'" in res.stderr


def test_doctor_all_ok(tmp_path: Path, broker: Broker, example_home_path: Path) -> None:
    """With the shipped models (models/nlu, models/reply) and no audio, everything is OK."""
    cfg = tmp_path / "voiced.yaml"
    cfg.write_text(f"""devices: {example_home_path}
mqtt: {{url: "{broker.url}"}}
audio: {{enabled: false}}
asr: {{engine: pocketsphinx}}
tts: {{voice: en-us}}
""")
    load_settings_text(cfg.read_text(), str(cfg))  # the test's own config is valid
    res = voiced("doctor", "--config", str(cfg))
    assert res.returncode == 0, res.stdout + res.stderr
    lines = res.stdout.splitlines()
    for name in ("config", "audio", "nlu model", "encoder", "reply model", "asr", "broker", "tts"):
        assert any(line.startswith("OK") and f" {name} " in line for line in lines), (name, res.stdout)
    assert lines[-1] == "all checks passed"
    # templates only: the reply model is not needed, so not checked
    cfg.write_text(cfg.read_text() + "reply: {use_model: false}\n")
    res = voiced("doctor", "--config", str(cfg))
    assert res.returncode == 0 and " reply model " not in res.stdout, res.stdout


def test_doctor_reports_each_problem_with_a_fix(tmp_path: Path, auth_broker: Broker, example_home_path: Path) -> None:
    bad = tmp_path / "nlu"
    bad.mkdir()
    (bad / "model.pt").write_bytes(b"not a checkpoint")
    cfg = tmp_path / "voiced.yaml"
    cfg.write_text(f"""devices: {example_home_path}
mqtt: {{url: "{auth_broker.url}", username: alice}}
audio: {{input_device: no-such-microphone}}
asr: {{engine: vosk, vosk_model: {tmp_path / 'no-vosk-model'}}}
nlu: {{model_dir: {bad}}}
reply: {{model_dir: {tmp_path / 'no-reply'}}}
tts: {{voice: klingon-xx}}
""")
    res = voiced("doctor", "--config", str(cfg), env={"VOICED_MQTT_PASSWORD": "wrong-pw"})
    assert res.returncode == 1, res.stdout + res.stderr
    out = res.stdout
    fails = {line.split()[1]: line for line in out.splitlines() if line.startswith("FAIL")}
    assert set(fails) >= {"audio", "nlu", "reply", "asr", "broker", "tts"}, out
    assert "audio.enabled: false" in fails["audio"] or "audio.input_device" in fails["audio"]
    assert "does not load" in fails["nlu"] and "voiced train --only nlu" in fails["nlu"]
    assert "no model directory" in fails["reply"]
    assert "voiced model install" in fails["asr"]
    assert "mqtt.username" in fails["broker"]
    assert "tts.voice" in fails["tts"]
    assert "wrong-pw" not in out
    assert out.splitlines()[-1].endswith("problems found")


def test_doctor_survives_a_broken_config(tmp_path: Path) -> None:
    cfg = tmp_path / "voiced.yaml"
    cfg.write_text("wake:\n  sensitivity: 9\naudio: {enabled: false}\n")
    res = voiced("doctor", "--config", str(cfg))
    assert res.returncode == 1
    first = res.stdout.splitlines()[0]
    assert first.startswith("FAIL") and f"{cfg}:2: wake.sensitivity" in first
    assert any(line.split()[1] == "tts" for line in res.stdout.splitlines()[1:])  # the other checks still ran
