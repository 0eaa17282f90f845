"""Ingestion cost on both backends (a script that prints figures, never a timed test):

    .venv/bin/python -m benchmarks.ingest_bench [--backends sqlite,postgresql] [--corpus PATH]
                                                [--folder-passages 100000] [--skip-folder]

1. One article at a time, through `ingest_document` (the path of `/curate add file:` and
   `python -m bot ingest FILE`), each in a fresh process on an empty database with the seed:
   a generated 256 KB and 1.9 MB hostile article (`benchmarks.hostile`: dense attributed
   claims sharing their words) and a 1.9 MB article of real news prose (the news sentences of
   the benchmark corpus, four to a paragraph). Wall time, peak RSS, passages, claims, links.
2. `python -m bot ingest DIR` (the real command, a child process) on the first N passages of
   the corpus written as one file per document (title line, then paragraphs of 4 sentences):
   passages per second and peak RSS; then the same folder on a new database, interrupted
   (SIGINT) part way and run again, with the totals compared to the uninterrupted run.
"""
from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.corpus import DEFAULT_CORPUS, iter_documents
from benchmarks.hostile import claim_like_article
from benchmarks.scratch import DEFAULT_POSTGRES, create_database, drop_database, scratch_url

PROJECT = Path(__file__).resolve().parent.parent
ARTICLES = {"hostile-256KB": 256 * 1024, "hostile-1.9MB": 1_900_000, "prose-1.9MB": 1_900_000}
NEWS = ("bbc", "reuters", "isot-true", "agnews")  # news reporting, not opinion, reviews or forums


def prose_article(corpus: Path, size: int) -> str:
    """Real news sentences in corpus order, four to a paragraph, until `size` bytes."""
    paragraphs, current, total = ["Collected news reports"], [], 0
    with gzip.open(corpus, "rt", encoding="utf-8") as lines:
        for line in lines:
            parts = line.rstrip("\n").split("\t", 2)
            if len(parts) != 3 or not parts[1].lower().startswith(NEWS):
                continue
            current.append(parts[2])
            if len(current) == 4:
                paragraph = " ".join(current)
                paragraphs.append(paragraph)
                total += len(paragraph.encode("utf-8")) + 2
                current = []
                if total >= size:
                    break
    return "\n\n".join(paragraphs) + "\n"


def _env(url: str, index_dir: Path, data_dir: Path) -> dict:
    return {**os.environ, "DATABASE_URL": url, "INDEX_DIR": str(index_dir), "DATA_DIR": str(data_dir),
            "DISCORD_TOKEN": "", "LOG_LEVEL": "WARNING"}


def _child(args: list[str], env: dict, *, interrupt_after: float | None = None) -> tuple[int, float, int, str]:
    """Run `python ARGS`; returns (exit code, seconds, peak RSS bytes of that child alone,
    stdout). With `interrupt_after`, Ctrl-C (SIGINT) is sent after that many seconds."""
    started = time.perf_counter()
    # The child takes Ctrl-C as a terminal's foreground job would, however the benchmark was
    # started: a shell's background job (`... &`, nohup) ignores SIGINT, its children inherit
    # that, and the "interrupted" run then quietly ran to the end.
    proc = subprocess.Popen([sys.executable, *args], cwd=PROJECT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    timer = None
    if interrupt_after is not None:
        timer = threading.Timer(interrupt_after, lambda: proc.poll() is None and proc.send_signal(signal.SIGINT))
        timer.start()
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)  # this child's own usage, not all children's
    proc.returncode = os.waitstatus_to_exitcode(status)
    if timer is not None:
        timer.cancel()
    return proc.returncode, time.perf_counter() - started, usage.ru_maxrss * 1024, out


