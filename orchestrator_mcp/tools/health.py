"""system_status: is everything reachable and configured? Never shows a key."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from pydantic import Field

from orchestrator_mcp.deps import OrchestratorDeps
from orchestrator_mcp.diagnostics import Problem, find_problems
from orchestrator_mcp.tools import TOOLBOX
from shared.errors import describe
from shared.secrets import INSTANTLY_API_KEY, INSTANTLY_WEBHOOK_SECRET, STRIPE_API_KEY, STRIPE_WEBHOOK_SECRET, lookup
from shared.tooling import Call, ToolInput, ToolResult


class StatusIn(ToolInput):
    probe: bool = Field(True, description="false: check the store only.")


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
    problems: list[dict[str, str]] = Field(
        default_factory=list, description="Everything found wrong, errors first: severity, area, what, next_step.")

    def summary(self) -> str:
        def key(a: ApiStatus) -> str:
            if a.key_source == "sandbox":
                return "sandbox"
            return "key set" if a.key_configured else "NO KEY"

        apis = "; ".join(
            f"{a.name}: {key(a)}, "
            f"{'reachable' if a.reachable else 'unreachable' if a.reachable is False else 'not probed'}"
            f"{f' {a.latency_ms:.0f} ms' if a.latency_ms is not None else ''}{f' ({a.mode})' if a.mode else ''}"
            f"{f' - {a.error}' if a.error else ''}"
            for a in self.apis)
        schema = self.store.get("schema_version")
        head = " ".join(part for part in (
            "SANDBOX." if self.sandbox else "", f"{apis}." if apis else "",
            f"Events pending {self.events.get('pending', 0)}, dead {self.events.get('dead', 0)}.",
            f"Store schema {schema}." if schema else "") if part)
        if not self.problems:
            return f"{head}\nNo problems found."
        lines = [f"{len(self.problems)} problem{'s' if len(self.problems) != 1 else ''} found:"]
        lines += [f"- [{p['severity']}] {p['what']} Next: {p['next_step']}" for p in self.problems]
        return "\n".join([head, *lines])


async def _probe(name: str, fn: Any) -> tuple[bool, float | None, str | None]:
    started = time.monotonic()
    try:
        await fn()
    except Exception as exc:  # noqa: BLE001 - the status report is the point
        return False, None, describe(exc)
    return True, round((time.monotonic() - started) * 1000, 1), None


@TOOLBOX.tool(toolset="admin", title="System status", read_only=True, idempotent=True)
async def system_status(call: Call[OrchestratorDeps], args: StatusIn) -> SystemStatus:
    """Is anything wrong? Each problem with its next step (sending, accounts, bounces, payments, dead events,
    webhooks, lifecycle roles); each API's key, reach, latency."""
    deps = call.deps
    apis = []
    for name, spec, base, get_client, ping in (
        ("instantly", INSTANTLY_API_KEY, deps.instantly.base_url(), deps.instantly_client,
         lambda c: c.current_workspace()),
        ("stripe", STRIPE_API_KEY, deps.stripe.api_base(), deps.stripe_client, lambda c: c.get_balance()),
    ):
        found = lookup(spec)
        source = "sandbox" if deps.options.sandbox else found.source if found else None
        status = ApiStatus(name=name, base_url=base, key_configured=source is not None,
                           key_source=source, reachable=None, latency_ms=None)
        if source is not None and args.probe:
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
    secrets = {"stripe": lookup(STRIPE_WEBHOOK_SECRET) is not None,
               "instantly": lookup(INSTANTLY_WEBHOOK_SECRET) is not None}
    problems = await find_problems(deps, instantly_ok=bool(apis[0].reachable), stripe_ok=bool(apis[1].reachable),
                                   webhook_secrets=secrets)
    for api in apis:
        if not api.key_configured:
            problems.append(Problem("warning", api.name, f"No {api.name.capitalize()} key is configured.",
                                    f"{api.name}-mcp auth set, or {'INSTANTLY_API_KEY' if api.name == 'instantly' else 'STRIPE_API_KEY'}"
                                    " in the client config's env block; or use --sandbox to try without accounts."))
        elif api.reachable is False:
            problems.append(Problem("error", api.name, f"{api.name.capitalize()} is not reachable: {api.error}",
                                    "Check the key and network (orchestrator-mcp doctor), then ask again."))
    return SystemStatus(
        sandbox=deps.options.sandbox, apis=apis, webhook_secrets=secrets,
        store=info, events=await store.event_counts(), last_syncs=await store.sync_times(),
        problems=[p.as_dict() for p in problems],
    )
