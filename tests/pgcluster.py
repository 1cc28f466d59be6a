"""A throw-away PostgreSQL cluster for the tests: ``initdb`` in a temporary folder, a server on
127.0.0.1 and a free port, one fresh database per test (copied from a migrated template).

The server binaries come from ``PATH`` or Debian's ``/usr/lib/postgresql/<version>/bin``
(``make test`` installs the ``postgresql`` package when they are missing). PostgreSQL refuses
to run as root: as root the cluster belongs to the ``postgres`` user. Without the binaries
the tests that need the cluster are skipped, unless ``ARCFORGE_TEST_POSTGRES=required``
(``make test`` sets it), which makes a missing server a failure.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import uuid
from pathlib import Path

REQUIRED_ENV = "ARCFORGE_TEST_POSTGRES"
TEMPLATE = "arcforge_template"


def find_binary(name: str) -> str | None:
    """``name`` on PATH, else in the newest ``/usr/lib/postgresql/<version>/bin``."""
    found = shutil.which(name)
    if found:
        return found
    root = Path("/usr/lib/postgresql")
    versions = sorted(
        (p for p in root.glob("*/bin") if re.fullmatch(r"\d+", p.parent.name)),
        key=lambda p: int(p.parent.name), reverse=True,
    ) if root.is_dir() else []
    for folder in versions:
        if (folder / name).is_file():
            return str(folder / name)
    return None


class ClusterUnavailable(Exception):
    """No PostgreSQL server could be started (the reason says why)."""


def unavailable(reason: str) -> None:
    """Skip the test, or fail it when the suite requires PostgreSQL."""
    import pytest  # only the tests skip: benchmarks use the cluster too

    if os.environ.get(REQUIRED_ENV) == "required":
        pytest.fail(f"PostgreSQL is required ({REQUIRED_ENV}=required): {reason}")
    pytest.skip(reason)


class Cluster:
    """One server for the whole test session (or a benchmark); :meth:`database` makes a
    fresh database. :meth:`start` raises :class:`ClusterUnavailable`."""

    def __init__(self) -> None:
        self.base: Path | None = None
        self.url = ""
        self._pg_ctl = ""
        self._prefix: list[str] = []
        self._data: Path | None = None
        self._template_ready = False
        self._lock = threading.Lock()

    def _run(self, *cmd: str) -> None:
        subprocess.run([*self._prefix, *cmd], check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        initdb, pg_ctl = find_binary("initdb"), find_binary("pg_ctl")
        if not (initdb and pg_ctl):
            raise ClusterUnavailable("PostgreSQL server binaries (initdb, pg_ctl) are not "
                                     "installed")
        base = Path(tempfile.mkdtemp(prefix="arcforge-pg-"))
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                shutil.rmtree(base, ignore_errors=True)
                raise ClusterUnavailable(
                    "running as root and there is no 'postgres' user to run the server"
                ) from None
            os.chown(base, owner.pw_uid, owner.pw_gid)
            self._prefix = ["runuser", "-u", "postgres", "--"]
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        data = base / "data"
        options = (f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c max_connections=300 -c synchronous_commit=off")
        try:
            self._run(initdb, "-D", str(data), "-A", "trust", "-U", "arc", "--no-sync")
            self._run(pg_ctl, "-D", str(data), "-o", options, "-l", str(base / "log"), "-w",
                      "start")
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            shutil.rmtree(base, ignore_errors=True)
            detail = getattr(exc, "stderr", b"") or b""
            raise ClusterUnavailable(
                f"could not start a PostgreSQL server: {exc} {detail.decode()[-500:]}"
            ) from None
        self.base, self._data, self._pg_ctl = base, data, pg_ctl
        self.url = f"postgresql+psycopg://arc@127.0.0.1:{port}"

    def stop(self) -> None:
        if self.base is None:
            return
        try:
            self._run(self._pg_ctl, "-D", str(self._data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.base, ignore_errors=True)
            self.base = None

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(f"{self.url.replace('+psycopg', '')}/postgres",
                             autocommit=True) as conn:
            conn.execute(sql)

    def empty_database(self) -> str:
        """The URL of a new, empty database."""
        name = f"t_{uuid.uuid4().hex[:12]}"
        self._admin(f"CREATE DATABASE {name}")
        return f"{self.url}/{name}"

    def database(self) -> str:
        """The URL of a new database at the newest schema (a copy of a migrated template)."""
        with self._lock:
            if not self._template_ready:
                from arcforge.store import open_store

                self._admin(f"CREATE DATABASE {TEMPLATE}")
                open_store(f"{self.url}/{TEMPLATE}").dispose()
                self._template_ready = True
        name = f"t_{uuid.uuid4().hex[:12]}"
        self._admin(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
        return f"{self.url}/{name}"
