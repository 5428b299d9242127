"""The tool framework seen through a real MCP client: flat schemas, structured output, errors, audit, filtering."""

from __future__ import annotations

import json
from typing import Literal

import jsonschema
import pytest
from mcp import Client
from pydantic import Field, PrivateAttr, model_validator

from shared.deps import BaseDeps, ServerOptions
from shared.errors import NotFound
from shared.server import build_server
from shared.tooling import Call, Toolbox, ToolInput, ToolResult

box = Toolbox("demo")


class EchoIn(ToolInput):
    text: str = Field(description="What to echo.")
    times: int = Field(1, ge=1, le=5, description="How many times.")
    secret_note: str | None = Field(None, description="Ignored.")

    @model_validator(mode="after")
    def _no_shouting(self) -> EchoIn:
        if self.text.isupper():
            raise ValueError("text must not be all capitals")
        return self


class EchoOut(ToolResult):
    echoed: str

    def summary(self) -> str:
        return f"echoed {len(self.echoed)} chars"


@box.tool(toolset="basic", title="Echo", read_only=True, idempotent=True, open_world=False)
async def demo_echo(call: Call[BaseDeps], args: EchoIn) -> EchoOut:
    """Echo text back."""
    await call.progress(1, 1, "done")
    return EchoOut(echoed=args.text * args.times)


class GetIn(ToolInput):
    object_id: str = Field(description="Id to fetch.")


@box.tool(toolset="writes", title="Fail", destructive=True)
async def demo_fail(call: Call[BaseDeps], args: GetIn) -> EchoOut:
    """Always fails: not found, or crashes."""
    if args.object_id == "crash":
        raise RuntimeError("internal detail sk_test_abcdefghijkl")
    raise NotFound("Demo", f"No such object: {args.object_id}", status=404, method="GET", path=f"/x/{args.object_id}")


def make(**opts: object) -> object:
    return build_server(box, name="demo", instructions="demo", deps_factory=BaseDeps, options=ServerOptions(**opts))


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_flat_schema_structured_output_and_summary(mode: str) -> None:
    async with Client(make(), mode=mode) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        echo = tools["demo_echo"]
        assert set(echo.input_schema["properties"]) == {"text", "times", "secret_note"}
        assert echo.input_schema["required"] == ["text"]
        assert echo.input_schema["properties"]["times"]["maximum"] == 5
        assert echo.output_schema["properties"]["echoed"]["type"] == "string"
        assert echo.title == "Echo"
        ann = echo.annotations
        assert (ann.read_only_hint, ann.destructive_hint, ann.idempotent_hint, ann.open_world_hint) == (
            True, False, True, False)
        seen: list[tuple[float, float | None, str | None]] = []

        async def on_progress(p: float, t: float | None, m: str | None) -> None:
            seen.append((p, t, m))

        result = await client.call_tool("demo_echo", {"text": "ab", "times": 2}, progress_callback=on_progress)
        assert not result.is_error
        assert result.structured_content == {"echoed": "abab"}
        # the summary line, then the data itself: some clients pass only the text to the model
        assert result.content[0].text == "echoed 4 chars\nechoed: abab"
        assert seen == [(1, 1, "done")]


async def test_validation_errors_name_the_field() -> None:
    async with Client(make()) as client:
        r = await client.call_tool("demo_echo", {"text": "ab", "times": 9})
        assert r.is_error and "times" in r.content[0].text
        r = await client.call_tool("demo_echo", {"text": "LOUD"})
        assert r.is_error and "capitals" in r.content[0].text


async def test_api_errors_say_what_to_do_and_crashes_stay_generic(caplog: pytest.LogCaptureFixture) -> None:
    async with Client(make()) as client:
        r = await client.call_tool("demo_fail", {"object_id": "cus_missing"})
        assert r.is_error
        text = r.content[0].text
        assert "cus_missing" in text and "Check the id" in text
        r = await client.call_tool("demo_fail", {"object_id": "crash"})
        assert r.is_error
        assert "internal detail" not in r.content[0].text
        assert "Unexpected internal error" in r.content[0].text
    assert any("demo_fail" in rec.getMessage() for rec in caplog.records)
    assert "sk_test_abcdefghijkl" not in caplog.text


