"""`<server> serve --transport http [--host H] [--port P] [--path /mcp]`: the CLI side of the HTTP transport."""

from __future__ import annotations

import argparse
from typing import Any

from shared.deps import ServerOptions
from shared.errors import AppError
from shared.remote.app import serve_http
from shared.remote.config import HttpConfig


def serve_command(cli: Any, opts: ServerOptions, args: argparse.Namespace) -> None:
    if cli.build is None:
        raise AppError(f"{cli.prog} cannot serve over HTTP.")
    try:
        config = HttpConfig.from_env(host=args.host, port=args.port, path=args.path)
    except ValueError as exc:
        raise AppError(str(exc)) from None
    serve_http(cli.build(opts), config, store_url=opts.store_url, prog=cli.prog)
