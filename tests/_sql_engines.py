"""The three engines odatakit.sql is tested on, as one parametrized pytest fixture ``engine``.

SQLite is the standard library's driver in memory; DuckDB a file in a temporary directory;
PostgreSQL a real server: ``$ODATAKIT_POSTGRES_URL`` when set, else a temporary cluster this
module starts with ``initdb``/``pg_ctl`` (from PATH or ``/usr/lib/postgresql/*/bin``) as a
non-root user, in a temporary directory, on a free port of 127.0.0.1, stopped at session end.
Only when no server can be had are the PostgreSQL cases skipped, with the reason.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest

sa = pytest.importorskip("sqlalchemy")

ENGINES = ("sqlite", "duckdb", "postgresql")


def _pg_binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_cluster() -> tuple[str, Any]:
    """Start a throw-away PostgreSQL cluster; returns its URL and a stop function (or raises
    RuntimeError saying why not)."""
    initdb, pg_ctl = _pg_binary("initdb"), _pg_binary("pg_ctl")
    if not initdb or not pg_ctl:
        raise RuntimeError("no initdb/pg_ctl on PATH or in /usr/lib/postgresql/*/bin")
    prefix: list[str] = []
    user = None
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root: run it as an unprivileged user
        for candidate in ("odatakit-pg", "postgres", "nobody"):
            try:
                user = pwd.getpwnam(candidate)
                break
            except KeyError:
                continue
        if user is None or not shutil.which("runuser"):
            raise RuntimeError("running as root with no unprivileged user (odatakit-pg, postgres, nobody) or no runuser")
        prefix = ["runuser", "-u", user.pw_name, "--"]
    # as another user, under /tmp: a TMPDIR private to root would be out of that user's reach
    base = tempfile.mkdtemp(prefix="odatakit-pg-", dir="/tmp" if user is not None else None)
    if user is not None:
        os.chown(base, user.pw_uid, user.pw_gid)
    os.chmod(base, 0o700)
    data, log = os.path.join(base, "data"), os.path.join(base, "log")
    port = _free_port()
    env = {**os.environ, "LC_ALL": "C", "LANG": "C"}

    def run(*args: str) -> None:
        result = subprocess.run([*prefix, *args], capture_output=True, text=True, timeout=120, env=env, cwd=base)
        if result.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {(result.stderr or result.stdout)[-500:]}")

    try:
        run(initdb, "-D", data, "-U", "odatakit", "--auth=trust", "--encoding=UTF8", "--locale=C", "-N")
        options = f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={base} -c fsync=off"
        run(pg_ctl, "-D", data, "-o", options, "-l", log, "-w", "-t", "60", "start")
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as error:
        shutil.rmtree(base, ignore_errors=True)
        raise RuntimeError(f"could not start a temporary PostgreSQL cluster: {error}") from None

    def stop() -> None:
        try:
            run(pg_ctl, "-D", data, "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(base, ignore_errors=True)

    return f"postgresql+psycopg://odatakit@127.0.0.1:{port}/postgres", stop


#: The one temporary cluster of the session: the fixture is imported into several test modules,
#: each of which would otherwise get (and start) its own session-scoped instance.
_SERVER: dict[str, str] = {}


@pytest.fixture(scope="session")
def postgres_url(request: Any) -> str:
    """A URL of a PostgreSQL server the tests may create tables in (skip, saying why, if none)."""
    url = os.environ.get("ODATAKIT_POSTGRES_URL")
    if url:
        return url
    if "url" not in _SERVER and "error" not in _SERVER:
        try:
            _SERVER["url"], stop = _start_cluster()
            request.config.add_cleanup(stop)  # stopped when the test session ends
        except RuntimeError as error:
            _SERVER["error"] = str(error)
    if "error" in _SERVER:
        if os.environ.get("ODATAKIT_REQUIRE_POSTGRES"):
            pytest.fail(f"PostgreSQL required (ODATAKIT_REQUIRE_POSTGRES) but not available: {_SERVER['error']}")
        pytest.skip(f"PostgreSQL not available: {_SERVER['error']} (set ODATAKIT_POSTGRES_URL to use a server)")
    return _SERVER["url"]


def make_engine(name: str, request: Any) -> Any:
    if name == "sqlite":
        return sa.create_engine("sqlite://")
    if name == "duckdb":
        pytest.importorskip("duckdb_engine")
        path = os.path.join(tempfile.mkdtemp(prefix="odatakit-duckdb-"), "test.duckdb")
        request.addfinalizer(lambda: shutil.rmtree(os.path.dirname(path), ignore_errors=True))
        return sa.create_engine(f"duckdb:///{path}")
    url = request.getfixturevalue("postgres_url")
    return sa.create_engine(url)


@pytest.fixture(scope="module", params=ENGINES)
def engine(request: Any) -> Iterator[Any]:
    """An engine of each kind, one per test module (tables made by the module's own fixture)."""
    created = make_engine(request.param, request)
    try:
        yield created
    finally:
        created.dispose()
