"""The venue benchmark: a real Home Assistant, N simulated ULXD4Q receivers, measured.

For each venue size N, on 127.0.0.1 only and in a fresh temporary folder:

1. the simulator runs N ULXD4Q receivers (4 channels each, live meters and
   batteries) in its own process; each receiver and channel gets a unique
   front-panel name first, as in a real venue;
2. Home Assistant runs with the integrations of ``scripts/stack.py`` (the
   default recorder, SQLite) plus two small benchmark integrations from
   ``bench/components``: a probe (event-loop lag, Micboard state writes,
   receiver availability; see its docstring) and a 5-second polling baseline;
3. onboarding, the config flows (several at once) and the options flows that
   turn metering on (1 s) run through Home Assistant's REST API, reusing the
   demo stack's code;
4. then, in this order: a steady-state minute (CPU of the Home Assistant
   process, RSS, state writes, recorder rows, loop lag), change → state
   latency (battery, transmitter off/on, rename, driven through the simulator's
   control API, observed with ``subscribe_events state_changed``), the same
   battery changes watched by Micboard and the polling baseline side by side,
   a restart of Home Assistant and a reload of every entry.

Nothing here asserts a threshold: the figures are printed and written as JSON.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
import contextlib
from dataclasses import dataclass
import io
import json
import math
import os
from pathlib import Path
import subprocess
import tempfile
import time
from typing import Any

import aiohttp

from bench.stats import (
    Change,
    ChannelRef,
    ProbeLog,
    Seen,
    cpu_percent,
    cpu_ticks,
    latencies,
    plan_changes,
    recorder_latest,
    recorder_rows,
    rss_kib,
    seen_from_event,
    summary,
)
from scripts.stack import (
    HOST,
    PYTHON,
    ROOT,
    Stack,
    _config_entries,
    _stop,
    add_receivers,
    confirm_http_config,
    enable_metering,
    free_port,
    free_port_block,
    onboard_or_login,
    prepare_config,
    wait_http,
    wait_loaded,
)

COMPONENTS = Path(__file__).resolve().parent / "components"
PROBE = "micboard_bench_probe"
POLL = "micboard_bench_poll"
MODEL = "ULXD4Q"
CHANNELS = 4
POLL_INTERVAL = 5.0
#: Seconds a battery change is left alone before the same channel changes
#: again in the side-by-side round (more than one poll interval).
POLL_QUIET = POLL_INTERVAL + 1.0
BATTERY_MINUTES_PER_PERCENT = 6  # the simulator's 600-minute pack
#: Seconds Home Assistant gets to stop (the recorder writes its backlog first).
HA_STOP_S = 120
#: Seconds the bench waits for the recorder to write a window it counts.
RECORDER_WAIT_S = 120


@dataclass(frozen=True)
class Settings:
    """How big and how long."""

    sizes: tuple[int, ...] = (10, 100, 250)
    steady_s: float = 60.0
    settle_s: float = 10.0
    changes: int = 200
    poll_changes: int = 200
    change_rate: float = 10.0  # changes per second
    flows_at_once: int = 4
    mode: str = "full"
    #: Also profile the event loop (own time per function) in steady state and
    #: through a second reload of every entry, after the measurements.
    profile: bool = False

    @classmethod
    def quick(cls) -> Settings:
        """Small venue, short windows: a smoke run in well under three minutes."""
        return cls(
            sizes=(3,),
            steady_s=15.0,
            settle_s=3.0,
            changes=40,
            poll_changes=24,
            mode="quick",
        )


def log(message: str) -> None:
    """Progress line."""
    print(f"bench: {message}", flush=True)


# ---------------------------------------------------------------- processes
def _proc(pid: int, name: str) -> str:
    return Path(f"/proc/{pid}/{name}").read_text(encoding="utf-8")


def cpu_of(pid: int) -> int:
    """CPU ticks a process has used (all its threads)."""
    return cpu_ticks(_proc(pid, "stat"))


def rss_of(pid: int) -> int:
    """Resident memory of a process (KiB)."""
    return rss_kib(_proc(pid, "status"))


def _environment() -> dict[str, str]:
    return {
        **os.environ,
        # As in scripts/stack.py: discovery on loopback only, no multicast.
        "MICBOARD_SLP_BIND": f"{HOST}:0",
        "MICBOARD_SLP_MULTICAST": "0",
        "PYTHONPATH": str(ROOT),
    }


def _spawn(
    command: list[str], output: Path, cwd: Path = ROOT, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    with output.open("ab") as out:
        return subprocess.Popen(  # noqa: S603 - our own simulator / Home Assistant from our venv
            command, cwd=cwd, env=env or _environment(), stdout=out, stderr=subprocess.STDOUT
        )


def prepare_bench_config(config: Path, port: int, probe_file: Path) -> None:
    """The demo stack's configuration plus the probe and the polling baseline."""
    prepare_config(config, port)
    with (config / "configuration.yaml").open("a", encoding="utf-8") as yaml:
        yaml.write(f"\n{PROBE}:\n  path: {json.dumps(str(probe_file))}\n{POLL}:\n")
    for name in (PROBE, POLL):
        link = config / "custom_components" / name
        if not link.is_symlink():
            link.symlink_to(COMPONENTS / name, target_is_directory=True)


