"""Secrets per profile: the environment's suffixed names, keyring entries per profile, and `auth` with --profile
as a user runs it (status lists profiles, never a key)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shared import profiles
from shared.errors import MissingSecretError
from shared.secrets import STRIPE_API_KEY, STRIPE_WEBHOOK_SECRET, known_profiles, lookup, require, stripe_mode
from tests.shared.test_secrets import FILE_BACKEND, run_cli


def test_each_profile_reads_its_own_names_and_the_default_keeps_todays(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STRIPE_API_KEY", "sk_test_defaultKEY1")
    monkeypatch.setenv("STRIPE_API_KEY__ACME", "sk_live_acmeKEY22")
    monkeypatch.setenv("STRIPE_API_KEY__NORTH_WIND", "sk_test_northKEY3")
    assert require(STRIPE_API_KEY) == "sk_test_defaultKEY1"
    with profiles.use("acme"):
        assert require(STRIPE_API_KEY) == "sk_live_acmeKEY22" and stripe_mode() == "live"
    assert lookup(STRIPE_API_KEY, profile="north_wind").value == "sk_test_northKEY3"  # type: ignore[union-attr]
    assert stripe_mode() == "test"
    with profiles.use("acme"), pytest.raises(MissingSecretError) as err:
        require(STRIPE_WEBHOOK_SECRET)  # acme has no webhook secret; the default's would not do either
    assert "profile 'acme'" in str(err.value) and "STRIPE_WEBHOOK_SECRET__ACME" in str(err.value)
    assert "--profile acme" in str(err.value)
    assert known_profiles() == ["default", "acme", "north_wind"]


def test_auth_set_with_a_profile_and_status_lists_profiles_never_keys(tmp_path: Path) -> None:
    keys = tmp_path / "keys.json"
    env = {"PYTHON_KEYRING_BACKEND": FILE_BACKEND, "FILE_KEYRING_PATH": str(keys)}
    acme_key, beta_key, default_key = "sk_test_acmeCLI12345", "inst_beta_KEY_67890", "sk_test_defaultCLI99"
    done = run_cli("stripe_mcp", "auth", "set", "--profile", "acme", stdin=acme_key + "\n", **env)
    assert done.returncode == 0 and "profile acme" in done.stderr, done.stderr
    assert run_cli("stripe_mcp", "auth", "set", "account", "--profile", "acme", stdin="acct_1Acme\n",
                   **env).returncode == 0
    stored = json.loads(keys.read_text())
    assert stored["instantly-stripe-mcp:stripe\napi-key@acme"] == acme_key
    assert "instantly-stripe-mcp:stripe\napi-key" not in stored  # the default profile's entry is untouched

    status = run_cli("stripe_mcp", "auth", "status", INSTANTLY_API_KEY__BETA=beta_key, STRIPE_API_KEY=default_key,
                     **env)
    out = status.stdout + status.stderr
    assert "Profiles: default, acme, beta" in status.stdout
    assert "Profile acme:\n  Stripe secret or restricted key: configured, from the OS keyring" in status.stdout
    assert "configured (acct_1Acme)" in status.stdout  # an account id is not a secret
    assert "STRIPE_API_KEY__BETA" in status.stdout  # beta's Stripe key is missing: says which name to set
    for secret in (acme_key, beta_key, default_key):
        assert secret not in out
    only = run_cli("stripe_mcp", "auth", "status", "--profile", "acme", **env)
    assert only.returncode == 0 and "Profile acme:" in only.stdout and "default" not in only.stdout
    missing = run_cli("stripe_mcp", "auth", "status", "--profile", "beta", **env)
    assert missing.returncode == 1
    bad = run_cli("stripe_mcp", "auth", "status", "--profile", "Not A Name", **env)
    assert bad.returncode == 2 and "not a profile name" in bad.stderr
    gone = run_cli("stripe_mcp", "auth", "delete", "--profile", "acme", **env)
    assert gone.returncode == 0 and acme_key not in keys.read_text()
