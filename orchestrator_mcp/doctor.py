"""`orchestrator-mcp doctor`: check the install, keys, connectivity, mode, store, webhooks — with the fix
for each failure. Never prints a key."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from shared.cli import fix_for_missing, script_path
from shared.deps import ServerOptions
from shared.secrets import INSTANTLY_API_KEY, INSTANTLY_WEBHOOK_SECRET, STRIPE_API_KEY, STRIPE_WEBHOOK_SECRET, lookup

RECEIVER_ENV = "ISMCP_RECEIVER_URL"


@dataclass
class Check:
    status: str  # OK | WARN | FAIL
    name: str
    detail: str
    fix: str = ""


async def run_checks(options: ServerOptions) -> list[Check]:
    out: list[Check] = []
    version = sys.version_info
    out.append(Check("OK" if version >= (3, 11) else "FAIL", "python", f"{sys.version.split()[0]} at {sys.executable}",
                     "" if version >= (3, 11) else "Install Python 3.11 or newer and re-run `make install`."))
    bindir = Path(sys.executable).parent
    missing = [s for s in ("instantly-mcp", "stripe-mcp", "orchestrator-mcp") if not (bindir / s).exists()
               and not (bindir / f"{s}.exe").exists()]
    out.append(Check("FAIL" if missing else "OK", "install",
                     f"missing console scripts: {missing}" if missing else f"console scripts in {bindir}",
                     f"Run `make install` in {Path(__file__).resolve().parent.parent}." if missing else ""))
    missing_keys = set()
    for spec in (INSTANTLY_API_KEY, STRIPE_API_KEY):
        found = lookup(spec)
        if options.sandbox:
            out.append(Check("OK", spec.label, "sandbox mode: the local sandbox's key is used"))
        elif found is None:
            missing_keys.add(spec.service)
            out.append(Check("FAIL", spec.label, "not configured", fix_for_missing(spec)))
        else:
            out.append(Check("OK", spec.label, f"configured (from the {found.source})"))
    from orchestrator_mcp.deps import OrchestratorDeps

    deps = OrchestratorDeps(options)
    try:
        for name, get_client, ping, where in (
            ("instantly API", deps.instantly_client, lambda c: c.current_workspace(), deps.instantly.base_url()),
            ("stripe API", deps.stripe_client, lambda c: c.get_balance(), deps.stripe.api_base()),
        ):
            if name.split()[0] in missing_keys:
                # each problem once: the missing key is the problem, already reported with its fix
                out.append(Check("SKIP", name, "not probed: no key (see above)"))
                continue
            try:
                client = await get_client()
                started = time.monotonic()
                await ping(client)
                ms = (time.monotonic() - started) * 1000
                mode = getattr(client, "mode", None)
                target = "sandbox" if options.sandbox else getattr(client, "base_url", where)
                out.append(Check("OK", name, f"reachable at {target}, {ms:.0f} ms" + (f", {mode} mode" if mode else "")))
                if mode == "live":
                    out.append(Check("WARN", "stripe mode", "LIVE key: tools that move money need confirm=true",
                                     "Use a test key (sk_test_/rk_test_) to try things out, or set STRIPE_REFUSE_LIVE=1."))
            except Exception as exc:  # noqa: BLE001 - each failure is a line in the report
                from shared.errors import describe

                out.append(Check("FAIL", name, describe(exc),
                                 f"Check the key (`{script_path('orchestrator-mcp')} auth status`) and the network; "
                                 f"or try `{script_path('orchestrator-mcp')} doctor --sandbox` (no accounts)."))
        try:
            store = await deps.store()
            from shared.store.engine import schema_version, server_version

            version_id = await schema_version(store.engine)
            await store.set_config("doctor:last_run", time.time())
            engine = await server_version(store.engine)
            out.append(Check("OK", "store", f"{engine} at {store.url.split('@')[-1]}, schema {version_id}, writable"))
            from orchestrator_mcp.retention import status_lines

            for line in await status_lines(store):
                name, detail = line.split(": ", 1)
                out.append(Check("OK", f"retention {name}", detail))
            from orchestrator_mcp.keys_cli import status_lines as key_lines

            for line in await key_lines(store):
                plain = line.startswith("NOT")
                out.append(Check("WARN" if plain else "OK", "encryption at rest", line,
                                 "Set ISMCP_DATA_KEY and ISMCP_INDEX_KEY (make each with `orchestrator-mcp keys "
                                 "generate`) or use a machine with an OS keyring, for a new store." if plain else ""))
        except Exception as exc:  # noqa: BLE001
            out.append(Check("FAIL", "store", f"{type(exc).__name__}: {exc}",
                             "Set ISMCP_STORE_PATH to a writable file path (or ISMCP_DATABASE_URL)."))
    finally:
        await deps.aclose()
    for spec in (STRIPE_WEBHOOK_SECRET, INSTANTLY_WEBHOOK_SECRET):
        found = lookup(spec)
        out.append(Check("OK" if found else "WARN", spec.label,
                         f"configured (from the {found.source})" if found else "not configured",
                         "" if found else f"Needed only for the webhook receiver: {fix_for_missing(spec)}"))
    receiver = os.environ.get(RECEIVER_ENV, "").strip()
    if receiver:
        try:
            health = httpx.get(f"{receiver.rstrip('/')}/healthz", timeout=5).json()
            out.append(Check("OK", "webhook receiver", f"{receiver}: queue depth {health.get('queue_depth')}"))
        except (httpx.HTTPError, ValueError) as exc:
            out.append(Check("FAIL", "webhook receiver", f"{receiver}: {type(exc).__name__}",
                             f"Start it with `{script_path('orchestrator-mcp')} webhooks serve`, or unset ISMCP_RECEIVER_URL."))
    else:
        out.append(Check("WARN", "webhook receiver", "none configured (ISMCP_RECEIVER_URL)",
                         f"Optional: run `{script_path('orchestrator-mcp')} webhooks serve`, or poll with the sync_now tool."))
    return out


def add_doctor_command(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("doctor", help="check install, keys, connectivity, mode, store and webhooks")
    p.add_argument("--sandbox", action="store_true", default=None, help="check sandbox mode instead of real keys")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    checks = asyncio.run(run_checks(ServerOptions.from_env("ORCHESTRATOR", sandbox=args.sandbox)))
    for c in checks:
        print(f"{c.status:<5} {c.name}: {c.detail}")
        if c.fix and c.status not in ("OK", "SKIP"):
            print(f"      fix: {c.fix}")
    failed = sum(c.status == "FAIL" for c in checks)
    print(f"\n{failed} problem(s) found." if failed else "\nAll essential checks passed.")
    return 1 if failed else 0
