"""Cursor pagination over Instantly list endpoints (`limit` ≤ 100, `starting_after` / `next_starting_after`).

Stops on an empty page or a missing cursor. When a cap stops it first (max items or max pages), it asks for
one more item to tell the truth about `has_more` (Instantly may hand out a cursor to an empty last page).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from instantly_mcp.client.models import Page

T = TypeVar("T")
PAGE_SIZE = 100
MAX_PAGES = 200

Fetch = Callable[[int, str | None], Awaitable[Any]]


def _items(body: Any) -> tuple[list[Any], str | None]:
    if isinstance(body, list):  # a few endpoints answer with a bare array
        return body, None
    if not isinstance(body, dict):
        return [], None
    items = body.get("items") or []
    cursor = body.get("next_starting_after")
    return list(items), (str(cursor) if cursor not in (None, "") else None)


async def paginate(
    fetch: Fetch,
    parse: Callable[[Any], T],
    *,
    max_items: int,
    starting_after: str | None = None,
    page_size: int = PAGE_SIZE,
    max_pages: int = MAX_PAGES,
    probe: bool = True,
) -> Page[T]:
    """Walk pages until the data ends or a cap is reached.

    fetch(limit, cursor) returns the raw response body. With probe=False (rate-limited endpoints) a cap stop
    reports has_more=True whenever the API gave a cursor.
    """
    items: list[T] = []
    cursor = starting_after
    pages = 0
    page_size = max(1, min(PAGE_SIZE, page_size))
    while True:
        want = min(page_size, max_items - len(items))
        body = await fetch(want, cursor)
        pages += 1
        raw, nxt = _items(body)
        items.extend(parse(x) for x in raw[:want])
        if not raw or nxt is None:
            return Page(items=items, next_starting_after=None, has_more=False, pages=pages)
        cursor = nxt
        if len(items) >= max_items or pages >= max_pages:
            break
    has_more = True
    if probe:
        peek, _ = _items(await fetch(1, cursor))
        has_more = bool(peek)
    return Page(items=items, next_starting_after=cursor if has_more else None, has_more=has_more, pages=pages)
