"""`python -m bot ingest DIR` on the bulk path (both backends): the same sources, passages,
claims and counter-evidence links as ingesting the files one by one in order, duplicates
reported, bad files refused by name, and an interrupted run resumed to the same result."""
from __future__ import annotations

import shutil

import pytest
from sqlmodel import SQLModel, select
from sqlalchemy import text

from bot.ingest import folder as folder_ingest
from bot.ingest.folder import ingest_folder
from bot.models import AuditLog, Claim, Link, Passage, Source
from bot.services.sources import ingest_file
from tests.conftest import PROJECT_ROOT, SEED_PATH

DATA = PROJECT_ROOT / "tests" / "data"


@pytest.fixture
def articles(tmp_path):
    """The seed and three test articles, a copy of one (a duplicate) and a PDF named .txt."""
    root = tmp_path / "articles"
    root.mkdir()
    shutil.copy(SEED_PATH, root / "a_seed.txt")
    for i, name in enumerate(["stance_rebuttal_iran.txt", "stance_support_iran.txt", "clove_exports.txt"]):
        shutil.copy(DATA / name, root / f"b{i}_{name}")
    shutil.copy(DATA / "clove_exports.txt", root / "c_copy_of_clove.txt")
    (root / "d_report.txt").write_bytes(b"%PDF-1.4\n1 0 obj\n")
    return sorted(root.iterdir())


async def state(app) -> dict:
    """Everything a one-by-one ingest decides, by content (ids aside)."""
    async with app.sessions() as session:
        sources = {s.id: s for s in (await session.exec(select(Source))).all()}
        passages = {p.id: p for p in (await session.exec(select(Passage))).all()}
        claims = (await session.exec(select(Claim))).all()
        links = (await session.exec(select(Link))).all()
        audit = (await session.exec(select(AuditLog.action, AuditLog.detail))).all()
    where = lambda pid: (sources[passages[pid].source_id].origin.rsplit("/", 1)[-1], passages[pid].seq)  # noqa: E731
    return {
        "sources": sorted((s.origin.rsplit("/", 1)[-1], s.title, s.text, s.content_hash, s.outlet, s.author,
                           s.published, s.status) for s in sources.values()),
        "passages": sorted((where(p.id), p.text, p.char_start, p.char_end, p.paragraph, p.kind, p.speaker,
                            p.prefix, p.suffix) for p in passages.values()),
        "claims": sorted((where(c.passage_id), c.speaker) for c in claims),
        "links": sorted((where(l.claim_passage_id), where(l.evidence_passage_id), l.stance, l.confidence,
                         l.rationale, l.cross_source, l.origin, l.status) for l in links),
        "audit": sorted((action, detail.rsplit("/", 1)[-1]) for action, detail in audit),
    }


async def one_by_one(app, files) -> dict:
    from bot.errors import CounterpointError

    statuses = []
    for path in files:
        try:
            statuses.append((await ingest_file(app, path, guild_id=None, actor="cli")).status)
        except CounterpointError:
            statuses.append("refused")
    return {"statuses": statuses, **(await state(app))}


async def wipe(app) -> None:
    tables = [t.name for t in reversed(SQLModel.metadata.sorted_tables)]
    async with app.engine.begin() as conn:
        for name in tables:
            await conn.execute(text(f"DELETE FROM {name}"))
    await app.sync.rebuild(app.sessions)


def statuses(report) -> list[str]:
    return [o.report.status if o.report is not None else "refused" for o in report.outcomes]


async def test_a_folder_gives_what_ingesting_its_files_one_by_one_gives(bare_app, articles):
    expected = await one_by_one(bare_app, articles)
    assert expected["links"] and any(link[5] for link in expected["links"])  # cross-source links too
    await wipe(bare_app)
    report = await ingest_folder(bare_app, articles)
    assert statuses(report) == expected["statuses"] == ["created"] * 4 + ["duplicate", "refused"]
    assert report.outcomes[-1].error.startswith("This is a PDF")
    assert {"statuses": statuses(report), **(await state(bare_app))} == expected
    again = await ingest_folder(bare_app, articles)  # nothing new: every file is on file already
    assert statuses(again) == ["unchanged"] * 4 + ["duplicate", "refused"]


@pytest.mark.parametrize("where", ["writing the second batch", "detecting the first batch's links"])
async def test_an_interrupted_folder_ingest_resumes_to_the_same_result(bare_app, articles, monkeypatch, where):
    expected = await one_by_one(bare_app, articles)
    await wipe(bare_app)
    monkeypatch.setattr(folder_ingest, "BATCH_PASSAGES", 40)  # several batches
    target = "_write_new" if where.startswith("writing") else "_detect_new"
    real = getattr(folder_ingest, target)
    calls = []

    async def interrupted(*args, **kwargs):
        calls.append(1)
        if len(calls) == (2 if target == "_write_new" else 1):
            raise KeyboardInterrupt  # the operator pressed Ctrl-C
        return await real(*args, **kwargs)

    monkeypatch.setattr(folder_ingest, target, interrupted)
    with pytest.raises(KeyboardInterrupt):
        await ingest_folder(bare_app, articles)
    monkeypatch.setattr(folder_ingest, target, real)
    resumed = await ingest_folder(bare_app, articles)
    assert [s for s in statuses(resumed) if s not in {"created", "unchanged"}] == ["duplicate", "refused"]
    result = await state(bare_app)
    assert result == {k: v for k, v in expected.items() if k != "statuses"}


def test_the_cli_refuses_a_file_over_the_ingest_limit_and_ingests_the_rest(tmp_path, monkeypatch, capsys):
    from bot.__main__ import main

    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("DISCORD_TOKEN", "")
    monkeypatch.setenv("INGEST_MAX_BYTES", "3000")
    root = tmp_path / "in"
    root.mkdir()
    (root / "big.txt").write_text("The mayor said the harbour wall was finished. " * 100)
    (root / "small.txt").write_text("The mayor said the harbour wall was finished in May.\n")
    status = main(["ingest", str(root)])
    out = capsys.readouterr().out
    assert status == 1
    assert f"{root / 'big.txt'}: not ingested: The file is too large (5 KB); the ingest limit is 3 KB " \
           "(INGEST_MAX_BYTES)." in out
    assert f"{root / 'small.txt'}: added as source #1" in out
    assert main(["ingest", str(root / "big.txt")]) == 1
    assert "The file is too large (5 KB); the ingest limit is 3 KB" in capsys.readouterr().out


async def test_a_parser_failure_on_one_file_does_not_stop_the_folder(bare_app, articles, monkeypatch):
    real = folder_ingest.parse_article

    def fails_on_the_rebuttal(raw, *, filename, **kwargs):
        if "rebuttal" in filename:
            raise IndexError("list index out of range")  # as a parser bug would
        return real(raw, filename=filename, **kwargs)

    monkeypatch.setattr(folder_ingest, "parse_article", fails_on_the_rebuttal)
    report = await ingest_folder(bare_app, articles)
    assert statuses(report) == ["created", "refused", "created", "created", "duplicate", "refused"]
    assert report.outcomes[1].error == folder_ingest.PARSER_FAILED
