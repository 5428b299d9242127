"""A local simulator of the Instantly API v2, for tests, demos and benchmarks. Product code never imports it.

    from instantly_mcp.sandbox import create_app, SANDBOX_API_KEY
    app = create_app("state.sqlite", latency_ms=0, fault_rate=0.0, fault_kinds=("429", "500", "timeout", "reset"))
    python -m instantly_mcp.sandbox serve --host 127.0.0.1 --port 8765 --db state.sqlite [--latency-ms N]

- Same paths, methods, field names, enums and error envelope (`{statusCode, error, message}`) as Instantly's
  OpenAPI document; Bearer auth (401), 400 validation, 402 plan gating, 404, 429; cursor pagination.
- State in SQLite (survives restarts). Leads are never duplicated within a campaign or list.
- Simulation: `POST /_sandbox/tick` sends the next sequence step to active leads; `POST /_sandbox/engagement`
  records opens, clicks, replies, bounces, unsubscribes and interest changes. Analytics are computed from
  these events, and webhooks are really POSTed to the registered URLs (custom headers, retries).
- Test knobs: latency, injected faults (429 + Retry-After, 500, timeout, connection reset), a fault after
  commit, plan gating, opt-in rate limits; `/_sandbox/stats` counts requests, leads and deliveries.
  The control endpoints are listed in `instantly_mcp.sandbox.control`.
"""

from instantly_mcp.sandbox.app import create_app
from instantly_mcp.sandbox.core import FAULT_KINDS, SANDBOX_API_KEY

__all__ = ["FAULT_KINDS", "SANDBOX_API_KEY", "create_app"]