class ProbeReader:
    """Follows the probe's file as Home Assistant appends to it."""

    def __init__(self, path: Path) -> None:
        """Follow ``path`` (it may not exist yet)."""
        self.path = path
        self.log = ProbeLog()
        self._offset = 0
        self._partial = ""

    def poll(self) -> ProbeLog:
        """Read what was appended since the last call."""
        if self.path.exists():
            with self.path.open("r", encoding="utf-8") as file:
                file.seek(self._offset)
                text = file.read()
                self._offset = file.tell()
            text = self._partial + text
            complete, _, self._partial = text.rpartition("\n")
            self.log.records.extend(ProbeLog.parse(complete).records)
        return self.log

    async def until(
        self, condition: Callable[[ProbeLog], bool], seconds: float, what: str
    ) -> ProbeLog:
        """Wait until ``condition`` holds for what the probe wrote."""
        deadline = time.monotonic() + seconds
        while True:
            log_ = self.poll()
            if condition(log_):
                return log_
            if time.monotonic() > deadline:
                raise RuntimeError(f"timed out waiting for {what}")
            await asyncio.sleep(0.25)


# ---------------------------------------------------------------- websocket
class StateWatch:
    """``subscribe_events state_changed`` on one websocket, kept for given entities."""

    def __init__(self, stack: Stack) -> None:
        """Watch the states of ``stack``'s Home Assistant."""
        self.stack = stack
        self.watched: set[str] = set()
        self.seen: list[Seen] = []
        self._session: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> StateWatch:
        """Connect, authenticate and subscribe."""
        self._session = aiohttp.ClientSession()
        ws = await self._session.ws_connect(self.stack.ws_url, max_msg_size=0)
        self._ws = ws
        await ws.receive_json()
        await ws.send_json({"type": "auth", "access_token": self.stack.token})
        if (await ws.receive_json()).get("type") != "auth_ok":
            raise RuntimeError("websocket auth failed")
        await ws.send_json({"id": 1, "type": "subscribe_events", "event_type": "state_changed"})
        self._task = asyncio.create_task(self._read())
        return self

    async def _read(self) -> None:
        assert self._ws is not None
        async for message in self._ws:
            if message.type is not aiohttp.WSMsgType.TEXT:
                continue
            data = json.loads(message.data)
            for item in data if isinstance(data, list) else [data]:
                if item.get("type") != "event":
                    continue
                seen = seen_from_event(item["event"])
                if seen is not None and seen.entity_id in self.watched:
                    self.seen.append(seen)

    async def __aexit__(self, *_exc: object) -> None:
        """Unsubscribe and close."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._ws is not None:
            await self._ws.close()
        if self._session is not None:
            await self._session.close()


async def ws_call(stack: Stack, message: dict[str, Any]) -> Any:
    """One websocket command (results of any size)."""
    async with aiohttp.ClientSession() as session:
        ws = await session.ws_connect(stack.ws_url, max_msg_size=0)
        async with ws:
            await ws.receive_json()
            await ws.send_json({"type": "auth", "access_token": stack.token})
            await ws.receive_json()
            await ws.send_json({"id": 1, **message})
            while True:
                reply = await ws.receive_json()
                if reply.get("id") == 1 and reply.get("type") == "result":
                    if not reply.get("success"):
                        raise RuntimeError(f"{message['type']}: {reply.get('error')}")
                    return reply.get("result")


# ---------------------------------------------------------------- one venue
@dataclass
class Venue:
    """What one size's run needs to reach."""

    stack: Stack
    session: aiohttp.ClientSession
    size: int
    ports: list[int]
    reader: ProbeReader
    sim: subprocess.Popen[bytes]
    ha: subprocess.Popen[bytes] | None = None

    @property
    def channels(self) -> int:
        """Channels of the venue."""
        return self.size * CHANNELS

    @property
    def headers(self) -> dict[str, str]:
        """Authorization for the REST API."""
        return {"Authorization": f"Bearer {self.stack.token}"}

    def start_ha(self) -> float:
        """Start Home Assistant; returns when (wall clock)."""
        started = time.time()
        # From the config folder and without the repository on the path, so
        # ``custom_components`` is the config folder's (Micboard and the bench
        # integrations, linked), not the repository's (Micboard alone).
        env = _environment()
        del env["PYTHONPATH"]
        self.ha = _spawn(
            [PYTHON, "-m", "homeassistant", "-c", str(self.stack.config)],
            self.stack.config / "homeassistant.out",
            cwd=self.stack.config,
            env=env,
        )
        return started

    def stop_ha(self) -> None:
        """Stop Home Assistant and wait for it (killed only after two minutes)."""
        if self.ha is not None:
            self.ha.terminate()
            try:
                self.ha.wait(timeout=HA_STOP_S)
            except subprocess.TimeoutExpired:
                log("Home Assistant did not stop in time; killing it")
                _stop([self.ha])
            self.ha = None

    async def control(self, path: str, body: dict[str, Any]) -> None:
        """POST to the simulator's control API."""
        async with self.session.post(f"{self.stack.control}{path}", json=body) as response:
            response.raise_for_status()

    async def name_receivers(self) -> None:
        """Unique front-panel names: receiver ``RXnnn``, channels ``RnnnCc``."""
        gate = asyncio.Semaphore(16)

        async def name(index: int, port: int) -> None:
            async with gate:
                rx = f"{MODEL}-{port}"
                await self.control(f"/receivers/{rx}/device_id", {"name": f"RX{index:03d}"})
                for channel in range(1, CHANNELS + 1):
                    await self.control(
                        f"/receivers/{rx}/channels/{channel}/name",
                        {"name": channel_name(index, channel)},
                    )

        await asyncio.gather(*(name(i, port) for i, port in enumerate(self.ports, 1)))

    def refs(self) -> list[ChannelRef]:
        """Every channel of the venue."""
        return [
            ChannelRef(f"{MODEL}-{port}", channel, channel_name(index, channel))
            for index, port in enumerate(self.ports, 1)
            for channel in range(1, CHANNELS + 1)
        ]

    async def send(self, change: Change) -> float:
        """Make one change on the simulator; returns when it was sent (wall clock)."""
        base = f"/receivers/{change.receiver}/channels/{change.channel}"
        if change.kind == "battery":
            level = int(change.value)
            path = f"{base}/battery"
            # Runtime in the middle of the level's span: live draining keeps the level a while.
            body: dict[str, Any] = {
                "percent": level,
                "minutes": level * BATTERY_MINUTES_PER_PERCENT + 2,
            }
        elif change.kind in ("tx_off", "tx_on"):
            path, body = f"{base}/transmitter", {"on": change.kind == "tx_on"}
        else:
            path, body = f"{base}/name", {"name": str(change.value)}
        at = time.time()
        await self.control(path, body)
        return at


