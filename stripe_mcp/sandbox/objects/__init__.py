"""The `/v1` resources; importing this package registers their routes."""

from . import (  # noqa: F401 - imported for their @route registrations
    cards,
    catalog,
    charges,
    checkout,
    coupons,
    customers,
    disputes,
    invoice_payments,
    invoiceitems,
    invoices,
    payment_links,
    payments,
    subscriptions,
)
