"""Settings resolution (argument, environment, keyring) and the `auth` CLI, as a user runs it."""

from __future__ import annotations

import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.errors import MissingSecretError
from shared.secrets import INSTANTLY_API_KEY, STRIPE_API_KEY, keyring_available, lookup, require
from tests.conftest import subprocess_env

FILE_BACKEND = "tests.support.file_keyring.FileKeyring"


def test_missing_key_says_exactly_how_to_set_it() -> None:
    with pytest.raises(MissingSecretError) as exc:
        require(STRIPE_API_KEY)
    text = str(exc.value)
    assert "stripe-mcp auth set api-key" in text and "STRIPE_API_KEY" in text


def test_no_keyring_backend_means_environment_only_without_warnings(monkeypatch: pytest.MonkeyPatch) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not keyring_available()
        assert lookup(INSTANTLY_API_KEY) is None
        monkeypatch.setenv("INSTANTLY_API_KEY", "inst-env-key-123")
        found = lookup(INSTANTLY_API_KEY)
    assert found is not None and (found.value, found.source) == ("inst-env-key-123", "environment")


@pytest.fixture
def file_keyring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    import keyring
    from keyring.backends import fail

    from tests.support.file_keyring import FileKeyring

    monkeypatch.setenv("FILE_KEYRING_PATH", str(tmp_path / "keys.json"))
    keyring.set_keyring(FileKeyring())
    yield
    keyring.set_keyring(fail.Keyring())


def test_resolution_order_argument_env_keyring(file_keyring: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from shared.secrets import keyring_set

    keyring_set(STRIPE_API_KEY, "sk_test_fromkeyring1")
    assert lookup(STRIPE_API_KEY).source == "keyring"
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_fromsecretenv")
    assert (lookup(STRIPE_API_KEY).value, lookup(STRIPE_API_KEY).source) == ("sk_test_fromsecretenv", "environment")
    monkeypatch.setenv("STRIPE_API_KEY", "sk_test_fromapienv")
    assert lookup(STRIPE_API_KEY).value == "sk_test_fromapienv"
    assert lookup(STRIPE_API_KEY, "sk_test_explicit1").source == "argument"


def run_cli(script: str, *args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", script, *args], input=stdin, capture_output=True, text=True,
        env=subprocess_env(**env), timeout=60,
    )


def test_auth_set_status_delete_through_the_cli(tmp_path: Path) -> None:
    env = {"PYTHON_KEYRING_BACKEND": FILE_BACKEND, "FILE_KEYRING_PATH": str(tmp_path / "keys.json")}
    secret = "sk_test_cliSECRET12345"
    status = run_cli("stripe_mcp", "auth", "status", **env)
    assert status.returncode == 1 and "not configured" in status.stdout

    done = run_cli("stripe_mcp", "auth", "set", stdin=secret + "\n", **env)
    assert done.returncode == 0, done.stderr
    assert secret in (tmp_path / "keys.json").read_text()

    status = run_cli("stripe_mcp", "auth", "status", **env)
    assert status.returncode == 0
    assert "configured, from the OS keyring" in status.stdout
    for out in (done, status):
        assert secret not in out.stdout + out.stderr

    gone = run_cli("stripe_mcp", "auth", "delete", **env)
    assert gone.returncode == 0 and "Removed" in gone.stderr
    assert secret not in (tmp_path / "keys.json").read_text()


def test_auth_set_never_takes_the_key_from_argv() -> None:
    bad = run_cli("instantly_mcp", "auth", "set", "inst-key-in-argv")
    assert bad.returncode != 0  # not a known key name: argv is never the value


def test_auth_without_keyring_explains_the_environment_route() -> None:
    res = run_cli("instantly_mcp", "auth", "set", stdin="inst-secret-value\n")
    assert res.returncode == 2
    assert "INSTANTLY_API_KEY=..." in res.stderr and "Traceback" not in res.stderr
    assert "inst-secret-value" not in res.stderr
    status = run_cli("instantly_mcp", "auth", "status", INSTANTLY_API_KEY="inst-secret-value")
    assert "configured, from the environment (INSTANTLY_API_KEY)" in status.stdout
    assert "inst-secret-value" not in status.stdout and "Traceback" not in status.stderr


def test_auth_status_without_a_keyring_says_to_use_the_client_config_env_block() -> None:
    res = subprocess.run([str(Path(sys.executable).parent / "stripe-mcp"), "auth", "status"], capture_output=True,
                         text=True, timeout=60, env=subprocess_env(PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring"))
    assert res.returncode == 1
    assert 'add "STRIPE_API_KEY": "..." to the "env" block' in res.stdout
    assert '"env": {"STRIPE_API_KEY": "..."}' in res.stdout
    assert "auth set" not in res.stdout.split("OS keyring:")[0]  # no advice to use a keyring that is not there