def channel_name(receiver: int, channel: int) -> str:
    """A channel's front-panel name (at most 8 characters)."""
    return f"R{receiver:03d}C{channel}"


async def _gathered(calls: Sequence[Callable[[], Awaitable[None]]], at_once: int) -> None:
    gate = asyncio.Semaphore(at_once)

    async def run(call: Callable[[], Awaitable[None]]) -> None:
        async with gate:
            await call()

    await asyncio.gather(*(run(call) for call in calls))


async def setup_phase(venue: Venue, settings: Settings) -> dict[str, Any]:
    """Add every receiver through the config flow, then turn metering on."""
    stack, session = venue.stack, venue.session
    start = time.time()
    quiet = io.StringIO()
    with contextlib.redirect_stdout(quiet):  # the stack logs one line per receiver
        await _gathered(
            [
                lambda receiver=receiver: add_receivers(  # type: ignore[misc]
                    session, stack.base, stack.token, [receiver]
                )
                for receiver in stack.receivers
            ],
            settings.flows_at_once,
        )
    added = time.time()
    entries = await _config_entries(session, stack)
    stack.entry_ids = [entry["entry_id"] for entry in entries]
    if len(entries) != venue.size:
        raise RuntimeError(f"{len(entries)} entries for {venue.size} receivers")
    metering = time.time()
    await _gathered(
        [
            lambda entry_id=entry_id: enable_metering(session, stack, entry_id)  # type: ignore[misc]
            for entry_id in stack.entry_ids
        ],
        settings.flows_at_once,
    )
    await wait_loaded(session, stack, 120 + venue.size)
    probe = await venue.reader.until(
        lambda log_: log_.all_on(venue.size, metering) is not None,
        120 + venue.size,
        "every receiver to be available after turning metering on",
    )
    end = probe.all_on(venue.size, metering) or time.time()
    return {
        "start": start,
        "end": end,
        "setup_s": round(end - start, 1),
        "flows_s": round(added - start, 1),
        "flow_s_per_receiver": round((added - start) / venue.size * settings.flows_at_once, 2),
        "metering_s": round(end - metering, 1),
    }


