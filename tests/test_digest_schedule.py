"""When a guild's digest is due: local time, DST gaps and overlaps, the date line, catch-up.

Pure tests with an explicit clock. `simulate` ticks a clock across days and "posts" at most
once per local date (what the database claim guarantees), so each test can assert the days
posted and the instants they were posted at."""
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings as hyp_settings, strategies as st

from bot.digest.schedule import due_date, local_date, next_slot, parse_time, parse_timezone, slot_for
from bot.errors import BadInput

UTC = timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(year, month, day, tz: ZoneInfo) -> datetime:
    """Local midnight as a UTC instant."""
    return datetime(year, month, day, tzinfo=tz).astimezone(UTC)


def simulate(start: datetime, end: datetime, at: time, tz: ZoneInfo, step=timedelta(minutes=1)) -> dict[date, datetime]:
    """Tick from start to end; the first tick at which a date is due posts it (once)."""
    posted: dict[date, datetime] = {}
    now = start
    while now < end:
        day = due_date(now, at, tz)
        if day is not None and day not in posted:
            posted[day] = now
        now += step
    return posted


# --- parsing ---------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [("09:00", time(9)), ("8:05", time(8, 5)), (" 23:59 ", time(23, 59)),
                                            ("00:00", time(0)), ("18.30", time(18, 30))])
def test_parse_time_accepts_24_hour_times(text, expected):
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["24:00", "9", "09:60", "nine", "", "9am", "12:5"])
def test_parse_time_rejects_with_a_hint(text):
    with pytest.raises(BadInput, match="HH:MM|00:00 to 23:59"):
        parse_time(text)


def test_parse_timezone_accepts_iana_names_and_defaults_to_utc():
    assert parse_timezone("Europe/Berlin").key == "Europe/Berlin"
    assert parse_timezone(None).key == "UTC"
    assert parse_timezone("  ").key == "UTC"


@pytest.mark.parametrize("name", ["Mars/Olympus", "CEST+2", "../../etc/passwd", "/etc/localtime", "x" * 100])
def test_parse_timezone_rejects_unknown_names_with_a_hint(name):
    with pytest.raises(BadInput, match="Europe/Berlin"):
        parse_timezone(name)


def test_naive_now_is_refused():
    with pytest.raises(ValueError):
        due_date(datetime(2026, 11, 25, 9), time(9), BERLIN)


# --- due / not due / catch-up ----------------------------------------------------------

def test_due_from_the_local_time_until_the_end_of_the_local_day():
    at = time(9)
    assert due_date(utc(2026, 11, 25, 7, 59), at, BERLIN) is None  # 08:59 CET
    assert due_date(utc(2026, 11, 25, 8, 0), at, BERLIN) == date(2026, 11, 25)
    # Catch-up: the bot was down at 09:00 and comes back at 22:30 local, same day.
    assert due_date(utc(2026, 11, 25, 21, 30), at, BERLIN) == date(2026, 11, 25)
    # After local midnight yesterday's missed digest is not due, today's not yet.
    assert due_date(utc(2026, 11, 25, 23, 30), at, BERLIN) is None


def test_a_schedule_set_after_todays_slot_starts_tomorrow():
    at, configured = time(9), utc(2026, 11, 25, 14)  # 15:00 Berlin
    assert due_date(utc(2026, 11, 25, 14, 1), at, BERLIN, effective_from=configured) is None
    assert next_slot(utc(2026, 11, 25, 14, 1), at, BERLIN, today_done=False, effective_from=configured) \
        == utc(2026, 11, 26, 8)
    assert due_date(utc(2026, 11, 26, 8), at, BERLIN, effective_from=configured) == date(2026, 11, 26)
    # Set before the slot (even seconds before): today counts.
    assert due_date(utc(2026, 11, 25, 8), at, BERLIN, effective_from=utc(2026, 11, 25, 7, 59, 50)) \
        == date(2026, 11, 25)


def test_next_slot_is_today_until_done_then_tomorrow():
    now = utc(2026, 11, 25, 10)
    assert next_slot(now, time(9), BERLIN, today_done=False) == utc(2026, 11, 25, 8)  # overdue: next tick
    assert next_slot(now, time(9), BERLIN, today_done=True) == utc(2026, 11, 26, 8)


def test_one_post_per_day_at_the_local_time_over_a_week():
    posted = simulate(local(2026, 11, 20, BERLIN), local(2026, 11, 27, BERLIN), time(9, 15), BERLIN)
    assert list(posted) == [date(2026, 11, d) for d in range(20, 27)]
    assert all(instant.astimezone(BERLIN).time() == time(9, 15) for instant in posted.values())


# --- DST -------------------------------------------------------------------------------

def test_berlin_spring_forward_gap_posts_at_the_next_valid_instant():
    # 2026-03-29: 02:00 CET jumps to 03:00 CEST; 02:30 does not exist that day.
    assert slot_for(date(2026, 3, 29), time(2, 30), BERLIN) == utc(2026, 3, 29, 1, 0)  # = 03:00 CEST
    posted = simulate(local(2026, 3, 27, BERLIN), local(2026, 3, 31, BERLIN), time(2, 30), BERLIN)
    assert list(posted) == [date(2026, 3, 27), date(2026, 3, 28), date(2026, 3, 29), date(2026, 3, 30)]
    assert posted[date(2026, 3, 29)].astimezone(BERLIN).strftime("%H:%M %Z") == "03:00 CEST"
    assert posted[date(2026, 3, 30)].astimezone(BERLIN).strftime("%H:%M %Z") == "02:30 CEST"


