"""The simulation engine: "sending" sequence steps and recording opens, clicks, replies, bounces,
unsubscribes and interest changes. Each event updates the lead, is stored in the events table (the only
source of the analytics numbers), may create unibox emails, and queues webhook deliveries."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from instantly_mcp.sandbox.ids import stable_uuid
from instantly_mcp.sandbox.models import (
    enabled_variants,
    lead_vars,
    new_email,
    public,
    render_template,
    steps_of,
)
from instantly_mcp.sandbox.web import ApiError, bad

if TYPE_CHECKING:
    from instantly_mcp.sandbox.core import Sandbox

# engagement event -> (lt_interest_status value, webhook event_type or None)
INTEREST_EVENTS: dict[str, tuple[int | None, str | None]] = {
    "interested": (1, "lead_interested"), "meeting_booked": (2, "lead_meeting_booked"),
    "meeting_completed": (3, "lead_meeting_completed"), "won": (4, "lead_closed"), "closed": (4, "lead_closed"),
    "not_interested": (-1, "lead_not_interested"), "wrong_person": (-2, "lead_wrong_person"), "lost": (-3, None),
    "no_show": (-4, "lead_no_show"), "out_of_office": (0, "lead_out_of_office"), "neutral": (None, "lead_neutral"),
}
WEBHOOK_FOR_INTEREST = {v: e for v, e in INTEREST_EVENTS.values() if e}
EMAIL_EVENTS = ("sent", "opened", "clicked", "replied", "auto_replied", "bounced", "unsubscribed")
ALL_EVENTS = (*EMAIL_EVENTS, *INTEREST_EVENTS)


def _campaign(sb: Sandbox, lead: dict[str, Any]) -> dict[str, Any] | None:
    return sb.store.get("campaign", lead["campaign"]) if lead.get("campaign") else None


def payload(sb: Sandbox, event_type: str, lead: dict[str, Any], campaign: dict[str, Any] | None,
            email: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    """The documented webhook body: always-present fields, then event details, then the lead's data."""
    firsts = lead.setdefault("_firsts", [])
    is_first = event_type not in firsts
    if is_first:
        firsts.append(event_type)
    body: dict[str, Any] = {
        "timestamp": sb.clock.now(), "event_type": event_type, "workspace": sb.workspace_id,
        "campaign_id": campaign["id"] if campaign else None, "campaign_name": campaign["name"] if campaign else None,
        "lead_email": lead.get("email"), "is_first": is_first,
    }
    if email is not None:
        step = email.get("step")
        body.update(
            email_account=email["eaccount"], email_id=email["id"], email_subject=email["subject"],
            email_text=email["body"]["text"], email_html=email["body"]["html"],
        )
        if step is not None:
            body.update(step=int(step) + 1, variant=int(email.get("_variant", 0)) + 1)
    body.update(extra)
    for name in ("first_name", "last_name", "company_name", "job_title", "website", "phone", "personalization"):
        if lead.get(name) is not None:
            body.setdefault(name, lead[name])
    for key, value in (lead.get("_cv") or {}).items():
        body.setdefault(key, value)
    return body


def _sender(sb: Sandbox, campaign: dict[str, Any], lead: dict[str, Any]) -> str:
    accounts = {a["email"]: a for a in sb.store.all("account")}
    listed = [e for e in campaign.get("email_list") or [] if accounts.get(e, {}).get("status") == 1]
    pool = listed or [e for e, a in accounts.items() if a.get("status") == 1]
    if not pool:
        raise bad("No active sending account is available for this campaign")
    return pool[int(lead["id"].replace("-", "")[-6:], 16) % len(pool)]


