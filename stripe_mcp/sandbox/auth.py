"""API keys: which keys are accepted, their mode, and the permission sets of restricted (`rk_`) keys."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from typing import Any

from .errors import StripeError
from .runtime import ACCOUNT_ID

KEY_RE = re.compile(r"^(sk|rk)_(test|live)_[A-Za-z0-9_]+$")
PERMISSIONS_STATE = "restricted_keys"

# Friendly resource names (as in "customers:read") -> the permission resource a route declares.
ALIASES = {
    "customers": "customer", "products": "product", "prices": "price", "payment_links": "payment_link",
    "checkout_sessions": "checkout_session", "checkout": "checkout_session", "payment_intents": "payment_intent",
    "charges": "charge", "refunds": "refund", "subscriptions": "subscription", "invoices": "invoice",
    "invoiceitems": "invoice", "invoice_items": "invoice", "balance": "balance", "coupons": "coupon",
    "disputes": "dispute", "events": "event", "webhook_endpoints": "webhook", "webhooks": "webhook",
    "payment_methods": "payment_method",
}


@dataclass(frozen=True)
class ApiKey:
    key: str
    restricted: bool
    livemode: bool

    def redacted(self) -> str:
        head = self.key[: len("rk_test_")]
        return f"{head}*********{self.key[-4:]}" if len(self.key) > len(head) + 4 else f"{head}****"


def parse_authorization(header: str | None) -> ApiKey:
    if not header:
        raise StripeError(401, "authentication_error",
                          "You did not provide an API key. You need to provide your API key in the Authorization "
                          "header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').")
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() == "basic":
        try:
            value = base64.b64decode(value).decode().split(":", 1)[0]
        except Exception:  # noqa: BLE001 - a malformed Basic header is just an invalid key
            value = ""
    elif scheme.lower() != "bearer":
        value = ""
    m = KEY_RE.match(value)
    if not m:
        shown = (value[:8] + "*" * 12 + value[-4:]) if len(value) > 12 else "****"
        raise StripeError(401, "authentication_error", f"Invalid API Key provided: {shown}", code="api_key_invalid")
    return ApiKey(value, m.group(1) == "rk", m.group(2) == "live")


def normalize(perms: list[str]) -> set[str]:
    """`customers:read`, `customer_write`, `rak_customer_write`, `*` -> {"customer:read", ...}."""
    out: set[str] = set()
    for raw in perms:
        text = str(raw).strip().lower()
        if text in ("*", "all"):
            out.add("*")
            continue
        text = text.removeprefix("rak_")
        if ":" in text:
            res, _, access = text.partition(":")
        else:
            res, _, access = text.rpartition("_")
        res = ALIASES.get(res, res)
        if access in ("write", "*"):
            out.update({f"{res}:read", f"{res}:write"})
        else:
            out.add(f"{res}:{access or 'read'}")
    return out


def check_permission(key: ApiKey, permissions: dict[str, Any], resource: str, write: bool) -> None:
    """Restricted keys with an assigned set may only do what the set allows; keys without a set may do anything."""
    if not key.restricted or key.key not in permissions:
        return
    allowed = normalize(permissions[key.key])
    needed = f"{resource}:{'write' if write else 'read'}"
    if "*" in allowed or needed in allowed:
        return
    rak = f"rak_{resource}_{'write' if write else 'read'}"
    raise StripeError(
        403, "permission_error",
        f"The provided key '{key.redacted()}' does not have the required permissions for this endpoint on account "
        f"'{ACCOUNT_ID}'. Having the '{rak}' permission would allow this request to continue."
    )
