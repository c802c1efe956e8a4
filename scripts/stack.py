"""A simulated venue and a real Home Assistant with Micboard, set up end to end.

Shared by ``scripts/demo.py`` (``demo/config``, fixed ports unless told
otherwise) and the stack-level tests.  Everything listens on 127.0.0.1 only:

1. the simulator runs the named demo venue, one receiver of each Shure family,
   an EW-DX EM 4 and a CHG 70N, an EW-DX EM 2 in secure mode and a Spectera
   base station (SSCv2 over HTTPS), and a Shure System API server
   (``python -m simulator venue --live --secure --system-api-port 0``, names
   from ``simulator/venue.py``);
2. Home Assistant runs from the given folder with an explicit list of the
   integrations the board needs (no ``default_config``, nothing that reaches
   out to the internet);
3. onboarding is completed through Home Assistant's own API, the HTTP
   settings are confirmed, and every receiver is added through the Micboard
   config flow (optionally with live metering), Sennheiser SSC v1 devices
   included; HTTPS devices go through the certificate and credentials steps,
   where the fingerprint Home Assistant shows must be the one the simulator
   printed;
4. the board is created through Home Assistant's websocket API — a storage
   dashboard in the sidebar holding the Micboard card, made the default
   panel, so the running Home Assistant opens on it without a restart.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import contextlib
from dataclasses import dataclass, field
import json
import os
from pathlib import Path
import random
import shutil
import socket
import subprocess
import sys
import time
from typing import Any
from urllib.parse import quote

import aiohttp

from simulator.venue import DEMO_PERFORMERS, DEMO_VENUE, SECURE_VENUE_MODELS, VENUE_MODELS

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
HOST = "127.0.0.1"
USERNAME = "demo"
PASSWORD = "micboard-demo"  # noqa: S105 - a local demo's documented login
CLIENT_ID = "http://127.0.0.1/"
SSC2_MANUFACTURER = "sennheiser_ssc2"
SYSTEM_API_MANUFACTURER = "shure_system_api"
#: Devices on consecutive ports in ``python -m simulator venue --secure``.
VENUE_SIZE = len(VENUE_MODELS) + len(SECURE_VENUE_MODELS)
#: Printed (after ``demo: ``) for each SSC v1 device the config flow does not take.
METER_RATE_MS = 1000  # the integration's fastest (and default) metering interval
DASHBOARD = "micboard-board"  # a dashboard URL needs a hyphen
BOARD_VIEW = "board"

# Home Assistant also sets up its built-in defaults (frontend, automation,
# person, the base platforms …, see homeassistant.bootstrap); these are what
# the board adds: the config panel, the card's history, the logbook entries
# of the alerts.
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
    # A requirement Home Assistant has to install at run time shows here
    # (./scripts/setup --demo installs them all beforehand).
    homeassistant.util.package: info
"""


ONBOARDING = {
    "version": 4,
    "minor_version": 1,
    "key": "onboarding",
    # Only the owner account is created through the API: the core-config step
    # would start integrations that reach out to the internet.
    "data": {"done": ["core_config", "analytics", "integration"]},
}


def http_settings(port: int) -> dict[str, Any]:
    """Home Assistant's stored HTTP settings: 127.0.0.1 only, on ``port``."""
    return {
        "version": 2,
        "minor_version": 2,
        "key": "http",
        "data": {
            "stable": {
                "server_port": port,
                "server_host": [HOST],
                "cors_allowed_origins": [],
                "login_attempts_threshold": -1,
                "ip_ban_enabled": True,
                "ssl_profile": "modern",
                "use_x_frame_options": True,
                "created_at": "2026-01-01T00:00:00+00:00",
                "error": None,
                "error_message": None,
            },
            "pending": None,
            "yaml_migration_done": True,
        },
    }


def log(message: str) -> None:
    """Progress line."""
    print(f"demo: {message}", flush=True)


