"""Both engines behave the same at the edges: length limits and NUL characters are handled before the
database; every URL form a hosted PostgreSQL gives out opens the store; the engine and versions are reported."""

from __future__ import annotations

import os

import pytest

from shared.errors import InputError
from shared.store import open_store
from shared.store.engine import postgres_connect_args, schema_version, server_version

BOTH_ENGINES = True


async def test_too_long_is_an_input_error_naming_the_field_and_nul_is_stripped(db_engine: str) -> None:
    store = await open_store()
    with pytest.raises(InputError, match="first_name: longer than 200"):
        await store.upsert_contact("long@example.com", first_name="x" * 201)
    with pytest.raises(InputError, match="type: longer than 64"):
        await store.record_event("instantly", "ins_1", "t" * 65, {"event_type": "t" * 65})
    assert await store.get_contact(email="long@example.com") is None
    contact = await store.upsert_contact("nul@example.com", company="Ac\x00me")
    assert contact.company == "Acme"
    assert await store.record_event("stripe", "evt_\x00nul", "invoice.paid", {"note": "a\x00b", "k\x00": ["\x00"]})
    row = (await store.list_events())[0]
    assert (row.event_id, row.payload) == ("evt_nul", {"note": "ab", "k": [""]})
    version = await server_version(store.engine)
    assert version.startswith("PostgreSQL" if db_engine == "postgresql" else "SQLite")
    assert await schema_version(store.engine) == "0006_data_protection"
    await store.close()


async def test_every_postgres_url_form_opens_the_store(db_engine: str, request: pytest.FixtureRequest) -> None:
    if db_engine != "postgresql":
        pytest.skip("PostgreSQL URL forms")
    cluster = request.getfixturevalue("pg_cluster")
    base = os.environ["ISMCP_DATABASE_URL"]  # postgresql://postgres@127.0.0.1:PORT/DB
    rest = base.split("://", 1)[1]
    db = rest.rsplit("/", 1)[1]
    sock = str(cluster.dir / "sock")
    forms = [
        f"postgres://{rest}", f"postgresql://{rest}", f"postgresql+asyncpg://{rest}",
        f"postgresql://{rest}?sslmode=disable", f"postgresql://{rest}?sslmode=prefer&connect_timeout=5",
        f"postgresql://{rest}?application_name=ismcp-test",
        f"postgresql://postgres@/{db}?host={sock}&port={cluster.port}",
        f"postgresql://postgres@{sock.replace('/', '%2F')}:{cluster.port}/{db}",
    ]
    for url in forms:
        store = await open_store(url)
        await store.upsert_contact("url@example.com")
        assert (await store.get_contact(email="url@example.com")) is not None, url
        await store.close()
    with pytest.raises(ValueError, match="not supported"):
        postgres_connect_args(f"postgresql://{rest}?frobnicate=1")


def test_libpq_parameters_map_to_asyncpg() -> None:
    url, args = postgres_connect_args("postgres://u:p@db.example.com:6543/app?sslmode=require&connect_timeout=4"
                                      "&application_name=crm&target_session_attrs=read-write")
    assert url == "postgresql+asyncpg://u:p@db.example.com:6543/app"
    assert args["ssl"] == "require" and args["timeout"] == 4.0
    assert args["server_settings"] == {"application_name": "crm"} and args["target_session_attrs"] == "read-write"
    url, args = postgres_connect_args("postgresql://u@%2Fvar%2Frun%2Fpostgresql/app")
    assert (url, args["host"]) == ("postgresql+asyncpg://u@/app", "/var/run/postgresql")
