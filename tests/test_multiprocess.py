"""Two bot processes (shards) on one PostgreSQL, each with its own search index folder: what a
moderator adds or removes through one is seen by the other within seconds, because each
follows the database's IndexChange sequence. Real OS processes, not tasks in one loop.

PostgreSQL only (SQLite is a single-machine database); skipped on SQLite-only runs.
"""
from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from pathlib import Path

import pytest

PEER = Path(__file__).resolve().parent / "_multiprocess_peer.py"
PROPAGATION_DEADLINE_S = 10.0  # two poll intervals (INDEX_POLL_SECONDS=2) plus process start-up slack

ARTICLE = """Harbour dredging plan splits the port council

The council approved a plan to dredge the northern harbour channel by two metres.

"The dredging will bring container ships back to Elmsford within a year," said Mara Quill, the port director.

Fishermen said the silt plumes would smother the oyster beds that supply half the town's catch.
"""


class Peer:
    """A child process running tests/_multiprocess_peer.py, spoken to in JSON lines."""

    def __init__(self, proc: asyncio.subprocess.Process):
        self.proc = proc

    @classmethod
    async def start(cls, database_url: str, index_dir: Path) -> "Peer":
        env = {**os.environ, "PEER_DATABASE_URL": database_url, "PEER_INDEX_DIR": str(index_dir)}
        proc = await asyncio.create_subprocess_exec(sys.executable, str(PEER), env=env, stdin=asyncio.subprocess.PIPE,
                                                    stdout=asyncio.subprocess.PIPE)
        peer = cls(proc)
        ready = await peer._read(timeout=60)
        assert "ready" in ready, ready
        return peer

    async def _read(self, timeout: float = 30) -> dict:
        line = await asyncio.wait_for(self.proc.stdout.readline(), timeout)
        assert line, f"peer exited with {await self.proc.wait()}"
        return json.loads(line)

    async def ask(self, **command) -> dict:
        self.proc.stdin.write((json.dumps(command) + "\n").encode())
        await self.proc.stdin.drain()
        reply = await self._read()
        assert "error" not in reply, reply["error"]
        return reply

    async def stop(self) -> None:
        if self.proc.returncode is None:
            try:
                self.proc.stdin.write(b'{"op": "quit"}\n')
                await self.proc.stdin.drain()
                await asyncio.wait_for(self.proc.wait(), 15)
            except (asyncio.TimeoutError, ConnectionError):
                self.proc.kill()
                await self.proc.wait()


async def wait_for_lookup(peer: Peer, topic: str, guild_id: int | None, want_found: bool) -> tuple[list, float]:
    """Poll the peer's lookup until its results are (non-)empty; return them and the delay."""
    start = time.monotonic()
    while True:
        results = (await peer.ask(op="lookup", topic=topic, guild_id=guild_id))["results"]
        if bool(results) == want_found or time.monotonic() - start > PROPAGATION_DEADLINE_S:
            return results, time.monotonic() - start
        await asyncio.sleep(0.2)


@pytest.fixture
async def peers(engine, database_url, tmp_path):
    """Shard A and shard B on the same (emptied, migrated) PostgreSQL database."""
    if not database_url.startswith("postgresql"):
        pytest.skip("several processes share one PostgreSQL; SQLite is the single-process backend")
    started = []
    try:
        for name in ("a", "b"):
            started.append(await Peer.start(database_url, tmp_path / f"index_{name}"))
        yield started
    finally:
        for peer in started:
            await peer.stop()


async def test_source_added_through_one_process_is_found_through_the_other(peers):
    a, b = peers
    assert not (await b.ask(op="lookup", topic="oyster beds silt", guild_id=42))["results"]
    created = await a.ask(op="ingest", text=ARTICLE, filename="harbour.txt", guild_id=42)
    assert created["status"] == "created"

    results, delay = await wait_for_lookup(b, "oyster beds silt", 42, want_found=True)
    assert results, f"shard B did not see the new source within {PROPAGATION_DEADLINE_S} s"
    first = results[0]
    assert "smother the oyster beds" in first["text"]
    assert first["source"]["id"] == created["source_id"]
    assert first["source"]["title"] == "Harbour dredging plan splits the port council"
    assert not (await b.ask(op="lookup", topic="oyster beds silt", guild_id=43))["results"], \
        "another guild's shard view stays isolated"


async def test_removal_through_one_process_hides_the_source_in_the_other(peers):
    a, b = peers
    created = await a.ask(op="ingest", text=ARTICLE, filename="harbour.txt", guild_id=42)
    found, _ = await wait_for_lookup(b, "dredge northern harbour channel", 42, want_found=True)
    assert found
    await a.ask(op="remove", source_id=created["source_id"], guild_id=42)
    results, delay = await wait_for_lookup(b, "dredge northern harbour channel", 42, want_found=False)
    assert results == [], f"shard B still answers with a removed source after {delay:.1f} s"


async def test_bulk_ingest_through_either_process_reaches_the_other(peers):
    a, b = peers
    first_sentence = "The last lighthouse keeper on Skerryvore retired in 1984."
    await b.ask(op="bulk", origin="bench:test:1", title="Lighthouse keepers",
                sentences=[first_sentence, "Automation replaced the keepers along the whole coast."])
    results, delay = await wait_for_lookup(a, "lighthouse keeper Skerryvore", None, want_found=True)
    assert results, f"shard A did not see the bulk source within {PROPAGATION_DEADLINE_S} s"
    assert results[0]["text"] == first_sentence
    assert results[0]["source"]["title"] == "Lighthouse keepers"
    assert results[0]["location"] == {"paragraph": 1, "char_start": 0, "char_end": len(first_sentence)}
