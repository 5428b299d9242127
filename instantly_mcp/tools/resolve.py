"""Names work wherever ids do: a campaign or lead list by its name or id, a lead by its email or id.

An unknown or ambiguous name is an InputError naming the close matches (difflib), never a silent empty result.
`Names` also labels ids for results ("Q4 outreach (0199c0de-…)"), fetching each kind of name once per call.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from instantly_mcp.client import InstantlyClient, Lead
from instantly_mcp.client.models import Campaign, LeadList
from shared.errors import InputError

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
ALL_NAMES = 1000  # how many campaigns / lists are read to find close matches or label ids
SHOWN_MATCHES = 5


def is_id(ref: str) -> bool:
    return bool(_UUID.match(ref.strip()))


def label(name: str | None, ident: str | None) -> str:
    """'Q4 outreach (0199c0de-…-000000000001)': the name beside the id (the id alone when there is no name)."""
    if not ident:
        return name or ""
    return f"{name} ({ident})" if name else ident


def _pick(kind: str, ref: str, field: str, items: list[Any], exact_only: bool = False) -> Any | None:
    wanted = ref.strip().casefold()
    exact = [x for x in items if (x.name or "").strip().casefold() == wanted]
    if len(exact) == 1:
        return exact[0]
    if len(exact) > 1:
        shown = ", ".join(label(x.name, x.id) for x in exact[:SHOWN_MATCHES])
        raise InputError(f"{len(exact)} {kind}s are named {ref!r}: {shown}. Give the id of the one you mean.", field)
    if exact_only:
        return None
    names = sorted({x.name for x in items if x.name})
    by_fold = {n.casefold(): n for n in names}
    close = difflib.get_close_matches(wanted, list(by_fold), n=SHOWN_MATCHES, cutoff=0.5)
    close += [f for f in by_fold if wanted in f and f not in close]
    if close:
        hint = "Close matches: " + ", ".join(repr(by_fold[c]) for c in close[:SHOWN_MATCHES])
    elif names:
        hint = f"There are {len(names)} {kind}s, e.g. " + ", ".join(repr(n) for n in names[:SHOWN_MATCHES])
    else:
        hint = f"There are no {kind}s yet"
    raise InputError(f"no {kind} named {ref!r}. {hint}. Give an exact name or an id.", field)


class Names:
    """Resolves references for one tool call, and labels ids with names (each list fetched at most once)."""

    def __init__(self, client: InstantlyClient) -> None:
        self.client = client
        self._campaigns: dict[str, str | None] | None = None
        self._lists: dict[str, str | None] | None = None

    async def _named(self, kind: str, ref: str, field: str, get: Any, listing: Any) -> Any:
        """The object with this id, else the one whose name matches (exactly first, then close matches)."""
        if is_id(ref):
            return await get(ref.strip())
        found = await listing(search=ref.strip(), max_items=100)
        hit = _pick(kind, ref, field, found.items, exact_only=True)
        if hit is None:
            hit = _pick(kind, ref, field, (await listing(max_items=ALL_NAMES)).items)
        return hit

    async def campaign(self, ref: str, field: str = "campaign_id") -> Campaign:
        """The campaign with this id or name."""
        return await self._named("campaign", ref, field, self.client.get_campaign,  # type: ignore[no-any-return]
                                 self.client.list_campaigns)

    async def campaign_id(self, ref: str | None, field: str = "campaign_id") -> str | None:
        if ref is None or is_id(ref):
            return ref.strip() if ref else None
        return (await self.campaign(ref, field)).id

    async def lead_list(self, ref: str, field: str = "list_id") -> LeadList:
        """The lead list with this id or name."""
        return await self._named("lead list", ref, field, self.client.get_lead_list,  # type: ignore[no-any-return]
                                 self.client.list_lead_lists)

    async def list_id(self, ref: str | None, field: str = "list_id") -> str | None:
        if ref is None or is_id(ref):
            return ref.strip() if ref else None
        return (await self.lead_list(ref, field)).id

    async def lead(self, ref: str, *, campaign_id: str | None = None, list_id: str | None = None,
                   field: str = "lead") -> Lead:
        """The lead with this id or email (within a campaign or list when given)."""
        ref = ref.strip()
        if "@" not in ref:
            if not is_id(ref):
                raise InputError(f"{ref!r} is neither a lead id nor an email", field)
            return await self.client.get_lead(ref)
        lead = await self.client.find_lead(ref, campaign_id=campaign_id, list_id=list_id)
        if lead is None:
            where = " in that campaign" if campaign_id else " in that list" if list_id else ""
            raise InputError(f"no lead with email {ref}{where} (check the spelling or the campaign)", field)
        return lead

    # --- labels for results ---

    async def campaign_names(self) -> dict[str, str | None]:
        if self._campaigns is None:
            page = await self.client.list_campaigns(max_items=ALL_NAMES)
            self._campaigns = {c.id: c.name for c in page.items}
        return self._campaigns

    async def list_names(self) -> dict[str, str | None]:
        if self._lists is None:
            page = await self.client.list_lead_lists(max_items=ALL_NAMES)
            self._lists = {x.id: x.name for x in page.items}
        return self._lists

    async def name_rows(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Each row's campaign / list ids get a campaign_name / list_name beside them."""
        needs_campaigns = any(r.get("campaign") or r.get("campaign_id") for r in rows)
        needs_lists = any(r.get("list_id") for r in rows)
        campaigns = await self.campaign_names() if needs_campaigns else {}
        lists = await self.list_names() if needs_lists else {}
        out = []
        for row in rows:
            named: dict[str, Any] = {}
            for key, value in row.items():
                named[key] = value
                if key in ("campaign", "campaign_id") and value and campaigns.get(value):
                    named["campaign_name"] = campaigns[value]
                elif key == "list_id" and value and lists.get(value):
                    named["list_name"] = lists[value]
            out.append(named)
        return out
