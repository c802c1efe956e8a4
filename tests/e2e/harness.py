"""The demo's stack on free ports in a temporary folder, for browser tests.

Everything comes from ``scripts/stack.py``: it never touches ``demo/config``
nor a running demo, listens on 127.0.0.1 only and announces nothing.

Run it by hand to work on the card against a live stack::

    .venv/bin/python -m tests.e2e.harness      # prints the URL; Ctrl-C stops
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import contextlib
from pathlib import Path
import signal
import sys
import tempfile

from scripts.stack import (
    PASSWORD,
    ROOT,
    USERNAME,
    VENUE_SIZE,
    Stack,
    free_port,
    free_port_block,
    running_stack as _running_stack,
    save_dashboard,
)

__all__ = ["ROOT", "Stack", "running_stack", "save_dashboard"]


@contextlib.asynccontextmanager
async def running_stack(config: Path, *, metering: bool = True) -> AsyncIterator[Stack]:
    """The stack on free ports, configured in ``config``."""
    async with _running_stack(
        config,
        port=free_port(),
        base_port=free_port_block(VENUE_SIZE),
        control_port=free_port(),
        metering=metering,
    ) as stack:
        yield stack


async def _serve() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    with tempfile.TemporaryDirectory(prefix="micboard-e2e-") as tmp:
        async with running_stack(Path(tmp)) as stack:
            board = await save_dashboard(stack, {"type": "custom:micboard-card", "title": "Venue"})
            print(
                f"\n  Home Assistant: {stack.base}{board}  ({USERNAME} / {PASSWORD})\n"
                f"  Simulator API:  {stack.control}\n  Config:         {stack.config}\n",
                flush=True,
            )
            await stop.wait()


if __name__ == "__main__":
    asyncio.run(_serve())
    sys.exit(0)
