"""Run the demo: a simulated venue and a real Home Assistant with Micboard.

Started by ``./scripts/demo``.  Everything listens on 127.0.0.1 only:

1. the simulator runs one receiver of each family (``python -m simulator
   venue``) with moving meters, announcing itself to Home Assistant's
   discovery listener over loopback;
2. Home Assistant runs from ``demo/config`` (git-ignored) with a minimal
   configuration (no integration that talks to the outside world);
3. onboarding is completed through Home Assistant's own API and every
   receiver is added through the Micboard config flow;
4. the URL and login are printed; Ctrl-C stops both processes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
from pathlib import Path
import shutil
import signal
import subprocess
import sys
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "demo" / "config"
PYTHON = sys.executable
USERNAME = "demo"
PASSWORD = "micboard-demo"  # noqa: S105 - a local demo's documented login
CLIENT_ID = "http://127.0.0.1/"
SLP_PORT = 18427

CONFIGURATION = """\
# Written by scripts/demo: a minimal Home Assistant for the Micboard demo.
homeassistant:
  name: Micboard demo
  unit_system: metric
  time_zone: UTC
  country: US
  currency: USD
  latitude: 0
  longitude: 0
  elevation: 0

http:
  server_host: 127.0.0.1
  server_port: {port}

frontend:
config:
history:
logbook:
recorder:
  purge_keep_days: 1

logger:
  default: warning
  logs:
    custom_components.micboard: info
