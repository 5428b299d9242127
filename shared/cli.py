"""The command line every server shares: serve over stdio (default), `auth set|status|delete`, and
whatever subcommands a server adds (sandbox, webhooks, install, doctor, demo).

`--profile NAME` (or ISMCP_PROFILE) picks the profile (shared/profiles.py) a stdio server runs as and the
profile `auth` stores keys for; `auth status` lists every profile it finds, never a key."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any
from dataclasses import dataclass, field
from pathlib import Path

from shared.deps import ServerOptions
from shared.errors import AppError
from shared.logs import configure_logging
from shared import profiles
from shared.secrets import (
    SecretSpec,
    keyring_available,
    keyring_delete,
    keyring_get,
    keyring_set,
    known_profiles,
    lookup,
)

Handler = Callable[[argparse.Namespace], int]


@dataclass
class ServerCli:
    prog: str  # console script name, e.g. instantly-mcp
    env_prefix: str  # INSTANTLY, STRIPE, ORCHESTRATOR
    description: str
    secrets: Sequence[SecretSpec]
    serve: Callable[[ServerOptions], None]
    build: Callable[[ServerOptions], Any] | None = None  # the MCPServer, for `serve --transport http`
    extra: list[Callable[[argparse._SubParsersAction], None]] = field(default_factory=list)

    def parser(self) -> argparse.ArgumentParser:
        p = argparse.ArgumentParser(prog=self.prog, description=self.description)
        sub = p.add_subparsers(dest="command", metavar="COMMAND")

        serve = sub.add_parser("serve", help="run the MCP server over stdio (the default)")
        _serve_flags(serve)
        _serve_flags(p)
        serve.set_defaults(func=self._run_serve)
        p.set_defaults(func=self._run_serve)

        auth = sub.add_parser("auth", help="store, check or delete keys in the OS keyring")
        auth_sub = auth.add_subparsers(dest="auth_command", metavar="ACTION", required=True)
        names = [s.name for s in self.secrets]
        default = names[0] if len({s.name for s in self.secrets}) == len(self.secrets) else None
        s_set = auth_sub.add_parser("set", help="store a key, read from a hidden prompt or from stdin (never argv)")
        s_set.add_argument("name", nargs="?", default=default, choices=sorted(set(names)), help="which key")
        s_set.add_argument("--service", help="which API, when the name is ambiguous")
        _profile_flag(s_set)
        s_set.set_defaults(func=self._auth_set)
        s_status = auth_sub.add_parser("status", help="list profiles and which keys are configured and where from; "
                                                      "never a key")
        _profile_flag(s_status, "only this profile (default: every profile found in the keyring or environment)")
        s_status.set_defaults(func=self._auth_status)
        s_del = auth_sub.add_parser("delete", help="remove a key from the keyring")
        s_del.add_argument("name", nargs="?", default=default, choices=sorted(set(names)), help="which key")
        s_del.add_argument("--service", help="which API, when the name is ambiguous")
        _profile_flag(s_del)
        s_del.set_defaults(func=self._auth_delete)

        for add in self.extra:
            add(sub)
        return p

    def main(self, argv: Sequence[str] | None = None) -> int:
        args = self.parser().parse_args(argv)
        configure_logging()
        try:
            return int(args.func(args) or 0)
        except AppError as exc:
            print(f"{self.prog}: {exc} {exc.hint()}".strip(), file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            return 130

    # --- serve ---

    def _run_serve(self, args: argparse.Namespace) -> int:
        if args.profile:  # the whole process runs as this profile (and so do the sandboxes it starts)
            os.environ[profiles.PROFILE_ENV] = profiles.validate(args.profile)
        profiles.current()  # a bad ISMCP_PROFILE fails here, at start, not on the first call
        opts = ServerOptions.from_env(
            self.env_prefix, read_only=args.read_only, toolsets=args.toolsets, sandbox=args.sandbox,
            store_url=args.store,
        )
        if (args.transport or "stdio") == "http":
            from shared.remote.serve import serve_command

            serve_command(self, opts, args)
            return 0
        self.serve(opts)
        return 0

    # --- auth ---

    def _spec(self, name: str | None, service: str | None) -> SecretSpec:
        matches = [s for s in self.secrets if (name is None or s.name == name) and (service is None or s.service == service)]
        if len(matches) != 1:
            options = ", ".join(f"{s.name} --service {s.service}" for s in self.secrets)
            raise AppError(f"Say which key: {options}.")
        return matches[0]

    def _auth_set(self, args: argparse.Namespace) -> int:
        spec = self._spec(args.name, args.service)
        if sys.stdin.isatty():
            value = getpass.getpass(f"{spec.label} (input hidden): ")
        else:
            value = sys.stdin.readline()
        value = value.strip()
        if not value:
            raise AppError("No key given; nothing stored.")
        profile = _chosen(args)
        keyring_set(spec, value, profile)
        whose = "" if profile == profiles.DEFAULT else f" of profile {profile}"
        print(f"Stored the {spec.label}{whose} in the OS keyring ({spec.keyring_service}).", file=sys.stderr)
        return 0

    def _auth_status(self, args: argparse.Namespace) -> int:
        chosen = profiles.validate(args.profile) if args.profile else None
        names = [chosen] if chosen else known_profiles()
        lines = []
        if len(names) > 1 or chosen:
            lines.append(f"Profiles: {', '.join(names)}")
        for name in names:
            if len(lines) > 0 and (len(names) > 1 or chosen):
                lines.append(f"Profile {name}:")
            indent = "  " if len(names) > 1 or chosen else ""
            for spec in self.secrets:
                found = lookup(spec, profile=name)
                if found is None:
                    lines.append(f"{indent}{spec.label}: not configured. To fix: {fix_for_missing(spec, name)}")
                else:
                    where = {"environment": f"environment ({_which_env(spec, name)})", "keyring": "OS keyring"}.get(
                        found.source, found.source
                    )
                    shown = f" ({found.value})" if not spec.secret else ""  # ids, e.g. a Connect account
                    lines.append(f"{indent}{spec.label}: configured{shown}, from the {where}")
        if not keyring_available():
            lines.append("OS keyring: no usable backend on this machine, so `auth set` cannot store keys here. "
                         "Pass them through the `env` block of this server's entry in your MCP client's config "
                         "(claude_desktop_config.json or ~/.cursor/mcp.json), e.g. "
                         f'"env": {{"{self.secrets[0].env[0]}": "..."}}, or export them before starting it.')
        print("\n".join(lines))
        return 0 if lookup(self.secrets[0], profile=chosen or profiles.current()) is not None else 1

    def _auth_delete(self, args: argparse.Namespace) -> int:
        spec = self._spec(args.name, args.service)
        profile = _chosen(args)
        had = keyring_get(spec, profile) is not None
        keyring_delete(spec, profile)
        print(
            f"Removed the {spec.label} from the OS keyring." if had else f"No {spec.label} was stored in the keyring.",
            file=sys.stderr,
        )
        return 0


def script_path(script: str) -> str:
    """The absolute path of one of this install's console scripts (what a user can paste and run)."""
    bindir = Path(sys.executable).parent
    for name in (script, f"{script}.exe"):
        if (bindir / name).exists():
            return str(bindir / name)
    return script


