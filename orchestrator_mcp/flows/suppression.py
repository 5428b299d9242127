"""Consent that reaches the sender: a person who unsubscribed, complained, hard-bounced or was erased goes on
Instantly's block list (so no campaign emails them again, https://developer.instantly.ai/api/v2/blocklistentry)
and on the store's suppression list (a blind index only), which imports, bulk conversion and every composite
flow consult before they touch a lead."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from instantly_mcp.client import InstantlyClient
from shared.errors import ApiError, InputError

if TYPE_CHECKING:
    from shared.store import Store

log = logging.getLogger(__name__)

REASON_TEXT = {"unsubscribed": "unsubscribed", "spam_complaint": "marked the email as spam",
               "hard_bounce": "hard bounce", "erasure": "erased (GDPR)", "manual": "suppressed by hand"}


def why(reason: str) -> str:
    return f"suppressed: {REASON_TEXT.get(reason, reason)}"


async def block_in_instantly(instantly: InstantlyClient, email: str) -> str:
    """Add the address to the workspace block list; "blocked", or "already blocked" when it was there."""
    try:
        await instantly.add_block_list_entry(email.strip().lower())
    except ApiError as exc:
        if exc.status in (400, 409) and "exist" in str(exc).lower():
            return "already blocked"
        raise
    return "blocked"


async def suppress_everywhere(store: Store, instantly: InstantlyClient, email: str, reason: str, source: str) -> str:
    """Instantly's block list first (the outside effect), then the store's suppression entry."""
    outcome = await block_in_instantly(instantly, email)
    await store.suppress(email, reason, source)
    return outcome


async def require_not_suppressed(store: Store, email: str | None, field: str = "lead_email") -> None:
    """InputError when the person is on the suppression list: nothing is sent to them."""
    if not email:
        return
    reason = await store.suppression_reason(email)
    if reason:
        raise InputError(f"{email.strip().lower()} is on the suppression list ({why(reason)}); nothing is sent "
                         "to them", field)