async def registry_map(venue: Venue) -> tuple[dict[str, dict[str, str]], list[str]]:
    """Per channel name: its entities by key; and every Micboard entity id."""
    devices = await ws_call(venue.stack, {"type": "config/device_registry/list"})
    entities = await ws_call(venue.stack, {"type": "config/entity_registry/list"})
    by_device = {device["id"]: device["name"] for device in devices}
    channels: dict[str, dict[str, str]] = {}
    micboard: list[str] = []
    for entity in entities:
        if entity.get("platform") != "micboard":
            continue
        micboard.append(entity["entity_id"])
        name = by_device.get(entity.get("device_id") or "")
        key = str(entity.get("unique_id", "")).rsplit("-", 1)[-1]
        if name:
            channels.setdefault(name, {})[key] = entity["entity_id"]
    return channels, micboard


def watched_entity(change: Change, entities: dict[str, str]) -> str:
    """The entity whose state shows ``change``."""
    return entities["battery"] if change.kind == "battery" else entities["transmitter"]


async def drive(
    venue: Venue,
    plan: list[Change],
    rate: float,
    targets: Callable[[Change], list[str]],
    tail_s: float,
) -> tuple[list[Seen], list[tuple[Change, str, float]]]:
    """Send ``plan`` at ``rate`` per second while watching the target entities."""
    sent: list[tuple[Change, str, float]] = []
    async with StateWatch(venue.stack) as watch:
        for change in plan:
            watch.watched.update(targets(change))
        await asyncio.sleep(1.0)  # the subscription is in place
        begin = time.monotonic()
        for index, change in enumerate(plan):
            delay = begin + index / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            at = await venue.send(change)
            sent.extend((change, entity_id, at) for entity_id in targets(change))
        # Until every change showed, or ``tail_s`` after the last one.
        deadline = time.monotonic() + tail_s
        while latencies(sent, watch.seen)[1] and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.5)
        await asyncio.sleep(0.5)
        return list(watch.seen), sent


def _latency(sent: list[tuple[Change, str, float]], seen: list[Seen]) -> dict[str, Any]:
    found, missed = latencies(sent, seen)
    result = {**summary(found), "missed": missed}
    kinds: dict[str, Any] = {}
    for kind in ("battery", "tx_off", "tx_on", "rename"):
        part = [item for item in sent if item[0].kind == kind]
        if part:
            values, lost = latencies(part, seen)
            kinds[kind] = {**summary(values), "missed": lost}
    result["by_kind"] = kinds
    return result


