"""Rate limits with an injected clock: bursts, refill, waits, isolation, bounded memory."""
from __future__ import annotations

import pytest

from bot.errors import RateLimited
from bot.ratelimit import RateLimiter, RateLimits, hit_all


class FakeClock:
    def __init__(self, now: float = 1000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def test_burst_then_refusal_with_retry_after():
    clock = FakeClock()
    limiter = RateLimiter(3, 30, clock)
    for _ in range(3):
        limiter.hit("alice")
    with pytest.raises(RateLimited) as err:
        limiter.hit("alice")
    assert err.value.retry_after == pytest.approx(10.0)  # one token per 10 s
    assert "try again in 10 seconds" in str(err.value)
    assert limiter.retry_after("alice") == pytest.approx(10.0)


def test_tokens_refill_over_time():
    clock = FakeClock()
    limiter = RateLimiter(3, 30, clock)
    for _ in range(3):
        limiter.hit(1)
    clock.advance(4)
    assert limiter.retry_after(1) == pytest.approx(6.0)
    clock.advance(6)
    limiter.hit(1)  # one token back after 10 s
    with pytest.raises(RateLimited):
        limiter.hit(1)
    clock.advance(300)
    for _ in range(3):  # never more than the burst, however long the pause
        limiter.hit(1)
    with pytest.raises(RateLimited):
        limiter.hit(1)


def test_refused_hit_spends_nothing():
    clock = FakeClock()
    limiter = RateLimiter(1, 10, clock)
    limiter.hit("k")
    for _ in range(5):
        with pytest.raises(RateLimited):
            limiter.hit("k")
    clock.advance(10)
    limiter.hit("k")  # hammering while limited did not push the wait further out


def test_keys_are_independent():
    clock = FakeClock()
    limiter = RateLimiter(1, 60, clock)
    limiter.hit(111)
    limiter.hit(222)
    assert limiter.retry_after(333) == 0.0
    with pytest.raises(RateLimited):
        limiter.hit(111)


def test_memory_is_bounded_and_full_buckets_are_forgotten():
    clock = FakeClock()
    limiter = RateLimiter(2, 10, clock, max_keys=100)
    for user in range(1000):
        limiter.hit(user)
    assert len(limiter) <= 100
    clock.advance(10)  # every bucket is full again: nothing worth remembering
    limiter.hit("new")
    assert len(limiter) == 1


def test_least_recently_used_key_is_evicted_first():
    clock = FakeClock()
    limiter = RateLimiter(1, 60, clock, max_keys=2)
    limiter.hit("a")
    limiter.hit("b")
    limiter.hit("c")  # evicts "a", the oldest
    assert limiter.retry_after("a") == 0.0
    assert limiter.retry_after("b") > 0
    assert limiter.retry_after("c") > 0


def test_long_waits_are_shown_in_minutes():
    clock = FakeClock()
    limiter = RateLimiter(1, 3600, clock, message="Slow down: try again in {wait}.")
    limiter.hit("g")
    with pytest.raises(RateLimited) as err:
        limiter.hit("g")
    assert str(err.value) == "Slow down: try again in 60 minutes."


def test_hit_all_spends_nothing_when_any_limit_refuses():
    clock = FakeClock()
    user = RateLimiter(5, 30, clock)
    guild = RateLimiter(1, 60, clock, message="Server busy: {wait}.")
    hit_all([(user, 1), (guild, 9)])
    with pytest.raises(RateLimited) as err:
        hit_all([(user, 1), (guild, 9)])
    assert str(err.value) == "Server busy: 60 seconds."
    assert err.value.retry_after == pytest.approx(60.0)
    # The user's own allowance was not spent by the refused attempt: 4 left.
    for _ in range(4):
        user.hit(1)
    with pytest.raises(RateLimited):
        user.hit(1)


def test_presets_lookup_per_user_and_per_guild():
    clock = FakeClock()
    limits = RateLimits.defaults(clock)
    for _ in range(5):
        limits.lookup(user_id=1, guild_id=42)
    with pytest.raises(RateLimited, match="looking things up too fast"):
        limits.lookup(user_id=1, guild_id=42)
    # Other members of the guild share the guild budget: 60 a minute in total.
    spent = 5
    member = 100
    while spent < 60:
        for _ in range(5):
            if spent == 60:
                break
            limits.lookup(user_id=member, guild_id=42)
            spent += 1
        member += 1
    with pytest.raises(RateLimited, match="This server is making a lot of lookups"):
        limits.lookup(user_id=9999, guild_id=42)
    limits.lookup(user_id=9999, guild_id=43)  # another server is unaffected
    limits.lookup(user_id=9999, guild_id=None)  # and so are DMs


def test_presets_moderator_fetches():
    clock = FakeClock()
    limits = RateLimits.defaults(clock)
    for _ in range(3):
        limits.fetch(user_id=7, guild_id=42)
    with pytest.raises(RateLimited, match="adding articles too fast") as err:
        limits.fetch(user_id=7, guild_id=42)
    assert err.value.retry_after == pytest.approx(20.0)
    for mod in range(8, 25):  # 17 more moderators, 20 fetches in all
        limits.fetch(user_id=mod, guild_id=42)
    with pytest.raises(RateLimited, match="fetched many articles recently"):
        limits.fetch(user_id=99, guild_id=42)
    clock.advance(180)  # one guild token per 3 minutes
    limits.fetch(user_id=99, guild_id=42)


def test_invalid_configuration_is_rejected():
    with pytest.raises(ValueError):
        RateLimiter(0, 10)
    with pytest.raises(ValueError):
        RateLimiter(1, 0)
