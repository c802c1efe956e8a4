"""A simulated venue and a real Home Assistant for browser tests.

Reuses ``scripts/demo.py`` (configuration, onboarding, login, adding the
receivers through the config flow) with a temporary configuration folder and
free ports, so it never touches ``demo/config`` nor a running demo.  Everything
listens on 127.0.0.1 only; the simulator announces nothing (no SLP target).

Run it by hand to work on the card against a live stack::

    .venv/bin/python -m tests.e2e.harness      # prints the URL; Ctrl-C stops
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import contextlib
from dataclasses import dataclass, field
import os
from pathlib import Path
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from typing import Any

import aiohttp

from scripts import demo

ROOT = demo.ROOT
HOST = "127.0.0.1"
VENUE_SIZE = 6  # receivers in ``python -m simulator venue``
METER_RATE_MS = 1000  # the integration's fastest (and default) metering interval


def _free(port: int, kind: int) -> bool:
    with socket.socket(socket.AF_INET, kind) as sock:
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def free_port_block(count: int) -> int:
    """First of ``count`` consecutive ports free for TCP and UDP (UHF-R is UDP)."""
    rng = random.Random()
    for _ in range(200):
        base = rng.randrange(20000, 60000 - count)
        if all(
            _free(port, socket.SOCK_STREAM) and _free(port, socket.SOCK_DGRAM)
            for port in range(base, base + count)
        ):
            return base
    raise RuntimeError(f"no block of {count} free ports on {HOST}")


@dataclass
class Stack:
    """The running processes and what the tests need to reach them."""

    config: Path
    base: str
    control: str
    token: str = ""
    receivers: list[dict[str, Any]] = field(default_factory=list)
    entry_ids: list[str] = field(default_factory=list)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def ws_url(self) -> str:
        """Home Assistant's websocket API."""
        return self.base.replace("http://", "ws://") + "/api/websocket"

    def log_tail(self, lines: int = 60) -> str:
        """The end of Home Assistant's log, for failure messages."""
        path = self.config / "home-assistant.log"
        if not path.exists():
            return "(no home-assistant.log)"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def prepare_config(config: Path, port: int) -> None:
    """``demo.prepare_config`` into ``config`` instead of ``demo/config``."""
    saved = demo.CONFIG
    demo.CONFIG = config
    try:
        demo.prepare_config(port)
    finally:
        demo.CONFIG = saved


async def ws_command(stack: Stack, message: dict[str, Any]) -> Any:
    """Send one websocket command with the stack's token; return its result."""
    async with aiohttp.ClientSession() as session, session.ws_connect(stack.ws_url) as ws:
        await ws.receive_json()  # auth_required
        await ws.send_json({"type": "auth", "access_token": stack.token})
        auth = await ws.receive_json()
        if auth.get("type") != "auth_ok":
            raise RuntimeError(f"websocket auth failed: {auth}")
        await ws.send_json({"id": 1, **message})
        while True:
            reply = await ws.receive_json()
            if reply.get("id") == 1 and reply.get("type") == "result":
                if not reply.get("success"):
                    raise RuntimeError(f"{message['type']} failed: {reply.get('error')}")
                return reply.get("result")


async def confirm_http_config(stack: Stack) -> None:
    """Confirm the HTTP settings (port) read from configuration.yaml.

    Home Assistant 2026.10 treats a new HTTP configuration as a trial: unless
    it is confirmed within five minutes it reverts to the stored one and
    restarts, which would end a long manual session on the harness.
    """
    with contextlib.suppress(RuntimeError):  # nothing pending: already stable
        await ws_command(stack, {"type": "http/config/promote"})


async def _config_entries(session: aiohttp.ClientSession, stack: Stack) -> list[dict[str, Any]]:
    async with session.get(
        f"{stack.base}/api/config/config_entries/entry",
        params={"domain": "micboard"},
        headers={"Authorization": f"Bearer {stack.token}"},
    ) as response:
        response.raise_for_status()
        entries: list[dict[str, Any]] = await response.json()
    return [entry for entry in entries if entry.get("domain") == "micboard"]


async def enable_metering(session: aiohttp.ClientSession, stack: Stack, entry_id: str) -> None:
    """Turn live metering on through the integration's options flow."""
    headers = {"Authorization": f"Bearer {stack.token}"}
    async with session.post(
        f"{stack.base}/api/config/config_entries/options/flow",
        json={"handler": entry_id, "show_advanced_options": False},
        headers=headers,
    ) as response:
        response.raise_for_status()
        flow = await response.json()
    async with session.post(
        f"{stack.base}/api/config/config_entries/options/flow/{flow['flow_id']}",
        json={"metering": True, "meter_rate": METER_RATE_MS, "audio_levels": True},
        headers=headers,
    ) as response:
        response.raise_for_status()
        result = await response.json()
    if result.get("type") != "create_entry":
        raise RuntimeError(f"metering options for {entry_id}: {result}")


