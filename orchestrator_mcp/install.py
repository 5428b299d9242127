"""`orchestrator-mcp install claude-desktop|cursor [--sandbox] [--dry-run] [--config PATH]`.

Writes the three servers into the client's real config file with absolute paths to this install's
executables: backs the file up first, keeps the other servers already there, is idempotent, and never
writes a key (the servers read keys from the keyring or the environment).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

SERVERS = {"instantly": "instantly-mcp", "stripe": "stripe-mcp", "orchestrator": "orchestrator-mcp"}


def default_config_path(client: str) -> Path:
    home = Path.home()
    if client == "cursor":
        return home / ".cursor" / "mcp.json"
    if sys.platform == "darwin":
        return home / "Library" / "Application Support" / "Claude" / "claude_desktop_config.json"
    if os.name == "nt":
        return Path(os.environ.get("APPDATA") or home) / "Claude" / "claude_desktop_config.json"
    return Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config") / "Claude" / "claude_desktop_config.json"


def server_entries(bindir: Path, sandbox: bool) -> dict[str, dict[str, Any]]:
    args = ["--sandbox"] if sandbox else []
    return {name: {"command": str(bindir / script), "args": list(args), "env": {}} for name, script in SERVERS.items()}


def merged(existing: dict[str, Any], entries: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The config with our servers' entries: the command points at this install; what the user set on an entry
    (its args, such as --read-only or --toolsets, and its env) is kept. Only --sandbox follows this run."""
    out = dict(existing)
    servers = dict(out.get("mcpServers") or {})
    for name, entry in entries.items():
        old = servers.get(name) or {}
        kept = [a for a in (old.get("args") or []) if a != "--sandbox"]
        args = [*entry["args"], *kept]
        servers[name] = {**old, "command": entry["command"], "args": args, "env": dict(old.get("env") or {})}
    out["mcpServers"] = servers
    return out


def changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """What an install changes, one line a server, in words (never an env value: it may hold a key)."""
    lines = []
    old_servers = before.get("mcpServers") or {}
    for name, entry in (after.get("mcpServers") or {}).items():
        if name not in SERVERS:
            continue
        old = old_servers.get(name)
        if old is None:
            lines.append(f"{name}: added ({' '.join([entry['command'], *entry['args']])})")
            continue
        parts = []
        if old.get("command") != entry["command"]:
            parts.append(f"command {old.get('command')} -> {entry['command']}")
        old_args, new_args = list(old.get("args") or []), entry["args"]
        if old_args != new_args:
            added = [a for a in new_args if a not in old_args]
            removed = [a for a in old_args if a not in new_args]
            parts += [f"args added: {' '.join(added)}"] if added else []
            parts += [f"args removed: {' '.join(removed)}"] if removed else []
        kept = [a for a in new_args if a in old_args and a != "--sandbox"]
        if kept:
            parts.append(f"kept your args: {' '.join(kept)}")
        if entry.get("env"):
            parts.append(f"kept your env: {', '.join(sorted(entry['env']))}")
        lines.append(f"{name}: " + ("; ".join(parts) if parts else "unchanged"))
    return lines


def install(client: str, *, config: Path | None = None, sandbox: bool = False, dry_run: bool = False,
            bindir: Path | None = None) -> tuple[Path, str, bool, Path | None, list[str]]:
    """Returns (config path, new text, whether the file changed, backup path if one was made, changes in words)."""
    path = config or default_config_path(client)
    current: dict[str, Any] = {}
    if path.exists():
        text = path.read_text(encoding="utf-8").strip()
        if text:
            current = json.loads(text)
    new = merged(current, server_entries(bindir or Path(sys.executable).parent, sandbox))
    new_text = json.dumps(new, indent=2) + "\n"
    said = changes(current, new)
    if dry_run or (path.exists() and current == new):
        return path, new_text, False, None, said
    backup = None
    if path.exists():
        backup = path.with_name(f"{path.name}.bak-{time.strftime('%Y%m%d-%H%M%S')}")
        shutil.copy2(path, backup)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(new_text, encoding="utf-8")
    os.replace(tmp, path)
    return path, new_text, True, backup, said


def add_install_command(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("install", help="add the three servers to Claude Desktop's or Cursor's config")
    p.add_argument("client", choices=["claude-desktop", "cursor"])
    p.add_argument("--sandbox", action="store_true", help="configure the servers in sandbox mode (no accounts)")
    p.add_argument("--dry-run", action="store_true", help="print the resulting config instead of writing it")
    p.add_argument("--config", type=Path, help="config file to edit (default: the client's usual location)")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    path, text, changed, backup, said = install(args.client, config=args.config, sandbox=args.sandbox,
                                                dry_run=args.dry_run)
    report = "\n".join(f"  {line}" for line in said)
    if args.dry_run:
        print(text, end="")
        print(f"Dry run: would write {path} (nothing written). Changes:\n{report}", file=sys.stderr)
    elif not changed:
        print(f"{path} already has these servers; nothing changed.\n{report}", file=sys.stderr)
    else:
        saved = f" (backup: {backup})" if backup else ""
        print(f"Wrote {path}{saved}. Changes:\n{report}\nQuit and restart the client to load it.", file=sys.stderr)
    return 0
