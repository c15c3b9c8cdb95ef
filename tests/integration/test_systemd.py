"""The systemd unit, sysusers and tmpfiles files: verified by systemd's own tools, and installed."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from voiced.config import Settings, load_settings

REPO = Path(__file__).resolve().parents[2]
SYSTEMD = REPO / "systemd"
VOICED = Path(sys.executable).parent / "voiced"


def tool(name: str) -> str:
    path = shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else None)
    if path is None:
        pytest.fail(f"{name} is not installed: run .ci/setup (it installs the systemd package)")
    return path


def directives(text: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith(("#", ";", "[")):
            key, _, value = line.partition("=")
            out.setdefault(key.strip(), []).append(value.strip())
    return out


def unit_with_real_exec(tmp_path: Path, text: str | None = None) -> Path:
    """The unit with ExecStart pointing at this venv's voiced (verify wants an existing binary)."""
    assert VOICED.exists(), f"{VOICED} missing: pip install -e . first"
    text = text if text is not None else (SYSTEMD / "voiced.service").read_text()
    unit = tmp_path / "voiced.service"
    unit.write_text(re.sub(r"^ExecStart=\S+", f"ExecStart={VOICED}", text, flags=re.M))
    return unit


def test_systemd_analyze_verify_is_clean(tmp_path: Path) -> None:
    unit = unit_with_real_exec(tmp_path)
    res = subprocess.run([tool("systemd-analyze"), "verify", str(unit)], capture_output=True, text=True, timeout=60)
    # verify exits 0 even for unknown keys or bad values: it only warns, so any output is a failure
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "" and res.stderr.strip() == "", res.stdout + res.stderr


def test_verify_would_catch_a_mistake(tmp_path: Path) -> None:
    """The check above can fail: a misspelt directive produces a warning."""
    text = (SYSTEMD / "voiced.service").read_text().replace("ProtectHome=true", "ProtectHome=ture")
    unit = unit_with_real_exec(tmp_path, text)
    res = subprocess.run([tool("systemd-analyze"), "verify", str(unit)], capture_output=True, text=True, timeout=60)
    assert "ture" in res.stderr


def test_unit_has_the_required_settings() -> None:
    d = directives((SYSTEMD / "voiced.service").read_text())
    expected = {
        "Type": "notify", "NotifyAccess": "main", "WatchdogSec": "30", "Restart": "on-failure",
        "User": "voiced", "SupplementaryGroups": "audio", "StateDirectory": "voiced",
        "ConfigurationDirectory": "voiced", "ProtectSystem": "strict", "ProtectHome": "true",
        "PrivateTmp": "true", "NoNewPrivileges": "true", "CapabilityBoundingSet": "",
        "RestrictAddressFamilies": "AF_UNIX AF_INET AF_INET6 AF_NETLINK",
        "ExecStart": "/opt/voiced/venv/bin/voiced run --config /etc/voiced/voiced.yaml",
        "ExecReload": "/bin/kill -HUP $MAINPID",
    }
    for key, value in expected.items():
        assert d.get(key) == [value], (key, d.get(key))
    assert "@system-service" in d["SystemCallFilter"]
    assert int(d["TimeoutStopSec"][0]) >= 5  # the daemon promises to exit within 5 s of SIGTERM
    for breaks_audio in ("PrivateDevices", "MemoryDenyWriteExecute", "PrivateUsers"):
        assert breaks_audio not in d


def test_security_exposure_is_low(tmp_path: Path) -> None:
    unit = unit_with_real_exec(tmp_path)
    res = subprocess.run([tool("systemd-analyze"), "security", "--offline=true", str(unit)],
                         capture_output=True, text=True, timeout=60)
    m = re.search(r"Overall exposure level for voiced.service: ([\d.]+)", res.stdout + res.stderr)
    assert m, res.stdout + res.stderr
    assert float(m.group(1)) <= 3.0, res.stdout


