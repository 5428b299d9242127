"""The webhook receiver: verify, store first, answer 2xx only once the row is durable (group commit: deliveries
arriving together share one transaction, orchestrator_mcp.events.batcher).

    orchestrator-mcp webhooks serve --host 127.0.0.1 --port 8787

POST /webhooks/stripe     Stripe-Signature verified with the SDK (timestamp tolerance enforced)
POST /webhooks/instantly  the secret header our create_webhook tool registers, compared in constant time
POST /webhooks/stripe/{profile}, /webhooks/instantly/{profile}
                          the same for one profile (shared/profiles.py), verified with that profile's secret; the
                          routes without a profile serve the default profile
GET  /healthz             queue depth (every profile's), and which process answered (--workers)

Each event is stored under the scope (profile and Stripe mode) of the route it arrived on, and processed under it.
Secrets are looked up on a profile's first delivery and kept; when a signature does not verify, the receiver
reads that profile's secret again (at most once every REREAD_SECONDS per profile and source), so a rotated secret
works without a restart and a flood of bad signatures cannot hammer the keyring.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import stripe
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from orchestrator_mcp.events.batcher import GroupCommit
from orchestrator_mcp.events.ids import instantly_event_id, instantly_event_type
from shared import profiles
from shared.errors import InputError, MissingSecretError
from shared.redaction import register_secret
from shared.secrets import INSTANTLY_WEBHOOK_SECRET, STRIPE_WEBHOOK_SECRET, lookup, require
from shared.store.events import event_values

if TYPE_CHECKING:
    from shared.store import Store


log = logging.getLogger(__name__)

INSTANTLY_SECRET_HEADER = "X-Webhook-Secret"
MAX_BODY_BYTES = 1024 * 1024
STRIPE_TOLERANCE_SECONDS = 300
REREAD_SECONDS = 10.0  # at most one secret re-read per profile and source in this many seconds


class BodyTooLarge(Exception):
    pass


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


# The fields an Instantly event id is made of (orchestrator_mcp.events.ids): strings when present.
INSTANTLY_ID_FIELDS = ("lead_email", "campaign_id", "email_id", "timestamp")


def _json_object(body: bytes) -> dict[str, Any] | None:
    """The body as a JSON object, or None when it is not JSON or is JSON but not an object."""
    try:
        payload = json.loads(body)
    except ValueError:  # includes UnicodeDecodeError
        return None
    return payload if isinstance(payload, dict) else None


def _bad_fields(payload: dict[str, Any], *, required: tuple[str, ...], optional: tuple[str, ...]) -> str | None:
    """What is wrong with the identifying fields, or None: required ones are non-empty strings,
    optional ones are strings or absent/null."""
    for name in required:
        if not isinstance(payload.get(name), str) or not payload[name]:
            return f"`{name}` must be a non-empty string"
    for name in optional:
        if payload.get(name) is not None and not isinstance(payload[name], str):
            return f"`{name}` must be a string"
    return None


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def create_receiver(
    store_factory: Callable[[], Awaitable[Store]],
    *,
    stripe_secret: str | None = None,
    instantly_secret: str | None = None,
    max_body_bytes: int = MAX_BODY_BYTES,
    on_stored: Callable[[], None] | None = None,
    background: Callable[[Store], Awaitable[None]] | None = None,
) -> Starlette:
    """The ASGI app. Secrets default to the keyring/environment, looked up when a delivery arrives."""
    state: dict[str, Any] = {}

    async def store() -> Store:
        if "store" not in state:  # deliveries arriving together open one store, not one each
            lock = state.setdefault("opening", asyncio.Lock())
            async with lock:
                if "store" not in state:
                    state["store"] = await store_factory()
        return state["store"]

    # Explicit secrets (tests, embedding) are the default profile's and are never re-read.
    fixed: dict[tuple[str, str], str] = {(k, profiles.DEFAULT): v for k, v in
                                         (("stripe", stripe_secret), ("instantly", instantly_secret)) if v}
    for value in fixed.values():
        register_secret(value)  # given explicitly, so masked like the configured ones
    secrets: dict[tuple[str, str], str] = dict(fixed)
    reread_at: dict[tuple[str, str], float] = {}

    def spec(kind: str):  # type: ignore[no-untyped-def]
        return STRIPE_WEBHOOK_SECRET if kind == "stripe" else INSTANTLY_WEBHOOK_SECRET

    def secret(kind: str, profile: str) -> str:
        """Looked up on the profile's first delivery, then kept: an OS keyring look-up per request would be slow.
        A secret set after start is picked up (a missing one is looked up again)."""
        key = (kind, profile)
        if key not in secrets:
            secrets[key] = require(spec(kind), profile=profile)
        return secrets[key]

    def reread(kind: str, profile: str) -> str | None:
        """After a signature failure: the profile's secret read again, when it changed and the last re-read is
        REREAD_SECONDS old; else None (the failure stands)."""
        key = (kind, profile)
        now = time.monotonic()
        if key in fixed or now - reread_at.get(key, -REREAD_SECONDS) < REREAD_SECONDS:
            return None
        reread_at[key] = now
        found = lookup(spec(kind), profile=profile)
        if found is None or found.value == secrets.get(key):
            return None
        log.warning("the %s webhook secret of profile %s changed; using the new one", kind, profile)
        secrets[key] = found.value
        return found.value

    batcher = GroupCommit(store, on_stored=on_stored)

    async def persist(profile: str, source: str, event_id: str, type_: str, payload: dict[str, Any]) -> JSONResponse:
        try:
            with profiles.use(profile):  # the route's profile: the event is stored (and processed) under it
                row = event_values(source, event_id, type_, payload, scope=(await store()).scope())
        except InputError as exc:  # too long for the store (the same on every engine): the sender's error
            return _error(400, f"event not stored: {exc}")
        try:
            created = await batcher.submit(row)  # returns once the batch holding it has committed
        except Exception as exc:  # noqa: BLE001 - the batch was not stored: the sender must retry
            return _error(503, f"event not stored ({type(exc).__name__}); retry the delivery")
        return JSONResponse({"received": True, "duplicate": not created, "id": event_id})

    def profile_of(request: Request) -> str | None:
        try:
            return profiles.validate(request.path_params.get("profile") or profiles.DEFAULT)
        except InputError:
            return None

    def stripe_verifies(body: bytes, header: str, key: str) -> bool:
        try:
            # Verify the signature on the raw body first, then parse it ourselves: the SDK's construct_event
            # crashes (AttributeError) on a signed body that is JSON but not an object.
            stripe.WebhookSignature.verify_header(body, header, key, tolerance=STRIPE_TOLERANCE_SECONDS)
        except stripe.SignatureVerificationError:
            return False
        return True

    async def stripe_webhook(request: Request) -> JSONResponse:
        profile = profile_of(request)
        if profile is None:
            return _error(404, "no such profile: profile names are lower-case letters, digits, '-' or '_'")
        try:
            body = await _read_body(request, max_body_bytes)
        except BodyTooLarge:
            return _error(413, f"body larger than {max_body_bytes} bytes")
        header = request.headers.get("stripe-signature")
        if not header:
            return _error(400, "missing Stripe-Signature header")
        try:
            key = secret("stripe", profile)
        except MissingSecretError as exc:
            return _error(503, str(exc))
        try:
            if not stripe_verifies(body, header, key):
                rotated = reread("stripe", profile)
                if rotated is None or not stripe_verifies(body, header, rotated):
                    return _error(400, "invalid or stale Stripe-Signature")
        except ValueError:  # not UTF-8
            return _error(400, "body is not valid UTF-8 JSON")
        payload = _json_object(body)
        if payload is None:
            return _error(400, "body is not a JSON object")
        problem = _bad_fields(payload, required=("id", "type"), optional=())
        if problem:
            return _error(400, f"not a Stripe event object: {problem}")
        return await persist(profile, "stripe", payload["id"], payload["type"], payload)

    async def instantly_webhook(request: Request) -> JSONResponse:
        profile = profile_of(request)
        if profile is None:
            return _error(404, "no such profile: profile names are lower-case letters, digits, '-' or '_'")
        try:
            key = secret("instantly", profile)
        except MissingSecretError as exc:
            return _error(503, str(exc))
        given = request.headers.get(INSTANTLY_SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, key.encode()):
            rotated = reread("instantly", profile)
            if rotated is None or not hmac.compare_digest(given, rotated.encode()):
                return _error(401, f"missing or wrong {INSTANTLY_SECRET_HEADER} header")
        try:
            body = await _read_body(request, max_body_bytes)
        except BodyTooLarge:
            return _error(413, f"body larger than {max_body_bytes} bytes")
        payload = _json_object(body)
        if payload is None:
            return _error(400, "body is not a JSON object")
        problem = _bad_fields(payload, required=("event_type",), optional=INSTANTLY_ID_FIELDS)
        if problem:
            return _error(400, f"not an Instantly webhook payload: {problem}")
        if not isinstance(payload.get("step"), int | None) or isinstance(payload.get("step"), bool):
            return _error(400, "not an Instantly webhook payload: step must be a number")
        return await persist(profile, "instantly", instantly_event_id(payload), instantly_event_type(payload),
                             payload)

    async def healthz(_request: Request) -> JSONResponse:
        counts = await (await store()).event_counts(all_scopes=True)
        return JSONResponse({"status": "ok", "pid": os.getpid(), "queue_depth": counts.get("pending", 0),
                             "dead_letters": counts.get("dead", 0), "processed": counts.get("processed", 0)})

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        task = None
        if background is not None:
            task = asyncio.ensure_future(background(await store()))
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
            await batcher.close()
            if "store" in state:
                await state["store"].close()

    return Starlette(
        routes=[
            Route("/webhooks/stripe", stripe_webhook, methods=["POST"]),
            Route("/webhooks/instantly", instantly_webhook, methods=["POST"]),
            Route("/webhooks/stripe/{profile}", stripe_webhook, methods=["POST"]),
            Route("/webhooks/instantly/{profile}", instantly_webhook, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