async def run_size(size: int, settings: Settings, work: Path) -> dict[str, Any]:
    """Every phase for a venue of ``size`` receivers."""
    config = work / f"n{size}"
    ha_port, control_port = free_port(), free_port()
    base_port = free_port_block(size)
    ports = [base_port + i for i in range(size)]
    probe_file = config / "probe.jsonl"
    prepare_bench_config(config, ha_port, probe_file)
    stack = Stack(
        config=config, base=f"http://{HOST}:{ha_port}", control=f"http://{HOST}:{control_port}"
    )
    logs = config / "logs"
    logs.mkdir(exist_ok=True)
    sim = _spawn(
        [
            *(PYTHON, "-m", "simulator", "run"),
            *(f"{MODEL}:{port}" for port in ports),
            *("--live", "--control-port", str(control_port)),
        ],
        logs / "simulator.log",
    )
    result: dict[str, Any] = {"receivers": size, "channels": size * CHANNELS}
    async with aiohttp.ClientSession() as session:
        venue = Venue(stack, session, size, ports, ProbeReader(probe_file), sim)
        try:
            await wait_http(session, f"{stack.control}/receivers", 60)
            async with session.get(f"{stack.control}/receivers") as response:
                stack.receivers = (await response.json())["receivers"]
            await venue.name_receivers()
            venue.start_ha()
            await wait_http(session, f"{stack.base}/api/onboarding", 300)
            stack.token = await onboard_or_login(session, stack.base)
            await confirm_http_config(stack)
            await asyncio.sleep(settings.settle_s)
            assert venue.ha is not None
            pid = venue.ha.pid
            baseline = rss_of(pid)
            result["rss_baseline_mib"] = round(baseline / 1024, 1)
            log(f"N={size}: Home Assistant up ({baseline / 1024:.0f} MiB); adding receivers")
            await measure(venue, settings, result, baseline)
        finally:
            venue.stop_ha()
            _stop([sim])
    return result


