"""Cheap checks made before calling Stripe; each failure is an InputError naming the field."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime

from shared.errors import InputError

_CURRENCY = re.compile(r"^[a-z]{3}$")
MAX_AMOUNT = 99_999_999_999  # Stripe's ceiling for an amount in minor units (8 digits + cents, generously)


def currency(value: str, field: str = "currency") -> str:
    """A three-letter lowercase ISO currency code, e.g. usd or eur."""
    if not isinstance(value, str) or not _CURRENCY.match(value):
        raise InputError(f"{value!r} is not a three-letter lowercase ISO currency code such as 'usd' or 'eur'", field)
    return value


def amount(value: int, field: str = "amount", *, allow_zero: bool = False) -> int:
    """A positive integer amount in minor units (cents): 1999 means 19.99."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError("must be an integer number of minor units (e.g. 1999 for 19.99), not a decimal", field)
    if value < 0 or (value == 0 and not allow_zero):
        raise InputError(f"must be a positive integer in minor units (cents), got {value}", field)
    if value > MAX_AMOUNT:
        raise InputError(f"{value} is larger than Stripe accepts", field)
    return value


def quantity(value: int, field: str = "quantity") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InputError(f"must be a positive integer, got {value!r}", field)
    return value


def object_id(value: str, prefix: str | tuple[str, ...], field: str) -> str:
    """An id with the expected prefix, e.g. cus_ for a customer."""
    prefixes = (prefix,) if isinstance(prefix, str) else prefix
    if not isinstance(value, str) or not value.startswith(prefixes) or len(value) <= len(prefixes[0]):
        shown = " or ".join(f"{p}..." for p in prefixes)
        raise InputError(f"{value!r} is not a valid id (expected {shown})", field)
    return value


def metadata(value: Mapping[str, str] | None, field: str = "metadata") -> dict[str, str] | None:
    """Stripe's metadata limits: 50 keys, keys up to 40 chars without brackets, values up to 500 chars."""
    if value is None:
        return None
    if len(value) > 50:
        raise InputError("at most 50 keys", field)
    out: dict[str, str] = {}
    for key, val in value.items():
        if not key or len(key) > 40 or "[" in key or "]" in key:
            raise InputError(f"key {key!r} must be 1-40 characters without [ or ]", field)
        text = "" if val is None else str(val)
        if len(text) > 500:
            raise InputError(f"value of {key!r} is longer than 500 characters", field)
        out[key] = text
    return out


def url(value: str | None, field: str) -> str | None:
    if value is None:
        return None
    if not re.match(r"^https?://\S+$", value):
        raise InputError(f"{value!r} is not an http(s) URL", field)
    return value


def timestamp(value: str | int | None, field: str) -> int | None:
    """A unix timestamp from an int or an ISO date/datetime (UTC when no zone is given)."""
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value).strip()
    if text.isdigit():
        return int(text)
    try:
        if len(text) == 10:
            parsed = datetime.combine(date.fromisoformat(text), datetime.min.time(), tzinfo=UTC)
        else:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=UTC)
    except ValueError:
        raise InputError(f"{value!r} is not a date (YYYY-MM-DD), an ISO datetime or a unix timestamp", field) from None
    return int(parsed.timestamp())


def quote(value: str) -> str:
    """A value for Stripe's search query language: single-quoted, with quotes and backslashes escaped."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
