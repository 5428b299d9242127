"""Encryption at rest, on both engines: personal values are ciphertext in the database and plain through the
repository; lookups by email use the blind index; without its key (or with another key) the store refuses to
open and says where the key is expected; the data key rotates in resumable batches; an existing store is
migrated with a progress line per batch."""

from __future__ import annotations

import os

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import select, text

from shared.errors import StoreError
from shared.store import open_store
from shared.store.crypto import DATA_KEY_ENV, INDEX_KEY_ENV, OLD_DATA_KEY_ENV, new_key
from shared.store.engine import MIGRATIONS, database_url, make_engine
from shared.store.rotation import rotate
from shared.store.schema import audit_log, events, unified_contacts

BOTH_ENGINES = True


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    k = {DATA_KEY_ENV: new_key(), INDEX_KEY_ENV: new_key()}
    for name, value in k.items():
        monkeypatch.setenv(name, value)
    return k


async def _raw(store, table):  # type: ignore[no-untyped-def]
    async with store.read() as conn:
        return [r._asdict() for r in (await conn.execute(select(table).order_by(table.c[list(table.c.keys())[0]])))]


async def test_values_are_ciphertext_and_lookups_use_the_blind_index(keys: dict[str, str]) -> None:
    store = await open_store()
    try:
        ada = await store.upsert_contact(" Ada@Lovelace.io ", first_name="Ada", last_name="Lovelace",
                                         company="Analytical Engines")
        again = await store.upsert_contact("ADA@lovelace.io", company="Babbage & Co")  # unique on the blind index
        assert again.id == ada.id and again.first_name == "Ada" and again.company == "Babbage & Co"
        assert (await store.get_contact(email="ada@LOVELACE.io ")).id == ada.id
        assert [c.id for c in await store.list_contacts(query="lovelace")] == [ada.id]
        assert [c.id for c in await store.list_contacts(query="babbage")] == [ada.id]
        assert await store.list_contacts(query="nobody") == []
        await store.record_event("instantly", "ev1", "reply_received",
                                 {"lead_email": "ada@lovelace.io", "reply_text": "Count me in, Ada"})
        await store.record_audit("orchestrator", "find_contacts", {"email": "ada@lovelace.io"}, "ok", 1.0)
        (row,) = await _raw(store, unified_contacts)
        assert row["email"].startswith("enc1:") and "ada" not in str(row).lower()
        assert len(row["email_index"]) == 64
        (ev,) = await _raw(store, events)
        assert set(ev["payload"]) == {"enc1"} and "count me in" not in str(ev).lower()
        (a,) = await _raw(store, audit_log)
        assert set(a["arguments"]) == {"enc1"}
        # through the repository everything reads back, and the journey still finds the person's events
        (journey,) = await store.events_for_contact("ada@lovelace.io", None)
        assert journey.payload["reply_text"] == "Count me in, Ada"
        assert (await store.list_audit())[0]["arguments"] == {"email": "ada@lovelace.io"}
        assert (await store.forget("ada@lovelace.io"))["events"] == 1
        assert await store.get_contact(email="ada@lovelace.io") is None
        assert (await store.contact_record("ada@lovelace.io"))["events"] == []
    finally:
        await store.close()