def prepare_config(config: Path, port: int) -> None:
    """Write the configuration into ``config`` and link the integration into it."""
    config.mkdir(parents=True, exist_ok=True)
    storage = config / ".storage"
    storage.mkdir(exist_ok=True)
    if not (storage / "onboarding").exists():
        (storage / "onboarding").write_text(json.dumps(ONBOARDING))
    # Home Assistant keeps its HTTP settings in storage (YAML for them is
    # deprecated): listen on 127.0.0.1 at the port given here.
    (storage / "http").write_text(json.dumps(http_settings(port)))
    (config / "configuration.yaml").write_text(CONFIGURATION.format(port=port))
    custom = config / "custom_components"
    custom.mkdir(exist_ok=True)
    link = custom / "micboard"
    target = ROOT / "custom_components" / "micboard"
    if link.is_symlink() and link.resolve() == target:
        return
    if link.is_symlink():
        link.unlink()
    elif link.exists():
        shutil.rmtree(link)
    link.symlink_to(target, target_is_directory=True)


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
        # Once onboarding is complete the onboarding API is gone (404).
        onboarded = response.status == 404
        steps = {} if onboarded else {s["step"]: s["done"] for s in await response.json()}
    if not onboarded and not steps.get("user", True):
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
    """Add every simulated device that is not configured yet, via the config flow.

    Shure receivers and Sennheiser SSC v1 devices go through the same user
    step (address and port; the manufacturer is detected).  A device the flow
    does not take stops the demo with what the flow answered.
    """
    headers = {"Authorization": f"Bearer {token}"}
    for receiver in receivers:
        port = receiver["port"]
        async with session.post(
            f"{base}/api/config/config_entries/flow",
            json={"handler": "micboard", "show_advanced_options": False},
            headers=headers,
        ) as response:
            flow = await response.json()
        address: dict[str, Any] = {"host": HOST, "port": port}
        if receiver.get("transport") == "https":
            address["manufacturer"] = SSC2_MANUFACTURER
        elif "api_key" in receiver:
            address["manufacturer"] = SYSTEM_API_MANUFACTURER
        async with session.post(
            f"{base}/api/config/config_entries/flow/{flow['flow_id']}",
            json=address,
            headers=headers,
        ) as response:
            result = await response.json()
        if "manufacturer" in address and result.get("step_id") == "certificate":
            result = await _trust_and_log_in(session, base, headers, receiver, result)
        if result.get("type") == "create_entry":
            log(f"added {receiver['model']} on port {port} as {result['title']!r}")
        elif result.get("reason") == "already_configured":
            log(f"{receiver['model']} on port {port} is already configured")
        else:
            raise RuntimeError(
                f"could not add the {receiver['model']} on port {port}: {json.dumps(result)}"
            )


async def _trust_and_log_in(
    session: aiohttp.ClientSession,
    base: str,
    headers: dict[str, str],
    device: dict[str, Any],
    result: dict[str, Any],
) -> dict[str, Any]:
    """Accept the certificate the simulator printed, then give the password or API key."""
    shown = result.get("description_placeholders", {}).get("fingerprint")
    if shown != device["fingerprint"]:
        raise RuntimeError(
            f"{device['model']} on port {device['port']}: Home Assistant shows certificate "
            f"{shown}, the simulator printed {device['fingerprint']}"
        )
    url = f"{base}/api/config/config_entries/flow/{result['flow_id']}"
    async with session.post(url, json={}, headers=headers) as response:
        result = await response.json()
    secret = (
        {"api_key": device["api_key"]}
        if "api_key" in device
        else {"username": device["username"], "password": device["password"]}
    )
    async with session.post(url, json=secret, headers=headers) as response:
        answer: dict[str, Any] = await response.json()
    return answer


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


