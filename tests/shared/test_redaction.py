"""Secrets never appear in logs, exception text or tool results."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest
from mcp import Client

from shared.errors import ApiError, describe
from shared.logs import RedactingFormatter
from shared.redaction import MASK, redact, redact_secrets, redact_value, register_secret
from tests.conftest import subprocess_env

SECRETS = [
    "sk_live_51HxyzABCDEF0123456789", "sk_test_51HxyzABCDEF0123456789", "rk_live_51Habcdef012345",
    "rk_test_51Habcdef012345", "whsec_abcDEF0123456789xyz",
]


@pytest.mark.parametrize("secret", SECRETS)
def test_stripe_shaped_secrets_are_masked(secret: str) -> None:
    out = redact(f"calling with key {secret} now")
    assert secret not in out and MASK in out


def test_bearer_and_registered_instantly_keys_are_masked() -> None:
    register_secret("Zjk1YTIwYmQtinstantlykey")
    text = "Authorization: Bearer Zjk1YTIwYmQtinstantlykey; x-api-key=abc123456; later Zjk1YTIwYmQtinstantlykey"
    out = redact(text)
    assert "Zjk1YTIwYmQtinstantlykey" not in out and "abc123456" not in out
    assert redact_value({"headers": {"Authorization": "Bearer tok_abcdef"}, "n": 1}) == {
        "headers": {"Authorization": MASK}, "n": 1}


def test_logger_and_errors_redact() -> None:
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "key=%s", ("sk_test_51HxyzABCDEF0123456789",), None)
    assert "sk_test_51H" not in RedactingFormatter().format(record)
    exc = ApiError("Stripe", "Invalid API Key provided: sk_live_51HxyzABCDEF0123456789", status=401)
    assert "sk_live_51H" not in str(exc) and "sk_live_51H" not in describe(exc)


def test_a_fresh_process_masks_every_configured_secret_from_env_and_keyring(tmp_path: Path) -> None:
    """Nothing in the process looked any key up: the four secrets are still masked, the ones with no prefix
    (Instantly key and webhook secret) by value, wherever they came from."""
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps({"instantly-stripe-mcp:instantly\nwebhook-secret": "inst-hook-from-keyring-77",
                                "instantly-stripe-mcp:stripe\napi-key": "sk_test_keyringKEY000111"}))
    env = subprocess_env(INSTANTLY_API_KEY="plainInstantlyKey9f8e7d", STRIPE_WEBHOOK_SECRET="whsec_envSECRET123456",
                         PYTHON_KEYRING_BACKEND="tests.support.file_keyring.FileKeyring", FILE_KEYRING_PATH=str(keys))
    code = ("import json, sys; from shared.redaction import redact, redact_secrets; "
            "t = sys.stdin.read(); print(redact(t)); print(json.dumps(redact_secrets({'v': [t], t: 1})))")
    text = "a plainInstantlyKey9f8e7d b inst-hook-from-keyring-77 c"
    out = subprocess.run([sys.executable, "-c", code], input=text, env=env, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert "plainInstantlyKey9f8e7d" not in out.stdout and "inst-hook-from-keyring-77" not in out.stdout
    assert out.stdout.count(MASK) == 6


SERVER_SECRETS = {"INSTANTLY_API_KEY": "0a1b2c3d4e5f-instantly-no-prefix", "INSTANTLY_WEBHOOK_SECRET": "my hook pass 42",
                  "STRIPE_WEBHOOK_SECRET": "whsec_structuredTEST9876"}


async def test_structured_results_and_audit_arguments_mask_secrets_no_tool_looked_up(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from shared.store import open_store
    from tests.shared.test_server_framework import make

    for name, value in SERVER_SECRETS.items():
        monkeypatch.setenv(name, value)
    text = "key 0a1b2c3d4e5f-instantly-no-prefix, secret my hook pass 42 and whsec_structuredTEST9876"
    async with Client(make()) as client:  # type: ignore[arg-type]
        result = await client.call_tool("demo_echo", {"text": text, "secret_note": "my hook pass 42"})
    assert not result.is_error
    shown = json.dumps(result.structured_content) + result.content[0].text
    store = await open_store()
    audit = json.dumps((await store.list_audit())[0]["arguments"])
    await store.close()
    for value in SERVER_SECRETS.values():
        assert value not in shown and value not in audit
    assert result.structured_content == {"echoed": f"key {MASK}, secret {MASK} and {MASK}"}


def test_structured_redaction_keeps_keys_and_types() -> None:
    register_secret("abcdef-known-secret")
    data = {"webhook_secrets": {"stripe": True}, "token_count": 3, "items": [{"note": "x abcdef-known-secret y"}],
            "none": None}
    assert redact_secrets(data) == {"webhook_secrets": {"stripe": True}, "token_count": 3,
                                    "items": [{"note": f"x {MASK} y"}], "none": None}
    clean = {"a": ["b", 1]}
    assert redact_secrets(clean) is clean
