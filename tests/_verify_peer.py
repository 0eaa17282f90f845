"""One process's weekly drift check, for tests/test_drift.py: `python tests/_verify_peer.py
DATABASE_URL ISO_NOW WORKER` runs `run_weekly_verification` once with that clock and prints
the outcome as one JSON line (null when it did not run: not due, or another process has it)."""
from __future__ import annotations

import asyncio
import json
import os
import sys
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.config import Settings
from bot.db import make_engine, make_session_factory
from bot.drift.service import run_weekly_verification


class PeerApp:
    """What the drift check needs from the container: settings and sessions (no index)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.engine = make_engine(settings.database_url)
        self.sessions = make_session_factory(self.engine)


async def main(url: str, now: str, worker: str) -> None:
    settings = Settings.from_env(env_file=os.devnull, database_url=url, index_dir=Path("unused"),
                                 seeds_dir=Path("unused"), allow_private_fetch=True)
    app = PeerApp(settings)
    try:
        clock = datetime.fromisoformat(now)
        outcome = await run_weekly_verification(app, worker=worker, clock=lambda: clock, timeout=5)
    finally:
        await app.engine.dispose()
    print(json.dumps(None if outcome is None else {"week": outcome.week.isoformat(), "sources": outcome.sources,
                                                   "drifted": outcome.drifted}), flush=True)


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