def send_next_step(sb: Sandbox, lead: dict[str, Any], campaign: dict[str, Any]) -> dict[str, Any]:
    """'Send' the lead's next step: an email in the unibox, a `sent` event, an email_sent webhook."""
    steps = steps_of(campaign)
    index = int(lead.get("_next_step", 0))
    if index >= len(steps):
        raise bad("Lead has no next sequence step to send")
    step = steps[index]
    variants = enabled_variants(step) or [0]
    variant = variants[int(lead["id"].replace("-", "")[-4:], 16) % len(variants)]
    chosen = step["variants"][variant]
    sender = _sender(sb, campaign, lead)
    values = lead_vars(lead)
    thread = lead.get("_thread") or sb.ids.uuid7()
    subject = render_template(chosen["subject"], values)
    if not subject.strip():  # an empty follow-up subject threads under the previous one, as in Instantly
        previous = sb.store.get("email", lead["_last_email"]) if lead.get("_last_email") else None
        before = str(previous["subject"]) if previous else ""
        subject = (before if before.lower().startswith("re:") else f"Re: {before}") if previous else "(no subject)"
    email = new_email(
        sb, subject=subject, html_body=render_template(chosen["body"], values),
        text_body=None, sender=sender, to=lead["email"], ue_type=1, lead=lead, campaign_id=campaign["id"],
        thread_id=thread, step=index, cc=",".join(campaign.get("cc_list") or []) or None,
        bcc=",".join(campaign.get("bcc_list") or []) or None,
    )
    email["_variant"] = variant
    now = email["timestamp_created"]
    step_id = stable_uuid(campaign["id"], str(index))
    lead.update(
        _next_step=index + 1, _thread=thread, _last_email=email["id"], timestamp_last_contact=now,
        timestamp_last_touch=now, last_contacted_from=sender, last_step_from="campaign", last_step_id=step_id,
        last_step_timestamp_executed=now, timestamp_updated=now,
        status_summary={"lastStep": {"from": "campaign", "stepID": step_id, "timestamp_executed": now},
                        "domain_complete": False},
    )
    if index + 1 >= len(steps):
        lead["status"] = 3
    with sb.store.tx():
        sb.store.put("email", email)
        sb.store.add_event(ts=now, campaign_id=campaign["id"], lead_id=lead["id"], type="sent", step=index,
                           variant=variant)
        body = payload(sb, "email_sent", lead, campaign, email)
        sb.store.put_lead(lead)
        sb.webhooks.emit("email_sent", body, campaign["id"])
    return email


def _last_sent(sb: Sandbox, lead: dict[str, Any]) -> dict[str, Any]:
    email = sb.store.get("email", lead["_last_email"]) if lead.get("_last_email") else None
    if email is None:
        raise bad("Lead has not been sent an email yet; POST /_sandbox/tick or an engagement 'sent' first")
    return email


def record(sb: Sandbox, lead: dict[str, Any], event: str, options: dict[str, Any]) -> dict[str, Any]:
    """Apply one engagement event to a lead; returns {event, lead, email?, webhooks_queued}."""
    if event not in ALL_EVENTS:
        raise bad(f"event must be one of {list(ALL_EVENTS)}")
    campaign = _campaign(sb, lead)
    cid = campaign["id"] if campaign else None
    if event == "sent":
        if campaign is None:
            raise bad("Lead is not in a campaign")
        email = send_next_step(sb, lead, campaign)
        return {"event": event, "email": public(email)}
    if event in INTEREST_EVENTS:
        value, _hook = INTEREST_EVENTS[event]
        queued = set_interest(sb, lead, value)
        return {"event": event, "webhooks_queued": queued}
    now = sb.clock.now()
    result: dict[str, Any] = {"event": event}
    with sb.store.tx():
        if event == "unsubscribed":
            lead.update(status=-2, timestamp_updated=now, timestamp_last_touch=now)
            sb.store.add_event(ts=now, campaign_id=cid, lead_id=lead["id"], type="unsubscribed")
            body = payload(sb, "lead_unsubscribed", lead, campaign)
            if sb.workspace.get("add_unsub_to_block") and lead.get("email"):
                from instantly_mcp.sandbox.misc import add_block

                add_block(sb, lead["email"])
            hook_type = "lead_unsubscribed"
        else:
            sent = _last_sent(sb, lead)
            step, variant = int(sent["step"] or 0), int(sent.get("_variant", 0))
            common = {"campaign_id": cid, "lead_id": lead["id"], "step": step, "variant": variant}
            if event == "opened":
                lead["email_open_count"] += 1
                lead.update(timestamp_last_open=now, email_opened_step=step, email_opened_variant=variant)
                sb.store.add_event(ts=now, type="opened", **common)
                hook_type, body = "email_opened", payload(sb, "email_opened", lead, campaign, sent)
            elif event == "clicked":
                lead["email_click_count"] += 1
                lead.update(timestamp_last_click=now, email_clicked_step=step, email_clicked_variant=variant)
                sb.store.add_event(ts=now, type="clicked", **common)
                hook_type, body = "link_clicked", payload(sb, "link_clicked", lead, campaign, sent,
                                                          link=options.get("link", "https://example.com/"))
            elif event == "bounced":
                lead.update(status=-1)
                sb.store.add_event(ts=now, type="bounced", **common)
                hook_type, body = "email_bounced", payload(sb, "email_bounced", lead, campaign, sent)
            else:  # replied / auto_replied
                auto = event == "auto_replied" or bool(options.get("auto_reply"))
                reply = _reply_email(sb, lead, sent, options, auto)
                lead["email_reply_count"] += 0 if auto else 1
                lead.update(timestamp_last_reply=now, email_replied_step=step, email_replied_variant=variant)
                if campaign and ((campaign.get("stop_on_reply") and not auto) or
                                 (campaign.get("stop_on_auto_reply") and auto)) and lead["status"] == 1:
                    lead["status"] = 3
                sb.store.add_event(ts=now, type="replied", auto=auto, **common)
                hook_type = "auto_reply_received" if auto else "reply_received"
                text = reply["body"]["text"]
                body = payload(
                    sb, hook_type, lead, campaign, sent, reply_text_snippet=text[:100], reply_subject=reply["subject"],
                    reply_text=text, reply_html=reply["body"]["html"], email_id=reply["id"],
                    unibox_url=f"http://sandbox.instantly.local/app/unibox?thread_search=thread:{reply['thread_id']}",
                )
                result["email"] = public(reply)
            lead.update(timestamp_updated=now, timestamp_last_touch=now)
        sb.store.put_lead(lead)
        result["webhooks_queued"] = sb.webhooks.emit(hook_type, body, cid)
    return result