def free_udp_port() -> int:
    """A UDP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def free_port_block(count: int) -> int:
    """First of ``count`` consecutive ports free for TCP and UDP (UHF-R is UDP)."""
    rng = random.Random()
    for _ in range(200):
        # Below Linux's ephemeral range, so no outgoing connection takes one meanwhile.
        base = rng.randrange(20000, 32000 - count)
        if all(
            _free(port, socket.SOCK_STREAM) and _free(port, socket.SOCK_DGRAM)
            for port in range(base, base + count)
        ):
            return base
    raise RuntimeError(f"no block of {count} free ports on {HOST}")


@dataclass
class Stack:
    """The running processes and what callers need to reach them."""

    config: Path
    base: str
    control: str
    token: str = ""
    #: Simulated devices, then System API servers (as the control API lists them).
    receivers: list[dict[str, Any]] = field(default_factory=list)
    entry_ids: list[str] = field(default_factory=list)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def ws_url(self) -> str:
        """Home Assistant's websocket API."""
        return self.base.replace("http://", "ws://") + "/api/websocket"

    @property
    def configured(self) -> list[dict[str, Any]]:
        """The simulated devices Home Assistant has an entry for (all of them)."""
        return list(self.receivers)

    def log_tail(self, lines: int = 60) -> str:
        """The end of Home Assistant's log, for failure messages."""
        path = self.config / "home-assistant.log"
        if not path.exists():
            return "(no home-assistant.log)"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


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
    restarts, which would end a long demo session.
    """
    with contextlib.suppress(RuntimeError):  # nothing pending: already stable
        await ws_command(stack, {"type": "http/config/promote"})


async def check_frontend_backend(stack: Stack) -> None:
    """Fail early and clearly when the frontend cannot start.

    The frontend waits for ``get_services``; Home Assistant answers it with an
    error when any service description cannot be validated, which happens
    when a requirement of a built-in integration is missing from the venv
    (PyTurboJPEG, pymicro-vad, pyspeex-noise …): the page then stays on
    "Loading…" forever.
    """
    try:
        await ws_command(stack, {"type": "get_services"})
    except RuntimeError as err:
        raise RuntimeError(
            "Home Assistant cannot describe its services, so its frontend never loads "
            f"({err}). A requirement of a built-in integration is missing from .venv: "
            "run ./scripts/setup --demo and look for 'did not install' notes; "
            f"details in {stack.config / 'home-assistant.log'}"
        ) from err


async def _config_entries(session: aiohttp.ClientSession, stack: Stack) -> list[dict[str, Any]]:
    """The receivers' config entries.

    An entry the integration creates for itself (``source`` ``system``: the
    venue-wide one that owns the summary sensors) is not a receiver.
    """
    async with session.get(
        f"{stack.base}/api/config/config_entries/entry",
        params={"domain": "micboard"},
        headers={"Authorization": f"Bearer {stack.token}"},
    ) as response:
        response.raise_for_status()
        entries: list[dict[str, Any]] = await response.json()
    return [
        entry
        for entry in entries
        if entry.get("domain") == "micboard" and entry.get("source") != "system"
    ]


async def remove_stale_entries(session: aiohttp.ClientSession, stack: Stack) -> None:
    """Delete receivers of an earlier run on other ports (they never come back)."""
    deadline = time.monotonic() + 15
    while True:
        entries = await _config_entries(session, stack)
        pending = [e for e in entries if e["state"] in ("not_loaded", "setup_in_progress")]
        if len(entries) <= len(stack.configured) or not pending or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)
    if len(entries) <= len(stack.configured):
        return
    for entry in entries:
        if entry["state"] in ("setup_retry", "setup_error"):
            log(f"removing {entry['title']!r}: no such receiver in this venue")
            async with session.delete(
                f"{stack.base}/api/config/config_entries/entry/{entry['entry_id']}",
                headers={"Authorization": f"Bearer {stack.token}"},
            ) as response:
                response.raise_for_status()


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


async def save_dashboard(
    stack: Stack,
    card: dict[str, Any],
    *,
    url_path: str = DASHBOARD,
    default: bool = True,
    extra_views: list[dict[str, Any]] | None = None,
) -> str:
    """Put ``card`` alone in a panel view of a sidebar dashboard; return the view's path.

    The dashboard is created (or updated) through the running Home Assistant's
    websocket API, so it is live at once: no storage file for a later start to
    migrate, no restart.  With ``default`` it becomes the default panel, the
    page Home Assistant opens on (the frontend reads ``default_panel`` from its
    ``core`` system data, as its own "set as default" does).
    """
    dashboards = await ws_command(stack, {"type": "lovelace/dashboards/list"})
    if not any(item.get("url_path") == url_path for item in dashboards):
        await ws_command(
            stack,
            {
                "type": "lovelace/dashboards/create",
                "url_path": url_path,
                "title": "Micboard",
                "icon": "mdi:microphone",
                "mode": "storage",
                "show_in_sidebar": True,
                "require_admin": False,
            },
        )
    await ws_command(
        stack,
        {
            "type": "lovelace/config/save",
            "url_path": url_path,
            "config": {
                "title": "Micboard",
                "views": [
                    {"title": "Micboard", "path": BOARD_VIEW, "type": "panel", "cards": [card]},
                    *(extra_views or []),
                ],
            },
        },
    )
    if default:
        current = await ws_command(stack, {"type": "frontend/get_system_data", "key": "core"})
        await ws_command(
            stack,
            {
                "type": "frontend/set_system_data",
                "key": "core",
                "value": {**(current.get("value") or {}), "default_panel": url_path},
            },
        )
    return f"/{url_path}/{BOARD_VIEW}"


async def assign_performers(stack: Stack, performers: dict[str, str] = DEMO_PERFORMERS) -> int:
    """Put the demo's performers on their channels (by channel device name)."""
    wanted = set(performers)
    deadline = time.monotonic() + 15
    while True:
        devices = await ws_command(stack, {"type": "config/device_registry/list"})
        found = {d["name"]: d["id"] for d in devices if d.get("name") in wanted}
        if set(found) == wanted or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.3)
    for name, device_id in found.items():
        await ws_command(
            stack,
            {
                "type": "call_service",
                "domain": "micboard",
                "service": "assign_performer",
                "service_data": {"device_id": device_id, "performer": performers[name]},
            },
        )
    return len(found)


