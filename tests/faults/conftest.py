"""Fixtures of the fault suite: hostile fakes, clients, and resource budgets.

Every case measures what it costs (wall time, tracemalloc peak, longest
event-loop stall) and prints the figures (visible with ``-s``), and checks
that no task, socket or file descriptor is left behind.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
import contextlib
from dataclasses import dataclass, field
import os
import tracemalloc

import pytest

from custom_components.micboard.devices import DeviceError
from custom_components.micboard.devices.shure import ShureReceiver, Timing

from .fakes import LOCALHOST, FakeReceiver, FakeUhfr

#: Fast timing (as the protocol tests use) so reconnects take a fraction of a second.
FAST = Timing(
    connect_timeout=1,
    probe_timeout=1,
    settle_time=0.05,
    settle_max=1,
    command_timeout=1,
    keepalive_interval=0.3,
    dead_after=1.0,
    poll_interval=0.3,
    reconnect_min=0.05,
    reconnect_max=0.3,
    goodbye_timeout=1.0,
)


def open_fds() -> int:
    """File descriptors this process holds."""
    return len(os.listdir("/proc/self/fd"))


def other_tasks() -> set[asyncio.Task[object]]:
    """Tasks other than the running test."""
    return {task for task in asyncio.all_tasks() if task is not asyncio.current_task()}


@dataclass
class Budget:
    """Figures of one measured stretch of a test."""

    name: str
    seconds: float = 0.0
    peak_bytes: int = 0
    max_lag: float = 0.0
    notes: list[str] = field(default_factory=list)

    def report(self) -> None:
        extra = f", {', '.join(self.notes)}" if self.notes else ""
        print(
            f"\n[faults] {self.name}: {self.seconds * 1000:.0f} ms, "
            f"tracemalloc peak {self.peak_bytes / 1024:.0f} KiB, "
            f"longest loop stall {self.max_lag * 1000:.1f} ms{extra}"
        )


@contextlib.asynccontextmanager
async def measure(name: str) -> AsyncIterator[Budget]:
    """Measure time, peak traced memory and the longest event-loop stall."""
    budget = Budget(name)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()

    async def watch() -> None:
        tick = 0.002
        while not stop.is_set():
            before = loop.time()
            await asyncio.sleep(tick)
            budget.max_lag = max(budget.max_lag, loop.time() - before - tick)

    watcher = loop.create_task(watch(), name="faults lag watcher")
    await asyncio.sleep(0)
    tracemalloc.start()
    tracemalloc.reset_peak()
    start = loop.time()
    try:
        yield budget
    finally:
        budget.seconds = loop.time() - start
        budget.peak_bytes = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        stop.set()
        await watcher
        budget.report()


@dataclass
class Resources:
    """Tasks and file descriptors held before a test."""

    fds: int
    tasks: set[asyncio.Task[object]]


def snapshot() -> Resources:
    """What the process holds now (compare later with :func:`assert_released`)."""
    return Resources(open_fds(), other_tasks())


async def assert_released(before: Resources) -> None:
    """Every task, socket and descriptor opened since ``before`` is gone."""
    for _ in range(50):
        await asyncio.sleep(0.01)
        leaked_tasks = other_tasks() - before.tasks
        if not leaked_tasks and open_fds() <= before.fds:
            return
    assert other_tasks() - before.tasks == set(), "tasks left running"
    assert open_fds() <= before.fds, f"{open_fds() - before.fds} file descriptor(s) leaked"


@pytest.fixture(autouse=True)
async def _nothing_escapes_a_callback() -> AsyncIterator[None]:
    """Fail the test if any callback let an exception reach the event loop."""
    loop = asyncio.get_running_loop()
    escaped: list[dict[str, object]] = []
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, context: escaped.append(context))
    yield
    loop.set_exception_handler(previous)
    assert escaped == [], f"exceptions reached the event loop: {escaped}"


@pytest.fixture
async def fake() -> AsyncIterator[Callable[..., Awaitable[FakeReceiver]]]:
    """``await fake("ULXD4D", 2)`` → a started hostile TCP fake, stopped afterwards."""
    started: list[FakeReceiver] = []

    async def make(model: str = "ULXD4D", channels: int = 2) -> FakeReceiver:
        receiver = await FakeReceiver(model, channels).start()
        started.append(receiver)
        return receiver

    yield make
    for receiver in started:
        await receiver.stop()


@pytest.fixture
async def uhfr() -> AsyncIterator[Callable[..., Awaitable[FakeUhfr]]]:
    """``await uhfr()`` → a started hostile UDP fake (UHF-R), stopped afterwards."""
    started: list[FakeUhfr] = []

    async def make(channels: int = 2) -> FakeUhfr:
        receiver = await FakeUhfr(channels).start()
        started.append(receiver)
        return receiver

    yield make
    for receiver in started:
        receiver.stop()


@pytest.fixture
async def client() -> AsyncIterator[Callable[..., Awaitable[ShureReceiver]]]:
    """``await client(port)`` → a connected client, disconnected afterwards."""
    made: list[ShureReceiver] = []

    async def make(port: int, *, connect: bool = True, **options: object) -> ShureReceiver:
        options.setdefault("timing", FAST)
        receiver = ShureReceiver(LOCALHOST, port, **options)  # type: ignore[arg-type]
        made.append(receiver)
        if connect:
            await receiver.connect()
        return receiver

    yield make
    for receiver in made:
        with contextlib.suppress(DeviceError):
            await receiver.disconnect()


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
