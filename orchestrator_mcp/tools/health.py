"""system_status: is everything reachable and configured? Never shows a key."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from pydantic import Field

from orchestrator_mcp.deps import OrchestratorDeps
from orchestrator_mcp.tools import TOOLBOX
from shared.errors import describe
from shared.secrets import INSTANTLY_API_KEY, INSTANTLY_WEBHOOK_SECRET, STRIPE_API_KEY, STRIPE_WEBHOOK_SECRET, lookup
from shared.tooling import Call, ToolInput, ToolResult


class StatusIn(ToolInput):
    probe: bool = Field(True, description="Make one cheap call to each API to measure reachability and latency.")


class ApiStatus(ToolResult):
    name: str
    base_url: str
    key_configured: bool
    key_source: str | None
    reachable: bool | None
    latency_ms: float | None
    error: str | None = None
    mode: str | None = Field(None, description="Stripe: test or live.")
    recent: dict[str, Any] = Field(default_factory=dict, description="Calls, error rate and median latency so far.")


class SystemStatus(ToolResult):
    sandbox: bool
    apis: list[ApiStatus]
    webhook_secrets: dict[str, bool]
    store: dict[str, Any]
    events: dict[str, int]
    last_syncs: dict[str, float]

    def summary(self) -> str:
        apis = "; ".join(
            f"{a.name}: {'key set' if a.key_configured else 'NO KEY'}, "
            f"{'reachable' if a.reachable else 'unreachable' if a.reachable is False else 'not probed'}"
            f"{f' {a.latency_ms:.0f} ms' if a.latency_ms is not None else ''}{f' ({a.mode})' if a.mode else ''}"
            for a in self.apis)
        return (f"{'SANDBOX. ' if self.sandbox else ''}{apis}. Events pending {self.events.get('pending', 0)}, "
                f"dead {self.events.get('dead', 0)}. Store schema {self.store.get('schema_version')}.")


async def _probe(name: str, fn: Any) -> tuple[bool, float | None, str | None]:
    started = time.monotonic()
    try:
        await fn()
    except Exception as exc:  # noqa: BLE001 - the status report is the point
        return False, None, describe(exc)
    return True, round((time.monotonic() - started) * 1000, 1), None


@TOOLBOX.tool(toolset="admin", title="System status", read_only=True, idempotent=True)
async def system_status(call: Call[OrchestratorDeps], args: StatusIn) -> SystemStatus:
    """For each API: key configured (never shown), reachable, latency, recent error rate, sandbox or live, test or
    live mode; plus store size, pending and failed events, and last sync times."""
    deps = call.deps
    apis = []
    for name, spec, base, get_client, ping in (
        ("instantly", INSTANTLY_API_KEY, deps.instantly.base_url(), deps.instantly_client,
         lambda c: c.current_workspace()),
        ("stripe", STRIPE_API_KEY, deps.stripe.api_base(), deps.stripe_client, lambda c: c.get_balance()),
    ):
        found = lookup(spec)
        status = ApiStatus(name=name, base_url=base, key_configured=found is not None,
                           key_source=found.source if found else None, reachable=None, latency_ms=None)
        if found is not None and args.probe:
            try:
                client = await get_client()
            except Exception as exc:  # noqa: BLE001 - e.g. a refused live key: report it
                status.reachable, status.error = False, describe(exc)
            else:
                status.reachable, status.latency_ms, status.error = await _probe(name, lambda p=ping, c=client: p(c))
                status.mode = getattr(client, "mode", None)
                if hasattr(client, "health"):
                    status.recent = client.health()
        apis.append(status)
    from shared.store.engine import schema_version

    store = await deps.store()
    info: dict[str, Any] = {"url": store.url.split("@")[-1], "schema_version": await schema_version(store.engine)}
    if store.url.startswith("sqlite"):
        path = Path(store.url.split("///", 1)[1])
        info["path"] = str(path)
        info["bytes"] = sum(p.stat().st_size for p in path.parent.glob(path.name + "*") if p.is_file())
    return SystemStatus(
        sandbox=deps.options.sandbox, apis=apis,
        webhook_secrets={"stripe": lookup(STRIPE_WEBHOOK_SECRET) is not None,
                         "instantly": lookup(INSTANTLY_WEBHOOK_SECRET) is not None},
        store=info, events=await store.event_counts(), last_syncs=await store.sync_times(),
    )
