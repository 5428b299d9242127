"""What every server's tools share at run time: options, the lazily opened store, the audit trail."""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass, field
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from shared import profiles
from shared.sandbox_mode import SandboxSpec, ensure_running
from shared.secrets import env_flag, env_value

if TYPE_CHECKING:
    from shared.store import Store

log = logging.getLogger(__name__)
T = TypeVar("T")

SANDBOX_ENV = "ISMCP_SANDBOX"


@dataclass
class ServerOptions:
    """How a server was started: flags first, then environment variables."""

    read_only: bool = False
    toolsets: list[str] | None = None
    store_url: str | None = None
    sandbox: bool = False
    audit: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_env(
        cls, prefix: str, *, read_only: bool | None = None, toolsets: str | None = None, sandbox: bool | None = None,
        store_url: str | None = None,
    ) -> ServerOptions:
        """prefix is the server's env prefix, e.g. INSTANTLY: INSTANTLY_READ_ONLY, INSTANTLY_TOOLSETS."""
        ro = read_only if read_only else env_flag(f"{prefix}_READ_ONLY") or env_flag("ISMCP_READ_ONLY")
        sets = env_value(f"{prefix}_TOOLSETS", toolsets)
        return cls(
            read_only=ro,
            toolsets=[s.strip() for s in sets.split(",") if s.strip()] if sets else None,
            store_url=store_url,
            sandbox=sandbox if sandbox else env_flag(SANDBOX_ENV),
            audit=not env_flag("ISMCP_NO_AUDIT"),
        )


class BaseDeps:
    """Subclasses add their API clients, created on first use so a missing key fails at call time."""

    server = "mcp"

    def __init__(self, options: ServerOptions | None = None) -> None:
        self.options = options or ServerOptions()
        self._store: Store | None = None
        self._store_lock = asyncio.Lock()
        self._build_lock = asyncio.Lock()

    async def store(self) -> Store:
        if self._store is None:
            async with self._store_lock:
                if self._store is None:
                    from shared.store import open_store  # lazy: start-up does not pay for SQLAlchemy

                    url = self.options.store_url
                    if url is None and self.options.sandbox:
                        from shared.sandbox_mode import store_url

                        url = store_url()  # sandbox data never shares a store with a real account
                    store = await open_store(url)
                    if self.options.sandbox:
                        store.fixed_mode = "test"  # sandbox rows are test rows whatever key is configured
                    self._store = store
        return self._store

    async def audit(
        self, tool: str, arguments: dict[str, Any], outcome: str, duration_ms: float, error: str | None
    ) -> None:
        if not self.options.audit:
            return
        try:
            store = await self.store()
            await store.record_audit(self.server, tool, arguments, outcome, duration_ms, error)
        except Exception:  # noqa: BLE001 - the audit trail must never break the tool call itself
            log.warning("could not write the audit log for %s", tool, exc_info=True)

    async def built(self, attr: str, build: Callable[[], Awaitable[T]]) -> T:
        """`self.<attr>`, built on first use; concurrent first calls build it once."""
        if getattr(self, attr) is None:
            async with self._build_lock:
                if getattr(self, attr) is None:
                    setattr(self, attr, await build())
        return getattr(self, attr)  # type: ignore[no-any-return]

    async def per_profile(self, cache: dict[str, T], build: Callable[[], Awaitable[T]]) -> T:
        """The profile in effect's entry of `cache`, built on first use (with that profile's keys); concurrent
        first calls build it once. One process serves several profiles (per request over HTTP)."""
        profile = profiles.current()
        if profile not in cache:
            async with self._build_lock:
                if profile not in cache:
                    cache[profile] = await build()
        return cache[profile]

    async def endpoint(self, sandbox: SandboxSpec, key: Callable[[], str], url: Callable[[], str]) -> tuple[str, str]:
        """(key, base URL): in sandbox mode the shared local sandbox (started if needed), else the configured API.
        The key is looked up here, at call time, so a missing one fails the call and never the start."""
        if self.options.sandbox:
            return sandbox.api_key, await asyncio.to_thread(ensure_running, sandbox)
        return key(), url()

    def mode_note(self) -> str | None:
        """A note appended to every tool summary, e.g. that the data comes from a sandbox."""
        return None

    async def aclose(self) -> None:
        if self._store is not None:
            await self._store.close()
            self._store = None


def pid() -> int:
    return os.getpid()
