"""Rows with chosen timestamps for digest tests, and a recording `send`.

The digest is about "the last 24 hours" and "today at 09:00 local", so its tests need rows
written at exact instants, which the ingest pipeline (stamping `utcnow()`) cannot give."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from bot.db import make_engine, make_session_factory
from bot.render.digest import DigestMessage
from bot.models import Claim, GuildSettings, Link, Passage, QueryLog, Source, scope_key


class DbOnlyApp:
    """What bot.digest needs from the service container: `.sessions`. Lets a test open a
    second, independent engine on the same database (a second bot process)."""

    def __init__(self, database_url: str):
        self.engine = make_engine(database_url)
        self.sessions = make_session_factory(self.engine)

    async def close(self) -> None:
        await self.engine.dispose()


@dataclass
class SeededSource:
    id: int
    passage_ids: list[int]


async def add_source(app, *, title: str, added_at: datetime, passages: list[tuple[str, str | None]],
                     guild_id: int | None = None, status: str = "active", outlet: str | None = "Test Outlet",
                     url: str | None = None) -> SeededSource:
    """A source whose text is its passages joined by blank lines; (text, speaker) with a
    speaker becomes a claim."""
    text = "\n\n".join(p for p, _ in passages)
    async with app.sessions() as session:
        source = Source(guild_id=guild_id, scope=scope_key(guild_id), origin=f"test:{title}", title=title,
                        outlet=outlet, url=url, content_hash=hashlib.sha256(text.encode()).hexdigest(), text=text,
                        status=status, added_at=added_at, updated_at=added_at)
        session.add(source)
        await session.flush()
        ids, offset = [], 0
        for seq, (body, speaker) in enumerate(passages):
            passage = Passage(source_id=source.id, seq=seq, text=body, char_start=offset,
                              char_end=offset + len(body), paragraph=seq + 1, kind="body", speaker=speaker)
            session.add(passage)
            await session.flush()
            if speaker:
                session.add(Claim(passage_id=passage.id, speaker=speaker, created_at=added_at))
            ids.append(passage.id)
            offset += len(body) + 2
        await session.commit()
        return SeededSource(source.id, ids)


async def add_link(app, claim_id: int, evidence_id: int, *, created_at: datetime, stance: str = "counters",
                   status: str = "active", guild_id: int | None = None, origin: str = "auto") -> int:
    async with app.sessions() as session:
        link = Link(claim_passage_id=claim_id, evidence_passage_id=evidence_id, stance=stance, status=status,
                    guild_id=guild_id, origin=origin, confidence=0.8, created_at=created_at, updated_at=created_at)
        session.add(link)
        await session.commit()
        return link.id


_members = iter(range(10_000, 10**9))


async def add_query(app, *, guild_id: int | None, topic: str, created_at: datetime, result_ids=(),
                    user_id: int | None = None, private: bool = False) -> None:
    """A logged lookup; by default each one from a different member, asked publicly."""
    async with app.sessions() as session:
        session.add(QueryLog(guild_id=guild_id, topic=topic, created_at=created_at,
                             result_ids=",".join(str(i) for i in result_ids),
                             user_id=next(_members) if user_id is None else user_id, private=private))
        await session.commit()


async def configure(app, guild_id: int, *, channel_id: int = 555, time: str = "09:00", timezone: str = "UTC",
                    quiet: str = "note", enabled: bool = True, configured_at: datetime) -> None:
    """Settings as if a moderator had set them up at `configured_at`."""
    async with app.sessions() as session:
        session.add(GuildSettings(guild_id=guild_id, digest_channel_id=channel_id, digest_time=time,
                                  digest_timezone=timezone, digest_quiet=quiet, digest_enabled=enabled,
                                  updated_at=configured_at, digest_schedule_changed_at=configured_at))
        await session.commit()


@dataclass
class Outbox:
    """A `send` that records what would reach Discord. `failures` are raised first, in order."""

    failures: list[BaseException] = field(default_factory=list)
    sent: list[tuple[int, list[DigestMessage]]] = field(default_factory=list)
    label: str = ""
    next_id: int = 1000

    async def __call__(self, channel_id: int, messages: list[DigestMessage]) -> int:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((channel_id, messages))
        self.next_id += 1
        return self.next_id
