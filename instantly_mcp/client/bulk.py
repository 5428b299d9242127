"""Bulk lead import of any size over POST /api/v2/leads/add (≤ 1,000 leads a request).

- invalid emails are reported, never sent; duplicates inside the input are folded (case-insensitive);
- batches run with bounded concurrency under the client's rate limits;
- each batch is sent as idempotent: the endpoint never adds an email twice to the same campaign or list,
  so the HTTP layer may retry it after a dropped connection or a 5xx without duplicating anything;
- a batch that was retried or finally failed is reconciled by looking its emails up in the target, so a lead
  committed by an attempt whose answer was lost is counted as created, never lost or counted twice;
- every input lead ends in exactly one bucket: created, updated, skipped, invalid or failed.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from instantly_mcp.client.base import track_attempts
from instantly_mcp.client.leads import LeadsApi
from instantly_mcp.client.models import BulkAddResponse, ImportSummary, Lead, NewLead, Problem, payload_variables
from shared.errors import ApiError, InputError

log = logging.getLogger(__name__)

MAX_BATCH = 1000
LOOKUP_CHUNK = 100
# A lead found in the target after a lost answer counts as ours if created after the import began
# (minus this allowance for clock skew between us and the API).
CLOCK_SKEW_S = 10.0
_EMAIL = re.compile(r"^[^@\s<>(),;:\"\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")

Progress = Callable[[int, int, str], Awaitable[None]]
UNCERTAIN = "answer lost and the check failed: may have been added; re-run the import (added ones are skipped)"
UNEXPECTED = ("unexpected error (details in the server log); some of these may have been added: re-run the import, "
              "leads already in the target are skipped")


def email_problem(email: str | None) -> str | None:
    """Why an email is unusable, or None when it looks deliverable."""
    if not email:
        return "missing email"
    if len(email) > 254:
        return "email longer than 254 characters"
    if not _EMAIL.match(email):
        return "not a valid email address"
    return None


@dataclass
class _Item:
    index: int  # position in the caller's input
    lead: NewLead

    @property
    def key(self) -> str | None:
        return self.lead.email.lower() if self.lead.email else None


@dataclass
class _Outcome:
    created: list[str] = field(default_factory=list)
    updated: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    invalid: list[Problem] = field(default_factory=list)
    failed: list[Problem] = field(default_factory=list)
    retried: bool = False
    remaining_in_plan: int | None = None


def _fold(kept: NewLead, dup: NewLead) -> None:
    """Fill the kept lead's empty fields (and missing custom variables) from a later duplicate."""
    for name in NewLead.model_fields:
        if name != "custom_variables" and getattr(kept, name) in (None, "") and getattr(dup, name) not in (None, ""):
            setattr(kept, name, getattr(dup, name))
    for k, v in dup.custom_variables.items():
        kept.custom_variables.setdefault(k, v)


