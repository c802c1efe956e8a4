"""Run the demo: a simulated venue and a real Home Assistant with Micboard.

Started by ``./scripts/demo``.  Everything listens on 127.0.0.1 only (see
``scripts/stack.py``): the simulated venue with moving meters, Home Assistant
from ``demo/config`` (git-ignored), onboarded, with every receiver added
through the Micboard config flow, live metering on, and the Micboard board as
the dashboard Home Assistant opens on.  Prints the address and the login;
Ctrl-C stops both.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from pathlib import Path
import signal
import sys

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "demo" / "config"
PORT = 8123
BASE_PORT = 22020
CONTROL_PORT = 22099
SLP_PORT = 18427
#: The line that carries the address (tests read it from the demo's output).
ADDRESS_LABEL = "Home Assistant:"


async def run(args: argparse.Namespace) -> int:
    """Start everything, then wait for Ctrl-C."""
    # Imported here: ``--help`` needs nothing but the standard library.
    from scripts.stack import (
        PASSWORD,
        USERNAME,
        assign_performers,
        create_persons,
        demo_groups,
        log,
        running_stack,
        save_dashboard,
        venue_slots,
    )

    log("starting the simulated venue and Home Assistant (first start takes a minute)")
    async with running_stack(
        args.config,
        port=args.port,
        base_port=args.base_port,
        control_port=args.control_port,
        slp_port=args.slp_port,
        metering=True,
    ) as stack:
        assigned = await assign_performers(stack)
        log(f"assigned {assigned} performers")
        await create_persons(stack)
        groups = await demo_groups(stack)
        card = {"type": "custom:micboard-card", "title": "Venue", "groups": groups}
        # The TV view: the whole screen, no header or sidebar; the stage's
        # receivers and charger, and a spare in-ear pack without a network
        # port as an offline slot.
        tv = {
            **card,
            "filter": "list",
            "slots": await venue_slots(stack),
            "size": "tv",
            "kiosk": True,
            "show_end": "22:00",
            "offline": [{"id": "PSM9", "name": "Spare IEM"}],
        }
        board = await save_dashboard(
            stack,
            card,
            extra_views=[{"title": "TV", "path": "tv", "type": "panel", "cards": [tv]}],
        )
        log(f"the board ({board}) is the default dashboard")
        print(
            "\n"
            f"  {ADDRESS_LABEL} {stack.base}/  (opens on the board)\n"
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
        print("demo: stopped", flush=True)


def build_parser() -> argparse.ArgumentParser:
    """The command line (standard library only, so ``--help`` is instant)."""
    parser = argparse.ArgumentParser(
        prog="scripts/demo",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        description=(
            "Start a simulated venue of six Shure receivers, a Sennheiser EW-DX EM 4 and a "
            "CHG 70N charger, an EW-DX EM 2 in secure mode, a Spectera base station and a "
            "Shure System API server, and a real Home Assistant "
            "with Micboard, all on 127.0.0.1, and open it on the Micboard board. "
            "The first run sets up Python and Home Assistant in .venv (a few minutes)."
        ),
    )
    parser.add_argument("--port", type=int, default=PORT, help="Home Assistant's HTTP port")
    parser.add_argument(
        "--base-port", type=int, default=BASE_PORT, help="first receiver's port (ten in a row)"
    )
    parser.add_argument(
        "--control-port", type=int, default=CONTROL_PORT, help="simulator control API"
    )
    parser.add_argument(
        "--slp-port",
        type=int,
        default=SLP_PORT,
        help="UDP port the receivers announce themselves to (0: no announcements)",
    )
    parser.add_argument("--config", type=Path, default=CONFIG, help="Home Assistant config folder")
    parser.add_argument(
        "--exit-after-setup", action="store_true", help="stop once everything is configured"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse arguments and run."""
    args = build_parser().parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        return asyncio.run(main_async(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
