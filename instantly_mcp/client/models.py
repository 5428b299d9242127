"""Typed shapes of Instantly API v2 objects. Unknown fields are kept (the API grows), known ones are typed."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

T = TypeVar("T")

# Our own bounds on custom variables (Instantly documents none): enough for any merge field, small enough
# that a pasted document or a nested object is caught before it reaches the API.
MAX_CUSTOM_VARIABLES = 100
MAX_VARIABLE_NAME = 64
MAX_VARIABLE_VALUE = 5000
VariableValue = str | int | float | bool | None


def check_custom_variables(values: dict[str, Any]) -> dict[str, Any]:
    """Flat, str/number/bool/null values, bounded sizes; the error names the offending variable."""
    if len(values) > MAX_CUSTOM_VARIABLES:
        raise ValueError(f"at most {MAX_CUSTOM_VARIABLES} custom variables per lead (got {len(values)})")
    for key, value in values.items():
        if not key.strip() or len(key) > MAX_VARIABLE_NAME:
            raise ValueError(f"variable name {key[:80]!r} must be 1-{MAX_VARIABLE_NAME} characters")
        if value is not None and not isinstance(value, str | int | float | bool):
            raise ValueError(
                f"variable {key!r} must be a string, number, boolean or null, not {type(value).__name__}")
        if isinstance(value, str) and len(value) > MAX_VARIABLE_VALUE:
            raise ValueError(f"variable {key!r} is {len(value)} characters; the limit is {MAX_VARIABLE_VALUE}")
    return values


# Lead.payload holds the lead's native fields (camelCase) and its custom variables, and the OpenAPI document
# lets it hold objects too ("additionalProperties": null/string/number/boolean/object). PATCH /leads/{id}
# replaces custom_variables whole and accepts only string, number, boolean or null values: a merge writes
# back the scalar, non-native keys only.
NATIVE_PAYLOAD_KEYS = frozenset({"firstName", "lastName", "companyName", "jobTitle", "website", "phone",
                                 "personalization", "email"})


def payload_variables(payload: dict[str, Any] | None) -> dict[str, Any]:
    """The custom variables in a lead's payload that may be written back with PATCH."""
    return {k: v for k, v in (payload or {}).items()
            if k not in NATIVE_PAYLOAD_KEYS and (v is None or isinstance(v, str | int | float | bool))}


class ApiModel(BaseModel):
    """An API object: typed where we rely on a field, everything else kept as extra."""

    model_config = ConfigDict(extra="allow")

    def as_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)

    def pick(self, *fields: str) -> dict[str, Any]:
        full = self.as_dict()
        return {k: full[k] for k in fields if full.get(k) is not None}


class Campaign(ApiModel):
    id: str
    name: str | None = None
    status: int | None = None
    campaign_schedule: dict[str, Any] | None = None
    sequences: list[dict[str, Any]] | None = None
    email_list: list[str] | None = None
    daily_limit: int | None = None
    timestamp_created: str | None = None


class Lead(ApiModel):
    id: str
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    company_name: str | None = None
    campaign: str | None = None
    list_id: str | None = None
    status: int | None = None
    lt_interest_status: int | None = None
    verification_status: int | None = None
    payload: dict[str, Any] | None = None
    timestamp_created: str | None = None


class LeadList(ApiModel):
    id: str
    name: str | None = None
    has_enrichment_task: bool | None = None
    timestamp_created: str | None = None


class Account(ApiModel):
    email: str
    first_name: str | None = None
    last_name: str | None = None
    status: int | None = None
    warmup_status: int | None = None
    daily_limit: int | None = None
    stat_warmup_score: float | None = None
    provider_code: int | None = None


class Email(ApiModel):
    id: str
    subject: str | None = None
    from_address_email: str | None = None
    to_address_email_list: str | None = None
    eaccount: str | None = None
    lead: str | None = None
    campaign_id: str | None = None
    thread_id: str | None = None
    ue_type: int | None = None
    is_unread: int | bool | None = None
    timestamp_email: str | None = None
    content_preview: str | None = None
    body: dict[str, Any] | None = None


class Webhook(ApiModel):
    id: str
    name: str | None = None
    target_hook_url: str | None = None
    event_type: str | None = None
    campaign: str | None = None
    status: int | None = None
    headers: dict[str, Any] | None = None


class BackgroundJob(ApiModel):
    id: str
    type: str | None = None
    status: str | None = None
    progress: float | None = None
    entity_id: str | None = None
    entity_type: str | None = None
    data: dict[str, Any] | None = None


class CustomTag(ApiModel):
    id: str
    label: str | None = None
    description: str | None = None


class BlockListEntry(ApiModel):
    id: str
    bl_value: str | None = None
    is_domain: bool | None = None


class Workspace(ApiModel):
    id: str
    name: str | None = None
    owner: str | None = None
    plan_id: str | None = None


class Page(BaseModel, Generic[T]):
    """Items gathered over one or more API pages. has_more is true only if another page really has items."""

    items: list[T] = Field(default_factory=list)
    next_starting_after: str | None = None
    has_more: bool = False
    pages: int = 0


class BulkAddResponse(ApiModel):
    """The answer of POST /leads/add for one batch."""

    leads_uploaded: int = 0
    in_blocklist: int = 0
    duplicated_leads: int = 0
    skipped_count: int = 0
    invalid_email_count: int = 0
    incomplete_count: int = 0
    duplicate_email_count: int = 0
    remaining_in_plan: int | None = None
    created_leads: list[dict[str, Any]] = Field(default_factory=list)


class NewLead(BaseModel):
    """A lead to import: the API's native fields plus custom_variables (flat; str/number/bool/null values)."""

    model_config = ConfigDict(extra="forbid")

    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    company_name: str | None = None
    job_title: str | None = None
    phone: str | None = None
    website: str | None = None
    personalization: str | None = None
    custom_variables: dict[str, Any] = Field(default_factory=dict)

    @field_validator("custom_variables")
    @classmethod
    def _flat(cls, value: dict[str, Any]) -> dict[str, Any]:
        return check_custom_variables(value)

    def body(self) -> dict[str, Any]:
        out = self.model_dump(exclude_none=True)
        if not out.get("custom_variables"):
            out.pop("custom_variables", None)
        return out


class Problem(BaseModel):
    """One lead (or a group of leads) not imported, and why."""

    reason: str
    count: int = 1
    email: str | None = None
    index: int | None = None
    batch: int | None = None


class ImportSummary(BaseModel):
    """The merged outcome of a multi-batch import. Every input lead is counted in exactly one bucket."""

    total: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    invalid: int = 0
    failed: int = 0
    batches: int = 0
    failed_batches: int = 0
    retried_batches: int = 0
    created_ids: list[str] = Field(default_factory=list)
    skipped_reasons: dict[str, int] = Field(default_factory=dict)
    invalid_items: list[Problem] = Field(default_factory=list)
    failed_items: list[Problem] = Field(default_factory=list)
    remaining_in_plan: int | None = None

    def unaccounted(self) -> int:
        """Input leads in no bucket: always 0 unless something is wrong."""
        return self.total - (self.created + self.updated + self.skipped + self.invalid + self.failed)
