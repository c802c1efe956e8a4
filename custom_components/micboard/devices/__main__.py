"""Read a receiver from the command line.

``python -m custom_components.micboard.devices HOST[:PORT] [--watch SECONDS]``
connects, prints what the receiver reports in human units as JSON, and with
``--watch`` keeps printing every change for that long.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from .exceptions import DeviceError
from .models import Update
from .shure import DEFAULT_PORT, ShureReceiver


async def _read(host: str, port: int, watch: float) -> int:
    receiver = ShureReceiver(host, port)
    try:
        await receiver.connect()
    except DeviceError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    try:
        print(json.dumps(receiver.state.as_dict(), indent=2))
        if watch > 0:

            def show(update: Update) -> None:
                state = receiver.state
                source = state if update.channel is None else state.channel(update.channel)
                values = {name: getattr(source, name, None) for name in sorted(update.fields)}
                print(json.dumps({"channel": update.channel, **values}, default=str), flush=True)

            unsubscribe = receiver.subscribe(show)
            await asyncio.sleep(watch)
            unsubscribe()
    finally:
        await receiver.disconnect()
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse arguments and read the receiver."""
    parser = argparse.ArgumentParser(
        prog="python -m custom_components.micboard.devices", description=__doc__.splitlines()[0]
    )
    parser.add_argument("address", help="HOST or HOST:PORT (default port 2202)")
    parser.add_argument("--watch", type=float, default=0, help="print changes for SECONDS")
    args = parser.parse_args(argv)
    host, _, port = args.address.rpartition(":") if ":" in args.address else (args.address, "", "")
    return asyncio.run(_read(host or args.address, int(port or DEFAULT_PORT), args.watch))


if __name__ == "__main__":
    sys.exit(main())
