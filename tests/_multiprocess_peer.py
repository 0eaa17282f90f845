"""One bot-like process for tests/test_multiprocess.py: a `Counterpoint` on a shared database
with its own index folder, following the change sequence, driven by JSON lines on stdin.

Commands (one JSON object a line): {"op": "ingest", "text": ..., "filename": ..., "guild_id": ...},
{"op": "bulk", "origin": ..., "title": ..., "sentences": [...]}, {"op": "remove", "source_id": ...,
"guild_id": ...}, {"op": "lookup", "topic": ..., "guild_id": ...}, {"op": "quit"}. Each answer is
one JSON line on stdout. Stdin is read in a thread so the index follower keeps running between
commands, as it does in a real bot process.
"""
from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.app import Counterpoint
from bot.config import PROJECT_ROOT, Settings


async def handle(app: Counterpoint, command: dict) -> dict:
    op = command["op"]
    if op == "ingest":
        from bot.services.sources import ingest_document

        report = await ingest_document(app, command["text"], filename=command["filename"],
                                       guild_id=command.get("guild_id"), actor="moderator:1")
        return {"source_id": report.source_id, "status": report.status}
    if op == "bulk":
        from bot.ingest.bulk import BulkDocument, bulk_ingest

        report = await bulk_ingest(app, [BulkDocument(origin=command["origin"], title=command["title"],
                                                      sentences=command["sentences"])], guild_id=command.get("guild_id"))
        return {"created": report.created, "source_ids": report.source_ids}
    if op == "remove":
        from bot.services.curation import remove_source

        ref = await remove_source(app, command["source_id"], guild_id=command["guild_id"], actor="moderator:1")
        return {"status": ref.status}
    if op == "lookup":
        from bot.services.lookup import lookup

        answer = await lookup(app, command["topic"], guild_id=command.get("guild_id"), log_query=False)
        return {"results": [r.as_json() for r in answer.results]}
    raise ValueError(f"unknown op {op!r}")


async def main() -> None:
    # The poll interval is the production default (INDEX_POLL_SECONDS) unless the test sets it.
    settings = Settings.from_env(env_file=os.devnull, database_url=os.environ["PEER_DATABASE_URL"],
                                 index_dir=Path(os.environ["PEER_INDEX_DIR"]), seeds_dir=PROJECT_ROOT / "seeds",
                                 discord_token=None)
    app = await Counterpoint.open(settings, ingest_seeds=False, migrate=False)
    app.start_following()
    print(json.dumps({"ready": os.getpid()}), flush=True)
    try:
        while True:
            line = await asyncio.to_thread(sys.stdin.readline)
            if not line or not line.strip():
                break
            command = json.loads(line)
            if command["op"] == "quit":
                break
            try:
                reply = await handle(app, command)
            except Exception as exc:  # noqa: BLE001 - report to the test instead of dying silently
                reply = {"error": repr(exc)}
            print(json.dumps(reply), flush=True)
    finally:
        await app.close()


if __name__ == "__main__":
    asyncio.run(main())
