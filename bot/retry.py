"""Retry a unit of database work when the failure is transient, never when it is a bug.

Transient means "the same work would likely succeed in a moment": SQLite's writer lock is
held by another connection (`database is locked` after its busy timeout), PostgreSQL is
restarting or dropped the connection (SQLSTATE class 08, 57P01-57P03), has no free
connection slot (53300), or aborted the transaction to resolve a conflict (40001
serialization failure, 40P01 deadlock). Constraint violations, bad SQL and data errors are
deterministic: retrying them only delays the real error, so they propagate at once.

`fn` must be a whole unit of work that opens its own session (e.g. `session_scope`): a
retry re-runs it from the start on a fresh connection. It should be idempotent, because a
connection lost during COMMIT leaves unknown whether the commit landed (the ingestion
pipeline is: it keys sources by content hash).
"""
from __future__ import annotations

import asyncio
import functools
import logging
import random
import sqlite3
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

from sqlalchemy import exc as sa_exc

from bot.errors import DatabaseUnavailable

log = logging.getLogger(__name__)

T = TypeVar("T")
P = ParamSpec("P")

UNAVAILABLE_MESSAGE = "The database is busy right now, please try again in a moment."

_SQLITE_BUSY_PHRASES = ("database is locked", "database table is locked", "database schema is locked",
                        "database is busy")
_TRANSIENT_SQLSTATES = {"57P01", "57P02", "57P03", "53300", "40001", "40P01"}
_LOGIC_ERRORS = (sa_exc.IntegrityError, sa_exc.ProgrammingError, sa_exc.DataError, sa_exc.NotSupportedError)


def _causes(error: BaseException, limit: int = 8):
    """The error, what it wraps (`.orig`) and its explicit cause (`raise ... from`), outermost
    first. Not `__context__`: an error raised while handling a lock error is not one."""
    seen: set[int] = set()
    todo = [error]
    while todo and len(seen) < limit:
        current = todo.pop(0)
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo.extend([getattr(current, "orig", None), current.__cause__])


def is_transient_db_error(error: BaseException) -> bool:
    """True for lock/busy and lost-connection errors worth retrying; False otherwise."""
    if isinstance(error, _LOGIC_ERRORS):
        return False
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, sa_exc.TimeoutError):  # pool exhausted: every connection busy
        return True
    for cause in _causes(error):
        sqlstate = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
        if isinstance(sqlstate, str) and (sqlstate.startswith("08") or sqlstate in _TRANSIENT_SQLSTATES):
            return True
        if isinstance(cause, sqlite3.OperationalError) or isinstance(cause, sa_exc.OperationalError):
            message = str(cause).lower()
            if any(phrase in message for phrase in _SQLITE_BUSY_PHRASES):
                return True
        if isinstance(cause, ConnectionError):  # refused, reset, aborted, broken pipe
            return True
        if type(cause).__name__ == "InterfaceError" and "connection is closed" in str(cause):
            return True
    return False


def backoff_delay(attempt: int, base_delay: float, max_delay: float) -> float:
    """Exponential backoff with "equal jitter": half fixed, half random, so clients that
    failed together do not all come back at the same instant."""
    ceiling = min(max_delay, base_delay * (2 ** attempt))
    return ceiling / 2 + random.uniform(0, ceiling / 2)


async def with_db_retry(fn: Callable[[], Awaitable[T]], *, attempts: int = 4, base_delay: float = 0.05,
                        max_delay: float = 1.0) -> T:
    """`await fn()`, retried up to `attempts` times in all on transient database errors.

    Raises `DatabaseUnavailable` (a friendly message) when the last attempt still fails
    transiently; any other error propagates unchanged on the first occurrence."""
    if attempts < 1:
        raise ValueError("attempts must be >= 1")
    for attempt in range(attempts):
        try:
            return await fn()
        except Exception as error:  # classified right below
            if not is_transient_db_error(error):
                raise
            if attempt == attempts - 1:
                log.warning("database still unavailable after %d attempts: %s", attempts, type(error).__name__)
                raise DatabaseUnavailable(UNAVAILABLE_MESSAGE) from error
            delay = backoff_delay(attempt, base_delay, max_delay)
            log.info("transient database error (%s), retry %d/%d in %.2fs",
                     type(error).__name__, attempt + 1, attempts - 1, delay)
            await asyncio.sleep(delay)
    raise AssertionError("unreachable")


# User-facing paths (their interaction is deferred): about 0.75-1.5 s of waiting in all,
# enough to ride out a PostgreSQL restart or a brief lock, short enough to answer promptly.
USER_ATTEMPTS, USER_BASE_DELAY = 5, 0.1


def db_retry(fn: Callable[P, Awaitable[T]] | None = None, *, attempts: int = USER_ATTEMPTS,
             base_delay: float = USER_BASE_DELAY, max_delay: float = 1.0):
    """Decorator for a service function that is one unit of database work (it opens its own
    sessions): every call goes through `with_db_retry`, so a user-facing path rides out a
    brief outage and otherwise answers `UNAVAILABLE_MESSAGE`. `@db_retry` or
    `@db_retry(attempts=2)` (autocomplete must answer within Discord's 3 seconds)."""

    def decorate(inner: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
        @functools.wraps(inner)
        async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
            return await with_db_retry(lambda: inner(*args, **kwargs), attempts=attempts,
                                       base_delay=base_delay, max_delay=max_delay)

        return wrapper

    return decorate(fn) if fn is not None else decorate


def log_failure(logger: logging.Logger, message: str, error: BaseException, *args) -> None:
    """Log a failed unit of work: a known transient database error (or the retries giving
    up on one) as one warning line, anything else with its traceback."""
    if isinstance(error, DatabaseUnavailable) or is_transient_db_error(error):
        detail = str(getattr(error, "orig", None) or error).strip().splitlines()
        logger.warning(message + ": database unavailable (%s: %s)", *args, type(error).__name__,
                       (detail[0] if detail else "")[:200])
    else:
        logger.error(message, *args, exc_info=error)
