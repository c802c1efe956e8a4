"""Class 10: floods.

Within one received segment (or datagram) the changes to a channel are
merged into one :class:`Update`, delivered after the segment in order of
first appearance; discovery reports an announcing address at most once per
interval and keeps its tables bounded and pruned.
"""

from __future__ import annotations

import asyncio

import pytest

from custom_components.micboard.devices import Update
from custom_components.micboard.devices.shure import discovery
from custom_components.micboard.devices.shure.discovery import Announcement, DiscoveryListener
from custom_components.micboard.devices.shure.framing import BracketParser
from simulator import build_slp_attr_reply

from .conftest import assert_released, eventually, measure, snapshot


async def test_one_update_per_channel_per_segment(fake, client) -> None:
    rx = await fake("ULXD4D", 2)
    receiver = await client(rx.port)
    updates: list[Update] = []
    receiver.subscribe(updates.append)
    segment = (
        b"< REP 2 BATT_BARS 003 >< REP 1 BATT_BARS 002 >< REP DEVICE_ID {A} >"
        b"< REP 2 AUDIO_GAIN 030 >< REP 1 BATT_BARS 001 >< REP DEVICE_ID {B} >"
        b"< REP FW_VER {9.9} >< SAMPLE 2 ALL AX 079 034 >"
    )
    receiver._on_messages(BracketParser().feed(segment))
    assert [update.channel for update in updates] == [2, 1, None]
    assert updates[0].fields >= {"battery_bars", "gain_db", "rf_level_dbm", "audio_meter"}
    assert updates[1].fields == frozenset({"battery_bars"})
    assert updates[2].fields == frozenset({"device_id", "firmware"})
    assert not updates[0].metered
    state = receiver.state
    assert (state.channels[1].battery_bars, state.channels[2].battery_bars) == (1, 3)
    assert state.device_id == "B"
    # An isolated change is delivered at once, alone.
    updates.clear()
    await rx.push(b"< REP 1 BATT_BARS 004 >")
    await eventually(lambda: updates)
    assert updates == [Update(1, frozenset({"battery_bars"}))]


async def test_ten_thousand_alternating_reports(fake, client) -> None:
    before = snapshot()
    rx = await fake("ULXD4D", 2)
    receiver = await client(rx.port)
    updates: list[Update] = []
    receiver.subscribe(updates.append)
    flood = (
        b"".join(f"< REP {1 + n % 2} BATT_BARS 00{n % 5} >".encode() for n in range(10_000))
        + b"< REP 1 BATT_BARS 005 >"
    )
    async with measure("10 000 alternating battery reports in one write") as budget:
        await rx.push(flood)
        await eventually(lambda: receiver.state.channels[1].battery_bars == 5, 5)
        budget.notes.append(f"{len(updates)} updates delivered")
    assert len(updates) <= 40  # one per channel per read, not 10 000
    assert budget.max_lag < 3.0  # mostly tracemalloc; HA-side stall was 6 s
    assert receiver.connected
    await receiver.disconnect()
    await rx.stop()
    await assert_released(before)


def _announcement(number: int) -> bytes:
    return build_slp_attr_reply(
        fctn="ULXD4Q",
        uacn=f"Flood {number}",
        cid=f"DD47E0D7-0000-11DD-A000-{number:012X}",
        dcid="CCEAC054-E139-11DF-84BA-0015C5F3F612",
        address="127.0.0.1",
    )


async def test_announcement_flood_from_one_address_is_one_callback() -> None:
    before = snapshot()
    found: list[Announcement] = []
    listener = DiscoveryListener(found.append, host="127.0.0.1", port=0, group=None)
    await listener.start()
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(
        asyncio.DatagramProtocol, local_addr=("127.0.0.1", 0)
    )
    try:
        async with measure("300 announcements from one address") as budget:
            for number in range(300):
                transport.sendto(_announcement(number), ("127.0.0.1", listener.port))
                if number % 50 == 0:
                    await asyncio.sleep(0.01)
            await asyncio.sleep(0.2)
            budget.notes.append(f"{len(found)} callback(s), {listener.tracked} table entries")
        assert len(found) == 1
        assert listener.tracked <= 2
    finally:
        transport.close()
        listener.stop()
    await assert_released(before)


async def test_announcement_tables_are_capped_and_pruned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(discovery, "MAX_TRACKED", 64)
    found: list[Announcement] = []
    listener = DiscoveryListener(found.append, group=None)
    datagram = _announcement(1)
    for number in range(5_000):  # spoofed sources, as many as a hostile network sends
        listener.handle(datagram, f"10.{number // 65536}.{number // 256 % 256}.{number % 256}")
    assert listener.tracked <= 2 * 64
    monkeypatch.setattr(discovery, "PRUNE_AFTER", 0.0)
    monkeypatch.setattr(discovery, "CALLBACK_INTERVAL", 0.0)
    await asyncio.sleep(0.01)
    listener.handle(_announcement(2), "10.9.9.9")
    assert listener.tracked <= 2
