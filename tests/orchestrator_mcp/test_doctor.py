"""`orchestrator-mcp doctor` as a user runs it: with no keys, and with keys pointing at the sandboxes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import subprocess_env
from tests.orchestrator_mcp.conftest import Pipeline

BIN = Path(sys.executable).parent
BOTH_ENGINES = True  # the store line names the engine and its server version


def doctor(**env: str) -> subprocess.CompletedProcess[str]:
    """No OS keyring unless the caller picks a backend (the tests' default)."""
    return subprocess.run([str(BIN / "orchestrator-mcp"), "doctor"], capture_output=True, text=True, timeout=120,
                          env=subprocess_env(**env))


def test_doctor_without_keys_says_how_to_fix(db_engine: str) -> None:
    res = doctor()
    assert res.returncode == 1
    assert "FAIL  Instantly API key: not configured" in res.stdout
    assert "FAIL  Stripe secret or restricted key: not configured" in res.stdout
    # no keyring here, so the fix is the client config's env block, not `auth set`
    assert 'add "INSTANTLY_API_KEY": "..." to the "env" block' in res.stdout
    assert "auth set" not in res.stdout
    engine = "PostgreSQL " if db_engine == "postgresql" else "SQLite 3."
    assert f"OK    store: {engine}" in res.stdout and "schema 0007_rate_limits, writable" in res.stdout
    # retention: the policies, the oldest row in each table and the next purge
    assert ("OK    retention policies: raw event payloads (after processing): 30 days; audit entries: 365 days; "
            "dead letters: 90 days; contacts with no activity: kept") in res.stdout
    assert "OK    retention oldest rows: unified_contacts empty, events empty" in res.stdout
    assert "OK    retention next purge: at the receiver's next start" in res.stdout
    assert "Traceback" not in res.stderr


def test_doctor_reports_each_problem_once_with_the_install_s_real_command(tmp_path: Path) -> None:
    res = doctor(PYTHON_KEYRING_BACKEND="tests.support.file_keyring.FileKeyring",
                 FILE_KEYRING_PATH=str(tmp_path / "keyring.json"))
    assert res.returncode == 1
    fails = [line for line in res.stdout.splitlines() if line.startswith("FAIL")]
    # the missing key is one problem each: the API it would reach is not reported failing again
    assert fails == ["FAIL  Instantly API key: not configured", "FAIL  Stripe secret or restricted key: not configured"]
    assert "2 problem(s) found." in res.stdout
    assert f"fix: run `{BIN / 'instantly-mcp'} auth set api-key`" in res.stdout
    assert f"fix: run `{BIN / 'stripe-mcp'} auth set api-key`" in res.stdout
    assert f"`{BIN / 'orchestrator-mcp'} webhooks serve`" in res.stdout


def test_doctor_with_keys_reports_connectivity_and_mode_but_never_keys(pipeline: Pipeline) -> None:
    res = doctor(INSTANTLY_BASE_URL=pipeline.instantly.url, INSTANTLY_API_KEY=pipeline.instantly.api_key,
                 STRIPE_API_BASE=pipeline.stripe_url, STRIPE_API_KEY=pipeline.stripe_key,
                 STRIPE_WEBHOOK_SECRET="whsec_doctor_secret_1")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "OK    instantly API: reachable" in res.stdout
    assert "OK    stripe API: reachable" in res.stdout and "test mode" in res.stdout
    assert "configured (from the environment)" in res.stdout
    for secret in (pipeline.instantly.api_key, pipeline.stripe_key, "whsec_doctor_secret_1"):
        assert secret not in res.stdout + res.stderr