async def test_every_call_is_audited_with_redacted_arguments() -> None:
    from shared.store import open_store

    async with Client(make()) as client:
        await client.call_tool("demo_echo", {"text": "hi", "secret_note": "sk_live_zzzzzzzzzzzz"})
        await client.call_tool("demo_fail", {"object_id": "x"})
    store = await open_store()
    rows = await store.list_audit()
    await store.close()
    assert [(r["tool"], r["outcome"]) for r in rows] == [("demo_fail", "error"), ("demo_echo", "ok")]
    assert "sk_live_" not in str(rows)
    assert rows[1]["arguments"]["text"] == "hi"


async def test_read_only_and_toolsets_filter_the_list() -> None:
    async with Client(make(read_only=True)) as client:
        assert [t.name for t in (await client.list_tools()).tools] == ["demo_echo"]
    async with Client(make(toolsets=["writes"])) as client:
        assert [t.name for t in (await client.list_tools()).tools] == ["demo_fail"]
    # read-only wins even over an explicit toolset choice
    async with Client(make(read_only=True, toolsets=["writes"])) as client:
        assert [t.name for t in (await client.list_tools()).tools] == []


# --- arguments: unknown ones and invalid ones are errors that say what to do ---


class SearchIn(ToolInput):
    status: Literal["active", "paused"] = Field("active", description="Which campaigns.")
    subject: str | None = Field(None, max_length=10, description="Subject line.")
    code: str | None = Field(None, pattern=r"^[A-Z]{3}-\d{2}$", examples=["ABC-12"], description="Promo code.")
    limit: int = Field(25, ge=1, le=100, description="Max items.")
    campaign_id: str = Field(description="Campaign id.")


class Listed(ToolResult):
    campaign_id: str
    status: str


@box.tool(toolset="extra", title="Search")
async def demo_search(call: Call[BaseDeps], args: SearchIn) -> Listed:
    """Search campaigns."""
    return Listed(campaign_id=args.campaign_id, status=args.status)


async def test_an_argument_the_tool_does_not_take_is_an_error_naming_the_valid_ones() -> None:
    async with Client(make()) as client:
        r = await client.call_tool("demo_search", {"campaign_id": "c1", "name": "Q4 outreach"})
        assert r.is_error
        text = r.content[0].text
        assert "`name`" in text
        for valid in ("status", "subject", "code", "limit", "campaign_id"):
            assert valid in text
        r = await client.call_tool("demo_search", {"campaign_id": "c1", "statuss": "paused"})
        assert r.is_error and "did you mean `status`" in r.content[0].text
        # the valid call still works
        r = await client.call_tool("demo_search", {"campaign_id": "c1", "status": "paused"})
        assert not r.is_error and r.structured_content == {"campaign_id": "c1", "status": "paused"}


@pytest.mark.parametrize(("arguments", "says"), [
    ({}, ["`campaign_id` is required", '"campaign_id": "text"']),
    ({"campaign_id": "c1", "limit": "many"}, ["`limit` must be a whole number, not text", '"limit": 1']),
    ({"campaign_id": "c1", "limit": 500}, ["`limit` must be at most 100", '"limit": 100']),
    ({"campaign_id": "c1", "status": "done"}, ["`status` must be one of: 'active' or 'paused'", '"status": "active"']),
    ({"campaign_id": "c1", "subject": "a much too long subject"}, ["`subject` is too long: at most 10 characters"]),
    ({"campaign_id": "c1", "code": "abc"}, ["`code` is not in the expected format", '"code": "ABC-12"']),
    ({"campaign_id": ["c1"]}, ["`campaign_id` must be text, not a list"]),
])
async def test_validation_errors_say_field_problem_and_a_valid_example(arguments: dict, says: list[str]) -> None:
    async with Client(make()) as client:
        r = await client.call_tool("demo_search", arguments)
    assert r.is_error
    text = r.content[0].text
    for part in says:
        assert part in text, text
    assert "pydantic" not in text.lower() and "https://" not in text and "validation error" not in text.lower()
    assert "Valid example" in text or "too long" in text