async def test_without_its_key_the_store_refuses_to_open(keys: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    store = await open_store()
    await store.upsert_contact("kim@keys.io", first_name="Kim")
    await store.close()
    monkeypatch.delenv(DATA_KEY_ENV)
    with pytest.raises(StoreError) as missing:
        await open_store()
    assert "encrypted" in str(missing.value) and DATA_KEY_ENV in str(missing.value)
    assert "keyring" in str(missing.value) and "none is created over it" in str(missing.value)
    monkeypatch.setenv(DATA_KEY_ENV, new_key())  # another key is refused, not used to start over
    with pytest.raises(StoreError, match="not the key the store"):
        await open_store()
    monkeypatch.setenv(DATA_KEY_ENV, keys[DATA_KEY_ENV])
    store = await open_store()
    try:
        assert (await store.get_contact(email="kim@keys.io")).first_name == "Kim"
    finally:
        await store.close()


async def test_rotation_is_resumable_and_ends_under_the_new_key(keys: dict[str, str],
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    store = await open_store()
    for i in range(7):
        await store.upsert_contact(f"p{i}@rot.io", first_name=f"Person{i}")
        await store.record_event("instantly", f"e{i}", "email_opened", {"lead_email": f"p{i}@rot.io"})
    await store.close()
    old, new = keys[DATA_KEY_ENV], new_key()
    monkeypatch.setenv(DATA_KEY_ENV, new)
    monkeypatch.setenv(OLD_DATA_KEY_ENV, old)
    lines: list[str] = []
    store = await open_store(attach=False)
    try:
        first = await rotate(store, batch=3, max_batches=2, progress=lines.append)  # "crashes" after two batches
    finally:
        await store.close()
    assert first["finished"] is False and "rows checked" in lines[-2]
    store = await open_store()  # mid-rotation the store opens with both keys and reads every row
    try:
        assert sorted(c.first_name for c in await store.list_contacts()) == [f"Person{i}" for i in range(7)]
    finally:
        await store.close()
    monkeypatch.delenv(OLD_DATA_KEY_ENV)
    with pytest.raises(StoreError, match="middle of a key rotation"):
        await open_store()
    monkeypatch.setenv(OLD_DATA_KEY_ENV, old)
    store = await open_store(attach=False)
    try:
        done = await rotate(store, batch=3, progress=lines.append)
    finally:
        await store.close()
    assert done["finished"] is True and done["rotated"]["events"] == 7
    assert done["rotated"]["unified_contacts"] == 7 - 6  # two batches of three were done before the "crash"
    monkeypatch.delenv(OLD_DATA_KEY_ENV)
    store = await open_store()
    try:
        assert sorted(c.first_name for c in await store.list_contacts()) == [f"Person{i}" for i in range(7)]
        assert [e.payload["lead_email"] for e in await store.list_events(limit=1)] == ["p6@rot.io"]
    finally:
        await store.close()
    monkeypatch.setenv(DATA_KEY_ENV, old)  # the old key no longer opens it
    with pytest.raises(StoreError, match="not the key"):
        await open_store()


async def test_an_existing_store_is_migrated_in_batches(keys: dict[str, str], capfd: pytest.CaptureFixture[str]) -> None:
    url = database_url()
    engine = make_engine(url)

    def to_0003(conn) -> None:  # type: ignore[no-untyped-def]
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0003")

    async with engine.begin() as conn:
        await conn.run_sync(to_0003)
        for i in range(1203):
            await conn.execute(text(
                "INSERT INTO unified_contacts (id, email, first_name, company, instantly_campaign_ids, "
                "email_engagement_score, opens, clicks, replies, total_revenue, payment_failures, conversion_status, "
                "attribution_data, do_not_contact, created_at, updated_at) VALUES (:id, :email, :name, 'Old Corp', "
                "'[]', 0, 0, 0, 0, 0, 0, 'prospect', '{}', false, 0, 0)"),
                {"id": f"ct_{i:05d}", "email": f"old{i}@plain.io", "name": f"Olga{i}"})
        await conn.execute(text("INSERT INTO events (source, event_id, type, payload, received_at, via, status, "
                                "attempts, next_attempt_at, rerun_effects) VALUES ('instantly', 'x1', 'reply_received', "
                                "'{\"lead_email\": \"old1@plain.io\", \"reply_text\": \"an old reply\"}', 0, "
                                "'webhook', 'processed', 1, 0, false)"))
    await engine.dispose()
    capfd.readouterr()
    store = await open_store()
    try:
        progress = [line for line in capfd.readouterr().err.splitlines() if line.startswith("0006_data_protection")]
        assert progress[:3] == ["0006_data_protection: contacts encrypted and indexed 500/1203",
                                "0006_data_protection: contacts encrypted and indexed 1000/1203",
                                "0006_data_protection: contacts encrypted and indexed 1203/1203"]
        assert "0006_data_protection: events payloads encrypted 1/1" in progress
        found = await store.get_contact(email="OLD7@plain.io")
        assert found is not None and found.first_name == "Olga7" and found.company == "Old Corp"
        rows = await _raw(store, unified_contacts)
        assert all(r["email"].startswith("enc1:") and r["first_name"].startswith("enc1:") for r in rows)
        assert "an old reply" not in str(await _raw(store, events))
        (ev,) = await store.events_for_contact("old1@plain.io", None)
        assert ev.payload["reply_text"] == "an old reply"
    finally:
        await store.close()
    assert os.environ[DATA_KEY_ENV] == keys[DATA_KEY_ENV]


@pytest.mark.parametrize("protected", [True, False])
async def test_values_that_look_encrypted_read_back_as_given(protected: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    if protected:
        monkeypatch.setenv(DATA_KEY_ENV, new_key())
        monkeypatch.setenv(INDEX_KEY_ENV, new_key())
    store = await open_store()
    try:
        assert (store.keys.data is not None) is protected
        tricky = "enc1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
        made = await store.upsert_contact("t@trick.io", first_name=tricky)
        assert made.first_name == tricky and (await store.get_contact(email="t@trick.io")).first_name == tricky
        await store.record_event("instantly", "t1", "email_opened", {"enc1": tricky})
        assert (await store.list_events())[0].payload == {"enc1": tricky}
    finally:
        await store.close()
