"""A throw-away PostgreSQL cluster for tests: initdb into a temporary directory, the
server on loopback and a free port, trust authentication for the test's own user,
stopped and deleted at the end. The binaries come from the Debian `postgresql` package
(`make test` installs it when pg_ctl is missing). PostgreSQL refuses to run as root, so
as root the cluster runs as the package's `postgres` user."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from loader.engines import PostgresSettings

SUPERUSER = "recontact"
DATABASE = "recontact"


def postgres_bin_dir() -> Path:
    """Where initdb and pg_ctl are: on PATH, else the newest Debian version's bin dir."""
    found = shutil.which("pg_ctl")
    if found:
        return Path(os.path.realpath(found)).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=_version_key)
    if not versions:
        raise RuntimeError(
            "PostgreSQL is not installed: `make test` installs it (apt-get install postgresql)"
        )
    return Path(versions[-1]).parent


def _version_key(path: str) -> int:
    version = Path(path).parents[1].name
    return int(version) if version.isdigit() else 0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class PostgresServer:
    root: Path
    port: int
    bin_dir: Path

    @property
    def settings(self) -> PostgresSettings:
        return PostgresSettings(host="127.0.0.1", port=self.port, user=SUPERUSER, dbname=DATABASE)

    @property
    def env(self) -> dict[str, str]:
        """The environment variables profiles.yml's postgres target reads."""
        return {
            "RECONTACT_PG_HOST": "127.0.0.1",
            "RECONTACT_PG_PORT": str(self.port),
            "RECONTACT_PG_USER": SUPERUSER,
            "RECONTACT_PG_PASSWORD": "",
            "RECONTACT_PG_DATABASE": DATABASE,
        }

    def _run(self, *args: str) -> None:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, text=True)

    @classmethod
    def start(cls) -> PostgresServer:
        root = Path(tempfile.mkdtemp(prefix="recontact-pg-"))
        if os.geteuid() == 0:
            shutil.chown(root, "postgres", "postgres")
        server = cls(root=root, port=free_port(), bin_dir=postgres_bin_dir())
        data = root / "data"
        server._run(
            "initdb", "-D", str(data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8",
            "--no-locale", "--no-sync",
        )  # fmt: skip
        options = (
            f"-p {server.port} -c listen_addresses=127.0.0.1 -k {root} -c fsync=off"
            " -c shared_buffers=32MB -c max_connections=20"
        )
        server._run("pg_ctl", "-D", str(data), "-l", str(root / "server.log"), "-o", options,
                    "-w", "start")  # fmt: skip
        connection = PostgresSettings(
            host="127.0.0.1", port=server.port, user=SUPERUSER, dbname="postgres"
        ).connect()
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f"create database {DATABASE}")
        connection.close()
        return server

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def rows(self, sql: str, role: str | None = None) -> list[tuple]:
        connection = self.settings.connect()
        try:
            with connection.cursor() as cursor:
                if role:
                    cursor.execute(f"set role {role}")
                cursor.execute(sql)
                return cursor.fetchall()
        finally:
            connection.close()
