"""Campaign inputs (schedule, steps, variants) and how they become the API's campaign body."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from instantly_mcp.client.timezones import is_allowed, timezone_error
from instantly_mcp.tools.common import text_to_html
from shared.tooling import ToolInput

Day = Literal["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
# campaign_schedule.schedules[].days keys "0".."6": "0" is Sunday. The OpenAPI document does not say (its
# example, 0-4 true, is only an example); Instantly's own examples do: instantly-starter-kit
# js/examples/02-create-campaign-draft.ts sends {"1".."5": true} commented "Mon–Fri", and instantly-skills
# skills/instantly-gtm/references/assemble-campaign.md gives Mon–Fri as "1".."5" true, "0" and "6" false.
DAY_KEYS: dict[str, str] = {d: str(i) for i, d in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}
WEEKDAYS: list[Day] = ["mon", "tue", "wed", "thu", "fri"]
_HHMM = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")
_DATE = r"^\d{4}-\d{2}-\d{2}$"


class Variant(ToolInput):
    subject: str = Field("", description="Empty in a follow-up = same thread.")
    body: str = Field(min_length=1, description="Text or HTML.")


class Step(ToolInput):
    subject: str | None = Field(None, description="Subject (one variant).")
    body: str | None = Field(None, description="Body (one variant).")
    variants: list[Variant] | None = Field(None, description="A/B variants instead.")
    delay: float = Field(3, ge=0, description="Wait before the next step.")
    delay_unit: Literal["minutes", "hours", "days"] = Field("days", description="Unit of delay.")

    @model_validator(mode="after")
    def _content(self) -> Step:
        if not self.variants and not self.body:
            raise ValueError("give body (and subject), or variants")
        return self

    def has_subjects(self) -> bool:
        return all(v.subject.strip() for v in self.variants) if self.variants else bool((self.subject or "").strip())

    def to_api(self) -> dict[str, Any]:
        # An empty subject is sent as "": Instantly sends that follow-up as a reply in the lead's thread.
        variants = self.variants or [Variant(subject=self.subject or "", body=self.body or "")]
        return {
            "type": "email", "delay": self.delay, "delay_unit": self.delay_unit,
            "variants": [{"subject": v.subject, "body": text_to_html(v.body)} for v in variants],
        }


class CampaignFields(ToolInput):
    """Schedule, sequence and settings fields (all optional); also used by the orchestrator's campaign tool."""

    subject: str | None = Field(None, description="One-step sequence: subject.")
    body: str | None = Field(None, description="One-step sequence: body.")
    steps: list[Step] | None = Field(None, description="Sequence steps (instead of subject/body).")
    timezone: str | None = Field(None, description="From Instantly's closed list, e.g. America/Chicago "
                                                    "(not America/New_York).")
    days: list[Day] | None = Field(None, description="Sending days (default mon-fri).")
    send_from: str | None = Field(None, description="Start HH:MM (default 09:00).")
    send_to: str | None = Field(None, description="End HH:MM (default 17:00).")
    start_date: str | None = Field(None, pattern=_DATE, description="First day.")
    end_date: str | None = Field(None, pattern=_DATE, description="Last day.")
    sender_accounts: list[str] | None = Field(None, description="Sending account emails (needed to send).")
    daily_limit: int | None = Field(None, ge=1, description="Max emails a day.")
    stop_on_reply: bool | None = Field(None, description="Stop on reply.")
    open_tracking: bool | None = Field(None, description="Track opens.")
    link_tracking: bool | None = Field(None, description="Track clicks.")
    settings: dict[str, Any] | None = Field(None, description="Other API campaign fields, as-is.")

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str | None) -> str | None:
        if value is not None and not is_allowed(value):
            raise ValueError(timezone_error(value))
        return value

    @field_validator("send_from", "send_to")
    @classmethod
    def _time(cls, value: str | None) -> str | None:
        if value is not None and not _HHMM.match(value):
            raise ValueError(f"{value!r} is not a 24-hour HH:MM time")
        return value

    @model_validator(mode="after")
    def _one_sequence(self) -> CampaignFields:
        if self.steps and (self.subject or self.body):
            raise ValueError("give either steps or subject+body, not both")
        if bool(self.subject) != bool(self.body):
            raise ValueError("subject and body go together")
        if self.steps and not self.steps[0].has_subjects():
            raise ValueError("the first step needs a subject (only follow-ups may leave it empty)")
        return self

    def schedule_given(self) -> bool:
        return any(v is not None for v in (self.timezone, self.days, self.send_from, self.send_to,
                                           self.start_date, self.end_date))

    def schedule(self, current: dict[str, Any] | None = None) -> dict[str, Any]:
        """The campaign_schedule: given fields over the current (or default) schedule."""
        base = dict(current or {})
        entries = list(base.get("schedules") or [])
        first = dict(entries[0]) if entries else {}
        timing = dict(first.get("timing") or {"from": "09:00", "to": "17:00"})
        if self.send_from:
            timing["from"] = self.send_from
        if self.send_to:
            timing["to"] = self.send_to
        days = first.get("days") or {DAY_KEYS[d]: d in WEEKDAYS for d in DAY_KEYS}
        if self.days is not None:
            days = {DAY_KEYS[d]: d in self.days for d in DAY_KEYS}
        first.update(
            name=first.get("name") or "Default schedule", timing=timing, days=days,
            timezone=self.timezone or first.get("timezone") or "America/Chicago",
        )
        base["schedules"] = [first, *entries[1:]]
        if self.start_date:
            base["start_date"] = self.start_date
        if self.end_date:
            base["end_date"] = self.end_date
        return base

    def sequences(self) -> list[dict[str, Any]] | None:
        if self.steps:
            return [{"steps": [s.to_api() for s in self.steps]}]
        if self.subject and self.body:
            return [{"steps": [Step(subject=self.subject, body=self.body).to_api()]}]
        return None

    def settings_body(self) -> dict[str, Any]:
        body = dict(self.settings or {})
        for ours, theirs in (("sender_accounts", "email_list"), ("daily_limit", "daily_limit"),
                             ("stop_on_reply", "stop_on_reply"), ("open_tracking", "open_tracking"),
                             ("link_tracking", "link_tracking")):
            value = getattr(self, ours)
            if value is not None:
                body[theirs] = value
        return body


def create_body(name: str, fields: CampaignFields) -> dict[str, Any]:
    body = {"name": name, **fields.settings_body(), "campaign_schedule": fields.schedule()}
    if (sequences := fields.sequences()) is not None:
        body["sequences"] = sequences
    return body


def update_body(fields: CampaignFields, name: str | None, current: dict[str, Any] | None) -> dict[str, Any]:
    body: dict[str, Any] = fields.settings_body()
    if name:
        body["name"] = name
    if fields.schedule_given():
        body["campaign_schedule"] = fields.schedule(current)
    if (sequences := fields.sequences()) is not None:
        body["sequences"] = sequences
    return body
