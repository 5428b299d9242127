"""Whose rows: every row of the store carries a scope, `<profile>:<mode>` (e.g. `acme:test`, `default:live`), and
every query of the repository is limited to the scope in effect. This module is the one place that decides it.

- The profile is the one in effect (shared/profiles.py: `--profile`, ISMCP_PROFILE, or per request over HTTP).
- The mode is the Stripe mode of that profile's key: `live` for sk_live_/rk_live_ keys, else `test` (a test key,
  or none configured yet). So a profile's test-mode rows and live-mode rows never mix, and switching a profile to
  its live key starts from an empty live scope. A sandbox store (a separate file) is always `test`.
- Code that works on rows of a known scope (the event processor, which runs each event under the scope it was
  received for) sets it explicitly with `use(scope)`; that also sets the profile, so API clients follow.

The mode of a profile is looked up at most once every MODE_TTL seconds when it comes from the keyring (a keyring
read per query would be slow); from the environment it is read every time.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from shared import profiles

MODES = ("test", "live")
# The scope of the store's own rows, which belong to no profile (the encryption key marker in app_config): not a
# valid profile name (shared/profiles.py names start with a letter or digit), so no profile can ever read them.
STORE_SCOPE = "_store"
MODE_TTL = 10.0
_override: ContextVar[str | None] = ContextVar("ismcp_store_scope", default=None)
_mode_cache: dict[str, tuple[float, str]] = {}


def make(profile: str, mode: str) -> str:
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    return f"{profiles.validate(profile)}:{mode}"


def split(scope: str) -> tuple[str, str]:
    profile, _, mode = scope.partition(":")
    return profile, mode or "test"


def mode_of(profile: str) -> str:
    """The Stripe mode of a profile's key (shared.secrets.stripe_mode), cached briefly when read from the keyring."""
    from shared.secrets import LIVE_PREFIXES, STRIPE_API_KEY, stripe_mode

    for name in STRIPE_API_KEY.env_for(profile):  # the environment wins, as in shared.secrets.lookup
        value = os.environ.get(name, "").strip()
        if value:
            return "live" if value.startswith(LIVE_PREFIXES) else "test"
    cached = _mode_cache.get(profile)
    now = time.monotonic()
    if cached is not None and now - cached[0] < MODE_TTL:
        return cached[1]
    mode = stripe_mode(profile)
    _mode_cache[profile] = (now, mode)
    return mode


def current(fixed_mode: str | None = None) -> str:
    """The scope in effect: the one set with `use`, else the profile in effect plus its Stripe mode (or
    `fixed_mode`, which a sandbox store gives: its data is test data whatever key is configured)."""
    explicit = _override.get()
    if explicit:
        return explicit
    profile = profiles.current()
    return make(profile, fixed_mode or mode_of(profile))


@contextmanager
def use(scope: str) -> Iterator[str]:
    """Run the enclosed code on the rows of `scope` (and as its profile)."""
    profile, mode = split(scope)
    value = make(profile, mode)
    with profiles.use(profile):
        token = _override.set(value)
        try:
            yield value
        finally:
            _override.reset(token)