def _face(name: str, colour: str) -> str:
    """A small picture for a person: initials on a colour (an inline SVG, no file)."""
    initials = "".join(word[0] for word in name.split()[:2]).upper()
    svg = (
        "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 64 64'>"
        f"<rect width='64' height='64' fill='{colour}'/>"
        "<text x='32' y='42' font-size='26' font-family='sans-serif' fill='white' "
        f"text-anchor='middle'>{initials}</text></svg>"
    )
    return "data:image/svg+xml," + quote(svg)


async def create_persons(stack: Stack, performers: dict[str, str] = DEMO_PERFORMERS) -> int:
    """A Home Assistant person with a picture for each demo performer (the card's faces)."""
    existing = await ws_command(stack, {"type": "person/list"})
    names = {person["name"] for person in existing.get("storage", [])}
    colours = ("#b4542d", "#2d6cb4", "#7a2db4", "#2d9e6a")
    created = 0
    for index, name in enumerate(sorted(set(performers.values()))):
        if name in names:
            continue
        picture = _face(name, colours[index % len(colours)])
        await ws_command(stack, {"type": "person/create", "name": name, "picture": picture})
        created += 1
    return created


async def demo_groups(stack: Stack) -> list[dict[str, Any]]:
    """Two groups for the board (keys 1 and 2): the stage and the spoken word."""
    async with aiohttp.ClientSession() as session:
        entries = {
            entry["title"]: entry["entry_id"] for entry in await _config_entries(session, stack)
        }

    def slots(name: str) -> list[str | None]:
        receiver = next(item for item in DEMO_VENUE if item.device_id == name)
        entry = entries.get(name)
        return [f"{entry}:{n}" for n in range(1, len(receiver.channels) + 1)] if entry else []

    # A spacer between the two racks, as they stand on the shelf.
    return [
        {"name": "Stage", "slots": [*slots("Stage L"), None, *slots("Stage R")]},
        {"name": "Speech", "slots": [*slots("Lectern"), *slots("Foyer")]},
    ]