def _ts(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


class BulkApi(LeadsApi):
    async def import_leads(
        self,
        leads: Sequence[NewLead | Mapping[str, Any]],
        *,
        campaign_id: str | None = None,
        list_id: str | None = None,
        skip_if_in_workspace: bool = False,
        skip_if_in_campaign: bool = False,
        skip_if_in_list: bool = False,
        verify_leads_on_import: bool = False,
        update_existing: bool = False,
        batch_size: int = MAX_BATCH,
        concurrency: int = 4,
        progress: Progress | None = None,
    ) -> ImportSummary:
        if bool(campaign_id) == bool(list_id):
            raise InputError("give exactly one of campaign_id or list_id", "campaign_id")
        batch_size = max(1, min(MAX_BATCH, batch_size))
        summary = ImportSummary(total=len(leads))
        items = self._prepare(leads, need_email=bool(campaign_id), summary=summary)
        batches = [items[i : i + batch_size] for i in range(0, len(items), batch_size)]
        summary.batches = len(batches)
        options = {
            "campaign_id": campaign_id, "list_id": list_id, "skip_if_in_workspace": skip_if_in_workspace or None,
            "skip_if_in_campaign": skip_if_in_campaign or None, "skip_if_in_list": skip_if_in_list or None,
            "verify_leads_on_import": verify_leads_on_import or None,
        }
        options = {k: v for k, v in options.items() if v is not None}
        started = time.time()
        gate = asyncio.Semaphore(max(1, concurrency))
        done = 0
        total_to_send = len(items)
        lock = asyncio.Lock()

        async def run(number: int, batch: list[_Item]) -> _Outcome:
            nonlocal done
            async with gate:
                try:
                    outcome = await self._send_batch(number, batch, options, started, update_existing)
                except Exception:  # noqa: BLE001 - one broken batch must not lose the others' results
                    log.exception("lead import: batch %d failed unexpectedly", number)
                    outcome = _Outcome(failed=[
                        Problem(reason=UNEXPECTED, email=i.lead.email, index=i.index, batch=number) for i in batch])
            async with lock:
                done += len(batch)
                if progress is not None:
                    await progress(done, total_to_send, f"batch {number}/{len(batches)}: {len(outcome.created)} created")
            return outcome

        outcomes = await asyncio.gather(*(run(n, b) for n, b in enumerate(batches, start=1)))
        for outcome in outcomes:
            summary.created += len(outcome.created)
            summary.created_ids.extend(outcome.created)
            summary.updated += outcome.updated
            summary.skipped += sum(outcome.skipped.values())
            for reason, count in outcome.skipped.items():
                summary.skipped_reasons[reason] = summary.skipped_reasons.get(reason, 0) + count
            summary.invalid += sum(p.count for p in outcome.invalid)
            summary.invalid_items.extend(outcome.invalid)
            summary.failed += sum(p.count for p in outcome.failed)
            summary.failed_items.extend(outcome.failed)
            summary.failed_batches += 1 if outcome.failed else 0
            summary.retried_batches += 1 if outcome.retried else 0
            if outcome.remaining_in_plan is not None:
                summary.remaining_in_plan = outcome.remaining_in_plan
        return summary

    # --- before sending ---

    def _prepare(
        self, leads: Sequence[NewLead | Mapping[str, Any]], *, need_email: bool, summary: ImportSummary,
    ) -> list[_Item]:
        kept: dict[str, _Item] = {}
        out: list[_Item] = []
        folded = 0
        for index, raw in enumerate(leads):
            try:
                lead = raw.model_copy(deep=True) if isinstance(raw, NewLead) else NewLead.model_validate(raw)
            except ValidationError as exc:
                where = ".".join(str(p) for p in exc.errors()[0].get("loc", ())) or "lead"
                email = raw.get("email") if isinstance(raw, Mapping) else None
                summary.invalid_items.append(
                    Problem(reason=f"{where}: {exc.errors()[0].get('msg')}", email=email, index=index))
                continue
            if lead.email is not None:
                lead.email = lead.email.strip() or None
            problem = email_problem(lead.email)
            if problem and (need_email or lead.email):
                summary.invalid_items.append(Problem(reason=problem, email=lead.email, index=index))
                continue
            if not lead.email and not (lead.first_name or lead.last_name):
                summary.invalid_items.append(Problem(reason="needs an email or a name", index=index))
                continue
            item = _Item(index, lead)
            if item.key is not None and item.key in kept:
                _fold(kept[item.key].lead, lead)
                folded += 1
                continue
            if item.key is not None:
                kept[item.key] = item
            out.append(item)
        summary.invalid = len(summary.invalid_items)
        if folded:
            summary.skipped += folded
            summary.skipped_reasons["duplicate_in_input"] = folded
        return out

    # --- one batch ---

    async def _send_batch(
        self, number: int, batch: list[_Item], options: dict[str, Any], started: float, update_existing: bool,
    ) -> _Outcome:
        outcome = _Outcome()
        attempts = track_attempts()
        body = {**options, "leads": [i.lead.body() for i in batch]}
        try:
            answer = await self.request("POST", "/api/v2/leads/add", json=body, idempotent=True)
        except ApiError as exc:
            outcome.retried = attempts[0] > 1
            await self._recover_failed(number, batch, options, started, exc, outcome)
            return outcome
        outcome.retried = attempts[0] > 1
        result = BulkAddResponse.model_validate(answer if isinstance(answer, dict) else {})
        outcome.remaining_in_plan = result.remaining_in_plan
        created_at = {int(c["index"]): str(c["id"]) for c in result.created_leads if "index" in c and "id" in c}
        outcome.created.extend(created_at.values())
        rest = [item for pos, item in enumerate(batch) if pos not in created_at]
        if not rest:
            return outcome
        counts = {
            "blocklisted": result.in_blocklist, "skip_flags": result.skipped_count,
            "duplicate_in_request": result.duplicate_email_count,
        }
        invalid_counts = {"rejected by Instantly: invalid email": result.invalid_email_count,
                          "rejected by Instantly: incomplete lead": result.incomplete_count}
        if outcome.retried or update_existing:
            try:
                rest = await self._reconcile(rest, options, started, outcome, update_existing,
                                             recover=outcome.retried)
            except ApiError as exc:
                # The look-up failed too: whether these leads are in the target is unknown, so say so.
                outcome.failed.extend(Problem(reason=f"{UNCERTAIN} ({exc.message})", email=i.lead.email,
                                              index=i.index, batch=number) for i in rest)
                return outcome
        else:
            counts["already_in_target"] = result.duplicated_leads
        self._attribute(number, len(rest), counts, invalid_counts, outcome)
        return outcome

    @staticmethod
    def _attribute(
        number: int, left: int, counts: dict[str, int], invalid_counts: dict[str, int], outcome: _Outcome,
    ) -> None:
        """Spread the API's per-batch counters over the leads it did not create (counts only, no emails)."""
        for reason, count in invalid_counts.items():
            take = min(left, max(0, count))
            if take:
                outcome.invalid.append(Problem(reason=reason, count=take, batch=number))
                left -= take
        for reason, count in counts.items():
            take = min(left, max(0, count))
            if take:
                outcome.skipped[reason] += take
                left -= take
        if left > 0:
            outcome.skipped["not_added_by_instantly"] += left

    async def _reconcile(
        self, rest: list[_Item], options: dict[str, Any], started: float, outcome: _Outcome, update_existing: bool,
        *, recover: bool,
    ) -> list[_Item]:
        """Look the leads up in the target: ours from a lost answer → created; older ones → updated or skipped.
        Returns the leads still unaccounted for."""
        found = await self._lookup(rest, options)
        left: list[_Item] = []
        to_update: list[tuple[_Item, Lead]] = []
        for item in rest:
            lead = found.get(item.key or "")
            if lead is None:
                left.append(item)
            elif recover and (_ts(lead.timestamp_created) or 0) >= started - CLOCK_SKEW_S:
                outcome.created.append(lead.id)
            elif update_existing:
                to_update.append((item, lead))
            else:
                outcome.skipped["already_in_target"] += 1
        if to_update:
            await self._update_existing(to_update, outcome)
        return left

    async def _lookup(self, items: list[_Item], options: dict[str, Any]) -> dict[str, Lead]:
        emails = [i.lead.email for i in items if i.lead.email]
        scope = {"campaign": options.get("campaign_id"), "list_id": options.get("list_id")}
        found: dict[str, Lead] = {}
        for start in range(0, len(emails), LOOKUP_CHUNK):
            chunk = emails[start : start + LOOKUP_CHUNK]
            page = await self.list_leads({**scope, "contacts": chunk}, max_items=len(chunk) * 2)
            wanted = {e.lower() for e in chunk}
            for lead in page.items:
                if lead.email and lead.email.lower() in wanted:
                    found.setdefault(lead.email.lower(), lead)
        return found

    async def _update_existing(self, pairs: list[tuple[_Item, Lead]], outcome: _Outcome) -> None:
        gate = asyncio.Semaphore(8)

        async def one(item: _Item, lead: Lead) -> None:
            body = item.lead.body()
            body.pop("email", None)  # not patchable
            if not body:
                outcome.skipped["already_in_target"] += 1  # nothing to change
                return
            if "custom_variables" in body:
                # PATCH replaces custom_variables whole: keep the lead's other variables.
                body["custom_variables"] = {**payload_variables(lead.payload), **body["custom_variables"]}
            async with gate:
                try:
                    await self.update_lead(lead.id, body)
                except ApiError as exc:
                    outcome.failed.append(Problem(reason=f"update failed: {exc.message}", email=item.lead.email,
                                                  index=item.index))
                    return
            outcome.updated += 1

        await asyncio.gather(*(one(i, lead) for i, lead in pairs))

    async def _recover_failed(
        self, number: int, batch: list[_Item], options: dict[str, Any], started: float, exc: ApiError,
        outcome: _Outcome,
    ) -> None:
        """A batch that failed after its retries: find what was committed anyway; the rest is failed."""
        reason = f"{exc.message} {exc.hint()}".strip()
        left = batch
        if any(i.lead.email for i in batch) and (exc.status is None or exc.status >= 500 or exc.status == 429):
            try:
                left = await self._reconcile(batch, options, started, outcome, False, recover=True)
            except ApiError:
                left = batch
        for item in left:
            outcome.failed.append(Problem(reason=reason, email=item.lead.email, index=item.index, batch=number))
