"""Settings and secrets: explicit argument, then environment, then the OS keyring, per profile.

The keyring is optional. On a machine without a usable backend (CI, headless Linux) the environment
alone works, with no traceback and no warning.

Profiles (shared/profiles.py): the default profile uses today's names (INSTANTLY_API_KEY, keyring entry
`api-key`); profile acme adds a suffix to the environment names (INSTANTLY_API_KEY__ACME) and to the keyring
entry (`api-key@acme`), and is recorded in a keyring index so that `auth status` can list it. Every look-up
without an explicit profile resolves the profile in effect (`profiles.current()`).
"""

from __future__ import annotations

import logging
import os
import warnings
from dataclasses import dataclass
from typing import Literal

from shared import profiles
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

    def env_for(self, profile: str | None = None) -> tuple[str, ...]:
        """The environment names for a profile: INSTANTLY_API_KEY (default), INSTANTLY_API_KEY__ACME (acme)."""
        suffix = profiles.env_suffix(profile or profiles.current())
        return tuple(name + suffix for name in self.env)

    def keyring_user(self, profile: str | None = None) -> str:
        """The keyring entry's user name: `api-key` for the default profile, `api-key@acme` for acme."""
        name = profiles.validate(profile or profiles.current())
        return self.name if name == profiles.DEFAULT else f"{self.name}@{name}"

    def how_to_set(self, profile: str | None = None) -> str:
        name = profiles.validate(profile or profiles.current())
        flag = "" if name == profiles.DEFAULT else f" --profile {name}"
        cmd = f"`{self.server} auth set {self.name}{flag}`"
        return f"set it with {cmd} (stored in the OS keyring) or export {self.env_for(name)[0]}=..."


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
# Stripe Connect: the connected account a profile acts on, sent as the Stripe-Account header
# (https://docs.stripe.com/connect/authentication#stripe-account-header). An id, not a secret.
STRIPE_ACCOUNT = SecretSpec(
    "account", "Stripe Connect account (Stripe-Account header)", ("STRIPE_ACCOUNT",), "stripe", "stripe-mcp",
    secret=False,
)
INSTANTLY_SECRETS = (INSTANTLY_API_KEY, INSTANTLY_WEBHOOK_SECRET)
STRIPE_SECRETS = (STRIPE_API_KEY, STRIPE_WEBHOOK_SECRET, STRIPE_ACCOUNT)
ALL_SECRETS = (*INSTANTLY_SECRETS, *STRIPE_SECRETS)
PROFILE_INDEX = (f"{KEYRING_PREFIX}:profiles", "names")  # the keyring entry listing non-default profiles


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


def _raw_get(service: str, user: str) -> str | None:
    backend = _backend()
    if backend is None:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return backend.get_password(service, user)
    except Exception as exc:  # noqa: BLE001 - a locked or broken keyring is "not set", not a crash
        log.debug("keyring read failed for %s: %s", service, type(exc).__name__)
        return None


def keyring_get(spec: SecretSpec, profile: str | None = None) -> str | None:
    return _raw_get(spec.keyring_service, spec.keyring_user(profile))


def keyring_set(spec: SecretSpec, value: str, profile: str | None = None) -> None:
    backend = _backend()
    if backend is None:
        raise MissingSecretError(
            f"No usable OS keyring on this machine, so the {spec.label} cannot be stored there. "
            f"Export {spec.env_for(profile)[0]}=... in the server's environment instead."
        )
    backend.set_password(spec.keyring_service, spec.keyring_user(profile), value)
    name = profiles.validate(profile or profiles.current())
    if name != profiles.DEFAULT and name not in keyring_profiles():
        backend.set_password(*PROFILE_INDEX, ",".join(sorted({*keyring_profiles(), name})))


def keyring_delete(spec: SecretSpec, profile: str | None = None) -> bool:
    backend = _backend()
    if backend is None:
        return False
    try:
        backend.delete_password(spec.keyring_service, spec.keyring_user(profile))
    except Exception:  # noqa: BLE001 - nothing stored is not an error for delete
        return False
    return True


def keyring_profiles() -> list[str]:
    """The non-default profiles `auth set --profile` stored keys for (a keyring cannot list its entries)."""
    raw = _raw_get(*PROFILE_INDEX) or ""
    return sorted({p.strip() for p in raw.split(",") if p.strip()})


def env_profiles() -> list[str]:
    """Profiles the environment names: INSTANTLY_API_KEY__ACME -> acme ('_' in the suffix reads as '_')."""
    found = set()
    for var, value in os.environ.items():
        if "__" not in var or not value.strip():
            continue
        base, _, suffix = var.partition("__")
        if suffix and any(base in spec.env for spec in ALL_SECRETS):
            try:
                found.add(profiles.validate(suffix.lower()))
            except Exception:  # noqa: BLE001 - a variable that is not a profile's
                continue
    return sorted(found)


def known_profiles() -> list[str]:
    """Every profile with something configured, the default first."""
    return [profiles.DEFAULT, *sorted(set(keyring_profiles()) | set(env_profiles()) - {profiles.DEFAULT})]


# --- resolution --------------------------------------------------------------------------------


def lookup(spec: SecretSpec, explicit: str | None = None, *, profile: str | None = None) -> Resolved | None:
    """Find a value by the documented order, or None. `profile` defaults to the profile in effect."""
    if explicit:
        found = Resolved(explicit, "argument")
    else:
        found = None
        for name in spec.env_for(profile):
            value = os.environ.get(name, "").strip()
            if value:
                found = Resolved(value, "environment")
                break
        if found is None:
            stored = keyring_get(spec, profile)
            if stored:
                found = Resolved(stored, "keyring")
    if found is not None and spec.secret:
        register_secret(found.value)
    return found


def visible_secrets(*, keyring: bool = True) -> list[str]:
    """Every secret value this process can see, for redaction: both APIs' keys and webhook secrets, from
    every environment variable and (when asked) the keyring, whichever server and profile would use them."""
    names = {base for spec in ALL_SECRETS if spec.secret for base in spec.env}
    values = [v for var, raw in os.environ.items() if var.partition("__")[0] in names and (v := raw.strip())]
    if keyring:
        for profile in (profiles.DEFAULT, *keyring_profiles()):
            values += [v for spec in ALL_SECRETS if spec.secret and (v := keyring_get(spec, profile))]
    return values


def require(spec: SecretSpec, explicit: str | None = None, *, profile: str | None = None) -> str:
    """The value, or a MissingSecretError that says exactly how to set it (for the profile in effect)."""
    found = lookup(spec, explicit, profile=profile)
    if found is None:
        name = profiles.validate(profile or profiles.current())
        whose = "" if name == profiles.DEFAULT else f" of profile {name!r}"
        raise MissingSecretError(f"The {spec.label}{whose} is not configured: {spec.how_to_set(name)}.")
    return found.value


LIVE_PREFIXES = ("sk_live_", "rk_live_")


def stripe_mode(profile: str | None = None) -> str:
    """"live" when the profile's Stripe key is a live one (sk_live_/rk_live_), else "test" (a test key, or none
    configured yet). The store keeps each mode's rows apart (shared/store/scope.py)."""
    found = lookup(STRIPE_API_KEY, profile=profile)
    return "live" if found is not None and found.value.startswith(LIVE_PREFIXES) else "test"


def env_value(name: str, explicit: str | None = None, default: str | None = None) -> str | None:
    """A non-secret setting: explicit argument, then the environment, then the default."""
    if explicit:
        return explicit
    return os.environ.get(name, "").strip() or default


def env_flag(name: str, explicit: bool | None = None) -> bool:
    if explicit is not None:
        return explicit
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}
