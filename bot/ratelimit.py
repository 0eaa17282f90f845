"""In-process rate limits: token buckets keyed by user or guild id.

Why here and not only Discord cooldowns: services are also driven by the console and tests,
and a guild-wide limit (one raid of many accounts) is not something a per-command cooldown
expresses. Buckets live in memory, per process: with several shard processes each enforces
its own share, which is fine for abuse control (they are not quotas to bill against).

A token bucket lets a person do a short burst (`rate` actions at once) and then one action
every `per / rate` seconds. The clock is injected so tests never sleep.
"""
from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass

from bot.errors import RateLimited

DEFAULT_MAX_KEYS = 50_000  # ~100 bytes a bucket: a few MB at worst


class RateLimiter:
    """`rate` actions per `per` seconds for each key, burst up to `rate`.

    Memory stays bounded: a bucket that has refilled completely holds no information and
    is dropped when seen, and beyond `max_keys` the least recently used buckets go first."""

    def __init__(self, rate: int, per: float, clock: Callable[[], float] = time.monotonic, *,
                 scope: str = "default", message: str = "You're doing that too often: try again in {wait}.",
                 max_keys: int = DEFAULT_MAX_KEYS):
        if rate < 1 or per <= 0:
            raise ValueError("rate must be >= 1 and per > 0")
        self.rate = rate
        self.per = per
        self.scope = scope
        self.message = message
        self.max_keys = max_keys
        self._clock = clock
        self._refill_per_second = rate / per
        # key -> (tokens, time of that reading); most recently used last.
        self._buckets: OrderedDict[Hashable, tuple[float, float]] = OrderedDict()

    def _tokens(self, key: Hashable, now: float) -> float:
        state = self._buckets.get(key)
        if state is None:
            return float(self.rate)
        tokens, stamp = state
        return min(float(self.rate), tokens + max(0.0, now - stamp) * self._refill_per_second)

    def retry_after(self, key: Hashable) -> float:
        """Seconds until `key` may act again (0.0: it may act now)."""
        tokens = self._tokens(key, self._clock())
        if tokens >= 1.0:
            return 0.0
        return (1.0 - tokens) / self._refill_per_second

    def hit(self, key: Hashable) -> None:
        """Spend one action for `key`, or raise `RateLimited` (nothing is spent then)."""
        now = self._clock()
        tokens = self._tokens(key, now)
        if tokens < 1.0:
            wait = (1.0 - tokens) / self._refill_per_second
            raise RateLimited(self.message.format(wait=_human_wait(wait)), retry_after=wait)
        self._store(key, tokens - 1.0, now)

    def _store(self, key: Hashable, tokens: float, now: float) -> None:
        self._buckets[key] = (tokens, now)
        self._buckets.move_to_end(key)
        self._evict(now)

    def _evict(self, now: float) -> None:
        # Oldest-touched first: drop buckets that are full again (no information), then
        # if still too many, the least recently used ones (a forgotten key starts full,
        # the lenient direction).
        while self._buckets:
            oldest_key = next(iter(self._buckets))
            if self._tokens(oldest_key, now) >= self.rate or len(self._buckets) > self.max_keys:
                del self._buckets[oldest_key]
                continue
            break

    def reset(self, key: Hashable) -> None:
        self._buckets.pop(key, None)

    def __len__(self) -> int:
        return len(self._buckets)


def _human_wait(seconds: float) -> str:
    seconds = max(1, math.ceil(seconds))
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minutes"


def hit_all(checks: Iterable[tuple[RateLimiter, Hashable]]) -> None:
    """Spend one action in every (limiter, key) or in none: a user refused by the guild
    limit keeps their personal allowance. Raises the `RateLimited` with the longest wait."""
    checks = list(checks)
    waits = [(limiter.retry_after(key), limiter) for limiter, key in checks]
    worst_wait, worst = max(waits, key=lambda item: item[0], default=(0.0, None))
    if worst is not None and worst_wait > 0:
        raise RateLimited(worst.message.format(wait=_human_wait(worst_wait)), retry_after=worst_wait)
    for limiter, key in checks:
        limiter.hit(key)


@dataclass
class RateLimits:
    """The bot's limits, one limiter per (action, scope). Numbers and why:

    * lookups per user: 5 per 30 s. A person reading answers needs a few seconds each;
      a burst of 5 covers retyping a topic, and the steady one per 6 s stops a script.
    * lookups per guild: 60 per 60 s. A busy server's real use, all members together,
      is well under one a second; beyond that it is a raid, and the index is shared.
    * moderator fetches per user: 3 per 60 s. Each fetch downloads up to 5 MB from the
      internet and re-indexes; moderators add articles one at a time.
    * moderator fetches per guild: 20 per hour. Bounds what one server can make the bot
      download, even with many moderators (or a compromised moderator account).
    """

    lookup_user: RateLimiter
    lookup_guild: RateLimiter
    fetch_user: RateLimiter
    fetch_guild: RateLimiter

    @classmethod
    def defaults(cls, clock: Callable[[], float] = time.monotonic) -> "RateLimits":
        return cls(
            lookup_user=RateLimiter(5, 30, clock, scope="lookup:user",
                                    message="You're looking things up too fast: try again in {wait}."),
            lookup_guild=RateLimiter(60, 60, clock, scope="lookup:guild",
                                     message="This server is making a lot of lookups right now: try again in {wait}."),
            fetch_user=RateLimiter(3, 60, clock, scope="fetch:user",
                                   message="You're adding articles too fast: try again in {wait}."),
            fetch_guild=RateLimiter(20, 3600, clock, scope="fetch:guild",
                                    message="This server has fetched many articles recently: try again in {wait}."),
        )

    def lookup(self, user_id: int, guild_id: int | None) -> None:
        """Spend one lookup for the user and their guild (DMs: the user only)."""
        checks = [(self.lookup_user, user_id)]
        if guild_id is not None:
            checks.append((self.lookup_guild, guild_id))
        hit_all(checks)

    def fetch(self, user_id: int, guild_id: int | None) -> None:
        """Spend one moderator URL fetch for the user and their guild."""
        checks = [(self.fetch_user, user_id)]
        if guild_id is not None:
            checks.append((self.fetch_guild, guild_id))
        hit_all(checks)
