"""The composition root (voiced/app.py): ``build`` makes the whole daemon from Settings and the
home — the shipped NLU and reply models, the service with its main loop — and ``App.run`` serves
until stopped, then closes every part."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from tests.conftest import EXAMPLE_HOME, Broker
from tests.integration.test_mqtt_client import Sub
from voiced.app import build
from voiced.config import load_settings_text
from voiced.home import load_home


def test_build_and_run_serve_a_text_command(broker: Broker, tmp_path: Path) -> None:
    settings = load_settings_text(f"site: app1\nstate_dir: {tmp_path}\nmqtt:\n  url: {broker.url}\n", env=False)
    app = build(settings, load_home(EXAMPLE_HOME), audio=False)
    assert app.voice is None and app.speaker is None and not app.local.running  # a broker was given
    sub = Sub(broker.port)
    codes: list[int] = []
    thread = threading.Thread(target=lambda: codes.append(app.run()), daemon=True)
    thread.start()
    try:
        sub.wait_for("voiced/app1/status", b"online", timeout=30)
        sub.publish("voiced/app1/text", json.dumps({"text": "turn on the bedroom lamp", "session_id": "a1"}))
        assert sub.wait_for("zigbee2mqtt/bedroom_lamp/set", timeout=30)[1] == b'{"state":"ON"}'
        reply = json.loads(sub.wait_for("voiced/app1/reply", timeout=30)[1])
        assert reply["session_id"] == "a1" and reply["text"]
    finally:
        app.service.stop()
        thread.join(20)
        sub.close()
    assert codes == [0]
    assert not app.service.client.connected  # run() closed the parts on its way out
