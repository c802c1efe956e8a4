"""Class 12: leaving the receiver as found.

On disconnect, a client that set a metering rate asks every channel to stop
and waits (at most ``Timing.goodbye_timeout``) for each confirmation before
closing: a receiver that drops commands whose reply cannot be delivered
would otherwise keep metering into nothing.
"""

from __future__ import annotations

import asyncio

from custom_components.micboard.devices import Family

from .conftest import FAST, assert_released, eventually, measure, snapshot


async def test_confirmations_are_awaited_before_closing(fake, client) -> None:
    before = snapshot()
    rx = await fake("ULXD4Q", 4)
    receiver = await client(rx.port, meter_rate_ms=1000)
    await eventually(lambda: rx.meter_rate == {1: 1000, 2: 1000, 3: 1000, 4: 1000})
    rx.meter_reply_delay = 0.3  # slow to answer; drops what it cannot deliver
    async with measure("disconnect with slow confirmations") as budget:
        await receiver.disconnect()
    elapsed = budget.seconds
    await eventually(lambda: rx.eof_at, 1, "the client's end of file")
    assert rx.meter_rate == {1: 0, 2: 0, 3: 0, 4: 0}
    assert len(rx.confirmed_at) == 4
    assert max(rx.confirmed_at) <= rx.eof_at[-1]
    assert 0.3 <= elapsed < FAST.goodbye_timeout + 1.0
    assert receiver.state.meter_rate_ms == 0
    await rx.stop()
    await assert_released(before)


async def test_silent_receiver_bounds_the_wait(fake, client) -> None:
    rx = await fake("ULXD4D", 2)
    receiver = await client(rx.port, meter_rate_ms=2000)
    await eventually(lambda: rx.meter_rate == {1: 2000, 2: 2000})
    rx.answer_meter_rate = False
    loop = asyncio.get_running_loop()
    start = loop.time()
    await receiver.disconnect()
    elapsed = loop.time() - start
    print(f"\n[faults] disconnect from a silent receiver: {elapsed * 1000:.0f} ms")
    assert FAST.goodbye_timeout - 0.1 <= elapsed < FAST.goodbye_timeout + 1.0
    assert "SET 1 METER_RATE 00000" in rx.received


async def test_no_metering_no_wait(fake, client) -> None:
    rx = await fake("ULXD4D", 2)
    receiver = await client(rx.port)
    loop = asyncio.get_running_loop()
    start = loop.time()
    await receiver.disconnect()
    assert loop.time() - start < 0.5
    assert not any("METER_RATE" in text for text in rx.received)


async def test_uhfr_is_told_to_stop(uhfr, client) -> None:
    rx = await uhfr()
    receiver = await client(rx.port, family=Family.UHFR, meter_rate_ms=1200)
    await eventually(lambda: b"* METER 2 ALL 040 *" in rx.received)
    await receiver.disconnect()
    await eventually(lambda: b"* METER 2 ALL STOP *" in rx.received)
