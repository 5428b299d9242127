"""Sandbox mode: local API simulators that all three servers share, started on demand, one instance each.

A server in sandbox mode calls `ensure_running(spec)` before its first API call. If nothing answers on
the sandbox's port, it takes a file lock, checks again (another server may have just started it), and
spawns `python -m <module> serve` detached, with its state in the user's data directory, so the
sandbox outlives the server and keeps its state between runs.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Iterator

import httpx

from shared.errors import AppError


@dataclass(frozen=True)
class SandboxSpec:
    name: str  # "instantly" | "stripe"
    module: str  # python -m <module> serve --host --port --db
    port_env: str
    default_port: int
    api_key: str  # the key the sandbox accepts

    @property
    def port(self) -> int:
        return int(os.environ.get(self.port_env) or self.default_port)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def data_dir() -> Path:
    from shared.store.engine import default_store_path

    base = os.environ.get("ISMCP_SANDBOX_DIR")
    path = Path(base) if base else default_store_path().parent / "sandbox"
    path.mkdir(parents=True, exist_ok=True)
    return path


def store_url() -> str:
    """The store of sandbox mode: its own file in the sandbox's state folder, never the real account's store
    (ISMCP_STORE_PATH / ISMCP_DATABASE_URL name that one), so sandbox contacts, revenue and campaign roles never
    show up in live reports or automations."""
    return f"sqlite+aiosqlite:///{(data_dir() / 'store.sqlite').resolve()}"


def answers(url: str, timeout: float = 0.5) -> bool:
    try:
        httpx.get(f"{url}/_sandbox/health", timeout=timeout)
    except httpx.HTTPError:
        return False
    return True


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    with open(path, "a+", encoding="utf-8") as handle:
        if os.name == "nt":  # pragma: no cover - exercised on Windows only
            import msvcrt

            msvcrt.locking(handle.fileno(), msvcrt.LK_LOCK, 1)
        else:
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            if os.name != "nt":
                import fcntl

                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def ensure_running(spec: SandboxSpec, *, wait_seconds: float = 30.0) -> str:
    """The sandbox's base URL, starting it if nothing answers there. Only one instance ever starts."""
    if answers(spec.url):
        return spec.url
    folder = data_dir()
    with _file_lock(folder / f"{spec.name}.lock"):
        if answers(spec.url):
            return spec.url
        log = open(folder / f"{spec.name}.log", "a", encoding="utf-8")  # noqa: SIM115 - handed to the child
        subprocess.Popen(
            [sys.executable, "-m", spec.module, "serve", "--host", "127.0.0.1", "--port", str(spec.port),
             "--db", str(folder / f"{spec.name}.sqlite")],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + wait_seconds
        while time.monotonic() < deadline:
            if answers(spec.url):
                return spec.url
            time.sleep(0.1)
    raise AppError(f"The {spec.name} sandbox did not start on port {spec.port}; see {folder / (spec.name + '.log')}.")


def reset(spec: SandboxSpec) -> bool:
    """Wipe a running sandbox's state. False when it is not running."""
    if not answers(spec.url):
        return False
    httpx.post(f"{spec.url}/_sandbox/reset", headers={"Authorization": f"Bearer {spec.api_key}"}, timeout=10)
    return True
