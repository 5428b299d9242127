"""Settings and secrets: explicit argument, then environment, then the OS keyring.

The keyring is optional. On a machine without a usable backend (CI, headless Linux) the environment
alone works, with no traceback and no warning.
"""

from __future__ import annotations

import logging
import os
import warnings
from dataclasses import dataclass
from typing import Literal

from shared.errors import MissingSecretError
from shared.redaction import register_secret

log = logging.getLogger(__name__)

KEYRING_PREFIX = "instantly-stripe-mcp"

Source = Literal["argument", "environment", "keyring"]


@dataclass(frozen=True)
class SecretSpec:
    """One configurable value: where it is looked up and how a user sets it."""

    name: str  # short CLI name, e.g. "api-key"
    label: str  # what it is, for humans
    env: tuple[str, ...]  # environment variables, first wins
    service: str  # keyring service, one per API
    server: str  # console script that manages it
    secret: bool = True

    @property
    def keyring_service(self) -> str:
        return f"{KEYRING_PREFIX}:{self.service}"

    def how_to_set(self) -> str:
        cmd = f"`{self.server} auth set {self.name}`"
        return f"set it with {cmd} (stored in the OS keyring) or export {self.env[0]}=..."


@dataclass(frozen=True)
class Resolved:
    value: str
    source: Source


INSTANTLY_API_KEY = SecretSpec("api-key", "Instantly API key", ("INSTANTLY_API_KEY",), "instantly", "instantly-mcp")
INSTANTLY_WEBHOOK_SECRET = SecretSpec(
    "webhook-secret", "Instantly webhook secret header", ("INSTANTLY_WEBHOOK_SECRET",), "instantly", "instantly-mcp"
)
STRIPE_API_KEY = SecretSpec(
    "api-key", "Stripe secret or restricted key", ("STRIPE_API_KEY", "STRIPE_SECRET_KEY"), "stripe", "stripe-mcp"
)
STRIPE_WEBHOOK_SECRET = SecretSpec(
    "webhook-secret", "Stripe webhook signing secret", ("STRIPE_WEBHOOK_SECRET",), "stripe", "stripe-mcp"
)
INSTANTLY_SECRETS = (INSTANTLY_API_KEY, INSTANTLY_WEBHOOK_SECRET)
STRIPE_SECRETS = (STRIPE_API_KEY, STRIPE_WEBHOOK_SECRET)
ALL_SECRETS = (*INSTANTLY_SECRETS, *STRIPE_SECRETS)


# --- keyring, guarded --------------------------------------------------------------------------


def _backend():  # type: ignore[no-untyped-def]
    """The keyring backend, or None when there is no usable one. Never raises, never warns."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import keyring
            from keyring.backends import fail

            backend = keyring.get_keyring()
    except Exception as exc:  # noqa: BLE001 - any import or backend failure means "no keyring"
        log.debug("keyring unavailable: %s", type(exc).__name__)
        return None
    if isinstance(backend, fail.Keyring) or getattr(backend, "priority", 1) <= 0:
        return None
    return backend


def keyring_available() -> bool:
    return _backend() is not None


def keyring_get(spec: SecretSpec) -> str | None:
    backend = _backend()
    if backend is None:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return backend.get_password(spec.keyring_service, spec.name)
    except Exception as exc:  # noqa: BLE001 - a locked or broken keyring is "not set", not a crash
        log.debug("keyring read failed for %s: %s", spec.keyring_service, type(exc).__name__)
        return None


def keyring_set(spec: SecretSpec, value: str) -> None:
    backend = _backend()
    if backend is None:
        raise MissingSecretError(
            f"No usable OS keyring on this machine, so the {spec.label} cannot be stored there. "
            f"Export {spec.env[0]}=... in the server's environment instead."
        )
    backend.set_password(spec.keyring_service, spec.name, value)


def keyring_delete(spec: SecretSpec) -> bool:
    backend = _backend()
    if backend is None:
        return False
    try:
        backend.delete_password(spec.keyring_service, spec.name)
    except Exception:  # noqa: BLE001 - nothing stored is not an error for delete
        return False
    return True


# --- resolution --------------------------------------------------------------------------------


def lookup(spec: SecretSpec, explicit: str | None = None) -> Resolved | None:
    """Find a value by the documented order, or None."""
    if explicit:
        found = Resolved(explicit, "argument")
    else:
        found = None
        for name in spec.env:
            value = os.environ.get(name, "").strip()
            if value:
                found = Resolved(value, "environment")
                break
        if found is None:
            stored = keyring_get(spec)
            if stored:
                found = Resolved(stored, "keyring")
    if found is not None and spec.secret:
        register_secret(found.value)
    return found


def visible_secrets(*, keyring: bool = True) -> list[str]:
    """Every secret value this process can see, for redaction: both APIs' keys and webhook secrets, from
    every environment variable and (when asked) the keyring, whichever server would use them."""
    values = [v for spec in ALL_SECRETS if spec.secret for name in spec.env if (v := os.environ.get(name, "").strip())]
    if keyring:
        values += [v for spec in ALL_SECRETS if spec.secret and (v := keyring_get(spec))]
    return values


def require(spec: SecretSpec, explicit: str | None = None) -> str:
    """The value, or a MissingSecretError that says exactly how to set it."""
    found = lookup(spec, explicit)
    if found is None:
        raise MissingSecretError(f"The {spec.label} is not configured: {spec.how_to_set()}.")
    return found.value


def env_value(name: str, explicit: str | None = None, default: str | None = None) -> str | None:
    """A non-secret setting: explicit argument, then the environment, then the default."""
    if explicit:
        return explicit
    return os.environ.get(name, "").strip() or default


def env_flag(name: str, explicit: bool | None = None) -> bool:
    if explicit is not None:
        return explicit
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}
