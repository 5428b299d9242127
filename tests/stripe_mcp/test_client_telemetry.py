"""The Stripe SDK's telemetry is off unless the user opts in, and its machine id never lands in the user's home."""

from __future__ import annotations

from pathlib import Path

import pytest
import stripe
from stripe import _telemetry_id  # the SDK's id cache, reset so each test sees a fresh process

from tests.stripe_mcp.stripe_support import api_for


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setattr(_telemetry_id, "_loaded", False)
    monkeypatch.setattr(_telemetry_id, "_cached_id", None)
    monkeypatch.setattr(stripe, "enable_telemetry", True)  # the SDK's own default
    return tmp_path / "home"


async def test_telemetry_is_off_by_default_and_writes_no_id_file(stripe_sandbox, home: Path) -> None:
    async with api_for(stripe_sandbox) as api:
        await api.get_balance()
        await api.get_balance()
    assert stripe.enable_telemetry is False
    assert not (home / ".config" / "stripe" / "telemetry_id").exists()
    assert not list(home.rglob("*"))  # nothing at all written under the user's home


async def test_opting_in_keeps_the_id_in_our_data_directory(stripe_sandbox, home: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ISMCP_STRIPE_TELEMETRY", "1")
    async with api_for(stripe_sandbox) as api:
        await api.get_balance()
    assert stripe.enable_telemetry is True
    assert not (home / ".config" / "stripe" / "telemetry_id").exists()
    ours = tmp_path / "data" / "instantly-stripe-mcp" / "stripe_telemetry_id"
    assert ours.exists() and _telemetry_id.get_telemetry_id() == ours.read_text().strip()