async def venue_slots(stack: Stack, models: tuple[str, ...] = VENUE_MODELS) -> list[str]:
    """Board slots of every channel (or bay) of the venue's devices of ``models``.

    The TV view shows the stage: the receivers and the charger, not the
    HTTPS devices and the meeting-room devices behind the System API server.
    """
    async with aiohttp.ClientSession() as session:
        entries = await _config_entries(session, stack)
    slots: list[str] = []
    for device in stack.receivers:
        if device.get("model") not in models:
            continue
        # Titled by the device's name, else (UHF-R, no name on the wire) by model and address.
        entry = next(
            (
                e
                for e in entries
                if e["title"] == device.get("device_id")
                or e["title"].startswith(f"{device['model']} ")
            ),
            None,
        )
        if entry is not None:
            slots += [f"{entry['entry_id']}:{n}" for n in range(1, int(device["channels"]) + 1)]
    return slots


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
async def running_stack(
    config: Path,
    *,
    port: int,
    base_port: int,
    control_port: int,
    slp_port: int | None = None,
    metering: bool = True,
) -> AsyncIterator[Stack]:
    """Start the venue and Home Assistant, set everything up, stop both after."""
    stack = Stack(
        config=config, base=f"http://{HOST}:{port}", control=f"http://{HOST}:{control_port}"
    )
    prepare_config(config, port)
    env = {
        **os.environ,
        # Discovery listens on loopback only, joining no multicast group.
        "MICBOARD_SLP_BIND": f"{HOST}:{slp_port or 0}",
        "MICBOARD_SLP_MULTICAST": "0",
        "PYTHONPATH": str(ROOT),
    }
    announce = ["--slp-target", f"{HOST}:{slp_port}"] if slp_port else []
    logs = config / "logs"
    logs.mkdir(exist_ok=True)
    try:
        with (logs / "simulator.log").open("wb") as sim_log:
            stack.processes.append(
                subprocess.Popen(  # noqa: ASYNC220, S603 - our own simulator, kept running
                    [
                        *(PYTHON, "-m", "simulator", "venue"),
                        *("--base-port", str(base_port), "--live", "--secure"),
                        *("--system-api-port", "0"),
                        *("--control-port", str(control_port)),
                        *announce,
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
                subprocess.Popen(  # noqa: ASYNC220, S603 - Home Assistant from our venv
                    [PYTHON, "-m", "homeassistant", "-c", str(config)],
                    cwd=ROOT,
                    env=env,
                    stdout=ha_out,
                    stderr=subprocess.STDOUT,
                ),
            )
        async with aiohttp.ClientSession() as session:
            await wait_http(session, f"{stack.control}/receivers", 30)
            async with session.get(f"{stack.control}/receivers") as response:
                stack.receivers = (await response.json())["receivers"]
            async with session.get(f"{stack.control}/system-api") as response:
                stack.receivers += (await response.json())["servers"]
            await wait_http(session, f"{stack.base}/api/onboarding", 300)
            stack.token = await onboard_or_login(session, stack.base)
            await confirm_http_config(stack)
            await check_frontend_backend(stack)
            await add_receivers(session, stack.base, stack.token, stack.receivers)
            await remove_stale_entries(session, stack)
            entries = await _config_entries(session, stack)
            stack.entry_ids = [entry["entry_id"] for entry in entries]
            if len(entries) != len(stack.configured):
                raise RuntimeError(
                    f"{len(entries)} Micboard entries for {len(stack.configured)} receivers"
                )
            if metering:
                for entry_id in stack.entry_ids:
                    await enable_metering(session, stack, entry_id)
            await wait_loaded(session, stack, 30)
        yield stack
    finally:
        _stop(stack.processes)
