"""Class 1: wire input that costs too much.

Framing is linear in the bytes received and every message and buffer is
bounded, however the bytes are cut: a long run of ``<``, a message larger
than the limit arriving complete in one read, a flood while the receiver is
still being identified.  The link stays up and the next valid report is
applied.
"""

from __future__ import annotations

import asyncio
import time
import tracemalloc

import pytest

from custom_components.micboard.devices.shure import framing
from custom_components.micboard.devices.shure.framing import (
    MAX_MESSAGE,
    BracketParser,
    Message,
    parse_star_datagram,
)

from .conftest import assert_released, eventually, measure, snapshot

FOUR_MB = 4 * 1024 * 1024
CHUNK = 4096
VALID = b"< REP 1 BATT_BARS 003 >"


@pytest.mark.parametrize(
    "pattern",
    [b"<", b"<{", b"<{}", b"<x", b"{", b"<<>", b"< REP 1 CHAN_NAME {"],
    ids=["lt", "lt-brace", "lt-braces", "lt-x", "brace", "lt-lt-gt", "open-name"],
)
def test_parser_is_linear_and_bounded(pattern: bytes) -> None:
    """4 MB of adversarial bytes in 4 KiB chunks: fast, small, and the next message parses."""
    data = pattern * (FOUR_MB // len(pattern))
    parser = BracketParser()
    start = time.perf_counter()
    largest = 0
    for offset in range(0, len(data), CHUNK):
        parser.feed(data[offset : offset + CHUNK])
        largest = max(largest, parser.buffered)
    # A brace left open waits for its "}" at most MAX_BRACE bytes.
    after = parser.feed(b" " * framing.MAX_BRACE + b">" + VALID)
    seconds = time.perf_counter() - start
    # Memory on a 256 KiB run of the same pattern (tracemalloc slows Python down).
    parser = BracketParser()
    tracemalloc.start()
    for offset in range(0, 256 * 1024, CHUNK):
        parser.feed(data[offset : offset + CHUNK])
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(
        f"\n[faults] framing {pattern!r} x {len(data) // len(pattern)} in 4 KiB chunks: "
        f"{seconds * 1000:.0f} ms; tracemalloc peak over 256 KiB {peak / 1024:.0f} KiB; "
        f"largest buffer {largest} B"
    )
    assert after[-1:] == [Message("REP", 1, "BATT_BARS", ("003",))]
    assert largest <= MAX_MESSAGE
    assert peak < 64 * 1024
    assert seconds < 20  # generous (shared machines); linearity is checked below


@pytest.mark.parametrize(
    "pattern", [b"<", b"<{}", b"<<>", b"<{"], ids=["lt", "braces", "lt-lt-gt", "lt-brace"]
)
def test_cost_grows_linearly(pattern: bytes) -> None:
    """Sixteen times the bytes take about sixteen times as long (quadratic: 256)."""

    def cost(size: int) -> float:
        data = pattern * (size // len(pattern))
        best = float("inf")
        for _ in range(3):
            parser = BracketParser()
            start = time.perf_counter()
            parser.feed(data)  # one read: nothing bounds a quadratic scan
            best = min(best, time.perf_counter() - start)
        return best

    small, large = cost(1 << 17), cost(1 << 21)
    print(
        f"\n[faults] {pattern!r}: 128 KiB in {small * 1000:.1f} ms, 2 MiB in {large * 1000:.1f} ms "
        f"(ratio {large / small:.1f})"
    )
    assert large < 64 * small + 0.05  # generous against noise; quadratic would be ~256


def test_oversized_message_complete_in_one_read_is_dropped() -> None:
    parser = BracketParser()
    huge = b"< REP 1 CHAN_NAME " + b"A" * (MAX_MESSAGE * 4) + b" >"
    assert parser.feed(huge + VALID) == [Message("REP", 1, "BATT_BARS", ("003",))]
    assert parser.malformed >= 1
    exactly = b"< REP 1 X " + b"A" * (MAX_MESSAGE - 12) + b" >"
    assert len(exactly) == MAX_MESSAGE
    assert len(parser.feed(exactly)) == 1
    assert parser.feed(exactly[:-2] + b"A >") == []  # one byte over


def test_oversized_datagram_is_ignored() -> None:
    line = b"* REPORT 1 TX_BAT 4 *"
    assert parse_star_datagram(line)
    assert parse_star_datagram(line + b" " * framing.MAX_DATAGRAM) == []


async def test_run_of_open_brackets_over_tcp_keeps_the_link(fake, client) -> None:
    before = snapshot()
    rx = await fake()
    receiver = await client(rx.port)
    events: list[bool] = []
    receiver.subscribe_connection(events.append)
    run = b"<" * FOUR_MB
    async with measure("4 MB of '<' over TCP in 4 KiB writes") as budget:
        await rx.push(run, chunk=CHUNK)
        await rx.push(b">" + VALID)
        await eventually(lambda: receiver.state.channels[1].battery_bars == 3, 10)
    assert budget.seconds < 10
    assert budget.max_lag < 2.0
    assert budget.peak_bytes < 2 * 1024 * 1024
    assert receiver.connected
    assert events == []
    assert rx.connections == 1
    await receiver.disconnect()
    await rx.stop()
    await assert_released(before)


async def test_huge_single_read_keeps_the_link(fake, client) -> None:
    rx = await fake()
    receiver = await client(rx.port)
    async with measure("1 MB message in one write, then a valid one") as budget:
        await rx.push(b"< REP 1 CHAN_NAME {" + b"x" * (1 << 20) + b"} >" + VALID)
        await eventually(lambda: receiver.state.channels[1].battery_bars == 3, 5)
    assert budget.max_lag < 2.0
    assert receiver.state.channels[1].name == "Mic 1"
    assert receiver.connected


async def test_flood_while_identifying_is_bounded(fake, client) -> None:
    """Reports sent before the model is known are kept only up to a limit."""
    from custom_components.micboard.devices.shure import client as client_module

    rx = await fake()
    flood = b"< REP 1 BATT_BARS 002 >" * 20_000
    rx.after_model = flood  # 20 000 reports glued to the MODEL answer
    receiver = await client(rx.port, connect=False)
    async with measure("20 000 reports during identification") as budget:
        await receiver.connect()
    assert len(receiver._early) == 0
    assert budget.peak_bytes < 16 * 1024 * 1024
    assert budget.max_lag < 3.0
    assert client_module.MAX_EARLY_MESSAGES <= 4096
    assert receiver.state.channels[1].battery_bars == 4  # the dump came after the flood
    assert receiver.connected
    # While identifying, what arrives is kept only up to the limit.
    receiver._identifying = True
    receiver._on_messages(BracketParser().feed(flood))
    assert len(receiver._early) == client_module.MAX_EARLY_MESSAGES
    receiver._early.clear()
    receiver._identifying = False
    await asyncio.sleep(0)
