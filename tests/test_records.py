"""One source each for what is stored: column widths, audit rows, typed dates (issue 14)."""
from datetime import date

import pytest
from sqlmodel import select

from bot.audit import audit_row
from bot.errors import BadInput
from bot.models import (ACTION_MAX, ACTOR_MAX, AUDIT_DETAIL_MAX, AUTHOR_MAX, OUTLET_MAX, TARGET_MAX, TITLE_MAX,
                        URL_MAX, AuditLog, Source)
from bot.services import curation
from bot.services.sources import ingest_document
from bot.validate import CITATION_LIMITS, typed_date


def test_what_a_moderator_may_type_fits_the_columns_it_is_stored_in():
    assert CITATION_LIMITS["title"] <= TITLE_MAX and CITATION_LIMITS["outlet"] <= OUTLET_MAX
    assert CITATION_LIMITS["author"] <= AUTHOR_MAX and CITATION_LIMITS["url"] <= URL_MAX
    for name, width in (("title", TITLE_MAX), ("outlet", OUTLET_MAX), ("author", AUTHOR_MAX), ("url", URL_MAX)):
        assert Source.__table__.c[name].type.length == width


async def test_an_audit_row_is_cut_to_its_columns_on_both_backends(session_factory):
    async with session_factory() as session:
        session.add(audit_row(guild_id=5, actor="a" * 100, action="b" * 50, target="c" * 300, detail="d" * 5000))
        await session.commit()
    async with session_factory() as session:
        row = (await session.exec(select(AuditLog))).one()
    assert (len(row.actor_id), len(row.action), len(row.target), len(row.detail)) == (
        ACTOR_MAX, ACTION_MAX, TARGET_MAX, AUDIT_DETAIL_MAX)
    assert row.guild_id == 5 and row.detail == "d" * AUDIT_DETAIL_MAX


def test_a_typed_date_is_yyyy_mm_dd_and_nothing_else():
    assert typed_date("2021-01-12") == date(2021, 1, 12)
    assert typed_date(" 2021-01-12 ") == date(2021, 1, 12)
    assert typed_date(None) is None and typed_date(date(2020, 2, 2)) == date(2020, 2, 2)
    with pytest.raises(BadInput, match=r"^`12 January 2021` is not a date: use YYYY-MM-DD, for example 2021-01-12\.$"):
        typed_date("12 January 2021")


async def test_editing_a_source_refuses_a_bad_date_as_ingest_does(app):
    """Issue 14: /curate edit said "The date must look like YYYY-MM-DD ..." where ingest said
    "`value` is not a date: use YYYY-MM-DD ..."; both now give ingest's (it names the value)."""
    report = await ingest_document(app, "Harbour Wall\n\nThe council approved a flood wall on Monday.\n",
                                   filename="wall.txt", guild_id=10, actor="5")
    with pytest.raises(BadInput) as refused:
        await curation.edit_source(app, report.source_id, guild_id=10, actor="5", published="2024-13-45")
    assert str(refused.value) == "`2024-13-45` is not a date: use YYYY-MM-DD, for example 2021-01-12."
