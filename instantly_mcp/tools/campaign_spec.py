"""Campaign inputs (schedule, steps, variants) and how they become the API's campaign body."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import Field, WithJsonSchema, field_validator, model_validator

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


class Schedule(ToolInput):
    """When a campaign sends: all optional, over the current (or default) schedule."""

    timezone: str | None = Field(None, description="From Instantly's closed list, e.g. America/Chicago.")
    days: list[Day] | None = Field(None, description="Sending days (default mon-fri).")
    send_from: str | None = Field(None, description="Start HH:MM (default 09:00).")
    send_to: str | None = Field(None, description="End HH:MM (default 17:00).")
    start_date: str | None = Field(None, pattern=_DATE, description="First day, YYYY-MM-DD.")
    end_date: str | None = Field(None, pattern=_DATE, description="Last day, YYYY-MM-DD.")

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


# Compact published schemas for the nested inputs (validated by the full models all the same): the field lists
# are said once in a description instead of one described property each (issue 14 §4, B5 budget).
STEPS_SCHEMA = WithJsonSchema({"type": "array", "items": {"type": "object"}, "description": (
    "[{subject, body, delay (default 3), delay_unit: minutes|hours|days (default days)}] or "
    "[{variants: [{subject, body}], delay}]; an empty subject in a follow-up = same thread.")})
SCHEDULE_SCHEMA = WithJsonSchema({"type": "object", "description": (
    "{timezone (Instantly's list, e.g. America/Chicago, not America/New_York), days: [mon..sun] (default mon-fri), "
    "send_from, send_to: HH:MM (default 09:00-17:00), start_date, end_date: YYYY-MM-DD}; given keys change.")})
SETTINGS_SCHEMA = WithJsonSchema({"type": "object", "description": (
    "API campaign fields as-is, e.g. daily_limit, stop_on_reply, open_tracking, link_tracking, text_only.")})


class CampaignFields(ToolInput):
    """Schedule, sequence and settings fields (all optional); also used by the orchestrator's campaign tools."""

    subject: str | None = Field(None, description="One-step sequence: subject.")
    body: str | None = Field(None, description="One-step sequence: body.")
    steps: Annotated[list[Step] | None, STEPS_SCHEMA] = None
    schedule: Annotated[Schedule | None, SCHEDULE_SCHEMA] = None
    sender_accounts: list[str] | None = Field(None, description="Sending account emails (needed to send).")
    settings: Annotated[dict[str, Any] | None, SETTINGS_SCHEMA] = None

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
        return self.schedule is not None and bool(self.schedule.model_dump(exclude_none=True))

    def campaign_schedule(self, current: dict[str, Any] | None = None) -> dict[str, Any]:
        """The campaign_schedule: given fields over the current (or default) schedule."""
        when = self.schedule or Schedule()
        base = dict(current or {})
        entries = list(base.get("schedules") or [])
        first = dict(entries[0]) if entries else {}
        timing = dict(first.get("timing") or {"from": "09:00", "to": "17:00"})
        if when.send_from:
            timing["from"] = when.send_from
        if when.send_to:
            timing["to"] = when.send_to
        days = first.get("days") or {DAY_KEYS[d]: d in WEEKDAYS for d in DAY_KEYS}
        if when.days is not None:
            days = {DAY_KEYS[d]: d in when.days for d in DAY_KEYS}
        first.update(
            name=first.get("name") or "Default schedule", timing=timing, days=days,
            timezone=when.timezone or first.get("timezone") or "America/Chicago",
        )
        base["schedules"] = [first, *entries[1:]]
        if when.start_date:
            base["start_date"] = when.start_date
        if when.end_date:
            base["end_date"] = when.end_date
        return base

    def sequences(self) -> list[dict[str, Any]] | None:
        if self.steps:
            return [{"steps": [s.to_api() for s in self.steps]}]
        if self.subject and self.body:
            return [{"steps": [Step(subject=self.subject, body=self.body).to_api()]}]
        return None

    def settings_body(self) -> dict[str, Any]:
        body = dict(self.settings or {})
        if self.sender_accounts is not None:
            body["email_list"] = self.sender_accounts
        return body


def create_body(name: str, fields: CampaignFields) -> dict[str, Any]:
    body = {"name": name, **fields.settings_body(), "campaign_schedule": fields.campaign_schedule()}
    if (sequences := fields.sequences()) is not None:
        body["sequences"] = sequences
    return body


def update_body(fields: CampaignFields, name: str | None, current: dict[str, Any] | None) -> dict[str, Any]:
    body: dict[str, Any] = fields.settings_body()
    if name:
        body["name"] = name
    if fields.schedule_given():
        body["campaign_schedule"] = fields.campaign_schedule(current)
    if (sequences := fields.sequences()) is not None:
        body["sequences"] = sequences
    return body
