"""Run the demo: a simulated venue and a real Home Assistant with Micboard.

Started by ``./scripts/demo``.  Everything listens on 127.0.0.1 only (see
``scripts/stack.py``): the simulated venue with moving meters, Home Assistant
from ``demo/config`` (git-ignored), onboarded, with every receiver added
through the Micboard config flow, live metering on, and the default
dashboard showing the Micboard card.  Prints the URL and login; Ctrl-C stops both.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from pathlib import Path
import signal
import sys

import aiohttp

from scripts.stack import (
    PASSWORD,
    ROOT,
    USERNAME,
    log,
    running_stack,
    save_dashboard,
    stage_venue,
)

CONFIG = ROOT / "demo" / "config"
SLP_PORT = 18427


async def run(args: argparse.Namespace) -> int:
    """Start everything, then wait for Ctrl-C."""
    log("starting the simulated venue and Home Assistant (first start takes a minute)")
    async with running_stack(
        args.config,
        port=args.port,
        base_port=args.base_port,
        control_port=args.control_port,
        slp_port=SLP_PORT,
        metering=True,
    ) as stack:
        async with aiohttp.ClientSession() as session:
            await stage_venue(session, stack)
        # The default dashboard: Home Assistant opens on the board.
        board = await save_dashboard(
            stack, {"type": "custom:micboard-card", "title": "Venue"}, url_path=None
        )
        print(
            "\n"
            f"  Home Assistant: {stack.base}{board}\n"
            f"  Login:          {USERNAME} / {PASSWORD}\n"
            f"  Simulator API:  {stack.control}"
            f"  (python -m simulator ctl --control {stack.control} list)\n"
            f"  Logs:           {stack.config}/home-assistant.log, {stack.config}/logs/\n"
            "  Ctrl-C stops everything.\n",
            flush=True,
        )
        if args.exit_after_setup:
            return 0
        while all(process.poll() is None for process in stack.processes):  # noqa: ASYNC110
            await asyncio.sleep(1)
        log("a child process ended; stopping")
        return 1


async def main_async(args: argparse.Namespace) -> int:
    """Run until done or until Ctrl-C/SIGTERM (also during setup)."""
    task = asyncio.current_task()
    assert task is not None
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, task.cancel)
    try:
        return await run(args)
    except asyncio.CancelledError:
        return 0
    finally:
        log("stopped")


def main() -> int:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8123, help="Home Assistant's HTTP port")
    parser.add_argument("--base-port", type=int, default=22020, help="first receiver's port")
    parser.add_argument("--control-port", type=int, default=22099, help="simulator control API")
    parser.add_argument("--config", type=Path, default=CONFIG, help="Home Assistant config folder")
    parser.add_argument(
        "--exit-after-setup", action="store_true", help="stop once everything is configured"
    )
    with contextlib.suppress(KeyboardInterrupt):
        return asyncio.run(main_async(parser.parse_args()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
