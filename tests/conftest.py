"""Every test gets its own store file and no keys from the developer's environment or keyring."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

KEY_VARS = (
    "INSTANTLY_API_KEY", "STRIPE_API_KEY", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "INSTANTLY_WEBHOOK_SECRET",
    "INSTANTLY_BASE_URL", "STRIPE_API_BASE", "ISMCP_DATABASE_URL", "ISMCP_READ_ONLY", "ISMCP_SANDBOX",
    "INSTANTLY_READ_ONLY", "STRIPE_READ_ONLY", "ORCHESTRATOR_READ_ONLY", "INSTANTLY_TOOLSETS", "STRIPE_TOOLSETS",
    "ORCHESTRATOR_TOOLSETS",
)
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in KEY_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ISMCP_STORE_PATH", str(tmp_path / "store.sqlite"))
    # No OS keyring in tests unless a test installs the file backend itself.
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    yield


def subprocess_env(**extra: str) -> dict[str, str]:
    """Environment for a server started as a subprocess: PATH/HOME plus what the test passes."""
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "SYSTEMROOT", "TMPDIR")}
    env.update({k: os.environ[k] for k in ("ISMCP_STORE_PATH", "PYTHON_KEYRING_BACKEND") if k in os.environ})
    env["PYTHONPATH"] = str(REPO)
    env.update(extra)
    return env
