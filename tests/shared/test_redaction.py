"""Secrets never appear in logs, exception text or tool results."""

from __future__ import annotations

import logging

import pytest

from shared.errors import ApiError, describe
from shared.logs import RedactingFormatter
from shared.redaction import MASK, redact, redact_value, register_secret

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
