"""The one redaction function: used by the logger, the error layer and the audit log.

Secrets never leave the process in logs, exception text or tool results.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

MASK = "[REDACTED]"

# (pattern, replacement): the replacement keeps any prefix group and masks the secret itself.
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Stripe secret, restricted, publishable and webhook-signing keys.
    (re.compile(r"\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{6,}"), MASK),
    (re.compile(r"\bwhsec_[A-Za-z0-9+/=]{6,}"), MASK),
    # Authorization headers, whatever the scheme's token looks like.
    (re.compile(r"(?i)\b(bearer|basic)(\s+)[A-Za-z0-9._~+/=:\-]{4,}"), r"\1\2" + MASK),
    # key=value / "key": "value" pairs whose name says it is secret.
    (
        re.compile(
            r"(?i)((?:api[_-]?key|secret|password|token|authorization)[\"']?\s{0,3}[:=]\s{0,3}[\"']?)"
            r"(?!\[REDACTED\]|<|\.\.\.)[^\s\"',}&]{4,}"
        ),
        r"\1" + MASK,
    ),
)

_SECRET_NAMES = re.compile(r"(?i)(api[_-]?key|secret|password|token|authorization|signature)")

_known: set[str] = set()


def register_secret(value: str | None) -> None:
    """Remember a secret's exact value so it is masked wherever it appears (Instantly keys have no prefix)."""
    if value and len(value) >= 6:
        _known.add(value)


def redact(text: str) -> str:
    """Return text with every known secret and secret-shaped token masked."""
    if not text:
        return text
    for value in sorted(_known, key=len, reverse=True):
        if value in text:
            text = text.replace(value, MASK)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def redact_value(value: Any, key: str | None = None) -> Any:
    """Redact a JSON-like structure: secret-named keys are masked whole, strings are scrubbed."""
    if key is not None and _SECRET_NAMES.search(key) and value not in (None, "", False):
        return MASK
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {k: redact_value(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value(v) for v in value]
    return value