def fix_for_missing(spec: SecretSpec, profile: str | None = None) -> str:
    """The exact way to configure a missing key on this machine: with the install's real path when the OS
    keyring works, else through the client config's `env` block (there is nowhere to store it)."""
    server = spec.server.removesuffix("-mcp")
    name = profiles.validate(profile or profiles.current())
    env = spec.env_for(name)[0]
    flag = "" if name == profiles.DEFAULT else f" --profile {name}"
    env_way = (f'add "{env}": "..." to the "env" block of the "{server}" and "orchestrator" entries in your MCP client\'s config '
               f"(or export {env}=... where the server starts)")
    if keyring_available():
        return f"run `{script_path(spec.server)} auth set {spec.name}{flag}` (stored in the OS keyring), or {env_way}"
    return f"no OS keyring on this machine: {env_way}"


def _which_env(spec: SecretSpec, profile: str | None = None) -> str:
    names = spec.env_for(profile)
    return next((n for n in names if os.environ.get(n, "").strip()), names[0])


def _profile_flag(p: argparse.ArgumentParser, help_: str = "the profile (default: ISMCP_PROFILE, else default)") -> None:
    p.add_argument("--profile", help=help_)


def _chosen(args: argparse.Namespace) -> str:
    return profiles.validate(args.profile) if getattr(args, "profile", None) else profiles.current()


def _serve_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--read-only", action="store_true", default=None, help="list no write tools at all")
    p.add_argument("--toolsets", help="comma-separated tool groups to list (default: all)")
    p.add_argument("--sandbox", action="store_true", default=None, help="use the local sandboxes, no accounts needed")
    p.add_argument("--store", help="store path or database URL (default: ISMCP_DATABASE_URL / ISMCP_STORE_PATH)")
    p.add_argument("--profile", help="run as this profile: its keys, its rows in the store (default: ISMCP_PROFILE, "
                                     "else default)")
    p.add_argument("--transport", choices=("stdio", "http"), default=None,
                   help="stdio (default) or http: Streamable HTTP for a team (see README, Running it for a team)")
    p.add_argument("--host", default=None, help="http: address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="http: port (default 8000)")
    p.add_argument("--path", default=None, help="http: path of the MCP endpoint (default /mcp)")


def print_store_lines(store: str | None, lines_of: Callable[[Any], Any]) -> int:
    """Open the store (a path or URL, else the configured one), print the lines `await lines_of(store)` returns,
    close it: what `keys status` and `retention show` share."""
    import asyncio

    async def go() -> list[str]:
        from shared.store import open_store

        opened = await open_store(store)
        try:
            return list(await lines_of(opened))
        finally:
            await opened.close()

    for line in asyncio.run(go()):
        print(line)
    return 0
