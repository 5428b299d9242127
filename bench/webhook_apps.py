"""The two apps B2 serves with uvicorn (`--factory`): the real receiver, and the floor (a bare Starlette endpoint
that reads the body and answers 200 without verifying or storing). Configured through the environment."""

from __future__ import annotations

import os

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


def receiver() -> Starlette:
    from orchestrator_mcp.events.receiver import create_receiver
    from shared.store import open_store

    path = os.environ["BENCH_STORE"]
    return create_receiver(lambda: open_store(path), stripe_secret=os.environ["BENCH_STRIPE_SECRET"],
                           instantly_secret=os.environ["BENCH_INSTANTLY_SECRET"])


def floor() -> Starlette:
    async def ok(request: Request) -> JSONResponse:
        await request.body()
        return JSONResponse({"received": True})

    async def healthz(_request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    return Starlette(routes=[Route("/webhooks/stripe", ok, methods=["POST"]),
                             Route("/webhooks/instantly", ok, methods=["POST"]),
                             Route("/healthz", healthz, methods=["GET"])])
