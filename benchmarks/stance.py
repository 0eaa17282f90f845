"""Stance model costs, printed as figures (a script, not a test):

    .venv/bin/python -m benchmarks.stance [--size 100000] [--backend sqlite|postgresql]

* model load time and the resident memory it adds (onnxruntime included), in a fresh process;
* seed ingest with the model deciding the stored links (median of 5, fresh database each);
* `/check` latency (p50 / p95 / p99) on the 200 bench topics used as claims, over the first
  `--size` bench passages bulk-loaded beside the seed, through `bot.services.check.check`: each
  claim's first check (every candidate read by the model), then the same claims again (the
  model's cache of pairs it has read answers most of it);
* `/lookup` answer latency on the same store, to show it still only reads stored links.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import measure
from benchmarks.corpus import DEFAULT_CORPUS, DEFAULT_QUERIES, iter_documents, load_queries
from benchmarks.scratch import create_database, drop_database, scratch_url
from bot.config import PROJECT_ROOT, Settings

REPEAT = 2


def _settings(url: str, index_dir: Path, seeds: Path) -> Settings:
    return Settings.from_env(env_file=os.devnull, database_url=url, index_dir=index_dir, seeds_dir=seeds,
                             discord_token=None)


async def seed_ingest_ms(backend: str, runs: int = 5) -> list[float]:
    from bot.app import Counterpoint

    out = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            url = scratch_url(backend, Path(tmp))
            await create_database(url)
            try:
                app = await Counterpoint.open(_settings(url, Path(tmp) / "index", PROJECT_ROOT / "seeds"),
                                              ingest_seeds=False)
                try:
                    start = time.perf_counter()
                    await app.ingest_seeds()
                    out.append((time.perf_counter() - start) * 1000)
                finally:
                    await app.close()
            finally:
                await drop_database(url)
    return out


_LOAD = ("import json, time, psutil; p = psutil.Process(); rss = p.memory_info().rss; t = time.perf_counter(); "
         "from bot.stance.runtime import StanceModel; StanceModel().probabilities([('a claim', 'a passage')]); "
         "print(json.dumps({'model_load_s': round(time.perf_counter() - t, 2), "
         "'model_rss_added_mb': round((p.memory_info().rss - rss) / 2**20, 1)}))")


def model_load() -> dict:
    """Load time and memory of the model (with onnxruntime's import) in a fresh process."""
    import subprocess

    done = subprocess.run([sys.executable, "-c", _LOAD], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


async def serve(backend: str, size: int, corpus: Path) -> dict:
    from bot.app import Counterpoint
    from bot.ingest.bulk import bulk_ingest
    from bot.services.check import check
    from bot.services.lookup import lookup

    queries = load_queries(DEFAULT_QUERIES)
    with tempfile.TemporaryDirectory() as tmp:
        url = scratch_url(backend, Path(tmp))
        await create_database(url)
        try:
            app = await Counterpoint.open(_settings(url, Path(tmp) / "index", PROJECT_ROOT / "seeds"))
            try:
                await bulk_ingest(app, iter_documents(corpus, size))
                # The model keeps answers for pairs it has read: a claim's first check reads every
                # candidate, a repeat mostly hits that cache. Warm up on claims not timed, then
                # time each claim's first check, then a repeat of each.
                warm, timed = queries[-10:], queries[:-10]
                for q in warm:
                    await check(app, q, guild_id=None)
                check_s = await measure.time_async(timed, lambda q: check(app, q, guild_id=None), 1)
                again_s = await measure.time_async(timed, lambda q: check(app, q, guild_id=None), 1)
                # Lookups read stored rows only (no model, no answer cache): warm the database's
                # pages with every topic first, as benchmarks/phases.py does for the scale figures.
                for q in queries:
                    await lookup(app, q, guild_id=None, log_query=False)
                lookup_s = await measure.time_async(
                    queries, lambda q: lookup(app, q, guild_id=None, log_query=True), REPEAT)
            finally:
                await app.close()
        finally:
            await drop_database(url)
    return {"backend": backend, "passages": size, **model_load(),
            "check_ms": measure.percentiles_ms(check_s),
            "check_again_ms": measure.percentiles_ms(again_s), "lookup_ms": measure.percentiles_ms(lookup_s),
            "load_average": os.getloadavg()}


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.stance", description=__doc__)
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args(argv)
    seed = await seed_ingest_ms(args.backend)
    figures = {"seed_ingest_ms_median": round(statistics.median(seed), 1), "seed_ingest_ms": [round(x) for x in seed]}
    figures.update(await serve(args.backend, args.size, args.corpus))
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