async def measure(venue: Venue, settings: Settings, result: dict[str, Any], baseline: int) -> None:
    """The phases, once Home Assistant runs without receivers."""
    stack, session, size = venue.stack, venue.session, venue.size
    setup = await setup_phase(venue, settings)
    result.update({key: value for key, value in setup.items() if key not in ("start", "end")})
    lag: dict[str, Any] = {}
    result["lag"] = lag
    log(f"N={size}: set up in {setup['setup_s']} s; settling")
    await asyncio.sleep(settings.settle_s)
    assert venue.ha is not None
    pid = venue.ha.pid
    lag["setup"] = lag_window(venue.reader.poll(), setup["start"], setup["end"] + 2)
    after_setup = rss_of(pid)
    channels, micboard = await registry_map(venue)
    result["entities"] = len(micboard)

    # Steady state: metering at 1 s, nothing else happens.
    log(f"N={size}: steady state for {settings.steady_s:.0f} s")
    t0, c0 = time.time(), cpu_of(pid)
    await asyncio.sleep(settings.steady_s)
    t1, c1 = time.time(), cpu_of(pid)
    after_minute = rss_of(pid)
    await asyncio.sleep(8)  # the recorder commits every 5 s; the probe writes every second
    probe = venue.reader.poll()
    first, last = probe.counters_at(t0), probe.counters_at(t1)
    span = (last["t"] - first["t"]) if first and last else math.nan
    changed, reported = probe.writes(t0, t1)
    rows = await recorder_window(stack.config / "home-assistant_v2.db", micboard, t0, t1)
    if rows is None:
        log(f"N={size}: the recorder has not written the steady minute yet (backlog)")
    minutes = span / 60
    result.update(
        {
            "steady_s": round(t1 - t0, 1),
            "cpu_pct": round(cpu_percent(c1 - c0, t1 - t0, os.sysconf("SC_CLK_TCK")), 2),
            "rss_after_setup_mib": round(after_setup / 1024, 1),
            "rss_after_minute_mib": round(after_minute / 1024, 1),
            "kib_setup": round((after_setup - baseline) / venue.channels, 1),
            "kib_minute": round((after_minute - baseline) / venue.channels, 1),
            "changed_per_channel_minute": round(changed / venue.channels / minutes, 2),
            "reported_per_channel_minute": round(reported / venue.channels / minutes, 2),
            "rows_per_channel_hour": (
                None if rows is None else round(rows / venue.channels / ((t1 - t0) / 3600), 1)
            ),
        }
    )
    lag["steady"] = lag_window(probe, t0, t1)

    # Change → state latency through Micboard alone.
    log(f"N={size}: {settings.changes} changes")
    batteries: dict[tuple[str, int], int] = {}
    refs = venue.refs()
    plan = plan_changes(refs, settings.changes, batteries=batteries)

    names = {(ref.receiver, ref.channel): ref.name for ref in refs}

    def micboard_target(change: Change) -> list[str]:
        entities = channels[names[change.receiver, change.channel]]
        return [watched_entity(change, entities)]

    seen, sent = await drive(venue, plan, settings.change_rate, micboard_target, 30.0)
    result["latency"] = _latency(sent, seen)

    # The same battery changes, Micboard and a 5 s polling coordinator side by side.
    log(f"N={size}: polling baseline, {settings.poll_changes} battery changes")
    async with session.post(
        f"{stack.base}/api/services/{POLL}/start",
        json={
            "targets": [{"host": HOST, "port": port} for port in venue.ports],
            "interval": POLL_INTERVAL,
        },
        headers=venue.headers,
        timeout=aiohttp.ClientTimeout(total=600),
    ) as response:
        response.raise_for_status()
    await wait_polling(venue)
    by_port = {f"{MODEL}-{port}": port for port in venue.ports}

    def both(change: Change) -> list[str]:
        port = by_port[change.receiver]
        return [
            *micboard_target(change),
            f"sensor.poll_{port}_{change.channel}_battery",
        ]

    plan = plan_changes(refs, settings.poll_changes, kinds=("battery",), batteries=batteries)
    rate = min(settings.change_rate, len(refs) / POLL_QUIET)
    seen, sent = await drive(venue, plan, rate, both, POLL_INTERVAL + 25.0)
    push = [item for item in sent if not item[1].startswith("sensor.poll_")]
    poll = [item for item in sent if item[1].startswith("sensor.poll_")]
    side = {"micboard": _latency(push, seen), "polling": _latency(poll, seen)}
    side["micboard"].pop("by_kind")
    side["polling"].pop("by_kind")
    if side["micboard"]["p50"] and side["polling"]["p50"]:
        side["ratio_p50"] = round(side["polling"]["p50"] / side["micboard"]["p50"], 0)
    result["side_by_side"] = side

    # Restart of Home Assistant.
    log(f"N={size}: restarting Home Assistant")
    venue.stop_ha()
    boots = len(venue.reader.poll().boots())
    spawned = venue.start_ha()
    probe = await venue.reader.until(
        lambda log_: len(log_.boots()) > boots and log_.all_on(size, spawned) is not None,
        180 + size,
        "every receiver to be available after the restart",
    )
    boot = probe.boots()[-1]
    available = probe.all_on(size, spawned)
    assert available is not None
    await asyncio.sleep(5)
    probe = await venue.reader.until(
        lambda log_: log_.started(boot) is not None, 120, "Home Assistant to report started"
    )
    started = probe.started(boot)
    assert started is not None
    first_sample = probe.first_sample(boot) or spawned
    lag["restart"] = lag_window(probe, first_sample, available + 5)
    lag["restart"]["first_sample_s"] = round(first_sample - spawned, 1)
    # The same without Home Assistant's own start (before it reports started).
    lag["restart_after_started"] = lag_window(probe, started, max(available, started) + 5)
    result["restart_from_start_s"] = round(available - spawned, 1)
    result["restart_from_started_s"] = round(available - started, 1)
    await wait_http(session, f"{stack.base}/api/onboarding", 120)

    # Reload of every entry at once.
    log(f"N={size}: reloading every entry at once")
    reload_start = time.time()
    await reload_all(venue)
    probe = await venue.reader.until(
        lambda log_: log_.all_on(size, reload_start) is not None,
        120 + size,
        "every receiver to be available after the reload",
    )
    reloaded = probe.all_on(size, reload_start)
    assert reloaded is not None
    result["reload_s"] = round(reloaded - reload_start, 1)
    await asyncio.sleep(3)
    lag["reload"] = lag_window(venue.reader.poll(), reload_start, reloaded + 3)
    if settings.profile:
        result["profile"] = await profiles(venue)


