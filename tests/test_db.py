"""The schema migrates on both backends and round-trips a source with its passage."""
from sqlmodel import select

from bot.models import Passage, Source


async def test_source_and_passage_round_trip(session_factory):
    async with session_factory() as session:
        source = Source(origin="file:x.txt", title="T", content_hash="h", text="Hello world.")
        session.add(source)
        await session.flush()
        session.add(Passage(source_id=source.id, seq=0, text="Hello world.", char_start=0, char_end=12, paragraph=1))
        await session.commit()
    async with session_factory() as session:
        passage = (await session.exec(select(Passage))).one()
        source = await session.get(Source, passage.source_id)
        assert source.text[passage.char_start:passage.char_end] == passage.text
        assert source.status == "active" and source.guild_id is None
