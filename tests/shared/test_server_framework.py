"""The tool framework seen through a real MCP client: flat schemas, structured output, errors, audit, filtering."""

from __future__ import annotations

import pytest
from mcp import Client
from pydantic import Field, model_validator

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
        assert result.content[0].text == "echoed 4 chars"
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
