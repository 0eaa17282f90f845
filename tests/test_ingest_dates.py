"""Publication dates: parsed from metadata, inferred from the text only where it is stated."""
from datetime import date

import pytest

from bot.ingest.dates import find_dates, parse_date
from bot.ingest.parse import parse_article


@pytest.mark.parametrize("value, expected", [
    ("January 12, 2021", date(2021, 1, 12)),
    ("Jan. 12, 2021", date(2021, 1, 12)),
    ("Sept. 11, 2001", date(2001, 9, 11)),
    ("12 January 2021", date(2021, 1, 12)),
    ("2021-01-12", date(2021, 1, 12)),
    ("2021-01-12T10:30:00Z", date(2021, 1, 12)),
    (date(2020, 5, 1), date(2020, 5, 1)),
    ("January 6", None),  # no year: not a date we can cite
    ("February 30, 2021", None),
    ("soon", None),
    (None, None),
])
def test_parse_date(value, expected):
    assert parse_date(value) == expected


def test_find_dates_reports_positions_in_order():
    text = "On Jan. 6 nothing; on March 3, 2020 and 4 April 2021 things happened (2022-05-06)."
    assert [d for _, d in find_dates(text)] == [date(2020, 3, 3), date(2021, 4, 4), date(2022, 5, 6)]


def test_dateline_date_is_inferred():
    text = ("Port Reopens After Storm\n\nDOVER, March 3, 2024 — The port reopened on Sunday after the storm.\n\n"
            "Ships had waited since Feb. 20, 2024 to dock.")
    article = parse_article(text, filename="port.txt")
    assert article.published == date(2024, 3, 3) and article.published_inferred


def test_caption_date_beats_an_earlier_body_date():
    text = ("Port Reopens After Storm\n\nShips had waited since Feb. 20, 2024 to dock at the harbour.\n\n"
            "Harbour master Joe Hart speaks at the port in Dover on March 3, 2024.\n\nWork resumed quickly.")
    article = parse_article(text, filename="port.txt")
    assert article.published == date(2024, 3, 3) and article.published_inferred


def test_metadata_date_wins_and_is_not_inferred():
    text = "Port Reopens\n\nDOVER, March 3, 2024 — The port reopened.\n\nShips docked."
    article = parse_article(text, filename="port.txt", overrides={"published": "2024-03-04"})
    assert article.published == date(2024, 3, 4) and not article.published_inferred


def test_dates_deep_in_the_article_are_not_used():
    body = "\n\n".join(f"Paragraph {i} says nothing about when it was written." for i in range(6))
    text = body + "\n\nThe attacks of Sept. 11, 2001 changed everything."
    article = parse_article(text, filename="x.txt")
    assert article.published is None and not article.published_inferred
