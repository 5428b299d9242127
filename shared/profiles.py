"""Profiles: one client's Instantly key, Stripe key (optionally a Connect account), webhook secrets and pipeline
configuration. The profile in effect is a context variable, so one process can serve several profiles: stdio sets
it once at start (`--profile` or ISMCP_PROFILE), the HTTP transport sets it per request from the caller's token.
Everything that depends on whose data it is (secrets, API clients, store rows) reads `current()`."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from shared.errors import InputError

DEFAULT = "default"
PROFILE_ENV = "ISMCP_PROFILE"
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_current: ContextVar[str | None] = ContextVar("ismcp_profile", default=None)


def validate(name: str) -> str:
    """A profile name: 1-40 lower-case letters, digits, '-' or '_', starting with a letter or digit."""
    value = (name or "").strip().lower()
    if not _NAME.match(value):
        raise InputError(f"{name!r} is not a profile name: use 1-40 lower-case letters, digits, '-' or '_', "
                         "e.g. acme", "profile")
    return value


def current() -> str:
    """The profile in effect: the one set for this task, else ISMCP_PROFILE, else "default"."""
    value = _current.get()
    if value:
        return value
    env = os.environ.get(PROFILE_ENV, "").strip()
    return validate(env) if env else DEFAULT


@contextmanager
def use(name: str) -> Iterator[str]:
    """Run the enclosed code (and tasks it starts) as profile `name`."""
    token = _current.set(validate(name))
    try:
        yield _current.get() or DEFAULT
    finally:
        _current.reset(token)


def env_suffix(name: str) -> str:
    """What a profile adds to an environment variable's name: "" for the default profile, "__ACME" for acme
    (so INSTANTLY_API_KEY__ACME holds acme's Instantly key)."""
    name = validate(name)
    return "" if name == DEFAULT else "__" + name.upper().replace("-", "_")