async def _one_article(url: str, index_dir: Path, name: str, corpus: str) -> dict:
    """Child mode: ingest one article into an empty database (with the seed), report."""
    from bot.app import Counterpoint
    from bot.config import Settings
    from bot.services.sources import ingest_document

    raw = claim_like_article(ARTICLES[name]) if name.startswith("hostile") else prose_article(Path(corpus),
                                                                                               ARTICLES[name])
    settings = Settings.from_env(env_file=os.devnull, database_url=url, index_dir=index_dir)
    app = await Counterpoint.open(settings)
    try:
        started = time.perf_counter()
        report = await ingest_document(app, raw, filename=f"{name}.txt", guild_id=None, actor="bench")
        seconds = time.perf_counter() - started
    finally:
        await app.close()
    return {"article": name, "bytes": len(raw.encode("utf-8")), "status": report.status, "seconds": round(seconds, 1),
            "passages": report.passages, "links": report.links,
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def write_folder(corpus: Path, limit: int, folder: Path) -> tuple[int, int]:
    """The first `limit` passages as one text file per document; returns (files, passages)."""
    folder.mkdir(parents=True, exist_ok=True)
    files = passages = 0
    for doc in iter_documents(corpus, limit):
        name = doc.origin.split(":", 1)[1].replace("/", "_").replace(":", "_")
        paragraphs = [" ".join(doc.sentences[i:i + 4]) for i in range(0, len(doc.sentences), 4)]
        (folder / f"{files:05d}_{name[:80]}.txt").write_text(doc.title + "\n\n" + "\n\n".join(paragraphs) + "\n",
                                                             encoding="utf-8")
        files += 1
        passages += len(doc.sentences)
    return files, passages


async def _totals(url: str) -> dict:
    from sqlalchemy import func, select

    from bot.db import make_engine
    from bot.models import Claim, Link, Passage, Source

    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            return {model.__tablename__: (await conn.execute(select(func.count()).select_from(model))).scalar_one()
                    for model in (Source, Passage, Claim, Link)}
    finally:
        await engine.dispose()


def _fresh(backend: str, postgres: str) -> tuple[str, Path]:
    workdir = Path(tempfile.mkdtemp(prefix=f"cp-ingest-{backend}-"))
    url = scratch_url(backend, workdir, postgres)
    asyncio.run(create_database(url))
    subprocess.run([sys.executable, "-m", "bot", "db", "upgrade"], cwd=PROJECT, env=_env(url, workdir / "index", workdir),
                   check=True, stdout=subprocess.DEVNULL)
    return url, workdir


def _cleanup(url: str, workdir: Path) -> None:
    asyncio.run(drop_database(url))
    shutil.rmtree(workdir, ignore_errors=True)


def bench_articles(backend: str, postgres: str, corpus: Path) -> list[dict]:
    rows = []
    for name in ARTICLES:
        url, workdir = _fresh(backend, postgres)
        try:
            code, _, _, out = _child(["-m", "benchmarks.ingest_bench", "--one", name, "--url", url,
                                      "--index-dir", str(workdir / "index"), "--corpus", str(corpus)],
                                     _env(url, workdir / "index", workdir))
            row = json.loads(out.strip().splitlines()[-1]) if code == 0 else {"article": name, "error": code}
        finally:
            _cleanup(url, workdir)
        rows.append({"backend": backend, **row})
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    return rows


def bench_folder(backend: str, postgres: str, folder: Path, passages: int) -> dict:
    command = ["-m", "bot", "ingest", str(folder)]
    url, workdir = _fresh(backend, postgres)
    try:
        code, seconds, rss, _ = _child(command, _env(url, workdir / "index", workdir))
        whole = asyncio.run(_totals(url))
    finally:
        _cleanup(url, workdir)
    url, workdir = _fresh(backend, postgres)
    try:
        env = _env(url, workdir / "index", workdir)
        _, first_seconds, _, _ = _child(command, env, interrupt_after=seconds / 2)
        after_interrupt = asyncio.run(_totals(url))
        code2, resume_seconds, _, _ = _child(command, env)
        resumed = asyncio.run(_totals(url))
    finally:
        _cleanup(url, workdir)
    return {"backend": backend, "exit": code, "seconds": round(seconds, 1), "passages": whole["passage"],
            "passages_per_second": round(whole["passage"] / seconds), "peak_rss_mb": round(rss / 2**20),
            "totals": whole, "interrupted_after_s": round(first_seconds, 1), "after_interrupt": after_interrupt,
            "resume_seconds": round(resume_seconds, 1), "resume_exit": code2, "resumed": resumed,
            "resumed_equals_whole": resumed == whole, "interrupt_stopped_it": after_interrupt != whole}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    parser.add_argument("--folder-passages", type=int, default=100_000)
    parser.add_argument("--skip-folder", action="store_true")
    parser.add_argument("--skip-articles", action="store_true")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # child mode: one article
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--index-dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(asyncio.run(_one_article(args.url, args.index_dir, args.one, str(args.corpus)))))
        return 0
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    results: dict = {"articles": [], "folder": []}
    if not args.skip_articles:
        for backend in backends:
            results["articles"] += bench_articles(backend, args.postgres, args.corpus)
    if not args.skip_folder:
        folder = Path(tempfile.mkdtemp(prefix="cp-ingest-folder-")) / "articles"
        try:
            files, passages = write_folder(args.corpus, args.folder_passages, folder)
            print(f"folder: {files} files, {passages} passages", file=sys.stderr, flush=True)
            for backend in backends:
                results["folder"].append({"files": files, **bench_folder(backend, args.postgres, folder, passages)})
                print(json.dumps(results["folder"][-1]), file=sys.stderr, flush=True)
        finally:
            shutil.rmtree(folder.parent, ignore_errors=True)
    print("| backend | article | size | passages | links | seconds | peak RSS |")
    print("|---|---|---|---|---|---|---|")
    for r in results["articles"]:
        print(f"| {r['backend']} | {r['article']} | {r.get('bytes', 0) / 1e6:.2f} MB | {r.get('passages', '-')} | "
              f"{r.get('links', '-')} | {r.get('seconds', r.get('error'))} | {r.get('peak_rss_mb', '-')} MB |")
    for r in results["folder"]:
        print(f"\n`ingest DIR` {r['backend']}: {r['files']} files, {r['passages']} passages in {r['seconds']} s = "
              f"{r['passages_per_second']}/s, peak RSS {r['peak_rss_mb']} MB; totals {r['totals']}; interrupted after "
              f"{r['interrupted_after_s']} s with {r['after_interrupt']}, resumed in {r['resume_seconds']} s to "
              f"{r['resumed']} (same as uninterrupted: {r['resumed_equals_whole']})")
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
