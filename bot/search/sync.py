"""Keeps a SearchIndex in step with the database through the `IndexChange` sequence.

Every source ingest, edit or removal appends an `IndexChange` row in the same transaction,
so the rows are an ordered log of "source N changed". Each process applies the rows it has
not seen yet: it re-reads the current passages of the affected sources (the database is the
truth; a change row says *what* to refresh, never *how*), which makes replaying a row
harmless. The last applied seq is kept in a small JSON file next to the index so a restart
resumes where it stopped; a missing or stale file (the index does not hold the document count
the file recorded) means a full rebuild, never a silently incomplete index.

PostgreSQL hands out sequence values at insert time but transactions commit in any order, so
seq 7 can be visible before seq 6 is. A seq missing below the highest one seen is therefore
remembered as a gap and looked for again on every catch-up for GAP_RETRY_SECONDS (after that
it was a rolled-back transaction, which PostgreSQL never reuses).
"""
from __future__ import annotations

import asyncio
import inspect
import json
import logging
import os
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.models import IndexChange, Passage, Source, SourceStatus
from bot.retry import log_failure
from bot.search.index import IndexDoc, SearchIndex

log = logging.getLogger(__name__)

GAP_RETRY_SECONDS = 60.0
MAX_GAPS = 1000  # a crash can make PostgreSQL skip a few dozen values; never track thousands
CHANGE_PAGE = 1000  # change rows applied per index commit
SOURCE_CHUNK = 500  # source ids per IN (...) query
REBUILD_BATCH = 20_000  # passages read and indexed at a time during a rebuild
STATE_VERSION = 1

Progress = Callable[[int], object]

# Core (not ORM) column access: rows come back as plain tuples, about twice as fast to read,
# which matters when a rebuild streams a million passages.
_CHANGE = IndexChange.__table__.c
_PASSAGE = Passage.__table__.c
_SOURCE = Source.__table__.c


async def _report(progress: Progress | None, done: int) -> None:
    if progress is not None:
        outcome = progress(done)
        if inspect.isawaitable(outcome):
            await outcome


