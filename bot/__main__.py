"""Command line: `python -m bot <command>` (RoboDanny launcher style, argparse).

    run                 the Discord bot; without DISCORD_TOKEN, the local console [--moderator]
    console             the local console (answers in the terminal) [--moderator: /curate, /digest preview]
    ingest [PATH]       ingest a file or folder (default: seeds/) as global sources
                        [--title --outlet --author --date --url] for one file
    ask TOPIC           look a topic up: best quote, source, counter-evidence [--json] [--limit N]
    check CLAIM         check a claim: per source disputes / supports / discusses, deciding quotes [--json]
    reindex             rebuild the search index from the database
    eval CLAIMS         evaluation on a claims file (see ../shared/eval/README.md)
    export KIND         claimreview (verdicts, schema.org ClaimReview) or annotations (stance links,
                        W3C Web Annotation), JSON-LD [--guild ID] [--out FILE] [--org NAME] [--url BASE]
    verify              re-fetch URL sources and re-anchor their quotes (drift check) [--source ID]
    db upgrade          run database migrations
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import argparse
import asyncio
import json
import logging
import os
import sys
from pathlib import Path

from bot.config import Settings
from bot.errors import CounterpointError
from bot.log import setup_logging

if TYPE_CHECKING:
    from bot.app import Counterpoint

log = logging.getLogger("bot")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Counterpoint: source lookups with counter-evidence.")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the Discord bot (the local console without DISCORD_TOKEN)")
    console = sub.add_parser("console", help="run the local console")
    run.add_argument("--moderator", action="store_true",
                     help="for the console (no DISCORD_TOKEN): allow /curate and /digest preview on the shared library")
    console.add_argument("--moderator", action="store_true",
                         help="allow /curate and /digest preview on the shared library")
    ingest = sub.add_parser("ingest", help="ingest a file or a folder of articles (.txt, .md, .html)",
                            description="Ingest articles as shared (global) sources. Citation details come "
                                        "from, highest first: these options, a NAME.meta.json sidecar, the "
                                        "file's front matter or HTML metadata (see docs/ingest.md).")
    ingest.add_argument("path", nargs="?", help="file or folder (default: the seeds folder)")
    for name, what in (("title", "the article's title"), ("outlet", "who published it, e.g. Reuters"),
                       ("author", "who wrote it"), ("date", "publication date, YYYY-MM-DD"),
                       ("url", "link to the article (cited, not fetched)")):
        ingest.add_argument(f"--{name}", help=f"{what} (one file only)")
    ask = sub.add_parser("ask", help="look a topic up")
    ask.add_argument("topic")
    ask.add_argument("--json", action="store_true", help="print JSON")
    ask.add_argument("--limit", type=int, default=3, help="how many results (1-25, default 3)")
    check = sub.add_parser("check", help="check a claim: which sources dispute or support it")
    check.add_argument("claim")
    check.add_argument("--json", action="store_true", help="print JSON")
    sub.add_parser("reindex", help="rebuild the search index from the database")
    try:
        from bot import eval as evaluation
    except ImportError:  # the evaluation module is optional for running the bot
        evaluation = None
    if evaluation is not None:
        evaluation.configure_parser(sub.add_parser("eval", help="evaluate retrieval and counter-evidence"))
    export = sub.add_parser("export", help="export verdicts (ClaimReview) or stance links (Web Annotation) as JSON-LD")
    export.add_argument("kind", choices=["claimreview", "annotations"])
    export.add_argument("--guild", type=int, help="only this server's (default: every server's and the shared library's)")
    export.add_argument("--out", help="write to this file (default: standard output)")
    export.add_argument("--org", help="ClaimReview author organization (default: CLAIMREVIEW_ORG_NAME)")
    export.add_argument("--url", help="ClaimReview: page where the fact checks are published (default: CLAIMREVIEW_URL)")
    verify = sub.add_parser("verify", help="re-fetch sources added from a link and check their quotes are still there")
    verify.add_argument("--source", type=int, help="only this source (default: every active URL source)")
    db = sub.add_parser("db", help="database maintenance")
    db.add_argument("action", choices=["upgrade"])
    return parser


async def _with_app(settings: Settings, fn, *, ingest_seeds: bool = True):
    from bot.app import Counterpoint

    app = await Counterpoint.open(settings, ingest_seeds=ingest_seeds)
    try:
        return await fn(app)
    finally:
        await app.close()


async def cmd_ingest(settings: Settings, path: str | None, citation: dict | None = None) -> int:
    from bot.validate import TEXT_FORMATS, citation_options

    root = Path(path) if path else Path(settings.seeds_dir)
    if not root.exists():
        print(f"No such file or folder: {root}", file=sys.stderr)
        return 2
    overrides = citation_options(**(citation or {}))
    if overrides and root.is_dir():
        print("--title, --outlet, --author, --date and --url describe one article: give a file, not a folder "
              "(for a folder, put a NAME.meta.json next to each file; see docs/ingest.md).", file=sys.stderr)
        return 2
    if root.is_dir():
        found = sorted(p for p in root.rglob("*") if p.is_file() and not p.name.endswith(".meta.json"))
        files = [p for p in found if p.suffix.lower() in TEXT_FORMATS]
        skipped = [p for p in found if p.suffix.lower() not in TEXT_FORMATS]
    else:
        files, skipped = [root], []

    async def run(app: Counterpoint) -> int:
        failures = await _ingest_folder(app, files) if root.is_dir() else 0
        for file in ([] if root.is_dir() else files):
            try:
                report = await _ingest_one(app, file, overrides)
            except CounterpointError as exc:
                failures += 1
                print(f"{file}: not ingested: {exc}", flush=True)
                continue
            print(ingest_line(file, report), flush=True)
        if skipped:
            shown = ", ".join(p.name for p in skipped[:3]) + (", ..." if len(skipped) > 3 else "")
            print(f"Skipped {_count(len(skipped), 'file')} that {'is' if len(skipped) == 1 else 'are'} "
                  f"not .txt, .md or .html: {shown}")
        if not files:
            print(f"No articles (.txt, .md or .html) in {root}.")
        return 1 if failures else 0

    return await _with_app(settings, run, ingest_seeds=False)


async def _ingest_folder(app: Counterpoint, files: list[Path]) -> int:
    """A folder goes the bulk path (`bot.ingest.folder`): batched, resumable, one line a file,
    and a progress bar of files on the terminal. Returns how many files were refused."""
    from tqdm import tqdm

    from bot.ingest.folder import ingest_folder

    failures = 0
    # disable=None: no bar when stderr is not a terminal (pipes and logs stay clean).
    with tqdm(total=len(files), unit="file", disable=None) as bar:
        def line(outcome) -> None:
            nonlocal failures
            if outcome.error is not None:
                failures += 1
                bar.write(f"{outcome.path}: not ingested: {outcome.error}")
            else:
                bar.write(ingest_line(outcome.path, outcome.report))
            bar.update(1)

        await ingest_folder(app, files, actor="cli", on_file=line)
    sys.stdout.flush()
    return failures


async def _ingest_one(app: Counterpoint, file: Path, overrides: dict):
    """One file; a big one shows a progress bar on the terminal while it runs."""
    from bot.progress import BIG_FILE_BYTES, StageBar
    from bot.services.sources import INGEST_STAGES, ingest_file

    if file.stat().st_size < BIG_FILE_BYTES:
        return await ingest_file(app, file, guild_id=None, actor="cli", overrides=overrides or None)
    async with StageBar(file.name, INGEST_STAGES) as bar:
        return await ingest_file(app, file, guild_id=None, actor="cli", overrides=overrides or None,
                                 progress=bar.stage)


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def ingest_line(file: Path, report) -> str:
    """One line per file: what happened, in words (never "1 links")."""
    if report.status in {"unchanged", "duplicate"}:
        return f"{file}: already on file as source #{report.source_id} “{report.title}”: nothing new stored."
    if report.status == "removed":
        return (f"{file}: this is source #{report.source_id} “{report.title}”, which a moderator removed: "
                f"nothing changed.")
    verb = "added as" if report.status == "created" else "updated"
    return (f"{file}: {verb} source #{report.source_id} “{report.title}” ({_count(report.passages, 'passage')}, "
            f"{_count(report.links, 'counter-evidence link')}).")


async def cmd_ask(settings: Settings, topic: str, as_json: bool, limit: int) -> int:
    from bot.render.cli import format_answer
    from bot.services.lookup import lookup

    async def run(app: Counterpoint) -> int:
        answer = await lookup(app, topic, guild_id=None, limit=limit, log_query=False)
        if as_json:
            from bot.services.explain import explain_answer

            data = answer.as_json()
            data["explain"] = (await explain_answer(app, answer, guild_id=None, limit=limit)).as_json()
            print(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            print(format_answer(answer))
        return 0

    return await _with_app(settings, run)


async def cmd_check(settings: Settings, claim: str, as_json: bool) -> int:
    from bot.render.check import format_check
    from bot.services.check import check

    async def run(app: Counterpoint) -> int:
        answer = await check(app, claim, guild_id=None)
        if as_json:
            from bot.services.explain_check import explain_check

            data = answer.as_json()
            data["explain"] = (await explain_check(app, answer, guild_id=None)).as_json()
            print(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            print(format_check(answer))
        return 0

    return await _with_app(settings, run)


async def cmd_reindex(settings: Settings) -> int:
    import time

    async def run(app: Counterpoint) -> int:
        started = time.perf_counter()
        count = await app.sync.rebuild(app.sessions)
        print(f"Reindexed {count} passages in {time.perf_counter() - started:.1f} s.")
        return 0

    return await _with_app(settings, run, ingest_seeds=False)


async def cmd_export(settings: Settings, kind: str, *, guild: int | None, out: str | None, org: str | None,
                     url: str | None) -> int:
    from bot.services import export

    async def run(app: Counterpoint) -> int:
        owner = export.ALL if guild is None else guild
        if kind == "claimreview":
            objects = await export.claimreview_export(app, guild_id=owner, organization=org, base_url=url)
        else:
            objects = await export.annotation_export(app, guild_id=owner)
        text = export.dumps(objects)
        if out:
            Path(out).write_text(text, encoding="utf-8")
            what = "verdict" if kind == "claimreview" else "stance link"
            print(f"Wrote {_count(len(objects), what)} to {out}.")
        else:
            sys.stdout.write(text)
        return 0

    return await _with_app(settings, run, ingest_seeds=False)


async def cmd_verify(settings: Settings, source_id: int | None) -> int:
    from bot.drift.service import url_source_ids, verify_source
    from bot.render.marks import verification_line

    async def run(app: Counterpoint) -> int:
        ids = [source_id] if source_id is not None else await url_source_ids(app)
        if not ids:
            print("No sources added from a link: nothing to verify.")
            return 0
        failed = 0
        for sid in ids:
            result = await verify_source(app, sid)
            failed += result.error is not None
            print(verification_line(result), flush=True)
        return 1 if failed else 0

    return await _with_app(settings, run, ingest_seeds=False)


def _log_level(command: str, settings: Settings) -> str:
    """The bot logs at LOG_LEVEL. The console and the one-shot commands share the user's
    terminal, where start-up INFO lines would land between answers: WARNING, unless
    LOG_LEVEL is set explicitly (environment or .env)."""
    if command == "run" and settings.discord_token:
        return settings.log_level
    if command in {"run", "console"}:
        return os.environ.get("LOG_LEVEL") or "WARNING"
    return "WARNING"


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = Settings.from_env()
    setup_logging(_log_level(args.command, settings))
    try:
        if args.command == "run":  # without DISCORD_TOKEN, run_bot opens the console
            from bot.client import run_bot
            return asyncio.run(run_bot(settings, moderator=args.moderator)) or 0
        if args.command == "console":
            from bot.console import run_console
            return asyncio.run(run_console(settings, moderator=args.moderator))
        if args.command == "ingest":
            citation = {k: getattr(args, k) for k in ("title", "outlet", "author", "date", "url")}
            return asyncio.run(cmd_ingest(settings, args.path, citation))
        if args.command == "ask":
            return asyncio.run(cmd_ask(settings, args.topic, args.json, args.limit))
        if args.command == "check":
            return asyncio.run(cmd_check(settings, args.claim, args.json))
        if args.command == "reindex":
            return asyncio.run(cmd_reindex(settings))
        if args.command == "eval":
            from bot import eval as evaluation
            return asyncio.run(evaluation.main(args))
        if args.command == "export":
            return asyncio.run(cmd_export(settings, args.kind, guild=args.guild, out=args.out, org=args.org,
                                          url=args.url))
        if args.command == "verify":
            return asyncio.run(cmd_verify(settings, args.source))
        if args.command == "db":
            from bot.db import upgrade
            asyncio.run(upgrade(settings.database_url))
            print("Database is up to date.")
            return 0
    except CounterpointError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 2


if __name__ == "__main__":
    sys.exit(main())
