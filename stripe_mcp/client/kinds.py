"""The Stripe object kinds we list, search and fetch generically: where each lives in the SDK and what it filters by."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from shared.errors import InputError

KindName = Literal[
    "customers", "products", "prices", "payment_links", "checkout_sessions", "payment_intents", "charges",
    "refunds", "subscriptions", "invoices", "invoice_items", "coupons", "disputes", "events",
]


@dataclass(frozen=True)
class Kind:
    name: str
    service: tuple[str, ...]  # attribute path under client.v1, e.g. ("checkout", "sessions")
    prefixes: tuple[str, ...]  # id prefixes, for guessing a kind from an id
    filters: frozenset[str]  # list filters this kind accepts besides created/limit/cursor
    searchable: bool = False  # has a /search endpoint
    deletable: bool = False
    listable: bool = True  # offered by stripe_list (the others are fetched by id only)


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("customers", ("customers",), ("cus_",), frozenset({"email"}), searchable=True, deletable=True),
        Kind("products", ("products",), ("prod_",), frozenset({"active"}), searchable=True, deletable=True),
        Kind("prices", ("prices",), ("price_",), frozenset({"product", "active", "type"}), searchable=True),
        Kind("payment_links", ("payment_links",), ("plink_",), frozenset({"active"})),
        Kind("checkout_sessions", ("checkout", "sessions"), ("cs_",),
             frozenset({"customer", "payment_intent", "subscription", "status", "payment_link"})),
        Kind("payment_intents", ("payment_intents",), ("pi_",), frozenset({"customer"}), searchable=True),
        Kind("charges", ("charges",), ("ch_", "py_"), frozenset({"customer", "payment_intent"}), searchable=True),
        Kind("refunds", ("refunds",), ("re_", "pyr_"), frozenset({"charge", "payment_intent"})),
        Kind("subscriptions", ("subscriptions",), ("sub_",), frozenset({"customer", "price", "status"}),
             searchable=True),
        Kind("invoices", ("invoices",), ("in_",), frozenset({"customer", "subscription", "status"}), searchable=True,
             deletable=True),
        Kind("invoice_items", ("invoice_items",), ("ii_",), frozenset({"customer", "invoice"}), deletable=True),
        Kind("coupons", ("coupons",), (), frozenset(), deletable=True),
        Kind("disputes", ("disputes",), ("dp_", "du_"), frozenset({"charge", "payment_intent"})),
        Kind("events", ("events",), ("evt_",), frozenset({"type"})),
        # fetched by id only (stripe_get)
        Kind("subscription_items", ("subscription_items",), ("si_",), frozenset(), listable=False),
        Kind("invoice_payments", ("invoice_payments",), ("inpay_",), frozenset(), listable=False),
        Kind("payment_methods", ("payment_methods",), ("pm_",), frozenset(), listable=False),
        Kind("balance_transactions", ("balance_transactions",), ("txn_",), frozenset(), listable=False),
        Kind("setup_intents", ("setup_intents",), ("seti_",), frozenset(), listable=False),
        Kind("promotion_codes", ("promotion_codes",), ("promo_",), frozenset(), listable=False),
        Kind("credit_notes", ("credit_notes",), ("cn_",), frozenset(), listable=False),
        Kind("payouts", ("payouts",), ("po_",), frozenset(), listable=False),
    )
}
KNOWN_PREFIXES = ", ".join(f"{p} ({k.name.replace('_', ' ')})" for k in KINDS.values() for p in k.prefixes)


def kind(name: str) -> Kind:
    try:
        return KINDS[name]
    except KeyError:
        raise InputError(f"unknown kind {name!r}; one of {', '.join(KINDS)}", "kind") from None


def kind_for_id(object_id: str, field: str = "id", *, coupon: bool = False) -> Kind:
    """The kind an id belongs to, from its prefix. Coupon ids are free-form (e.g. SUMMER20), so an id is taken as
    a coupon only when the caller says so (`coupon=True`); any other id without a known prefix is an InputError
    that lists the known prefixes."""
    if not object_id or not object_id.strip() or "/" in object_id:
        raise InputError(f"{object_id!r} is not a Stripe id", field)
    if coupon:
        return KINDS["coupons"]
    for k in KINDS.values():
        if k.prefixes and object_id.startswith(k.prefixes):
            return k
    raise InputError(f"{object_id!r} has no known id prefix. Known: {KNOWN_PREFIXES}. Coupon ids have no prefix: "
                     "pass kind='coupon' for one", field)
