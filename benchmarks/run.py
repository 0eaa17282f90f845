"""One command for the scale benchmark on both backends:

    .venv/bin/python -m benchmarks.run [--sizes 10000,100000,1000000] [--backends sqlite,postgresql]
                                       [--corpus PATH] [--queries PATH]

For each backend and size: an empty scratch database (a SQLite file in a temporary folder, or
a PostgreSQL database created from `test` on 127.0.0.1 and dropped afterwards), the seed plus
the first N passages of the corpus bulk-ingested, a timed index rebuild, then a fresh process
that serves the 200 topic queries (warm-up, then p50/p95/p99 of the search alone, the whole
answer with its embed, and the bare tantivy query; 1 and 2 concurrent clients; EXPLAIN of
every query a lookup sends). Writes benchmarks/results/scale.json and scale.png.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

if __package__ in (None, ""):  # `python benchmarks/run.py` as well as `python -m benchmarks.run`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import report as reporting
from benchmarks.corpus import DEFAULT_CORPUS, DEFAULT_QUERIES
from benchmarks.scratch import DEFAULT_POSTGRES, create_database, drop_database, scratch_url

RESULTS = Path(__file__).resolve().parent / "results"
PROJECT = Path(__file__).resolve().parent.parent


def _phase(args: list[str]) -> dict:
    """Run one phase in a child process (its own memory), stream its progress bar."""
    proc = subprocess.run([sys.executable, "-m", "benchmarks.phases", *args], cwd=PROJECT,
                          stdout=subprocess.PIPE, text=True)
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"phase {args[0]} failed with exit code {proc.returncode}")
    return json.loads(lines[-1])


def run_one(backend: str, size: int, corpus: Path, queries: Path, postgres: str) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix=f"cp-bench-{backend}-"))
    url = scratch_url(backend, workdir, postgres)
    index_dir = workdir / "index"
    try:
        asyncio.run(create_database(url))
        common = ["--url", url, "--index-dir", str(index_dir)]
        ingest = _phase(["ingest", *common, "--size", str(size), "--corpus", str(corpus)])
        serve = _phase(["serve", *common, "--queries", str(queries)])
        return {"backend": backend, "size": size, **ingest, **serve}
    finally:
        asyncio.run(drop_database(url))
        shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--queries", type=Path, default=DEFAULT_QUERIES)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="admin URL; scratch databases are made beside it")
    parser.add_argument("--out", type=Path, default=RESULTS / "scale.json")
    args = parser.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]

    runs = []
    started = time.time()
    for backend in backends:
        for size in sizes:
            print(f"== {backend}, {size:,} passages", file=sys.stderr, flush=True)
            try:
                runs.append(run_one(backend, size, args.corpus, args.queries, args.postgres))
            except Exception as exc:  # noqa: BLE001 - report the failure, keep measuring the rest
                runs.append({"backend": backend, "size": size, "error": repr(exc)})
            print(reporting.table(runs[-1:]), file=sys.stderr, flush=True)
    result = {
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "python": platform.python_version(), "cpus": _cpus()},
        "corpus": str(args.corpus), "queries": str(args.queries), "seconds": round(time.time() - started, 1),
        "targets": reporting.TARGETS, "runs": runs, "verdicts": reporting.verdicts(runs),
    }
    reporting.write_json(result, args.out)
    reporting.chart(runs, args.out.with_suffix(".png"))
    print(reporting.table(runs))
    print("\n".join(result["verdicts"]))
    print(f"wrote {args.out} and {args.out.with_suffix('.png')}")
    return 1 if any("error" in r for r in runs) else 0


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 0


if __name__ == "__main__":
    raise SystemExit(main())
