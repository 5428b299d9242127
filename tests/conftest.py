"""Every test gets its own store and no keys from the developer's environment or keyring.

The store's engine is a fixture parameter (`db_engine`). Modules that set `BOTH_ENGINES = True` run every test
on SQLite and on PostgreSQL; the rest run on SQLite. PostgreSQL is a real server the suite starts itself: a
throwaway cluster from `initdb` in a temporary directory, on a free loopback port, run as the unprivileged
`postgres` user when the suite runs as root (initdb refuses root), with a fresh database per test. Without
PostgreSQL binaries those tests skip with one reason; with CI=true they fail instead.
"""

from __future__ import annotations

import itertools
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

KEY_VARS = (
    "INSTANTLY_API_KEY", "STRIPE_API_KEY", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "INSTANTLY_WEBHOOK_SECRET",
    "INSTANTLY_BASE_URL", "STRIPE_API_BASE", "ISMCP_READ_ONLY", "ISMCP_SANDBOX",
    "INSTANTLY_READ_ONLY", "STRIPE_READ_ONLY", "ORCHESTRATOR_READ_ONLY", "INSTANTLY_TOOLSETS", "STRIPE_TOOLSETS",
    "ORCHESTRATOR_TOOLSETS",
)
REPO = Path(__file__).resolve().parent.parent
ENGINES = ("sqlite", "postgresql")
PG_HINT = ("PostgreSQL tests skipped: no PostgreSQL server binaries (initdb, postgres) found. Install them "
           "(apt-get install -y postgresql) or set ISMCP_PG_BIN to their folder; with CI=true they fail instead.")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "db_engine" in metafunc.fixturenames:
        both = getattr(metafunc.module, "BOTH_ENGINES", False)
        metafunc.parametrize("db_engine", ENGINES if both else ("sqlite",), indirect=True)


@pytest.fixture
def db_engine(request: pytest.FixtureRequest) -> str:
    return str(getattr(request, "param", "sqlite"))


class PostgresCluster:
    def __init__(self) -> None:
        self.bin = _pg_bin()
        self.dir = Path(tempfile.mkdtemp(prefix="ismcp-pg-"))
        self.port = _free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self._n = itertools.count()

    def _as_owner(self, args: list[str]) -> list[str]:
        if os.geteuid() == 0:  # initdb refuses root: run the cluster as the unprivileged postgres user
            return ["runuser", "-u", "postgres", "--", *args]
        return args

    def start(self) -> None:
        data, sock = self.dir / "data", self.dir / "sock"
        sock.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
            shutil.chown(sock, "postgres")
        subprocess.run(self._as_owner([str(self.bin / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
                                       "-E", "UTF8", "--no-sync"]), check=True, capture_output=True, timeout=120)
        self.proc = subprocess.Popen(self._as_owner([
            str(self.bin / "postgres"), "-D", str(data), "-p", str(self.port), "-k", str(sock),
            "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
            "-c", "full_page_writes=off", "-c", "max_connections=200"]),
            stdout=subprocess.DEVNULL, stderr=self._log())
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"postgres exited: {(self.dir / 'postgres.log').read_text()[-2000:]}")
            if self.psql("SELECT 1", check=False).returncode == 0:
                return
            time.sleep(0.1)
        raise RuntimeError("postgres did not accept connections within 30 s")

    def _log(self) -> int:
        self._logfd = os.open(self.dir / "postgres.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        return self._logfd

    def psql(self, sql: str, *, check: bool = True) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run([str(self.bin / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                               "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-qAtc", sql],
                              check=check, capture_output=True, timeout=60)

    def new_database(self) -> str:
        name = f"t{os.getpid()}_{next(self._n)}"
        self.psql(f"CREATE DATABASE {name}")
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            # Fast shutdown (SIGINT) sent to the postmaster itself: SIGTERM is a smart shutdown that waits for
            # every client, and `runuser` answers a signal by waiting 2 s before it kills its child.
            try:
                pid = int((self.dir / "data" / "postmaster.pid").read_text().split()[0])
                os.kill(pid, signal.SIGINT)
            except (OSError, ValueError, IndexError):
                self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if getattr(self, "_logfd", None) is not None:
            os.close(self._logfd)
        shutil.rmtree(self.dir, ignore_errors=True)


def _pg_bin() -> Path:
    candidates = [os.environ.get("ISMCP_PG_BIN", "")]
    candidates += sorted((str(p) for p in Path("/usr/lib/postgresql").glob("*/bin")), reverse=True)
    if found := shutil.which("initdb"):
        candidates.append(str(Path(found).parent))
    for c in candidates:
        if c and (Path(c) / "initdb").exists() and (Path(c) / "postgres").exists():
            return Path(c)
    raise FileNotFoundError(PG_HINT)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PostgresCluster | str]:
    """The session's PostgreSQL server, or the reason there is none."""
    try:
        cluster = PostgresCluster()
        cluster.start()
    except Exception as exc:  # noqa: BLE001 - reported by each PostgreSQL test (skip, or fail in CI)
        yield PG_HINT if isinstance(exc, FileNotFoundError) else f"PostgreSQL could not start: {exc}"
        return
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def database_url(db_engine: str, request: pytest.FixtureRequest, tmp_path: Path) -> str | None:
    """ISMCP_DATABASE_URL for this test: a fresh PostgreSQL database, or None for a SQLite file."""
    if db_engine != "postgresql":
        return None
    cluster = request.getfixturevalue("pg_cluster")
    if isinstance(cluster, str):
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(cluster)
        pytest.skip(cluster)
    return cluster.new_database()


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str | None) -> Iterator[None]:
    for name in KEY_VARS:
        monkeypatch.delenv(name, raising=False)
    for name in list(os.environ):  # other profiles' keys (INSTANTLY_API_KEY__ACME) and the profile in effect
        if name.partition("__")[0] in KEY_VARS or name == "ISMCP_PROFILE":
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ISMCP_STORE_PATH", str(tmp_path / "store.sqlite"))
    # sandbox mode keeps its own store in the sandbox folder: one per test too, never the user's data dir
    monkeypatch.setenv("ISMCP_SANDBOX_DIR", str(tmp_path / "sandbox"))
    if database_url:
        monkeypatch.setenv("ISMCP_DATABASE_URL", database_url)
    else:
        monkeypatch.delenv("ISMCP_DATABASE_URL", raising=False)
    # Nothing a test runs writes into the user's data directory: the sandbox state (and sandbox mode's own store)
    # and anything else kept there go to this test's folder.
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("ISMCP_SANDBOX_DIR", str(tmp_path / "sandbox"))
    # No OS keyring in tests unless a test installs the file backend itself.
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    yield


def subprocess_env(**extra: str) -> dict[str, str]:
    """Environment for a server started as a subprocess: PATH/HOME plus what the test passes (and the test's store)."""
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "SYSTEMROOT", "TMPDIR")}
    env.update({k: os.environ[k] for k in ("ISMCP_STORE_PATH", "ISMCP_DATABASE_URL", "PYTHON_KEYRING_BACKEND",
                                           "XDG_DATA_HOME", "ISMCP_SANDBOX_DIR") if k in os.environ})
    env["PYTHONPATH"] = str(REPO)
    env.update(extra)
    return env