"""


def log(message: str) -> None:
    """Progress line."""
    print(f"demo: {message}", flush=True)


ONBOARDING = {
    "version": 4,
    "minor_version": 1,
    "key": "onboarding",
    # Only the owner account is created through the API: the core-config step
    # would start integrations that reach out to the internet.
    "data": {"done": ["core_config", "analytics", "integration"]},
}


def prepare_config(port: int) -> None:
    """Write the configuration and link the integration into it."""
    CONFIG.mkdir(parents=True, exist_ok=True)
    storage = CONFIG / ".storage"
    storage.mkdir(exist_ok=True)
    if not (storage / "onboarding").exists():
        (storage / "onboarding").write_text(json.dumps(ONBOARDING))
    (CONFIG / "configuration.yaml").write_text(CONFIGURATION.format(port=port))
    custom = CONFIG / "custom_components"
    custom.mkdir(exist_ok=True)
    link = custom / "micboard"
    if link.is_symlink() or link.exists():
        if link.is_symlink() and link.resolve() == (ROOT / "custom_components" / "micboard"):
            return
        if link.is_symlink():
            link.unlink()
        else:
            shutil.rmtree(link)
    link.symlink_to(ROOT / "custom_components" / "micboard", target_is_directory=True)


async def wait_http(session: aiohttp.ClientSession, url: str, seconds: float) -> None:
    """Wait until ``url`` answers at all."""
    async with asyncio.timeout(seconds):
        while True:
            with contextlib.suppress(aiohttp.ClientError):
                async with session.get(url) as response:
                    if response.status < 500:
                        return
            await asyncio.sleep(0.5)


async def token_from_code(session: aiohttp.ClientSession, base: str, code: str) -> str:
    """Exchange an authorization code for an access token."""
    async with session.post(
        f"{base}/auth/token",
        data={"grant_type": "authorization_code", "code": code, "client_id": CLIENT_ID},
    ) as response:
        response.raise_for_status()
        return str((await response.json())["access_token"])


async def onboard_or_login(session: aiohttp.ClientSession, base: str) -> str:
    """Finish onboarding the first time; log in afterwards. Returns a token."""
    async with session.get(f"{base}/api/onboarding") as response:
        steps = {step["step"]: step["done"] for step in await response.json()}
    if not steps.get("user", True):
        log("onboarding: creating the owner account")
        async with session.post(
            f"{base}/api/onboarding/users",
            json={
                "client_id": CLIENT_ID,
                "name": "Demo",
                "username": USERNAME,
                "password": PASSWORD,
                "language": "en",
            },
        ) as response:
            response.raise_for_status()
            token = await token_from_code(session, base, (await response.json())["auth_code"])
    else:
        token = await login(session, base)
    return token


async def login(session: aiohttp.ClientSession, base: str) -> str:
    """Log in with the demo account through the login flow."""
    async with session.post(
        f"{base}/auth/login_flow",
        json={
            "client_id": CLIENT_ID,
            "handler": ["homeassistant", None],
            "redirect_uri": CLIENT_ID,
        },
    ) as response:
        flow = await response.json()
    async with session.post(
        f"{base}/auth/login_flow/{flow['flow_id']}",
        json={"client_id": CLIENT_ID, "username": USERNAME, "password": PASSWORD},
    ) as response:
        result = await response.json()
    if result.get("type") != "create_entry":
        raise RuntimeError(f"cannot log in as {USERNAME}: {result}")
    return await token_from_code(session, base, result["result"])


async def add_receivers(
    session: aiohttp.ClientSession, base: str, token: str, receivers: list[dict[str, Any]]
) -> None:
    """Add every simulated receiver that is not configured yet, via the config flow."""
    headers = {"Authorization": f"Bearer {token}"}
    for receiver in receivers:
        port = receiver["port"]
        async with session.post(
            f"{base}/api/config/config_entries/flow",
            json={"handler": "micboard", "show_advanced_options": False},
            headers=headers,
        ) as response:
            flow = await response.json()
        async with session.post(
            f"{base}/api/config/config_entries/flow/{flow['flow_id']}",
            json={"host": "127.0.0.1", "port": port},
            headers=headers,
        ) as response:
            result = await response.json()
        outcome = result.get("type")
        if outcome == "create_entry":
            log(f"added {receiver['model']} on port {port} as {result['title']!r}")
        elif result.get("reason") == "already_configured":
            log(f"{receiver['model']} on port {port} is already configured")
        else:
            log(f"could not add {receiver['model']} on port {port}: {json.dumps(result)}")


async def run(args: argparse.Namespace) -> int:
    """Start everything, then wait for Ctrl-C."""
    prepare_config(args.port)
    base = f"http://127.0.0.1:{args.port}"
    control = f"http://127.0.0.1:{args.control_port}"
    env = {
        **os.environ,
        "MICBOARD_SLP_BIND": f"127.0.0.1:{SLP_PORT}",
        "MICBOARD_SLP_MULTICAST": "0",
        "PYTHONPATH": str(ROOT),
    }
    log("starting the simulated venue")
    simulator = subprocess.Popen(  # noqa: ASYNC220, S603 - long-lived child of our own
        [
            PYTHON,
            "-m",
            "simulator",
            "venue",
            "--base-port",
            str(args.base_port),
            "--live",
            "--control-port",
            str(args.control_port),
            "--slp-target",
            f"127.0.0.1:{SLP_PORT}",
        ],
        cwd=ROOT,
        env=env,
    )
    log(f"starting Home Assistant ({CONFIG.relative_to(ROOT)})")
    hass = subprocess.Popen(  # noqa: ASYNC220, S603 - long-lived child of our own
        [PYTHON, "-m", "homeassistant", "-c", str(CONFIG), "--skip-pip"],
        cwd=ROOT,
        env=env,
        # Home Assistant writes its own log file; keep the terminal for the demo.
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        async with aiohttp.ClientSession() as session:
            await wait_http(session, f"{control}/receivers", 30)
            async with session.get(f"{control}/receivers") as response:
                receivers = (await response.json())["receivers"]
            await wait_http(session, f"{base}/api/onboarding", 300)
            token = await onboard_or_login(session, base)
            await add_receivers(session, base, token, receivers)
        print(
            "\n"
            f"  Home Assistant: {base}\n"
            f"  Login:          {USERNAME} / {PASSWORD}\n"
            f"  Simulator API:  {control}  (python -m simulator ctl --control {control} list)\n"
            f"  Log:            {CONFIG.relative_to(ROOT)}/home-assistant.log\n"
            "  Ctrl-C stops everything.\n",
            flush=True,
        )
        if args.exit_after_setup:
            return 0
        while not stop.is_set():
            if hass.poll() is not None or simulator.poll() is not None:
                log("a child process ended; stopping")
                return 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 1)
        return 0
    finally:
        # Home Assistant first, so it disconnects cleanly from the receivers.
        for process in (hass, simulator):
            if process.poll() is None:
                process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        log("stopped")


def main() -> int:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8123, help="Home Assistant's HTTP port")
    parser.add_argument("--base-port", type=int, default=22020, help="first receiver's port")
    parser.add_argument("--control-port", type=int, default=22099, help="simulator control API")
    parser.add_argument(
        "--exit-after-setup", action="store_true", help="stop once everything is configured"
    )
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
