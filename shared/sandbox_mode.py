"""Sandbox mode: local API simulators that all three servers share, started on demand, one instance each.

A server in sandbox mode calls `ensure_running(spec)` before its first API call. If nothing answers on
the sandbox's port, it takes a file lock, checks again (another server may have just started it), and
spawns `python -m <module> serve` detached, with its state in the user's data directory, so the
sandbox outlives the server and keeps its state between runs.

Only a real sandbox is accepted on the port: `GET /_sandbox/health` must carry the signature
(`{"service": SIGNATURE, "sandbox": <name>, "pid": ...}`); anything else there is an error naming the port.
The PID of each auto-started sandbox is kept in `<name>.pid` beside its state, so `sandbox stop` stops
exactly the ones it started.
"""

from __future__ import annotations

import os
import signal
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


SIGNATURE = "instantly-stripe-mcp-sandbox"


def signature(name: str) -> dict[str, object]:
    """What a sandbox's /_sandbox/health carries besides its own fields, so callers know it is one."""
    return {"service": SIGNATURE, "sandbox": name, "pid": os.getpid()}


@dataclass(frozen=True)
class Probe:
    """What answers on a sandbox's port: nothing, the sandbox (with its PID), or something else."""

    state: str  # "free" | "sandbox" | "other" | "slow"
    pid: int | None = None
    detail: str = ""


def probe(spec: SandboxSpec, timeout: float = 0.5) -> Probe:
    try:
        response = httpx.get(f"{spec.url}/_sandbox/health", timeout=timeout)
    except httpx.ConnectError:
        return Probe("free")
    except httpx.TimeoutException:
        return Probe("slow", detail=f"nothing answered within {timeout:g} s")
    except httpx.HTTPError as exc:
        return Probe("other", detail=f"{type(exc).__name__}")
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("service") == SIGNATURE and body.get("sandbox") == spec.name:
        pid = body.get("pid")
        return Probe("sandbox", pid=pid if isinstance(pid, int) else None)
    server = response.headers.get("server")
    what = f"HTTP {response.status_code}" + (f" from {server}" if server else "")
    if isinstance(body, dict) and body.get("service") == SIGNATURE:
        what = f"the {body.get('sandbox')} sandbox"
    return Probe("other", detail=what)


def answers(url: str, timeout: float = 0.5) -> bool:
    """Whether anything at all answers HTTP at url (the sandbox or not); see probe() to tell them apart."""
    try:
        httpx.get(f"{url}/_sandbox/health", timeout=timeout)
    except httpx.HTTPError:
        return False
    return True


def _is_sandbox(spec: SandboxSpec, wait_seconds: float) -> bool:
    """True when the sandbox answers on its port, False when the port is free; an error when something
    else holds the port (a slow answer is given `wait_seconds` to become the sandbox's)."""
    found = probe(spec)
    deadline = time.monotonic() + wait_seconds
    while found.state == "slow" and time.monotonic() < deadline:
        found = probe(spec, timeout=min(5.0, max(0.5, deadline - time.monotonic())))
    if found.state == "sandbox":
        return True
    if found.state == "free":
        return False
    raise AppError(
        f"Port {spec.port} is in use by something that is not the {spec.name} sandbox ({found.detail}). "
        f"Stop the program on port {spec.port}, or give the sandbox another port: {spec.port_env}=<port>."
    )


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
    """The sandbox's base URL, starting it if nothing answers there. Only one instance ever starts, and
    only a real sandbox is accepted on the port."""
    if _is_sandbox(spec, wait_seconds):
        return spec.url
    folder = data_dir()
    with _file_lock(folder / f"{spec.name}.lock"):
        if _is_sandbox(spec, wait_seconds):
            return spec.url
        log = open(folder / f"{spec.name}.log", "a", encoding="utf-8")  # noqa: SIM115 - handed to the child
        child = subprocess.Popen(
            [sys.executable, "-m", spec.module, "serve", "--host", "127.0.0.1", "--port", str(spec.port),
             "--db", str(folder / f"{spec.name}.sqlite")],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
        )
        log.close()
        pid_file(spec).write_text(str(child.pid), encoding="utf-8")
        deadline = time.monotonic() + wait_seconds
        while time.monotonic() < deadline:
            if child.poll() is not None:
                break  # it exited: e.g. the port was taken meanwhile
            if probe(spec).state == "sandbox":
                return spec.url
            time.sleep(0.1)
    raise AppError(f"The {spec.name} sandbox did not start on port {spec.port}; see {folder / (spec.name + '.log')}.")


def pid_file(spec: SandboxSpec) -> Path:
    return data_dir() / f"{spec.name}.pid"


def started_pid(spec: SandboxSpec) -> int | None:
    """The PID auto-start recorded for this sandbox, if any."""
    try:
        return int(pid_file(spec).read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        return None


def stop(spec: SandboxSpec, *, wait_seconds: float = 15.0) -> str:
    """Stop the auto-started sandbox (SIGTERM, so it shuts down cleanly). Says what happened."""
    found = probe(spec, timeout=2.0)
    if found.state == "free":
        pid_file(spec).unlink(missing_ok=True)
        return "not running"
    if found.state != "sandbox":
        return f"port {spec.port} is held by something else ({found.detail}); left alone"
    recorded = started_pid(spec)
    if found.pid is None or found.pid != recorded:
        return (f"running at {spec.url} (pid {found.pid}) but not auto-started here; "
                "stop it where it was started")
    os.kill(found.pid, signal.SIGTERM)
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        if probe(spec).state == "free":
            pid_file(spec).unlink(missing_ok=True)
            return f"stopped (pid {found.pid})"
        time.sleep(0.1)
    return f"asked pid {found.pid} to stop, but it still answers on port {spec.port}"


def reset(spec: SandboxSpec) -> bool:
    """Wipe a running sandbox's state. False when it is not running."""
    if not _is_sandbox(spec, 5.0):
        return False
    httpx.post(f"{spec.url}/_sandbox/reset", headers={"Authorization": f"Bearer {spec.api_key}"}, timeout=10)
    return True