async def test_model_level_rules_are_rendered_the_same_way() -> None:
    async with Client(make()) as client:
        r = await client.call_tool("demo_echo", {"text": "LOUD"})
    assert r.is_error and "text must not be all capitals" in r.content[0].text
    assert "Value error" not in r.content[0].text and "errors.pydantic.dev" not in r.content[0].text


def test_an_unknown_toolset_is_a_start_up_error_listing_the_valid_names() -> None:
    from shared.errors import AppError

    with pytest.raises(AppError) as caught:
        make(toolsets=["basic", "nope"])
    assert "nope" in str(caught.value) and "basic, extra, writes" in str(caught.value)


# --- results: the text carries the data, within the size budget ---


class Payment(ToolResult):
    id: str
    amount: int
    currency: str
    created: int
    note: str | None = None


class PaymentsOut(ToolResult):
    payments: list[Payment]
    has_more: bool = False
    next_cursor: str | None = None

    _cursor_known: bool = PrivateAttr(True)

    def summary(self) -> str:
        return f"{len(self.payments)} payments."

    def cursor_for(self, item: dict) -> str | None:
        return item["id"] if self._cursor_known else None  # Stripe-style: the cursor is the last object's id


class PagesIn(ToolInput):
    count: int = Field(3, ge=0, le=100_000, description="How many.")
    cursor_known: bool = Field(True, description="Whether the result can say the cursor after an item.")


@box.tool(toolset="extra", title="Payments")
async def demo_payments(call: Call[BaseDeps], args: PagesIn) -> PaymentsOut:
    """Payments."""
    out = PaymentsOut(payments=[Payment(id=f"pi_{i:05d}", amount=49900 + i, currency="usd", created=1782900000,
                                        note="x" * 40) for i in range(args.count)], next_cursor="pi_last")
    out._cursor_known = args.cursor_known
    return out


async def test_text_shows_money_with_currency_iso_dates_and_no_none() -> None:
    async with Client(make()) as client:
        r = await client.call_tool("demo_payments", {"count": 2})
    text = r.content[0].text
    assert text.startswith("2 payments.\n")
    assert "$499.00" in text and "$499.01" in text and "49900" not in text
    assert "2026-07-01T" in text and "1782900000" not in text
    assert "None" not in text and "null" not in text
    assert r.structured_content["payments"][0]["amount"] == 49900  # structured content keeps the raw value


async def test_a_large_result_is_shortened_to_the_budget_with_whole_items_and_a_note() -> None:
    from shared.render import BUDGET

    async with Client(make()) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        r = await client.call_tool("demo_payments", {"count": 3000})
    assert not r.is_error
    text = r.content[0].text
    structured = r.structured_content
    assert len(text) <= BUDGET
    assert len(json.dumps(structured, separators=(",", ":"))) <= BUDGET
    kept = structured["payments"]
    assert 10 < len(kept) < 3000
    assert [p["id"] for p in kept] == [f"pi_{i:05d}" for i in range(len(kept))]  # the first items, whole
    assert structured["shortened"]["lists"]["payments"] == {"shown": len(kept), "total": 3000}
    # the page's cursor now resumes right after the last item shown, so paging on skips nothing
    assert structured["next_cursor"] == kept[-1]["id"] and structured["has_more"] is True
    assert f"first {len(kept)} of 3000 shown" in text and f"next_cursor={kept[-1]['id']}" in text
    # still valid against the published output schema
    jsonschema.validate(structured, tools["demo_payments"].output_schema)


async def test_a_shortened_page_without_a_known_cursor_drops_it_and_says_which_limit_pages_through() -> None:
    async with Client(make()) as client:
        r = await client.call_tool("demo_payments", {"count": 3000, "cursor_known": False})
    structured, text = r.structured_content, r.content[0].text
    shown = len(structured["payments"])
    assert structured["next_cursor"] is None and structured["has_more"] is True  # never a cursor that skips items
    assert f"call again with limit={shown}" in text