def test_sysusers_creates_the_user_in_the_audio_group(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    res = subprocess.run([tool("systemd-sysusers"), f"--root={root}", str(SYSTEMD / "voiced.sysusers")],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    passwd = {line.split(":")[0]: line.split(":") for line in (root / "etc/passwd").read_text().splitlines()}
    groups = {line.split(":")[0]: line.split(":") for line in (root / "etc/group").read_text().splitlines()}
    assert passwd["voiced"][5] == "/var/lib/voiced"
    assert passwd["voiced"][6].endswith("nologin")
    assert int(passwd["voiced"][2]) < 1000  # a system user
    assert "voiced" in groups["audio"][3].split(",")

    if os.geteuid() != 0:
        pytest.skip("systemd-tmpfiles --create chowns to voiced: needs root")
    res = subprocess.run([tool("systemd-tmpfiles"), f"--root={root}", "--create", str(SYSTEMD / "voiced.tmpfiles")],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    state = root / "var/lib/voiced"
    assert state.is_dir() and (state / "models").is_dir()
    assert state.stat().st_uid == int(passwd["voiced"][2])
    assert oct(state.stat().st_mode & 0o777) == "0o750"


def install(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(VOICED), "install", *args], capture_output=True, text=True, timeout=120)


def test_install_into_a_staging_root(tmp_path: Path) -> None:
    root = tmp_path / "stage"
    res = install("--prefix", str(root), "--dry-run")
    assert res.returncode == 0, res.stderr
    assert "would install the unit" in res.stdout
    assert not root.exists()  # a dry run touches nothing

    res = install("--prefix", str(root))
    assert res.returncode == 0, res.stderr
    unit = root / "etc/systemd/system/voiced.service"
    assert unit.read_text() == (SYSTEMD / "voiced.service").read_text()
    assert (root / "etc/sysusers.d/voiced.conf").read_text() == (SYSTEMD / "voiced.sysusers").read_text()
    assert (root / "etc/tmpfiles.d/voiced.conf").read_text() == (SYSTEMD / "voiced.tmpfiles").read_text()
    assert (root / "etc/voiced/voiced.yaml").read_text() == (SYSTEMD / "voiced.yaml").read_text()
    assert (root / "etc/voiced/devices.yaml").read_text() == (REPO / "devices/home.yaml").read_text()
    env = root / "etc/voiced/environment"
    assert env.stat().st_mode & 0o777 == 0o600
    app = root / "opt/voiced"
    assert (app / "voiced/cli.py").is_file() and (app / "pyproject.toml").is_file()
    assert not list(app.rglob("__pycache__"))
    assert "skip the virtual environment in a staging root" in res.stdout
    assert "skip systemd-sysusers" in res.stdout

    # the installed config loads, and names the installed devices file
    settings = load_settings(root / "etc/voiced/voiced.yaml", env=False)
    assert settings.devices == str(root / "etc/voiced/devices.yaml")
    assert settings.site == Settings().site
    check = subprocess.run([str(VOICED), "check-config", "--config", str(root / "etc/voiced/voiced.yaml")],
                           capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stderr

    # a second install keeps what the administrator edited
    (root / "etc/voiced/voiced.yaml").write_text("site: attic\n")
    env.write_text("VOICED_MQTT_PASSWORD=x\n")
    res = install("--prefix", str(root))
    assert res.returncode == 0, res.stderr
    assert (root / "etc/voiced/voiced.yaml").read_text() == "site: attic\n"
    assert env.read_text() == "VOICED_MQTT_PASSWORD=x\n"
    assert "keep the existing" in res.stdout


def test_install_into_the_live_root_needs_root_or_dry_run() -> None:
    res = install("--dry-run")
    assert res.returncode == 0, res.stderr
    assert "would create the virtual environment /opt/voiced/venv" in res.stdout
    assert "would install the unit → /etc/systemd/system/voiced.service" in res.stdout
    if os.geteuid() != 0:
        res = install()
        assert res.returncode == 1 and "needs root" in res.stderr


def test_install_with_an_existing_environment_gives_a_verifiable_unit(tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """``--venv``: no tree copy, no venv build; the installed unit runs that environment's voiced."""
    import argparse

    from voiced.commands.admin import cmd_install

    root = tmp_path / "stage"
    venv = VOICED.parent.parent
    assert cmd_install(argparse.Namespace(prefix=str(root), dry_run=False, venv=str(venv))) == 0
    assert not (root / "opt").exists()
    unit = root / "etc/systemd/system/voiced.service"
    assert f"ExecStart={VOICED} run --config /etc/voiced/voiced.yaml" in unit.read_text()
    res = subprocess.run([tool("systemd-analyze"), "verify", str(unit)], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0 and res.stderr.strip() == "", res.stderr
    assert "install the unit" in capsys.readouterr().out
