"""`orchestrator-mcp install` against temporary config files: merge, backup, idempotency, dry run, no keys."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import subprocess_env

BIN = Path(sys.executable).parent


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "orchestrator-mcp"), "install", *args], capture_output=True, text=True,
                          timeout=60, env=subprocess_env(**(env or {})))


def test_merge_backup_and_idempotency(tmp_path: Path) -> None:
    config = tmp_path / "claude_desktop_config.json"
    config.write_text(json.dumps({"mcpServers": {"other": {"command": "/usr/bin/other", "args": ["x"]},
                                                 "stripe": {"command": "old", "env": {"HTTPS_PROXY": "p"}}},
                                  "theme": "dark"}), encoding="utf-8")
    res = run("claude-desktop", "--config", str(config), env={"STRIPE_API_KEY": "sk_test_shouldnotappear1"})
    assert res.returncode == 0, res.stderr
    data = json.loads(config.read_text(encoding="utf-8"))
    assert data["theme"] == "dark" and data["mcpServers"]["other"]["command"] == "/usr/bin/other"
    for name, script in (("instantly", "instantly-mcp"), ("stripe", "stripe-mcp"), ("orchestrator", "orchestrator-mcp")):
        entry = data["mcpServers"][name]
        assert Path(entry["command"]).is_absolute() and entry["command"].endswith(script)
        assert Path(entry["command"]).exists()
    assert data["mcpServers"]["stripe"]["env"] == {"HTTPS_PROXY": "p"}  # the user's own env survives
    assert "sk_test_shouldnotappear1" not in config.read_text(encoding="utf-8")
    backups = list(tmp_path.glob("claude_desktop_config.json.bak-*"))
    assert len(backups) == 1 and json.loads(backups[0].read_text())["mcpServers"]["stripe"]["command"] == "old"

    before = config.read_text(encoding="utf-8")
    again = run("claude-desktop", "--config", str(config))
    assert again.returncode == 0 and "nothing changed" in again.stderr
    assert config.read_text(encoding="utf-8") == before
    assert len(list(tmp_path.glob("*.bak-*"))) == 1


def test_dry_run_prints_and_writes_nothing(tmp_path: Path) -> None:
    config = tmp_path / "mcp.json"
    res = run("cursor", "--config", str(config), "--sandbox", "--dry-run")
    assert res.returncode == 0 and not config.exists()
    printed = json.loads(res.stdout)
    assert printed["mcpServers"]["instantly"]["args"] == ["--sandbox"]


def test_new_file_is_created(tmp_path: Path) -> None:
    config = tmp_path / "sub" / "mcp.json"
    assert run("cursor", "--config", str(config)).returncode == 0
    assert set(json.loads(config.read_text())["mcpServers"]) == {"instantly", "stripe", "orchestrator"}


def test_running_again_keeps_what_the_user_set_and_says_what_it_changes(tmp_path: Path) -> None:
    config = tmp_path / "claude_desktop_config.json"
    assert run("claude-desktop", "--config", str(config), "--sandbox").returncode == 0
    data = json.loads(config.read_text(encoding="utf-8"))
    # the user edits the entries by hand: a read-only instantly, a toolset choice and a proxy for stripe
    data["mcpServers"]["instantly"]["args"].append("--read-only")
    data["mcpServers"]["stripe"]["args"] += ["--toolsets", "customers,payments"]
    data["mcpServers"]["stripe"]["env"] = {"HTTPS_PROXY": "http://proxy:3128"}
    data["mcpServers"]["stripe"]["command"] = "/old/venv/bin/stripe-mcp"
    config.write_text(json.dumps(data), encoding="utf-8")

    dry = run("claude-desktop", "--config", str(config), "--sandbox", "--dry-run")
    assert dry.returncode == 0
    assert f"would write {config}" in dry.stderr and "nothing written" in dry.stderr
    assert f"stripe: command /old/venv/bin/stripe-mcp -> {BIN / 'stripe-mcp'}" in dry.stderr
    assert "kept your args: --read-only" in dry.stderr
    printed = json.loads(dry.stdout)
    assert printed["mcpServers"]["instantly"]["args"] == ["--sandbox", "--read-only"]

    res = run("claude-desktop", "--config", str(config), "--sandbox")
    assert res.returncode == 0, res.stderr
    assert f"Wrote {config}" in res.stderr and "kept your env: HTTPS_PROXY" in res.stderr
    after = json.loads(config.read_text(encoding="utf-8"))["mcpServers"]
    assert after["instantly"]["args"] == ["--sandbox", "--read-only"]
    assert after["stripe"]["args"] == ["--sandbox", "--toolsets", "customers,payments"]
    assert after["stripe"]["env"] == {"HTTPS_PROXY": "http://proxy:3128"}
    assert after["stripe"]["command"] == str(BIN / "stripe-mcp")

    # leaving --sandbox out switches to real keys, keeps the user's own args, and says so
    real = run("claude-desktop", "--config", str(config))
    assert "args removed: --sandbox" in real.stderr and "kept your args: --read-only" in real.stderr
    assert json.loads(config.read_text(encoding="utf-8"))["mcpServers"]["instantly"]["args"] == ["--read-only"]
