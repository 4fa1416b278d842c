"""Periodic work that one server process at a time should do (the standby tick, mail retries).

Without Redis there is one process and nothing to share. With ``MATCHMAKING_REDIS_URL``
every web process runs the same loops, so each round first takes a short lease in Redis
(``SET NX EX``): the process that gets it does the round, the others skip it, and when that
process stops another one takes over within one period.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def leased(app, name: str, setting: str, default: float, job: Callable[[Any], None]) -> Callable[[Any], None]:
    """``job(store)`` run only by the process holding the lease ``name`` for this round."""
    url = app.config.get("REDIS_URL")
    if not url:
        return job
    from redis import Redis

    conn = Redis.from_url(url)
    ttl = max(1, int(float(app.config.get(setting, default))) - 1)  # ends before the next round

    def one_process(store) -> None:
        if conn.set(f"entente:lease:{name}", "1", nx=True, ex=ttl):
            job(store)

    return one_process
