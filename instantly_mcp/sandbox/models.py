"""Building and rendering the stored documents (leads, campaigns, emails) in the spec's response shapes.

Stored documents carry private bookkeeping under `_`-prefixed keys (custom variables, sequence progress,
thread ids); `public()` strips them, so every response has only the spec's field names."""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING, Any

from instantly_mcp.sandbox.validation import EMAIL_RE

if TYPE_CHECKING:
    from instantly_mcp.sandbox.core import Sandbox

LEAD_STRING_FIELDS = ("first_name", "last_name", "company_name", "job_title", "phone", "website", "personalization",
                      "pl_value_lead")
CAMEL = {"first_name": "firstName", "last_name": "lastName", "company_name": "companyName", "job_title": "jobTitle",
         "website": "website", "phone": "phone", "personalization": "personalization"}
ESP_BY_DOMAIN = {
    "gmail.com": 1, "googlemail.com": 1, "outlook.com": 2, "hotmail.com": 2, "live.com": 2, "msn.com": 2,
    "zoho.com": 3, "yahoo.com": 9, "yandex.ru": 10, "yandex.com": 10, "web.de": 12, "libero.it": 13,
}
POSITIVE_INTEREST = (1, 2, 3, 4)


def public(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if not k.startswith("_")}


def norm_email(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip().lower()


def valid_email(value: str | None) -> bool:
    return bool(value and EMAIL_RE.match(value))


def domain_of(email: str | None) -> str:
    return email.rsplit("@", 1)[1] if email and "@" in email else ""


# --- leads ---

def new_lead(sb: Sandbox, data: dict[str, Any], *, campaign: str | None, list_id: str | None, now: str,
             verify: bool = False, assigned_to: str | None = None) -> dict[str, Any]:
    email = norm_email(data.get("email"))
    domain = domain_of(email)
    lead: dict[str, Any] = {
        "id": sb.ids.uuid7(), "timestamp_created": now, "timestamp_updated": now, "organization": sb.workspace_id,
        "campaign": campaign, "list_id": list_id, "status": 1, "email": email,
        **{f: data.get(f) for f in LEAD_STRING_FIELDS},
        "email_open_count": 0, "email_reply_count": 0, "email_click_count": 0, "company_domain": domain,
        "status_summary": {}, "status_summary_subseq": {}, "last_step_from": None, "last_step_id": None,
        "last_step_timestamp_executed": None, "email_opened_step": None, "email_opened_variant": None,
        "email_replied_step": None, "email_replied_variant": None, "email_clicked_step": None,
        "email_clicked_variant": None, "subsequence_id": None, "timestamp_added_subsequence": None,
        "timestamp_last_contact": None, "timestamp_last_open": None, "timestamp_last_reply": None,
        "timestamp_last_interest_change": None, "timestamp_last_click": None, "timestamp_last_touch": None,
        "last_contacted_from": None, "uploaded_by_user": sb.workspace["owner"], "upload_method": "api",
        "assigned_to": data.get("assigned_to") or assigned_to, "is_website_visitor": False,
        "esp_code": ESP_BY_DOMAIN.get(domain, 999 if domain else 1000), "esg_code": 0,
        "_cv": dict(data.get("custom_variables") or {}), "_next_step": 0, "_thread": None, "_last_email": None,
        "_firsts": [],
    }
    if verify and email:
        lead["verification_status"] = 1
    if data.get("lt_interest_status") is not None:
        lead["lt_interest_status"] = data["lt_interest_status"]
    return lead


def lead_out(lead: dict[str, Any]) -> dict[str, Any]:
    out = public(lead)
    payload: dict[str, Any] = {CAMEL[f]: lead[f] for f in CAMEL if lead.get(f) is not None}
    payload.update(lead.get("_px") or {})  # other payload data (e.g. enrichment), objects allowed by the spec
    payload.update(lead.get("_cv") or {})
    out["payload"] = payload
    return out


def lead_vars(lead: dict[str, Any]) -> dict[str, Any]:
    """Template variables for a lead: {{firstName}}, {{email}}, custom variables…"""
    out: dict[str, Any] = {CAMEL[f]: lead.get(f) or "" for f in CAMEL}
    out.update(email=lead.get("email") or "", companyDomain=lead.get("company_domain") or "")
    out.update({k: "" if v is None else v for k, v in (lead.get("_cv") or {}).items()})
    return out


# --- campaigns ---

CAMPAIGN_DEFAULTS: dict[str, Any] = {
    "pl_value": None, "is_evergreen": False, "sequences": [], "email_gap": None, "random_wait_max": None,
    "text_only": False, "first_email_text_only": False, "email_list": [], "daily_limit": None, "stop_on_reply": True,
    "email_tag_list": [], "link_tracking": False, "open_tracking": False, "stop_on_auto_reply": False,
    "daily_max_leads": None, "prioritize_new_leads": False, "auto_variant_select": None, "match_lead_esp": False,
    "stop_for_company": False, "insert_unsubscribe_header": False,
    "allow_risky_contacts": False, "disable_bounce_protect": False, "limit_emails_per_company_override": None,
    "cc_list": [], "bcc_list": [], "owned_by": None, "ai_sdr_id": None, "provider_routing_rules": [],
}


def normalize_sequences(sequences: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for seq in sequences:
        steps = []
        for step in seq.get("steps", []):
            s = {"type": step["type"], "delay": step["delay"], "delay_unit": step.get("delay_unit", "days"),
                 "variants": [dict(v) for v in step["variants"]]}
            for extra in ("pre_delay", "pre_delay_unit"):
                if extra in step:
                    s[extra] = step[extra]
            steps.append(s)
        out.append({"steps": steps})
    return out


def steps_of(campaign: dict[str, Any]) -> list[dict[str, Any]]:
    seqs = campaign.get("sequences") or []
    return list(seqs[0].get("steps", [])) if seqs else []


def enabled_variants(step: dict[str, Any]) -> list[int]:
    return [i for i, v in enumerate(step.get("variants", [])) if not v.get("v_disabled")]


# --- emails ---

_TAG = re.compile(r"<[^>]+>")
_BR = re.compile(r"<\s*br\s*/?>|</p>|</div>", re.I)
_VAR = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")


def render_template(text: str, variables: dict[str, Any]) -> str:
    return _VAR.sub(lambda m: str(variables.get(m.group(1), "")), text or "")


def html_to_text(body: str) -> str:
    return html.unescape(_TAG.sub("", _BR.sub("\n", body or ""))).strip()


def new_email(sb: Sandbox, *, subject: str, html_body: str, text_body: str | None, sender: str, to: str,
              ue_type: int, lead: dict[str, Any] | None, campaign_id: str | None, thread_id: str,
              step: int | None = None, unread: bool = False, auto_reply: bool = False,
              cc: str | None = None, bcc: str | None = None) -> dict[str, Any]:
    now = sb.clock.now()
    email_id = sb.ids.uuid7()
    text = text_body if text_body is not None else html_to_text(html_body)
    return {
        "id": email_id, "timestamp_created": now, "timestamp_email": now,
        "message_id": f"<{email_id}@sandbox.instantly.local>", "subject": subject,
        "from_address_email": sender, "to_address_email_list": to, "cc_address_email_list": cc,
        "bcc_address_email_list": bcc, "reply_to": None, "body": {"text": text, "html": html_body},
        "organization_id": sb.workspace_id, "campaign_id": campaign_id, "subsequence_id": None,
        "list_id": lead.get("list_id") if lead else None, "lead": lead.get("email") if lead else None,
        "lead_id": lead["id"] if lead else None,
        "eaccount": sender if ue_type != 2 else to, "ue_type": ue_type,
        "step": None if step is None else str(step), "is_unread": 1 if unread else 0,
        "is_auto_reply": 1 if auto_reply else 0, "reminder_ts": None, "ai_interest_value": None,
        "ai_assisted": 0, "is_focused": 1, "i_status": lead.get("lt_interest_status") if lead else None,
        "thread_id": thread_id, "content_preview": text[:120], "attachment_json": None,
        "from_address_json": [{"address": sender, "name": ""}],
        "to_address_json": [{"address": a.strip(), "name": ""} for a in to.split(",") if a.strip()],
        "cc_address_json": None, "ai_agent_id": None,
    }
