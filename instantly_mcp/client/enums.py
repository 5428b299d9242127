"""Readable names for Instantly's numeric codes, both ways (names are what the model sees)."""

from __future__ import annotations

from typing import Literal

CAMPAIGN_STATUS: dict[int, str] = {
    0: "draft", 1: "active", 2: "paused", 3: "completed", 4: "running_subsequences",
    -99: "account_suspended", -1: "accounts_unhealthy", -2: "bounce_protect",
}
CampaignStatusName = Literal[
    "draft", "active", "paused", "completed", "running_subsequences", "account_suspended", "accounts_unhealthy",
    "bounce_protect",
]
CAMPAIGN_STATUS_CODE = {v: k for k, v in CAMPAIGN_STATUS.items()}

LEAD_STATUS: dict[int, str] = {1: "active", 2: "paused", 3: "completed", -1: "bounced", -2: "unsubscribed", -3: "skipped"}

INTEREST_STATUS: dict[int, str] = {
    0: "out_of_office", 1: "interested", 2: "meeting_booked", 3: "meeting_completed", 4: "won",
    -1: "not_interested", -2: "wrong_person", -3: "lost", -4: "no_show",
}
InterestName = Literal[
    "lead", "out_of_office", "interested", "meeting_booked", "meeting_completed", "won", "not_interested",
    "wrong_person", "lost", "no_show",
]
# "lead" resets to the plain Lead status (the API takes null).
INTEREST_CODE: dict[str, int | None] = {"lead": None, **{v: k for k, v in INTEREST_STATUS.items()}}

VERIFICATION_STATUS: dict[int, str] = {
    1: "verified", 11: "pending", 12: "pending_job", -1: "invalid", -2: "risky", -3: "catch_all", -4: "job_change",
}

ACCOUNT_STATUS: dict[int, str] = {
    1: "active", 2: "paused", 3: "maintenance", -1: "connection_error", -2: "soft_bounce_error", -3: "sending_error",
}
AccountStatusName = Literal["active", "paused", "maintenance", "connection_error", "soft_bounce_error", "sending_error"]
ACCOUNT_STATUS_CODE = {v: k for k, v in ACCOUNT_STATUS.items()}
WARMUP_STATUS: dict[int, str] = {0: "paused", 1: "active", -1: "banned", -2: "spam_folder_unknown", -3: "suspended"}

LeadFilterName = Literal[
    "contacted", "not_contacted", "completed", "unsubscribed", "active", "interested", "not_interested",
    "meeting_booked", "meeting_completed", "closed", "out_of_office", "wrong_person", "lost", "no_show", "bounced",
    "skipped", "risky", "invalid", "valid", "replied", "opened_no_reply", "no_opens", "link_clicked",
]
LEAD_FILTER: dict[str, str] = {
    "contacted": "FILTER_VAL_CONTACTED", "not_contacted": "FILTER_VAL_NOT_CONTACTED",
    "completed": "FILTER_VAL_COMPLETED", "unsubscribed": "FILTER_VAL_UNSUBSCRIBED", "active": "FILTER_VAL_ACTIVE",
    "interested": "FILTER_LEAD_INTERESTED", "not_interested": "FILTER_LEAD_NOT_INTERESTED",
    "meeting_booked": "FILTER_LEAD_MEETING_BOOKED", "meeting_completed": "FILTER_LEAD_MEETING_COMPLETED",
    "closed": "FILTER_LEAD_CLOSED", "out_of_office": "FILTER_LEAD_OUT_OF_OFFICE",
    "wrong_person": "FILTER_LEAD_WRONG_PERSON", "lost": "FILTER_LEAD_LOST", "no_show": "FILTER_LEAD_NO_SHOW",
    "bounced": "FILTER_VAL_BOUNCED", "skipped": "FILTER_VAL_SKIPPED", "risky": "FILTER_VAL_RISKY",
    "invalid": "FILTER_VAL_INVALID", "valid": "FILTER_VAL_VALID", "replied": "FILTER_VAL_REPLIED",
    "opened_no_reply": "FILTER_VAL_OPENED_NO_REPLY", "no_opens": "FILTER_VAL_NO_OPENS",
    "link_clicked": "FILTER_VAL_LINK_CLICKED",
}

WEBHOOK_EVENTS: tuple[str, ...] = (
    "all_events", "email_sent", "email_opened", "email_link_clicked", "reply_received", "email_bounced",
    "lead_unsubscribed", "campaign_completed", "account_error", "lead_neutral", "lead_interested",
    "lead_not_interested", "lead_meeting_booked", "lead_meeting_completed", "lead_closed", "lead_out_of_office",
    "lead_wrong_person", "lead_no_show", "supersearch_enrichment_completed",
)
WebhookEventName = Literal[
    "all_events", "email_sent", "email_opened", "email_link_clicked", "reply_received", "email_bounced",
    "lead_unsubscribed", "campaign_completed", "account_error", "lead_neutral", "lead_interested",
    "lead_not_interested", "lead_meeting_booked", "lead_meeting_completed", "lead_closed", "lead_out_of_office",
    "lead_wrong_person", "lead_no_show", "supersearch_enrichment_completed",
]

JOB_TERMINAL = frozenset({"success", "failed", "cancelled", "completed", "error"})


def name_of(table: dict[int, str], code: object) -> object:
    """The readable name of a code, or the code itself when unknown (custom labels, new values)."""
    if isinstance(code, bool) or not isinstance(code, int | float):
        return code
    return table.get(int(code), code)