async def wait_loaded(session: aiohttp.ClientSession, stack: Stack, seconds: float) -> None:
    """Wait until every Micboard entry is loaded (after the options reload)."""
    deadline = time.monotonic() + seconds
    while True:
        entries = await _config_entries(session, stack)
        states = {entry["title"]: entry["state"] for entry in entries}
        if entries and all(state == "loaded" for state in states.values()):
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"Micboard entries not loaded: {states}")
        await asyncio.sleep(0.25)


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@contextlib.asynccontextmanager
async def running_stack(config: Path, *, metering: bool = True) -> AsyncIterator[Stack]:
    """Start the venue and Home Assistant, set everything up, stop both after."""
    port = free_port()
    base_port = free_port_block(VENUE_SIZE)
    control_port = free_port()
    stack = Stack(
        config=config, base=f"http://{HOST}:{port}", control=f"http://{HOST}:{control_port}"
    )
    prepare_config(config, port)
    env = {
        **os.environ,
        # Discovery listens on loopback only, on a port nobody announces to.
        "MICBOARD_SLP_BIND": f"{HOST}:0",
        "MICBOARD_SLP_MULTICAST": "0",
        "PYTHONPATH": str(ROOT),
    }
    logs = config / "logs"
    logs.mkdir(exist_ok=True)
    try:
        with (logs / "simulator.log").open("wb") as sim_log:
            stack.processes.append(
                subprocess.Popen(  # noqa: ASYNC220 - long-lived child of our own
                    [
                        *(demo.PYTHON, "-m", "simulator", "venue"),
                        *("--base-port", str(base_port), "--live"),
                        *("--control-port", str(control_port)),
                    ],
                    cwd=ROOT,
                    env=env,
                    stdout=sim_log,
                    stderr=subprocess.STDOUT,
                )
            )
        with (logs / "homeassistant.out").open("wb") as ha_out:
            # Home Assistant first in the list: it stops first, disconnecting cleanly.
            stack.processes.insert(
                0,
                subprocess.Popen(  # noqa: ASYNC220 - long-lived child of our own
                    [demo.PYTHON, "-m", "homeassistant", "-c", str(config), "--skip-pip"],
                    cwd=ROOT,
                    env=env,
                    stdout=ha_out,
                    stderr=subprocess.STDOUT,
                ),
            )
        async with aiohttp.ClientSession() as session:
            await demo.wait_http(session, f"{stack.control}/receivers", 30)
            async with session.get(f"{stack.control}/receivers") as response:
                stack.receivers = (await response.json())["receivers"]
            await demo.wait_http(session, f"{stack.base}/api/onboarding", 120)
            stack.token = await demo.onboard_or_login(session, stack.base)
            await confirm_http_config(stack)
            await demo.add_receivers(session, stack.base, stack.token, stack.receivers)
            entries = await _config_entries(session, stack)
            stack.entry_ids = [entry["entry_id"] for entry in entries]
            if len(entries) != len(stack.receivers):
                raise RuntimeError(
                    f"{len(entries)} Micboard entries for {len(stack.receivers)} receivers"
                )
            if metering:
                for entry_id in stack.entry_ids:
                    await enable_metering(session, stack, entry_id)
            await wait_loaded(session, stack, 30)
        yield stack
    finally:
        _stop(stack.processes)


async def _serve() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    with tempfile.TemporaryDirectory(prefix="micboard-e2e-") as tmp:
        async with running_stack(Path(tmp)) as stack:
            await ws_command(
                stack,
                {
                    "type": "lovelace/config/save",
                    "config": {
                        "title": "Micboard",
                        "views": [
                            {
                                "title": "Micboard",
                                "type": "panel",
                                "cards": [{"type": "custom:micboard-card", "title": "Venue"}],
                            }
                        ],
                    },
                },
            )
            print(
                f"\n  Home Assistant: {stack.base}  ({demo.USERNAME} / {demo.PASSWORD})\n"
                f"  Simulator API:  {stack.control}\n  Config:         {stack.config}\n",
                flush=True,
            )
            await stop.wait()


if __name__ == "__main__":
    asyncio.run(_serve())
    sys.exit(0)