def test_berlin_fall_back_overlap_posts_once_at_the_first_occurrence():
    # 2026-10-25: 03:00 CEST falls back to 02:00 CET; 02:30 happens twice.
    assert slot_for(date(2026, 10, 25), time(2, 30), BERLIN) == utc(2026, 10, 25, 0, 30)  # 02:30 CEST
    posted = simulate(local(2026, 10, 24, BERLIN), local(2026, 10, 27, BERLIN), time(2, 30), BERLIN)
    assert list(posted) == [date(2026, 10, 24), date(2026, 10, 25), date(2026, 10, 26)]
    assert posted[date(2026, 10, 25)] == utc(2026, 10, 25, 0, 30)
    # The second 02:30 (CET) is still the same local day: due, but the day is already posted.
    assert due_date(utc(2026, 10, 25, 1, 30), time(2, 30), BERLIN) == date(2026, 10, 25)


def test_new_york_spring_forward_and_fall_back():
    # 2026-03-08: 02:00 EST -> 03:00 EDT.  2026-11-01: 02:00 EDT -> 01:00 EST.
    spring = simulate(local(2026, 3, 7, NEW_YORK), local(2026, 3, 10, NEW_YORK), time(2, 15), NEW_YORK)
    assert list(spring) == [date(2026, 3, 7), date(2026, 3, 8), date(2026, 3, 9)]
    assert spring[date(2026, 3, 8)].astimezone(NEW_YORK).strftime("%H:%M %Z") == "03:00 EDT"
    fall = simulate(local(2026, 10, 31, NEW_YORK), local(2026, 11, 3, NEW_YORK), time(1, 30), NEW_YORK)
    assert list(fall) == [date(2026, 10, 31), date(2026, 11, 1), date(2026, 11, 2)]
    assert fall[date(2026, 11, 1)].astimezone(NEW_YORK).strftime("%H:%M %Z") == "01:30 EDT"


def test_times_outside_the_transition_keep_their_local_time():
    # Not every slot on a DST day moves: 09:00 is 09:00 either side of the change.
    assert slot_for(date(2026, 3, 29), time(9), BERLIN).astimezone(BERLIN).time() == time(9)
    assert slot_for(date(2026, 10, 25), time(9), BERLIN).astimezone(BERLIN).time() == time(9)


# --- the date line ---------------------------------------------------------------------

def test_guilds_on_either_side_of_the_date_line_have_their_own_dates():
    kiritimati, pago_pago = ZoneInfo("Pacific/Kiritimati"), ZoneInfo("Pacific/Pago_Pago")  # UTC+14, UTC-11
    now = utc(2026, 11, 25, 20, 0)  # one instant, two dates a day and a half apart
    assert local_date(now, kiritimati) == date(2026, 11, 26)
    assert local_date(now, pago_pago) == date(2026, 11, 25)
    assert due_date(now, time(9), kiritimati) == date(2026, 11, 26)  # 10:00 on the 26th, +14
    assert due_date(now, time(9), pago_pago) == date(2026, 11, 25)  # 09:00 on the 25th, -11
    assert due_date(utc(2026, 11, 25, 18, 59), time(9), kiritimati) is None  # 08:59 on the 26th
    assert due_date(utc(2026, 11, 25, 19, 59), time(9), pago_pago) is None  # 08:59 on the 25th


def test_a_date_skipped_by_its_zone_is_neither_posted_nor_doubled():
    # Samoa moved across the date line: 2011-12-29 23:59:59 was followed by 2011-12-31 00:00.
    apia = ZoneInfo("Pacific/Apia")
    posted = simulate(local(2011, 12, 28, apia), local(2012, 1, 2, apia), time(9), apia, step=timedelta(minutes=5))
    assert list(posted) == [date(2011, 12, 28), date(2011, 12, 29), date(2011, 12, 31), date(2012, 1, 1)]
    assert all(instant.astimezone(apia).time() == time(9) for instant in posted.values())
    after_29th = utc(2011, 12, 29, 19, 30)  # 09:30 on the 29th, local
    assert next_slot(after_29th, time(9), apia, today_done=True).astimezone(apia) \
        == datetime(2011, 12, 31, 9, tzinfo=apia)


# --- property: the slot is the first instant at or after the local time ------------------

ZONES = ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "Pacific/Chatham",
         "America/Santiago", "Pacific/Apia", "UTC"]


@hyp_settings(max_examples=300, deadline=None)
@given(zone=st.sampled_from(ZONES), day=st.dates(date(2010, 1, 1), date(2030, 12, 31)),
       hour=st.integers(0, 23), minute=st.integers(0, 59))
def test_slot_is_the_first_instant_at_or_after_the_local_time(zone, day, hour, minute):
    tz, at = ZoneInfo(zone), time(hour, minute)
    slot = slot_for(day, at, tz)
    wall = datetime.combine(day, at)
    assert slot.astimezone(tz).replace(tzinfo=None) >= wall
    assert (slot - timedelta(seconds=1)).astimezone(tz).replace(tzinfo=None) < wall
