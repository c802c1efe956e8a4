"""Shared helpers for the SSCv2 client tests (loopback HTTPS, no Home Assistant)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from custom_components.micboard.devices.sennheiser.ssc2 import Timing

LOCALHOST = "127.0.0.1"

#: Fast timing: heartbeat after 0.3 s of silence, link loss after 1.2 s.
FAST = Timing(
    request_timeout=0.5,
    probe_after=0.3,
    dead_after=1.2,
    open_timeout=0.5,
    reconnect_min=0.05,
    reconnect_max=0.3,
    problem_retry=0.3,
)


async def eventually(
    predicate: Callable[[], object], timeout: float = 5.0, what: str = "condition"
) -> None:
    """Poll ``predicate`` until it is true; fail after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.01)
