"""The one redaction function: used by the logger, the error layer and the audit log.

Secrets never leave the process in logs, exception text, tool results (text and structured), stored event
payloads or the audit log. Every secret the process can see (both APIs' keys and both webhook secrets, from
the environment and the keyring) is masked by value, whichever server looked it up: they are registered on
the first redaction, before anything leaves the process (not at import, which would cost every start the
keyring's ~0.3 s import), and the environment is checked again on every call.
"""

from __future__ import annotations

import json
import re
import threading
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
# Secret by shape alone, wherever it is: Stripe keys and signing secrets (the first two _PATTERNS).
_SHAPES = "|".join(p.pattern for p, _ in _PATTERNS[:2])

_known: tuple[str, ...] = ()  # longest first; replaced whole, so readers never see it change size
_values_re: re.Pattern[str] = re.compile(_SHAPES)
_lock = threading.RLock()
_loading = threading.local()
_keyring_read = False


def register_secret(value: str | None) -> None:
    """Remember a secret's exact value so it is masked wherever it appears (Instantly keys have no prefix)."""
    global _known, _values_re
    if not value or len(value) < 6 or value in _known:
        return
    with _lock:
        if value in _known:
            return
        known = tuple(sorted({*_known, value}, key=len, reverse=True))
        # A value as it appears raw and inside JSON text (quotes and backslashes escaped).
        forms = {f for v in known for f in (v, json.dumps(v)[1:-1])}
        _values_re = re.compile("|".join([*(re.escape(f) for f in sorted(forms, key=len, reverse=True)), _SHAPES]))
        _known = known


def _register_visible() -> None:
    """Register every secret this process can see. The keyring is read once; the environment every time."""
    global _keyring_read
    if getattr(_loading, "busy", False):  # the keyring may log while we read it: no recursion
        return
    _loading.busy = True
    try:
        try:
            from shared.secrets import visible_secrets  # here: shared.secrets imports this module
        except ImportError:  # shared.secrets is still being imported: nothing configured is visible yet
            return

        if _keyring_read:
            values = visible_secrets(keyring=False)
        else:
            with _lock:
                values = visible_secrets(keyring=not _keyring_read)
                _keyring_read = True
        for value in values:
            register_secret(value)
    finally:
        _loading.busy = False


def redact(text: str) -> str:
    """Return text with every known secret and secret-shaped token masked."""
    if not text:
        return text
    _register_visible()
    for value in _known:
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


def redact_secrets(value: Any) -> Any:
    """Mask configured secrets (by value) and Stripe-shaped keys in every string of a JSON-like structure.

    For structured tool results and stored payloads: keys and types stay as they are, so a result still
    matches its schema (a field *named* like a secret, e.g. `webhook_secrets: {stripe: true}`, is kept)."""
    _register_visible()
    pattern = _values_re
    try:
        if not pattern.search(json.dumps(value, ensure_ascii=False, default=str)):
            return value  # the common case: one scan of the serialised text, nothing to copy
    except (TypeError, ValueError):
        pass

    def walk(v: Any) -> Any:
        if isinstance(v, str):
            return pattern.sub(MASK, v)
        if isinstance(v, Mapping):
            return {walk(k) if isinstance(k, str) else k: walk(x) for k, x in v.items()}
        if isinstance(v, list | tuple):
            return [walk(x) for x in v]
        return v

    return walk(value)