def _reply_email(sb: Sandbox, lead: dict[str, Any], sent: dict[str, Any], options: dict[str, Any],
                 auto: bool) -> dict[str, Any]:
    text = str(options.get("text") or ("I am out of the office until Monday." if auto else
                                       "Thanks for reaching out, this sounds interesting. Can we talk next week?"))
    subject = str(options.get("subject") or f"Re: {sent['subject']}")
    reply = new_email(sb, subject=subject, html_body=f"<div>{text}</div>", text_body=text, sender=lead["email"],
                      to=sent["eaccount"], ue_type=2, lead=lead, campaign_id=sent.get("campaign_id"),
                      thread_id=sent["thread_id"], step=int(sent["step"] or 0), unread=True, auto_reply=auto)
    reply["_variant"] = sent.get("_variant", 0)
    sb.store.put("email", reply)
    return reply


def set_interest(sb: Sandbox, lead: dict[str, Any], value: int | None) -> int:
    """Set lt_interest_status (None resets to plain "Lead"); records an interest event and the lead_* webhook."""
    campaign = _campaign(sb, lead)
    cid = campaign["id"] if campaign else None
    now = sb.clock.now()
    if value is None:
        lead.pop("lt_interest_status", None)
    else:
        lead["lt_interest_status"] = value
    lead.update(timestamp_last_interest_change=now, timestamp_updated=now)
    hook = WEBHOOK_FOR_INTEREST.get(value) if value is not None else "lead_neutral"
    sent = sb.store.get("email", lead["_last_email"]) if lead.get("_last_email") else None
    with sb.store.tx():
        sb.store.add_event(ts=now, campaign_id=cid, lead_id=lead["id"], type="interest",
                           step=int(sent["step"]) if sent and sent.get("step") is not None else None,
                           variant=sent.get("_variant") if sent else None, value=value)
        queued = 0
        if hook:
            body = payload(sb, hook, lead, campaign, sent)
            if value is not None:
                body["lt_interest_status"] = value
            queued = sb.webhooks.emit(hook, body, cid)
        sb.store.put_lead(lead)
    return queued


def tick(sb: Sandbox, campaign_id: str | None = None) -> dict[str, Any]:
    """One scheduling round: each active lead of each active campaign gets its next step."""
    campaigns = [c for c in sb.store.all("campaign") if c["status"] == 1 and campaign_id in (None, c["id"])]
    sent: list[str] = []
    completed: list[str] = []
    for campaign in campaigns:
        steps = steps_of(campaign)
        for lead in list(sb.store.iter_leads(campaign=campaign["id"])):
            if lead["status"] == 1 and lead.get("email") and int(lead.get("_next_step", 0)) < len(steps):
                try:
                    sent.append(send_next_step(sb, lead, campaign)["id"])
                except ApiError:
                    break  # no sending account: nothing more can go out for this campaign
        if not campaign.get("is_evergreen") and sb.store.count_leads(campaign=campaign["id"]) and not any(
            lead["status"] == 1 for lead in sb.store.iter_leads(campaign=campaign["id"])
        ):
            now = sb.clock.now()
            campaign.update(status=3, timestamp_updated=now)
            with sb.store.tx():
                sb.store.put("campaign", campaign)
                body = {"timestamp": now, "event_type": "campaign_completed", "workspace": sb.workspace_id,
                        "campaign_id": campaign["id"], "campaign_name": campaign["name"]}
                sb.webhooks.emit("campaign_completed", body, campaign["id"])
            completed.append(campaign["id"])
    return {"sent": len(sent), "email_ids": sent, "completed_campaigns": completed}
