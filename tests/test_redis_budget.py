"""The rate-limit budget, in memory (threads of one process) and in Redis (a fleet), driven
directly: probes for an unknown route, reservations bounded by what is left, pauses on a used-up
group or a 429, unmetered routes, and tickets that lapse when never settled."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from rcsdk._budget import (
    Grant,
    MemoryRateLimitBudget,
    RateLimitBudget,
    RateLimitSignal,
    read_signal,
)
from rcsdk.redis import RedisTokenStore

TOKEN = "POST /restapi/oauth/token"
API = "GET /restapi/v1.0/account/~/extension/~"

BudgetFactory = Callable[[], RateLimitBudget]


@pytest.fixture(params=["memory", "redis"])
def new_budget(request: pytest.FixtureRequest) -> BudgetFactory:
    """A factory: every budget it makes shares one state (one process, or one Redis key)."""
    if request.param == "memory":
        shared = MemoryRateLimitBudget()
        return lambda: shared
    url: str = request.getfixturevalue("redis_url")
    return lambda: RedisTokenStore("rcsdk:test:budget", url=url).budget()


def auth(remaining: int, *, limited: bool = False) -> RateLimitSignal:
    return RateLimitSignal("Auth", limit=5, remaining=remaining, window=60, limited=limited)


def test_headers_are_read_into_a_signal() -> None:
    headers = {
        "X-Rate-Limit-Group": "Auth",
        "X-Rate-Limit-Limit": "5",
        "X-Rate-Limit-Remaining": "0",
        "X-Rate-Limit-Window": "60",
    }
    signal = read_signal(headers, 200)
    assert (signal.group, signal.limit, signal.remaining, signal.window) == ("Auth", 5, 0, 60)
    assert signal.pause() == 60.5  # the window and a margin
    assert read_signal({"X-Rate-Limit-Remaining": "x"}, 200).remaining is None
    assert read_signal({}, 429, retry_after=7.0).pause() == 7.0
    assert read_signal({}, 200).pause() is None


def test_an_unknown_route_sends_one_request_at_a_time(new_budget: BudgetFactory) -> None:
    first, second = new_budget(), new_budget()
    probe = first.reserve(TOKEN, lease=30)
    assert probe.granted and probe.probe
    waiting = second.reserve(TOKEN, lease=30)
    assert not waiting.granted and not waiting.paused and waiting.wait < 0.1
    first.settle(TOKEN, probe, auth(4))
    grants = [second.reserve(TOKEN, lease=30) for _ in range(5)]
    assert [g.granted for g in grants] == [True] * 4 + [False]  # 4 left, 4 in flight
    assert not grants[4].paused
    for grant, left in zip(grants[:3], (3, 2, 1), strict=True):
        first.settle(TOKEN, grant, auth(left))
    assert second.reserve(TOKEN, lease=30).granted is False  # 1 left, and 1 still in flight
    first.settle(TOKEN, grants[3], auth(0))
    paused = second.reserve(TOKEN, lease=30)
    assert not paused.granted and paused.paused
    assert 59.5 <= paused.wait <= 60.5


def test_a_429_pauses_the_group_for_what_it_asks(new_budget: BudgetFactory) -> None:
    budget = new_budget()
    probe = budget.reserve(TOKEN, lease=30)
    budget.settle(TOKEN, probe, auth(3))
    grant = budget.reserve(TOKEN, lease=30)
    budget.settle(TOKEN, grant, read_signal({"X-Rate-Limit-Group": "Auth"}, 429, 2.0))
    paused = new_budget().reserve(TOKEN, lease=30)
    assert paused.paused and 1.5 <= paused.wait <= 2.0


def test_a_429_naming_no_group_pauses_its_route(new_budget: BudgetFactory) -> None:
    budget = new_budget()
    probe = budget.reserve(API, lease=30)
    budget.settle(API, probe, read_signal({}, 429, 3.0))
    paused = new_budget().reserve(API, lease=30)
    assert paused.paused and 2.5 <= paused.wait <= 3.0
    assert new_budget().reserve(TOKEN, lease=30).granted  # other routes go on


def test_a_route_without_a_group_is_not_metered(new_budget: BudgetFactory) -> None:
    budget = new_budget()
    probe = budget.reserve(API, lease=30)
    budget.settle(API, probe, read_signal({}, 200))
    grants = [new_budget().reserve(API, lease=30) for _ in range(50)]
    assert all(g.granted for g in grants)


def test_a_ticket_never_settled_lapses_after_its_lease(new_budget: BudgetFactory) -> None:
    budget = new_budget()
    probe = budget.reserve(TOKEN, lease=30)
    budget.settle(TOKEN, probe, auth(1))
    lost: Grant = budget.reserve(TOKEN, lease=0.2)  # its sender dies before it reports
    assert lost.granted
    assert not new_budget().reserve(TOKEN, lease=30).granted
    deadline = time.monotonic() + 2
    while not new_budget().reserve(TOKEN, lease=30).granted:
        assert time.monotonic() < deadline, "the lost ticket never lapsed"
        time.sleep(0.02)


def test_a_request_that_got_no_response_frees_its_ticket(new_budget: BudgetFactory) -> None:
    budget = new_budget()
    probe = budget.reserve(TOKEN, lease=30)
    budget.settle(TOKEN, probe, auth(1))
    grant = budget.reserve(TOKEN, lease=30)
    assert not budget.reserve(TOKEN, lease=30).granted
    budget.settle(TOKEN, grant, None)
    assert budget.reserve(TOKEN, lease=30).granted
