"""A throwaway PostgreSQL server for the benchmarks, with durable commits (fsync and synchronous_commit on, the
server's defaults), unlike the test suite's cluster, which turns them off for speed. Uses the binaries the test
suite finds (ISMCP_PG_BIN or /usr/lib/postgresql/*/bin)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from shared.asgi import free_port


def _bin() -> Path | None:
    candidates = [os.environ.get("ISMCP_PG_BIN", "")]
    candidates += sorted((str(p) for p in Path("/usr/lib/postgresql").glob("*/bin")), reverse=True)
    if found := shutil.which("initdb"):
        candidates.append(str(Path(found).parent))
    return next((Path(c) for c in candidates if c and (Path(c) / "initdb").exists()), None)


def extra_settings() -> list[str]:
    """BENCH_PG_SETTINGS="synchronous_commit=off,..." adds server settings, for profiling what bounds a figure
    (never for a reported goal: the benchmarks' figures are with durable commits)."""
    out: list[str] = []
    for item in (os.environ.get("BENCH_PG_SETTINGS") or "").split(","):
        if item.strip():
            out += ["-c", item.strip()]
    return out


@contextmanager
def postgres() -> Iterator[str | None]:
    """A database URL on a fresh cluster, or None when no PostgreSQL binaries are installed."""
    pg = _bin()
    if pg is None:
        yield None
        return
    root = Path(tempfile.mkdtemp(prefix="bench-pg-"))
    sock = root / "sock"
    sock.mkdir()
    owner: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root
        shutil.chown(root, "postgres")
        shutil.chown(sock, "postgres")
        owner = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    subprocess.run([*owner, str(pg / "initdb"), "-D", str(root / "data"), "-U", "postgres", "-A", "trust", "-E",
                    "UTF8"], check=True, capture_output=True, timeout=120)
    proc = subprocess.Popen([*owner, str(pg / "postgres"), "-D", str(root / "data"), "-p", str(port), "-k",
                             str(sock), "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200",
                             *extra_settings()],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while subprocess.run([str(pg / "pg_isready"), "-h", "127.0.0.1", "-p", str(port)],
                             capture_output=True).returncode != 0:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("bench PostgreSQL did not start")
            time.sleep(0.1)
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        shutil.rmtree(root, ignore_errors=True)
