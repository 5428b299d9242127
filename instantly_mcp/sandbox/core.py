"""The sandbox object every handler reaches through `request.app.state.sandbox`: storage, ids, clock, the
test knobs, request statistics and the seeded workspace (one workspace, three sender accounts)."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from instantly_mcp.sandbox.ids import Clock, IdGen
from instantly_mcp.sandbox.state import Store

SANDBOX_API_KEY = "sandbox-instantly-key"
FAULT_KINDS = ("429", "500", "timeout", "reset")
PLANS = ("hypergrowth", "growth", "none")  # none: 402 everywhere; growth: 402 on webhooks

SEED_ACCOUNTS = (
    ("alex.rivera@sandbox-outreach.com", "Alex", "Rivera", 2, 1),
    ("jordan.lee@sandbox-outreach.com", "Jordan", "Lee", 3, 1),
    ("sam.patel@sandbox-mail.io", "Sam", "Patel", 1, 0),
)


@dataclass
class Config:
    """Knobs a test can change at runtime (`POST /_sandbox/config`)."""

    latency_ms: float = 0.0
    fault_rate: float = 0.0
    fault_kinds: list[str] = field(default_factory=lambda: list(FAULT_KINDS))
    retry_after: float = 1.0  # seconds, sent in Retry-After on injected 429s
    hang_seconds: float = 30.0  # how long a "timeout" fault holds the request (ends early if the client leaves)
    # Instantly's documented limits, on by default so every client meets them (see faults.LIMITS); tests
    # that need speed turn them off explicitly.
    rate_limits: bool = True
    # GET /api/v2/emails: `emails_limit` requests per `emails_window` seconds (Instantly: 20 per 60); tests of
    # the shared limiter scale it down for speed.
    emails_limit: int = 20
    emails_window: float = 60.0
    job_delay_ms: float = 0.0  # background jobs report in-progress for this long
    interest_delay_ms: float = 1000.0  # update-interest-status applies this long after its 202 (0: at once)
    webhook_retry_delays: list[float] = field(default_factory=lambda: [0.5, 2.0, 5.0])
    webhook_timeout: float = 5.0
    webhook_disable_after: int = 10  # consecutive failed deliveries before a webhook goes to status -1

    def update(self, values: dict[str, Any]) -> None:
        names = {f.name for f in fields(self)}
        for key, value in values.items():
            if key not in names:
                raise ValueError(f"unknown setting {key!r}")
            setattr(self, key, value)
        self.validate()

    def validate(self) -> None:
        if not 0.0 <= float(self.fault_rate) <= 1.0:
            raise ValueError("fault_rate must be between 0 and 1")
        bad = [k for k in self.fault_kinds if k not in FAULT_KINDS]
        if bad:
            raise ValueError(f"unknown fault kinds {bad}; use {list(FAULT_KINDS)}")
        if int(self.emails_limit) < 1 or float(self.emails_window) <= 0:
            raise ValueError("emails_limit must be >= 1 and emails_window > 0")
        for name in ("latency_ms", "interest_delay_ms"):
            if float(getattr(self, name)) < 0:
                raise ValueError(f"{name} must be >= 0")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class FaultState:
    queue: list[dict[str, Any]] = field(default_factory=list)  # [{kind, match, method}]
    after_commit: int = 0
    after_commit_match: str | None = None
    injected: Counter[str] = field(default_factory=Counter)
    after_commit_dropped: int = 0


@dataclass
class Stats:
    requests: Counter[str] = field(default_factory=Counter)
    routes: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)


class Sandbox:
    def __init__(self, db_path: str | Path, *, api_key: str, config: Config, seed: int | None) -> None:
        self.store = Store(db_path).open()
        self.api_key = api_key
        self.seed = seed
        self.ids = IdGen(seed)
        self.clock = Clock()
        self.rng = random.Random(seed)
        self._initial = Config(**config.as_dict())
        self.config = config
        self.faults = FaultState()
        self.stats = Stats()
        from instantly_mcp.sandbox.delivery import Dispatcher

        from instantly_mcp.sandbox.interest import InterestQueue

        self.webhooks = Dispatcher(self)
        self.interest = InterestQueue(self)
        self.ensure_seeded()

    # --- workspace ---

    @property
    def workspace(self) -> dict[str, Any]:
        return self.store.meta("workspace")  # type: ignore[no-any-return]

    @property
    def workspace_id(self) -> str:
        return str(self.workspace["id"])

    @property
    def plan(self) -> str:
        return str(self.store.meta("plan", "hypergrowth"))

    def ensure_seeded(self) -> None:
        if self.store.meta("workspace") is not None:
            return
        now = self.clock.now()
        ws_id = self.ids.uuid7()
        with self.store.tx():
            self.store.set_meta("workspace", {
                "id": ws_id, "timestamp_created": now, "timestamp_updated": now, "owner": self.ids.uuid7(),
                "name": "Sandbox Workspace", "plan_id": "pid_hg_v1", "plan_id_bundle": None,
                "add_unsub_to_block": False, "default_opportunity_value": 0, "plan_id_leadfinder": None,
                "org_logo_url": None, "org_client_domain": None, "plan_id_crm": None,
                "plan_id_website_visitor": None, "plan_id_inbox_placement": None, "scheduled_for_removal_at": None,
            })
            self.store.set_meta("blocklist_id", self.ids.uuid7())
            self.store.set_meta("plan", "hypergrowth")
            for email, first, last, provider, warmup in SEED_ACCOUNTS:
                self.store.put("account", self.new_account(email, first, last, provider, warmup), key="email")

    def new_account(self, email: str, first: str, last: str, provider: int, warmup_status: int) -> dict[str, Any]:
        now = self.clock.stamp()
        return {
            "email": email, "timestamp_created": now, "timestamp_updated": now, "first_name": first,
            "last_name": last,
            "warmup": {"limit": 20, "advanced": {"warm_ctd": False, "open_rate": 0.95, "important_rate": 0.8,
                                                 "read_emulation": True, "spam_save_rate": 0.02, "weekday_only": False},
                       "warmup_custom_ftag": "sandbox", "increment": "1", "reply_rate": 0.1},
            "added_by": None, "daily_limit": 30, "daily_limit_max": None, "warmup_limit_max": None,
            "modified_by": None, "tracking_domain_name": None, "tracking_domain_status": None, "status": 1,
            "enable_slow_ramp": False, "inbox_placement_test_limit": None, "organization": self.workspace_id,
            "warmup_status": warmup_status, "status_message": {},
            "timestamp_warmup_start": now if warmup_status == 1 else None, "provider_code": provider,
            "setup_pending": False, "is_managed_account": False, "stat_warmup_score": 100 if warmup_status else None,
            "sending_gap": 10, "signature": f"{first} {last}", "reply_to": None, "autofix_failed": None,
        }

    def set_plan(self, plan: str) -> None:
        if plan not in PLANS:
            raise ValueError(f"plan must be one of {list(PLANS)}")
        ws = self.workspace
        ws["plan_id"] = {"hypergrowth": "pid_hg_v1", "growth": "pid_g_v1", "none": None}[plan]
        with self.store.tx():
            self.store.set_meta("plan", plan)
            self.store.set_meta("workspace", ws)

    # --- control ---

    def reset(self) -> None:
        self.store.wipe()
        self.webhooks.kick()
        self.interest.forget()
        self.config = Config(**self._initial.as_dict())
        self.faults = FaultState()
        self.stats = Stats()
        self.ensure_seeded()

    def snapshot(self) -> dict[str, Any]:
        leads = self.store.lead_counts()
        deliveries = self.webhooks.counts()
        return {
            "requests": dict(self.stats.requests),
            "requests_by_route": dict(self.stats.routes),
            "requests_total": sum(self.stats.requests.values()),
            "responses_by_status": {str(k): v for k, v in self.stats.statuses.items()},
            "faults_injected": dict(self.faults.injected),
            "after_commit_dropped": self.faults.after_commit_dropped,
            "leads": leads,
            "campaigns": self.store.count("campaign"),
            "lead_lists": self.store.count("lead_list"),
            "emails": self.store.count("email"),
            "webhooks_registered": self.store.count("webhook"),
            "events": self.store.event_counts(),
            "webhook_deliveries": deliveries,
            "interest_changes_pending": self.interest.pending(),
        }
