"""Sanity measurement of the search engine alone (normalise + tantivy), no database.

Indexes the first N sentences of the shared benchmark corpus into a temporary SearchIndex
through `add` (so normalisation cost is included), then times the benchmark queries through
`query_tokens` + `search` and prints build time, query p50/p99 and resident memory.

    .venv/bin/python benchmarks/search_engine.py /work/shared/bench/passages.tsv.gz \
        /work/shared/bench/queries.json --limit 1000000

With `--rebuild` it instead loads the passages into a temporary SQLite database (migrated
like production) and times `IndexSync.rebuild` from it: database reads included.

The corpus is read from where it lives (never copied into the project): see its README for
where the sentences come from and for the reference engines' figures on the same files.
"""
from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.db import make_engine, make_session_factory, upgrade
from bot.search import index as search_index
from bot.search.index import IndexDoc, SearchIndex
from bot.search.normalize import query_tokens
from bot.search.sync import IndexSync

BATCH = 20_000


def read_docs(path: Path, limit: int):
    """Yield IndexDocs; source ids are the corpus document (before '#') numbered in order."""
    source_ids: dict[str, int] = {}
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for n, line in enumerate(handle):
            if n >= limit:
                break
            pid, source, text = line.rstrip("\n").split("\t", 2)
            doc_key = source.split("#", 1)[0]
            sid = source_ids.setdefault(doc_key, len(source_ids) + 1)
            yield IndexDoc(passage_id=int(pid) + 1, source_id=sid, scope="global", text=text)


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def time_rebuild(passages: Path, limit: int, folder: Path) -> None:
    """Load `limit` passages into a fresh SQLite database, then time a full rebuild from it."""
    url = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
    await upgrade(url)
    docs = list(read_docs(passages, limit))
    with sqlite3.connect(folder / "bench.db") as db:
        db.executemany(
            "INSERT INTO source (id, scope, origin, title, content_hash, text, status, published_inferred, "
            "added_at, updated_at) VALUES (?, 'global', ?, 'bench', '', '', 'active', 0, '2020-01-01', '2020-01-01')",
            [(sid, f"bench:{sid}") for sid in sorted({d.source_id for d in docs})])
        db.executemany(
            "INSERT INTO passage (id, source_id, seq, text, char_start, char_end, paragraph, kind, prefix, suffix) "
            "VALUES (?, ?, 0, ?, 0, ?, 1, 'body', '', '')",
            [(d.passage_id, d.source_id, d.text, len(d.text)) for d in docs])
    del docs
    engine = make_engine(url)
    index = SearchIndex(folder / "index")
    started, cpu_started = time.perf_counter(), time.process_time()
    count = await IndexSync(index, None).rebuild(make_session_factory(engine))
    print(f"rebuilt {count:,} passages from SQLite in {time.perf_counter() - started:.1f} s wall, "
          f"{time.process_time() - cpu_started:.1f} s CPU; RSS {rss_mb():.0f} MB")
    index.close()
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("passages", type=Path)
    parser.add_argument("queries", type=Path)
    parser.add_argument("--limit", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5, help="passes over the query set")
    parser.add_argument("--rebuild", action="store_true",
                        help="time IndexSync.rebuild from a temporary SQLite database instead")
    parser.add_argument("--intersect", action="store_true",
                        help="time the scope-intersection path (taken when a deployment has many guild scopes)")
    args = parser.parse_args()

    if args.rebuild:
        with tempfile.TemporaryDirectory() as folder:
            asyncio.run(time_rebuild(args.passages, args.limit, Path(folder)))
        return
    queries = json.loads(args.queries.read_text(encoding="utf-8"))
    if args.intersect:
        search_index.MAX_EXCLUDED_SCOPES = -1
    with tempfile.TemporaryDirectory() as folder:
        index = SearchIndex(Path(folder) / "index")
        started, cpu_started = time.perf_counter(), time.process_time()
        batch: list[IndexDoc] = []
        for doc in read_docs(args.passages, args.limit):
            batch.append(doc)
            if len(batch) >= BATCH:
                index.add(batch)
                batch = []
        index.add(batch)
        index.commit()
        build, build_cpu = time.perf_counter() - started, time.process_time() - cpu_started
        print(f"indexed {index.doc_count():,} passages in {build:.1f} s wall, {build_cpu:.1f} s CPU "
              f"(all threads); RSS {rss_mb():.0f} MB")

        for q in queries:  # warm up: page cache and stem cache
            index.search(query_tokens(q), ["global", "123"], 5)
        # Wall time is what a user waits; thread CPU time is the same work without the time
        # this thread spent descheduled, which is what to compare on a shared machine.
        wall, cpu = [], []
        for _ in range(args.repeat):
            for q in queries:
                t0, c0 = time.perf_counter(), time.thread_time()
                index.search(query_tokens(q), ["global", "123"], 5)
                wall.append((time.perf_counter() - t0) * 1000)
                cpu.append((time.thread_time() - c0) * 1000)
        for name, timings in (("wall", wall), ("thread CPU", cpu)):
            timings.sort()
            p99 = timings[int(len(timings) * 0.99) - 1]
            print(f"{len(timings)} queries, {name}: p50 {statistics.median(timings):.3f} ms, p99 {p99:.3f} ms, "
                  f"max {timings[-1]:.3f} ms")
        print(f"RSS {rss_mb():.0f} MB, peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
        index.close()


if __name__ == "__main__":
    main()