async def reload_all(venue: Venue) -> None:
    """Reload every receiver entry at once, through the REST API."""
    entries = await _config_entries(venue.session, venue.stack)

    async def reload(entry_id: str) -> None:
        async with venue.session.post(
            f"{venue.stack.base}/api/config/config_entries/entry/{entry_id}/reload",
            headers=venue.headers,
            timeout=aiohttp.ClientTimeout(total=600),
        ) as response:
            response.raise_for_status()

    await asyncio.gather(*(reload(entry["entry_id"]) for entry in entries))


async def profile(venue: Venue, name: str, seconds: float) -> dict[str, Any]:
    """Profile Home Assistant's event loop for ``seconds`` (the probe's action)."""
    path = venue.stack.config / f"profile-{name}.json"
    async with venue.session.post(
        f"{venue.stack.base}/api/services/{PROBE}/profile",
        json={"seconds": seconds, "path": str(path)},
        headers=venue.headers,
        timeout=aiohttp.ClientTimeout(total=seconds + 120),
    ) as response:
        response.raise_for_status()
    for _ in range(100):  # written in the executor after the action returns
        if path.exists():
            break
        await asyncio.sleep(0.1)
    result: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return result


async def profiles(venue: Venue) -> dict[str, Any]:
    """Own time per function: a steady spell, then a reload of every entry."""
    log(f"N={venue.size}: profiling")
    steady = await profile(venue, "steady", 20)
    task = asyncio.create_task(profile(venue, "reload", 15 + venue.size / 20))
    await asyncio.sleep(1)
    await reload_all(venue)
    return {"steady_20s": steady, "reload": await task}


async def recorder_window(
    database: Path, entity_ids: list[str], start: float, end: float
) -> int | None:
    """Rows of the window, once the recorder has written past it (``None``: it never did)."""
    deadline = time.monotonic() + RECORDER_WAIT_S
    while True:
        latest = await asyncio.to_thread(recorder_latest, database)
        if latest is not None and latest >= end:
            return await asyncio.to_thread(recorder_rows, database, entity_ids, start, end)
        if time.monotonic() > deadline:
            return None
        await asyncio.sleep(2)


def lag_window(probe: ProbeLog, start: float, end: float) -> dict[str, Any]:
    """Lag percentiles of a window, and its largest stalls (when, how long)."""
    return {
        **summary(probe.lags(start, end)),
        "on_cpu": summary(probe.on_cpu_lags(start, end)),
        "stalls": probe.stalls(start, end),
    }


async def wait_polling(venue: Venue) -> None:
    """Wait until every polled receiver's first channel shows a level."""
    deadline = time.monotonic() + 120 + venue.size
    pending = list(venue.ports)
    while pending:
        port = pending[0]
        async with venue.session.get(
            f"{venue.stack.base}/api/states/sensor.poll_{port}_1_battery", headers=venue.headers
        ) as response:
            ready = response.status == 200 and (await response.json())["state"].isdigit()
        if ready:
            pending.pop(0)
            continue
        if time.monotonic() > deadline:
            raise RuntimeError(f"the polling baseline never read the receiver on port {port}")
        await asyncio.sleep(0.5)


async def run(settings: Settings, work: Path | None = None) -> list[dict[str, Any]]:
    """Every venue size in turn, each in its own folder and processes."""
    results = []
    with tempfile.TemporaryDirectory(prefix="micboard-bench-") as temporary:
        folder = work or Path(temporary)
        for size in settings.sizes:
            started = time.monotonic()
            results.append(await run_size(size, settings, folder))
            results[-1]["wall_s"] = round(time.monotonic() - started, 1)
            log(f"N={size}: done in {results[-1]['wall_s']:.0f} s")
    return results
