"""The deployment files of docs/deploy.md: the systemd unit passes systemd's own checker."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
UNIT = REPO / "deploy/equalcity-panel.service"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="needs systemd-analyze")
def test_the_systemd_unit_verifies(tmp_path: Path) -> None:
    equalcity = shutil.which("equalcity")
    assert equalcity, "the equalcity command is installed"
    # The unit names the documented install path; systemd checks that the program exists, so
    # it is checked with this machine's equalcity in its place, every other line unchanged.
    text = UNIT.read_text(encoding="utf-8")
    assert "ExecStart=/opt/equalcity/venv/bin/equalcity " in text
    unit = tmp_path / UNIT.name
    unit.write_text(text.replace("/opt/equalcity/venv/bin/equalcity", equalcity), "utf-8")
    done = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "equalcity-panel" not in done.stderr, done.stderr  # no warning about our unit


def test_the_unit_and_caddy_agree_on_the_port_and_the_proxy() -> None:
    unit = UNIT.read_text(encoding="utf-8")
    caddy = (REPO / "deploy/Caddyfile").read_text(encoding="utf-8")
    assert "--host 127.0.0.1 --port 8470" in unit and "reverse_proxy 127.0.0.1:8470" in caddy
    assert "--trusted-proxy 127.0.0.1" in unit
    assert "--state /var/lib/equalcity-panel" in unit and "StateDirectory=equalcity-panel" in unit
