#!/usr/bin/env python3
"""One-command set-up for a fresh machine (Python 3.11+ only, standard library only).

    python3 scripts/dev.py run    # venv + install, then the bot (local console without DISCORD_TOKEN)
    python3 scripts/dev.py test   # venv + install, PostgreSQL check/start, `ruff check`, then the test suite on SQLite and PostgreSQL

Why a Python script rather than make/shell: the only thing a newcomer is promised is Python.
The virtualenv lives in .venv and is reused; `pip install` is skipped while pyproject.toml is unchanged.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
PY = VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
STAMP = VENV / ".installed-hash"


def sh(*args: str, check: bool = True, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(list(args), check=check, **kw)


def ensure_venv(extras: str) -> None:
    if sys.version_info < (3, 11):
        sys.exit(f"Python 3.11+ is required (this is {sys.version.split()[0]}).")
    if not PY.exists():
        print("Creating .venv ...", flush=True)
        sh(sys.executable, "-m", "venv", str(VENV))
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    if STAMP.exists() and STAMP.read_text().strip() == wanted:
        return
    print("Installing dependencies into .venv (about a minute the first time) ...", flush=True)
    quiet_pip("install", "--upgrade", "pip")
    quiet_pip("install", "-e", f".[{extras}]")
    STAMP.write_text(wanted)


def quiet_pip(*args: str) -> None:
    """Run pip with its output captured: shown only if it fails.

    A successful editable install prints setuptools' multi-line "Editable installation"
    banner and whatever the machine's pip configuration warns about; none of it helps a
    newcomer. A failure shows everything pip said, then stops."""
    proc = subprocess.run([str(PY), "-m", "pip", *args, "--disable-pip-version-check"], cwd=ROOT,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        sys.exit(f"pip {' '.join(args)} failed (exit status {proc.returncode}); its output is above.")


def postgres_up(host: str = "127.0.0.1", port: int = 5432) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def ensure_postgres() -> None:
    """Start the machine's PostgreSQL cluster if it is installed but down (CI machines are fresh)."""
    if os.environ.get("TEST_BACKENDS", "sqlite,postgresql").find("postgresql") < 0 or postgres_up():
        return
    if shutil.which("pg_ctlcluster") and Path("/etc/postgresql").exists():
        for version in sorted(os.listdir("/etc/postgresql")):
            print(f"Starting PostgreSQL {version} ...", flush=True)
            sh("pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start", check=False)
        for _ in range(30):
            if postgres_up():
                return
            time.sleep(1)
    print("PostgreSQL is not reachable at 127.0.0.1:5432: its tests will be skipped (or fail under CI).", flush=True)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"run", "test", "setup"}:
        print(__doc__)
        return 2
    what, rest = argv[0], argv[1:]
    if what == "run":
        ensure_venv("dev")
        return sh(str(PY), "-m", "bot", "run", *rest, check=False, cwd=ROOT).returncode
    if what == "setup":
        ensure_venv("dev,bench")
        return 0
    ensure_venv("dev")
    if lint() != 0:
        return 1
    ensure_postgres()
    return sh(str(PY), "-m", "pytest", *rest, check=False, cwd=ROOT).returncode


def lint() -> int:
    """`ruff check` over the whole tree (rules in pyproject.toml), before any test runs.

    It takes well under a second, so a lint error stops the run before minutes of tests:
    CI (`.ci/run` calls this command) fails on it just like on a failing test."""
    proc = sh(str(PY), "-m", "ruff", "check", "--quiet", ".", check=False, cwd=ROOT)
    if proc.returncode != 0:
        print("ruff check failed (above); fix it, or `.venv/bin/ruff check --fix .` for the fixable ones.", flush=True)
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
