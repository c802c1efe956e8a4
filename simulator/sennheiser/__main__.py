"""``python -m simulator.sennheiser run EWDX-EM4:4545 CHG70N:4546 [--control-port N] [--live]``.

Runs simulated SSC v1 devices on 127.0.0.1 (or ``--host``) until interrupted,
printing ``MODEL HOST:PORT`` per device; ``--control-port`` serves the same
JSON control API as the Shure simulator.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence
import contextlib
import signal
import sys

from simulator.sennheiser.device import SscDevice, create_ssc_device
from simulator.sennheiser.models import SSC_MODELS


def _spec(text: str) -> tuple[str, int]:
    model, sep, port = text.rpartition(":")
    if not sep:
        model, port = text, "0"
    if not port.isdigit():
        raise argparse.ArgumentTypeError(f"expected MODEL:PORT, got {text!r}")
    if model.upper() not in {m.upper() for m in SSC_MODELS}:
        raise argparse.ArgumentTypeError(f"unknown model {model!r}; known: {', '.join(SSC_MODELS)}")
    return model, int(port)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser."""
    parser = argparse.ArgumentParser(
        prog="python -m simulator.sennheiser",
        description="Fake Sennheiser devices speaking SSC v1 (JSON over UDP).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run devices given as MODEL:PORT (port 0 = ephemeral)")
    run.add_argument("devices", nargs="+", type=_spec, metavar="MODEL:PORT")
    run.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    run.add_argument("--live", action="store_true", help="animate meters and drain batteries")
    run.add_argument("--ssc-tcp", action="store_true", help="also serve SSC v1 over TCP")
    run.add_argument("--control-port", type=int, help="serve the JSON control API on 127.0.0.1:N")
    return parser


async def serve(args: argparse.Namespace) -> int:
    """Run the devices until SIGINT/SIGTERM."""
    from simulator.control import ControlServer  # aiohttp: only needed when serving

    devices: list[SscDevice] = [
        create_ssc_device(
            model, args.host, port, seed=i, live=args.live, name=None, tcp=args.ssc_tcp
        )
        for i, (model, port) in enumerate(args.devices)
    ]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    control: ControlServer | None = None
    started: list[SscDevice] = []
    try:
        for device in devices:
            await device.start()
            started.append(device)
            print(f"{device.model} {device.host}:{device.port}", flush=True)
        if args.control_port is not None:
            control = ControlServer(devices, args.control_port)
            await control.start()
            print(f"control {control.url}", flush=True)
        await stop.wait()
    finally:
        if control is not None:
            await control.stop()
        for device in started:
            await device.stop()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point."""
    args = build_parser().parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        return asyncio.run(serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
