"""Customers: create, fetch, update, find by email, search by name/email, delete."""

from __future__ import annotations

from typing import Any

from shared.errors import InputError
from stripe_mcp.client import validation as v
from stripe_mcp.client.core import Page, StripeCore, idem
from stripe_mcp.client.validation import quote


def _fields(**values: Any) -> dict[str, Any]:
    return {k: val for k, val in values.items() if val is not None}


class CustomersApi(StripeCore):
    async def create_customer(
        self, *, email: str | None = None, name: str | None = None, phone: str | None = None,
        description: str | None = None, metadata: dict[str, str] | None = None, idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        params = _fields(email=email, name=name, phone=phone, description=description,
                         metadata=v.metadata(metadata))
        svc = self.sdk.v1.customers
        return await self._dict("POST", "/v1/customers", svc.create_async, params=params,
                                options=idem(idempotency_key))

    async def get_customer(self, customer_id: str) -> dict[str, Any]:
        v.object_id(customer_id, "cus_", "customer")
        return await self.retrieve("customers", customer_id)

    async def update_customer(
        self, customer_id: str, *, email: str | None = None, name: str | None = None, phone: str | None = None,
        description: str | None = None, metadata: dict[str, str] | None = None, idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        v.object_id(customer_id, "cus_", "customer")
        params = _fields(email=email, name=name, phone=phone, description=description,
                         metadata=v.metadata(metadata))
        if not params:
            raise InputError("nothing to update: pass at least one of email, name, phone, description, metadata")
        return await self._dict("POST", f"/v1/customers/{customer_id}", self.sdk.v1.customers.update_async,
                                customer_id, params=params, options=idem(idempotency_key))

    async def find_customer_by_email(self, email: str) -> dict[str, Any] | None:
        """The newest customer with exactly this email (list, not search: exact and read-after-write safe)."""
        page = await self.list_page("customers", {"email": email}, limit=1)
        return page.items[0] if page.items else None

    async def list_customers(self, *, email: str | None = None, limit: int = 10, cursor: str | None = None,
                             created: dict[str, int] | None = None) -> Page:
        return await self.list_page("customers", {"email": email, "created": created}, limit=limit, cursor=cursor)

    async def search_customers(self, *, name: str | None = None, email: str | None = None, query: str | None = None,
                               limit: int = 10, cursor: str | None = None) -> Page:
        """Stripe search (eventually consistent, ~1 min behind): by name substring, email or a raw query."""
        parts = []
        if query:
            parts.append(query)
        if name:
            parts.append(f"name~{quote(name)}" if len(name) >= 3 else f"name:{quote(name)}")
        if email:
            parts.append(f"email:{quote(email)}")
        if not parts:
            raise InputError("pass a name, an email or a query", "query")
        return await self.search_page("customers", " AND ".join(parts), limit=limit, cursor=cursor)

    async def delete_customer(self, customer_id: str, *, idempotency_key: str | None = None) -> dict[str, Any]:
        v.object_id(customer_id, "cus_", "customer")
        return await self.delete("customers", customer_id, idempotency_key=idempotency_key)
