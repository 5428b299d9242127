"""DataMapper: how an Instantly lead and a Stripe customer describe the same person.

| Instantly lead                 | Stripe customer                          |
|--------------------------------|------------------------------------------|
| email                          | email                                    |
| first_name + last_name         | name                                     |
| company_name                   | metadata.company                         |
| custom_variables.phone         | phone                                    |
| custom_variables.website       | metadata.website                         |
| id                             | metadata.instantly_lead_id               |
| campaign                       | metadata.instantly_campaign_id           |
| (our contact id)               | metadata.contact_id                      |
| custom_variables.stripe_customer_id | id                                  |
| custom_variables.lifetime_value     | total paid (minor units, as text)  |
"""

from __future__ import annotations

from typing import Any


def split_name(name: str | None) -> tuple[str | None, str | None]:
    if not name or not name.strip():
        return None, None
    parts = name.strip().split(None, 1)
    return parts[0], parts[1] if len(parts) > 1 else None


def lead_to_customer(lead: dict[str, Any], *, contact_id: str | None = None) -> dict[str, Any]:
    """Stripe customer create/update params for a lead."""
    custom = lead.get("payload") or lead.get("custom_variables") or {}
    name = " ".join(p for p in (lead.get("first_name"), lead.get("last_name")) if p) or None
    metadata = {
        "instantly_lead_id": lead.get("id"),
        "instantly_campaign_id": lead.get("campaign"),
        "contact_id": contact_id,
        "company": lead.get("company_name"),
        "website": custom.get("website") or lead.get("website"),
        "source": "instantly",
    }
    params: dict[str, Any] = {
        "email": str(lead["email"]).strip().lower(),
        "metadata": {k: str(v)[:500] for k, v in metadata.items() if v not in (None, "")},
    }
    if name:
        params["name"] = name
    phone = custom.get("phone") or lead.get("phone")
    if phone:
        params["phone"] = str(phone)
    return params


def customer_to_lead(customer: dict[str, Any], *, total_paid: int | None = None) -> dict[str, Any]:
    """Instantly lead fields (with custom variables) for a customer."""
    first, last = split_name(customer.get("name"))
    metadata = customer.get("metadata") or {}
    custom: dict[str, Any] = {"stripe_customer_id": customer.get("id")}
    if customer.get("phone"):
        custom["phone"] = customer["phone"]
    if metadata.get("website"):
        custom["website"] = metadata["website"]
    if total_paid is not None:
        custom["lifetime_value"] = total_paid
    lead: dict[str, Any] = {"email": str(customer.get("email") or "").strip().lower(), "custom_variables": custom}
    if first:
        lead["first_name"] = first
    if last:
        lead["last_name"] = last
    if metadata.get("company"):
        lead["company_name"] = metadata["company"]
    return lead