class IndexSync:
    """Applies `IndexChange` rows to one SearchIndex; one per process (one per index)."""

    def __init__(self, index: SearchIndex, state_path: Path | None, *,
                 gap_seconds: float = GAP_RETRY_SECONDS, clock: Callable[[], float] = time.time):
        self.index = index
        self.state_path = Path(state_path) if state_path is not None else None
        self.gap_seconds = gap_seconds
        self._clock = clock
        self._lock = asyncio.Lock()  # catch_up from an ingest and from `follow` never interleave
        # None until the index is known to match the database (first catch_up then rebuilds).
        self.last_seq: int | None = None
        self.gaps: dict[int, float] = {}  # missing seq -> when we first noticed it (epoch s)
        self._load_state()

    # -- public API ----------------------------------------------------------------------

    async def catch_up(self, session_factory: async_sessionmaker) -> int:
        """Apply every change not applied yet; returns how many change rows were applied.

        Without a trustworthy state (first start, deleted or stale state file) this rebuilds
        the whole index instead and returns 0.
        """
        async with self._lock:
            if self.last_seq is None:
                await self._rebuild(session_factory, None)
                return 0
            if await self._log_went_backwards(session_factory):
                # The database was restored or recreated: seqs will be reused, so the state
                # means nothing any more.
                log.warning("search index: change log is behind our state (seq %s); rebuilding", self.last_seq)
                await self._rebuild(session_factory, None)
                return 0
            applied = 0
            while True:
                changes = await self._read_changes(session_factory)
                if not changes:
                    break
                await self._apply(session_factory, changes)
                applied += len(changes)
                if len(changes) < CHANGE_PAGE:
                    break
            if self._expire_gaps():
                await asyncio.to_thread(self._save_state)
            return applied

    async def rebuild(self, session_factory: async_sessionmaker, progress: Progress | None = None) -> int:
        """Re-index every passage of every active source; returns the number of passages.

        Readers keep the old index until the new one is committed. `progress(done)` is called
        after each batch (it may be a coroutine function).
        """
        async with self._lock:
            return await self._rebuild(session_factory, progress)

    async def follow(self, session_factory: async_sessionmaker, interval: float, stop: asyncio.Event) -> None:
        """Catch up every `interval` seconds until `stop` is set, so a source added through
        another process is found here within seconds. Errors are logged, never raised: a
        database blip must not end the loop."""
        failures = 0
        while not stop.is_set():
            try:
                await self.catch_up(session_factory)
                if failures:
                    log.info("search index catch-up works again after %d failed attempts", failures)
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - keep following; the next round retries
                failures += 1
                if failures == 1:  # the traceback once (one line if the database is down), then one line
                    log_failure(log, "search index catch-up failed; retrying every %.1f s", exc, interval)
                else:
                    log.error("search index catch-up failed again (%d in a row): %r", failures, exc)
            try:
                await asyncio.wait_for(stop.wait(), timeout=interval)
            except asyncio.TimeoutError:
                pass

    # -- reading the database ------------------------------------------------------------

    async def _read_changes(self, session_factory: async_sessionmaker) -> list[tuple[int, int]]:
        """(seq, source_id) rows after the last applied seq, plus any gap that turned up."""
        condition = _CHANGE.seq > self.last_seq
        if self.gaps:
            condition = or_(condition, _CHANGE.seq.in_(sorted(self.gaps)))
        statement = select(_CHANGE.seq, _CHANGE.source_id).where(condition).order_by(_CHANGE.seq).limit(CHANGE_PAGE)
        async with session_factory() as session:
            connection = await session.connection()
            return [(seq, source_id) for seq, source_id in (await connection.execute(statement)).all()]

    async def _log_went_backwards(self, session_factory: async_sessionmaker) -> bool:
        async with session_factory() as session:
            connection = await session.connection()
            max_seq = (await connection.execute(select(func.max(_CHANGE.seq)))).scalar() or 0
        return max_seq < (self.last_seq or 0)

    async def _active_passages(self, session_factory: async_sessionmaker, source_ids: Sequence[int]) -> list[IndexDoc]:
        """Current passages of those of `source_ids` that are active (one query per chunk)."""
        docs: list[IndexDoc] = []
        async with session_factory() as session:
            connection = await session.connection()
            for start in range(0, len(source_ids), SOURCE_CHUNK):
                statement = (select(_PASSAGE.id, _PASSAGE.source_id, _SOURCE.scope, _PASSAGE.text)
                             .join(Source.__table__, _SOURCE.id == _PASSAGE.source_id)
                             .where(_SOURCE.status == SourceStatus.active.value,
                                    _PASSAGE.source_id.in_(source_ids[start:start + SOURCE_CHUNK])))
                rows = (await connection.execute(statement)).all()
                docs.extend(IndexDoc(pid, sid, scope, text) for pid, sid, scope, text in rows)
        return docs

    # -- applying ------------------------------------------------------------------------

    async def _apply(self, session_factory: async_sessionmaker, changes: list[tuple[int, int]]) -> None:
        source_ids = list(dict.fromkeys(source_id for _, source_id in changes))
        docs = await self._active_passages(session_factory, source_ids)
        await asyncio.to_thread(self._write, source_ids, docs)
        self._advance([seq for seq, _ in changes])
        await asyncio.to_thread(self._save_state)
        log.debug("search index: applied %d changes (%d sources, %d passages)", len(changes), len(source_ids), len(docs))

    def _write(self, source_ids: Iterable[int], docs: Iterable[IndexDoc]) -> None:
        """Replace the affected sources' passages in one commit (runs in a worker thread).
        A delete only hits documents added before it, so re-adding in the same commit works."""
        try:
            for source_id in source_ids:
                self.index.delete_source(source_id)
            self.index.add(docs)
            self.index.commit()
        except BaseException:
            self._rollback_quietly()
            raise

    def _rollback_quietly(self) -> None:
        """Drop staged writes after a failure without hiding the failure itself."""
        try:
            self.index.rollback()
        except Exception:  # e.g. the index was closed meanwhile
            log.warning("search index rollback failed", exc_info=True)

    def _advance(self, seqs: Sequence[int]) -> None:
        """Move `last_seq` to the highest seq applied and remember the holes below it."""
        now = self._clock()
        for seq in seqs:
            self.gaps.pop(seq, None)
        previous = self.last_seq or 0
        newer = sorted(seq for seq in seqs if seq > previous)
        if not newer:
            return
        expected = previous + 1
        for seq in newer:
            if seq > expected:
                missing_from = max(expected, seq - MAX_GAPS)
                for gap in range(missing_from, seq):
                    self.gaps.setdefault(gap, now)
            expected = seq + 1
        self.last_seq = newer[-1]
        if len(self.gaps) > MAX_GAPS:
            for gap in sorted(self.gaps)[:len(self.gaps) - MAX_GAPS]:
                del self.gaps[gap]

    def _expire_gaps(self) -> bool:
        cutoff = self._clock() - self.gap_seconds
        expired = [seq for seq, seen in self.gaps.items() if seen < cutoff]
        for seq in expired:
            del self.gaps[seq]
        if expired:
            log.debug("search index: gave up waiting for change seqs %s (rolled back)", expired[:10])
        return bool(expired)

    async def _rebuild(self, session_factory: async_sessionmaker, progress: Progress | None) -> int:
        # Read the change log position first: anything committed after this point will be
        # re-applied by the next catch_up, so nothing can fall between rebuild and follow.
        async with session_factory() as session:
            connection = await session.connection()
            max_seq = (await connection.execute(select(func.max(_CHANGE.seq)))).scalar() or 0
            recent = (await connection.execute(select(_CHANGE.seq).where(_CHANGE.seq > max_seq - MAX_GAPS))).scalars().all()
            # Scopes of active sources, kept in memory (one entry per source, not per
            # passage): passages are then read by primary-key range, which both databases
            # stream cheaply, instead of a join whose plan may sort the whole table per batch.
            scopes = dict((await connection.execute(
                select(_SOURCE.id, _SOURCE.scope).where(_SOURCE.status == SourceStatus.active.value))).all())
        started = time.perf_counter()
        total = 0
        pending: asyncio.Future | None = None  # the previous batch, indexing in a thread
        try:
            await asyncio.to_thread(self.index.clear)
            after_id = 0
            while True:
                statement = (select(_PASSAGE.id, _PASSAGE.source_id, _PASSAGE.text)
                             .where(_PASSAGE.id > after_id).order_by(_PASSAGE.id).limit(REBUILD_BATCH))
                async with session_factory() as session:
                    rows = (await (await session.connection()).execute(statement)).all()
                if pending is not None:  # the database read above overlapped this batch's indexing
                    total += await pending
                    pending = None
                    await _report(progress, total)
                if not rows:
                    break
                after_id = rows[-1][0]
                docs = [IndexDoc(pid, sid, scopes[sid], text) for pid, sid, text in rows if sid in scopes]
                pending = asyncio.ensure_future(asyncio.to_thread(self.index.add, docs))
            await asyncio.to_thread(self.index.commit)
        except BaseException:
            if pending is not None:
                await asyncio.gather(pending, return_exceptions=True)
            await asyncio.to_thread(self._rollback_quietly)
            raise
        # Holes in the recent log may be transactions still in flight: watch them like gaps.
        self.last_seq, self.gaps = max(0, max_seq - MAX_GAPS), {}
        self._advance(sorted(recent))
        self.last_seq = max_seq
        await asyncio.to_thread(self._save_state)
        log.info("search index rebuilt: %d passages in %.1f s (change seq %d)", total, time.perf_counter() - started, max_seq)
        return total

    # -- state file ----------------------------------------------------------------------

    def _load_state(self) -> None:
        if self.state_path is None or not self.state_path.exists():
            return
        try:
            state = json.loads(self.state_path.read_text(encoding="utf-8"))
            if state.get("version") != STATE_VERSION:
                raise ValueError(f"state version {state.get('version')!r}")
            if state["doc_count"] != self.index.doc_count():
                raise ValueError(f"index holds {self.index.doc_count()} passages, state says {state['doc_count']}")
            self.last_seq = int(state["last_seq"])
            self.gaps = {int(seq): float(seen) for seq, seen in state.get("gaps", {}).items()}
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("search index state %s not usable (%s): the index will be rebuilt", self.state_path, exc)
            self.last_seq, self.gaps = None, {}

    def _save_state(self) -> None:
        if self.state_path is None or self.last_seq is None:
            return
        state = {"version": STATE_VERSION, "last_seq": self.last_seq, "doc_count": self.index.doc_count(),
                 "gaps": {str(seq): seen for seq, seen in sorted(self.gaps.items())}}
        tmp = self.state_path.with_name(self.state_path.name + ".tmp")
        tmp.write_text(json.dumps(state), encoding="utf-8")
        os.replace(tmp, self.state_path)  # atomic: a crash leaves the old or the new file
