"""Shared helpers for the SSC v1 client tests (loopback sockets, no Home Assistant)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import json
from typing import Any

from custom_components.micboard.devices.sennheiser.ssc1 import Timing

LOCALHOST = "127.0.0.1"

#: Fast timing: renewals every 0.2 s, link loss after 1.5 s of silence.
FAST = Timing(
    request_timeout=0.3,
    request_attempts=2,
    lifetime=1.0,
    renew_after=0.2,
    keepalive_interval=0.3,
    dead_after=1.5,
    reconnect_min=0.05,
    reconnect_max=0.3,
)


async def eventually(
    predicate: Callable[[], object], timeout: float = 3.0, what: str = "condition"
) -> None:
    """Poll ``predicate`` until it is true; fail after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.01)


def dumps(message: dict[str, Any]) -> bytes:
    return json.dumps(message, separators=(",", ":")).encode()
