"""A throwaway PostgreSQL server for fault tests: its own data folder, its own free port.

Fault tests stop and crash the server under the app; they must never touch the shared
server on 5432, so each run gets a fresh cluster (`initdb`) in a temporary folder, torn
down afterwards. initdb refuses to run as root, so as root the cluster is created and run
as the `postgres` system user (`runuser -u postgres --`), with the folder chowned to it.
"""
from __future__ import annotations

import asyncio
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

SYSTEM_USER = "postgres"


def find_pg_bin() -> Path | None:
    """The newest /usr/lib/postgresql/<v>/bin holding initdb and pg_ctl, else PATH."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                        key=lambda p: int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0)
    for initdb in reversed(candidates):
        folder = Path(initdb).parent
        if (folder / "pg_ctl").exists():
            return folder
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(initdb).resolve().parent
    return None


def unavailable_reason() -> str | None:
    """Why a throwaway server cannot be started here (None: it can)."""
    if find_pg_bin() is None:
        return "initdb/pg_ctl not found (install PostgreSQL server binaries)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SYSTEM_USER)
        except KeyError:
            return f"running as root and there is no '{SYSTEM_USER}' system user for initdb"
        if shutil.which("runuser") is None:
            return "running as root and runuser is missing"
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ThrowawayPostgres:
    """initdb + pg_ctl on a temporary folder. `url` is an asyncpg SQLAlchemy URL."""

    def __init__(self):
        self.bin = find_pg_bin()
        self.root = Path(tempfile.mkdtemp(prefix="counterpoint-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = free_port()
        self._as_root = os.geteuid() == 0
        if self._as_root:
            user = pwd.getpwnam(SYSTEM_USER)
            os.chown(self.root, user.pw_uid, user.pw_gid)
            os.chmod(self.root, 0o700)

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def _command(self, *args: str) -> list[str]:
        command = [str(self.bin / args[0]), *args[1:]]
        return ["runuser", "-u", SYSTEM_USER, "--", *command] if self._as_root else command

    def _run(self, *args: str, timeout: float = 120) -> None:
        result = subprocess.run(self._command(*args), capture_output=True, text=True, timeout=timeout)
        if result.returncode != 0:
            raise RuntimeError(f"{args[0]} failed ({result.returncode}): {result.stderr.strip()[-2000:]}\n"
                               f"{self.server_log()}")

    def _start_args(self) -> tuple[str, ...]:
        # Own port, sockets in our folder (not the shared /var/run/postgresql), TCP on
        # loopback only. fsync off: the OS never crashes in these tests, only the server.
        options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
                   f"-c full_page_writes=off -c max_connections=40")
        return ("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "60", "start")

    def init_and_start(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                  "--no-locale", "--no-sync")
        self._run(*self._start_args())

    def start(self) -> None:
        self._run(*self._start_args())

    def stop(self, mode: str = "fast") -> None:
        """mode "immediate" is a crash: no checkpoint, clients cut off, recovery at start."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    async def astart(self) -> None:
        await self._arun(*self._start_args())

    async def astop(self, mode: str = "fast") -> None:
        await self._arun("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    async def _arun(self, *args: str) -> None:
        """Same as _run without blocking the event loop (the app keeps running meanwhile)."""
        process = await asyncio.create_subprocess_exec(*self._command(*args), stdout=asyncio.subprocess.PIPE,
                                                       stderr=asyncio.subprocess.PIPE)
        _, stderr = await process.communicate()
        if process.returncode != 0:
            raise RuntimeError(f"{args[0]} failed ({process.returncode}): {stderr.decode()[-2000:]}")

    def is_running(self) -> bool:
        result = subprocess.run(self._command("pg_ctl", "-D", str(self.data), "status"), capture_output=True)
        return result.returncode == 0

    def server_log(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def destroy(self) -> None:
        try:
            if self.data.exists() and self.is_running():
                self.stop("immediate")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
