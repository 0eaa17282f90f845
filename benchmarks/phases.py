"""The two measured phases of one (backend, corpus size) run, each in its own process so its
memory figures are its own: `ingest` (seed, bulk corpus, timed rebuild) and `serve` (what a
bot process holding that corpus costs: latency, concurrency, plans, memory).

Run by `benchmarks.run`; each prints one JSON object as its last stdout line.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path

from bot.config import PROJECT_ROOT, Settings
from benchmarks import measure
from benchmarks.corpus import iter_documents, load_queries

SEED = PROJECT_ROOT / "seeds" / "000_8fb6bfb397d84a2e.txt"
REPEAT = 3  # every query is timed this many times per measurement (600 samples)
CANDIDATES = 20  # what lookup asks the index for (limit 5 x CANDIDATES_PER_RESULT 4)


def _settings(url: str, index_dir: Path) -> Settings:
    return Settings.from_env(env_file=os.devnull, database_url=url, index_dir=index_dir,
                             seeds_dir=PROJECT_ROOT / "seeds", discord_token=None)


async def ingest_phase(url: str, index_dir: Path, size: int, corpus: Path) -> dict:
    from tqdm import tqdm

    from bot.app import Counterpoint
    from bot.ingest.bulk import bulk_ingest

    cold_ms = await _throwaway_seed_ingest(index_dir.parent / "warmup")
    app = await Counterpoint.open(_settings(url, index_dir), ingest_seeds=False, migrate=True)
    try:
        start, cpu = time.perf_counter(), time.process_time()
        seeds = await app.ingest_seeds()
        seed_ms = (time.perf_counter() - start) * 1000
        seed_cpu_ms = (time.process_time() - cpu) * 1000
        start = time.perf_counter()
        await app.ingest_seeds()
        seed_again_ms = (time.perf_counter() - start) * 1000
        cpu = time.process_time()
        with tqdm(total=size, unit="passage", desc=f"bulk ingest {size:,}", file=sys.stderr, mininterval=2) as bar:
            report = await bulk_ingest(app, iter_documents(corpus, size), progress=bar.update)
        cpu = time.process_time() - cpu
        return {
            "seed_ingest_ms": round(seed_ms, 1), "seed_reingest_ms": round(seed_again_ms, 1),
            "seed_ingest_cold_process_ms": round(cold_ms, 1), "seed_ingest_cpu_ms": round(seed_cpu_ms, 1),
            "seed_status": [r.status for r in seeds],
            "sources": report.created, "passages": report.passages, "ingest_seconds": round(report.seconds, 2),
            "ingest_passages_per_s": round(report.passages_per_second), "ingest_index_mode": report.index_mode,
            "rebuild_seconds": round(report.index_seconds, 2), "index_docs": app.index.doc_count(),
            "ingest_cpu_seconds": round(cpu, 2), "load_average_after_ingest": os.getloadavg(),
            "ingest_peak_rss_mb": round(measure.peak_rss_bytes() / 2**20, 1),
        }
    finally:
        await app.close()


async def _throwaway_seed_ingest(folder: Path) -> float:
    """Ingest the seed once into a scratch SQLite database and return how long it took.

    This is the first ingest of a fresh process (module imports, regex compilation and
    the stance lexicon included); it also warms those caches, so the measured seed ingest
    that follows is what a running bot pays per article."""
    from bot.app import Counterpoint

    folder.mkdir(parents=True, exist_ok=True)
    app = await Counterpoint.open(_settings(f"sqlite+aiosqlite:///{folder / 'warmup.db'}", folder / "index"),
                                  ingest_seeds=False, migrate=True)
    try:
        opened = time.perf_counter()
        await app.ingest_seeds()
        return (time.perf_counter() - opened) * 1000
    finally:
        await app.close()


async def serve_phase(url: str, index_dir: Path, queries_path: Path) -> dict:
    import tantivy

    from bot.app import Counterpoint
    from bot.render.embeds import lookup_embed, no_match_text
    from bot.search.normalize import query_tokens
    from bot.scope import visible_scopes
    from bot.services.lookup import clean_topic, lookup
    from benchmarks.scratch import database_bytes, folder_bytes

    queries = load_queries(queries_path)
    start = time.perf_counter()
    app = await Counterpoint.open(_settings(url, index_dir), ingest_seeds=False, migrate=False)
    open_s = time.perf_counter() - start
    try:
        scopes = visible_scopes(None)

        def search_alone(topic: str):
            return app.index.search(query_tokens(clean_topic(topic)), scopes, limit=CANDIDATES)

        async def whole_answer(topic: str):
            answer = await lookup(app, topic, guild_id=None)
            return lookup_embed(answer) if answer.results else no_match_text(answer.query)

        # The bare engine: tantivy itself on the same folder, same tokens, no layers of ours.
        bare_index = tantivy.Index.open(str(index_dir))
        bare_index.reload()
        bare = bare_index.searcher()
        schema = bare_index.schema
        token_lists = [list(dict.fromkeys(query_tokens(clean_topic(q)))) for q in queries]

        def bare_query(tokens: list[str]):
            if not tokens:
                return []
            query = tantivy.Query.boolean_query(
                [(tantivy.Occur.Should, tantivy.Query.term_query(schema, "text", t, index_option="freq")) for t in tokens])
            hits = bare.search(query, CANDIDATES, count=False).hits
            return bare.fast_field_values("passage_id", [a for _, a in hits])

        for topic in queries:  # warm-up: caches, prepared statements, pool connections
            search_alone(topic)
            await whole_answer(topic)
        for tokens in token_lists:
            bare_query(tokens)

        bare_s = [t for tokens in token_lists for t in measure.time_sync(lambda tokens=tokens: bare_query(tokens), REPEAT)]
        search_s = [t for topic in queries for t in measure.time_sync(lambda topic=topic: search_alone(topic), REPEAT)]
        cpu = time.process_time()
        answer_s = await measure.time_async(queries, whole_answer, REPEAT)
        answer_cpu_ms = (time.process_time() - cpu) * 1000 / len(answer_s)
        cpu = time.process_time()
        measure.time_sync(lambda: [search_alone(topic) for topic in queries], REPEAT)
        search_cpu_ms = (time.process_time() - cpu) * 1000 / (REPEAT * len(queries))
        one = await measure.concurrent_clients(queries, whole_answer, 1)
        two = await measure.concurrent_clients(queries, whole_answer, 2)

        with measure.StatementRecorder(app.engine) as recorder:
            for topic in queries[:10]:
                await lookup(app, topic, guild_id=None)
        statements_per_lookup = len(recorder.statements) / 10
        plans = await measure.explain(app.engine, recorder.statements)
        hits = sum(1 for tokens in token_lists if bare_query(tokens))
        return {
            "open_seconds": round(open_s, 2), "queries": len(queries), "queries_with_hits": hits,
            "bare_engine_ms": measure.percentiles_ms(bare_s),
            "search_ms": measure.percentiles_ms(search_s),
            "answer_ms": measure.percentiles_ms(answer_s),
            # CPU per request (all threads): independent of how busy the shared machine is.
            "search_cpu_ms": round(search_cpu_ms, 3), "answer_cpu_ms": round(answer_cpu_ms, 3),
            "load_average": os.getloadavg(),
            "clients_1": one, "clients_2": two,
            "statements_per_lookup": statements_per_lookup, "plans": plans,
            "db_mb": round(await database_bytes(url, app.engine) / 2**20, 1),
            "index_mb": round(folder_bytes(index_dir) / 2**20, 1),
            "serve_rss_mb": round(measure.rss_bytes() / 2**20, 1),
            "serve_peak_rss_mb": round(measure.peak_rss_bytes() / 2**20, 1),
        }
    finally:
        await app.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("phase", choices=["ingest", "serve"])
    parser.add_argument("--url", required=True)
    parser.add_argument("--index-dir", type=Path, required=True)
    parser.add_argument("--size", type=int, default=0)
    parser.add_argument("--corpus", type=Path)
    parser.add_argument("--queries", type=Path)
    args = parser.parse_args(argv)
    import logging

    logging.basicConfig(level=logging.WARNING)
    if args.phase == "ingest":
        result = asyncio.run(ingest_phase(args.url, args.index_dir, args.size, args.corpus))
    else:
        result = asyncio.run(serve_phase(args.url, args.index_dir, args.queries))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
