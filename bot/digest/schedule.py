"""When is a guild's digest due? Pure functions of (now, local time, time zone).

Why a module of its own: "once per LOCAL calendar day at HH:MM" is full of traps (DST gaps
and overlaps, time zones across the date line, a bot that was down at the scheduled minute),
and all of them are easiest to get right - and to test - with the clock passed in as a value.
The database (bot.digest.service) then only has to make each (guild, local date) happen once.

Rules:
- The slot for a local date is the first instant whose local wall time is >= HH:MM on that
  date. A wall time inside a spring-forward gap (Europe/Berlin 02:30 on the last Sunday of
  March) therefore becomes the first valid instant after the gap (03:00 CEST); a wall time
  that occurs twice (fall-back) is the first occurrence. Either way a day has exactly one slot.
- A guild is due when `now` has reached today's slot (today = the local date at `now`). No
  upper bound within the day: a bot that was down at the scheduled minute catches up as soon
  as it is back, the same local day. Yesterday's missed slot is not posted today.
"""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.errors import BadInput

UTC = timezone.utc
DEFAULT_TIMEZONE = "UTC"
_TIME_RE = re.compile(r"^\s*(\d{1,2})[:.h](\d{2})\s*$")


def parse_time(text: str) -> time:
    """Parse "HH:MM" (24-hour; "8:05", "08.05" and "08h05" also accepted)."""
    match = _TIME_RE.match(text or "")
    if not match:
        raise BadInput(f"“{_shorten(text)}” is not a time. Use 24-hour HH:MM, for example 08:30 or 18:00.")
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise BadInput(f"“{_shorten(text)}” is not a valid time of day. Use 00:00 to 23:59.")
    return time(hour, minute)


def format_time(value: time) -> str:
    return f"{value.hour:02d}:{value.minute:02d}"


def parse_timezone(name: str | None) -> ZoneInfo:
    """An IANA time zone such as Europe/Berlin; empty means UTC."""
    name = (name or "").strip() or DEFAULT_TIMEZONE
    # ZoneInfo accepts relative-looking keys poorly and raises ValueError on some input.
    if len(name) > 64 or name.startswith("/") or ".." in name:
        raise BadInput(f"“{_shorten(name)}” is not a time zone. Use an IANA name such as Europe/Berlin or America/New_York.")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, IsADirectoryError, OSError):
        raise BadInput(
            f"“{_shorten(name)}” is not a time zone I know. Use an IANA name such as Europe/Berlin or America/New_York."
        ) from None


def local_date(now: datetime, tz: ZoneInfo) -> date:
    """The calendar date at `now` in `tz`."""
    return _require_aware(now).astimezone(tz).date()


def slot_for(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The UTC instant of the digest slot on local date `day` (see the module rules)."""
    wall = datetime.combine(day, at)
    first = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if _wall_time(first, tz) == wall:
        return first  # exists (and, if it occurs twice, this is the first occurrence)
    # A gap: fold=0 and fold=1 interpret the wall time with the offsets before and after the
    # transition; the transition instant lies between them. Find the first instant whose
    # local wall time is >= the requested one (binary search in whole seconds).
    second = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
    low, high = min(first, second), max(first, second)
    while high - low > timedelta(seconds=1):
        middle = (low + (high - low) / 2).replace(microsecond=0)
        if _wall_time(middle, tz) >= wall:
            high = middle
        else:
            low = middle
    return high  # invariant: wall(low) < wall <= wall(high)


def due_date(now: datetime, at: time, tz: ZoneInfo, *, effective_from: datetime | None = None) -> date | None:
    """The local date whose digest is due at `now`, or None if today's slot is still ahead.

    `effective_from` is when the schedule was (re)configured: a slot that passed before the
    guild set the digest up is not "missed", so a guild that sets a 09:00 digest at 15:00
    gets its first one tomorrow, not at once."""
    today = local_date(now, tz)
    slot = slot_for(today, at, tz)
    if _require_aware(now) < slot or (effective_from is not None and effective_from > slot):
        return None
    return today


def next_slot(now: datetime, at: time, tz: ZoneInfo, *, today_done: bool,
              effective_from: datetime | None = None) -> datetime:
    """The next slot to expect: today's (possibly already past: it is then posted on the next
    tick) unless today's digest is done or came before `effective_from`, else the first later
    local date that exists.

    A date skipped by its zone (Pacific/Apia jumped from 2011-12-29 to 2011-12-31) has no slot."""
    today = local_date(now, tz)
    slot = slot_for(today, at, tz)
    if not today_done and (effective_from is None or effective_from <= slot):
        return slot
    day = today
    for _ in range(4):
        day += timedelta(days=1)
        slot = slot_for(day, at, tz)
        if slot.astimezone(tz).date() == day:
            return slot
    raise ValueError(f"no slot within four days after {today} in {tz.key}")  # no real zone does this


def _wall_time(instant: datetime, tz: ZoneInfo) -> datetime:
    return instant.astimezone(tz).replace(tzinfo=None, fold=0)


def _require_aware(now: datetime) -> datetime:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware (use datetime.now(timezone.utc))")
    return now


def _shorten(text: str | None, limit: int = 40) -> str:
    text = (text or "").strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"
