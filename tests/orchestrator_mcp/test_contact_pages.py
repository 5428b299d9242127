"""find_contacts pages stay truthful when the size budget shortens a page: the cursor resumes right after the last
contact shown, so paging on sees every contact exactly once (issue 14 §2)."""

from __future__ import annotations

from shared.store.engine import open_store
from tests.orchestrator_mcp.conftest import Pipeline, call, client


async def test_a_shortened_page_resumes_after_the_last_contact_shown(pipeline: Pipeline) -> None:
    store = await open_store()
    try:
        for i in range(120):
            await store.upsert_contact(f"person{i:03d}@page.io", first_name="P" * 40, company="C" * 60,
                                       conversion_status="engaged", attribution_data={"note": "x" * 120})
    finally:
        await store.close()
    seen: list[str] = []
    async with client() as c:
        page = await c.call_tool("find_contacts", {"conversion_status": "engaged", "limit": 120})
        data = page.structured_content
        assert "shortened" in data and 0 < len(data["contacts"]) < 120, len(data["contacts"])
        assert data["next_cursor"] == data["contacts"][-1]["id"] and f"={data['next_cursor']}" in page.content[0].text
        seen += [x["email"] for x in data["contacts"]]
        after = data["next_cursor"]
        while after:
            more = await call(c, "find_contacts", {"conversion_status": "engaged", "limit": 120, "after": after})
            seen += [x["email"] for x in more["contacts"]]
            after = more["next_cursor"]
    assert sorted(seen) == [f"person{i:03d}@page.io" for i in range(120)]
