"""Metering, reboot, hang, dropped connections, delays and TCP segmenting."""

from __future__ import annotations

import asyncio
import re

SAMPLE_ULX = re.compile(r"^< SAMPLE [12] ALL (AX|XB|XX) \d{3} \d{3} >$")


async def test_meter_rate_is_device_global(receiver, tcp) -> None:
    rx = await receiver("ULXD4D")
    a = await tcp(rx)
    b = await tcp(rx)
    await a.send("< SET 0 METER_RATE 100 >")
    assert await a.messages(2) == ["< REP 1 METER_RATE 00100 >", "< REP 2 METER_RATE 00100 >"]
    assert await b.messages(2) == ["< REP 1 METER_RATE 00100 >", "< REP 2 METER_RATE 00100 >"]
    assert rx.meter_rate_ms == 100
    samples_a = await a.collect(0.55)
    samples_b = await b.collect(0.01)
    assert all(SAMPLE_ULX.match(s) for s in samples_a), samples_a
    ch1 = [s for s in samples_a if s.startswith("< SAMPLE 1 ")]
    ch2 = [s for s in samples_a if s.startswith("< SAMPLE 2 ")]
    assert 3 <= len(ch1) <= 7
    assert 3 <= len(ch2) <= 7
    assert samples_b  # the other client meters too
    # a third client connecting now gets SAMPLE lines without asking
    c = await tcp(rx)
    assert (await c.message(timeout=0.5)).startswith("< SAMPLE ")
    await b.send("< GET 2 METER_RATE >")
    assert "< REP 2 METER_RATE 00100 >" in await b.until("METER_RATE")
    await a.send("< SET 0 METER_RATE 00000 >")
    await a.until(r"< REP 2 METER_RATE 00000 >")
    await asyncio.sleep(0.05)
    await a.collect(0.05)
    assert await a.collect(0.3) == []
    assert rx.meter_rate_ms == 0


async def test_single_channel_rate_and_metered_values(receiver, tcp) -> None:
    rx = await receiver("AD4Q")
    c = await tcp(rx)
    rx.set_rf(2, -40.0)
    rx.set_audio(2, -10.0)
    assert await c.silence(0.1) == b""  # metered values are not reported unsolicited
    await c.send("< SET 2 METER_RATE 00150 >")
    assert await c.message() == "< REP 2 METER_RATE 00150 >"
    lines = await c.collect(0.5)
    assert lines
    assert set(lines) == {"< SAMPLE 2 ALL 005 063 113 110 BB 31 080 31 080 >"}
    await c.send("< SET 2 METER_RATE 0 >")
    await c.until(r"REP 2 METER_RATE 00000")
    await c.send("< GET 2 RSSI 1 >< GET 2 AUDIO_LEVEL_RMS >")
    assert await c.messages(2) == ["< REP 2 RSSI 1 080 >", "< REP 2 AUDIO_LEVEL_RMS 110 >"]


async def test_slxd_sample_format(receiver, tcp) -> None:
    rx = await receiver("SLXD4")
    c = await tcp(rx)
    await c.send("< SET 1 METER_RATE 100 >")
    await c.message()
    sample = await c.message(timeout=1.0)
    assert sample == "< SAMPLE 1 ALL 099 096 066 >"


async def test_reboot_resets_meter_rate(receiver, tcp) -> None:
    rx = await receiver("QLXD4")
    port = rx.port
    c = await tcp(rx)
    await c.send("< SET 1 METER_RATE 01000 >")
    assert await c.message() == "< REP 1 METER_RATE 01000 >"
    reboot = asyncio.create_task(rx.reboot(0.3))
    assert await c.closed()
    await asyncio.sleep(0.1)
    try:
        await asyncio.open_connection(rx.host, port)
    except OSError:
        pass
    else:
        raise AssertionError("listener should be gone while rebooting")
    await reboot
    assert rx.port == port
    c2 = await tcp(rx)
    await c2.send("< GET 1 METER_RATE >")
    assert await c2.message() == "< REP 1 METER_RATE 00000 >"
    assert rx.meter_rate_ms == 0


async def test_hung_receiver(receiver, tcp) -> None:
    rx = await receiver("ULXD4")
    c = await tcp(rx)
    await c.send("< SET 1 METER_RATE 100 >")
    await c.message()
    rx.set_hung(True)
    await c.collect(0.15)
    await c.send("< GET 1 CHAN_NAME >")
    rx.rename(1, "Nope")
    assert await c.silence(0.4) == b""
    c2 = await tcp(rx)  # still accepts
    await c2.send("< GET 1 CHAN_NAME >")
    assert await c2.silence(0.2) == b""
    rx.set_hung(False)
    await c2.send("< GET 1 CHAN_NAME >")
    assert (await c2.until("CHAN_NAME"))[-1] == "< REP 1 CHAN_NAME {Nope    } >"


async def test_qlxd_hangs_after_metering_into_vanished_client(receiver, tcp) -> None:
    rx = await receiver("QLXD4", hang_on_dead_client=True)
    a = await tcp(rx)
    await a.send("< SET 1 METER_RATE 100 >")
    await a.message()
    await a.close()
    for _ in range(100):
        if rx.hung:
            break
        await asyncio.sleep(0.01)
    assert rx.hung
    b = await tcp(rx)
    await b.send("< GET 1 CHAN_NAME >")
    assert await b.silence(0.3) == b""


async def test_drop_connections(receiver, tcp) -> None:
    rx = await receiver("AD4D")
    a = await tcp(rx)
    b = await tcp(rx)
    assert rx.client_count == 2
    rx.drop_connections()
    assert await a.closed()
    assert await b.closed()
    await asyncio.sleep(0.05)
    assert rx.client_count == 0
    assert not rx.hung


async def test_reply_delay(receiver, tcp) -> None:
    rx = await receiver("SLXD4D", reply_delay=0.25)
    c = await tcp(rx)
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    await c.send("< GET 1 TX_MODEL >< GET 2 TX_MODEL >")
    assert await c.messages(2) == ["< REP 1 TX_MODEL SLXD2 >", "< REP 2 TX_MODEL SLXD1 >"]
    assert loop.time() - t0 >= 0.45


async def test_segmenting_split(receiver, tcp) -> None:
    rx = await receiver("ULXD4", segmenting="split", split_pause=0.08)
    c = await tcp(rx)
    await c.send("< GET 1 CHAN_NAME >")
    assert await c.message() == "< REP 1 CHAN_NAME {CH 1    } >"
    assert c.reads[0] == b"< REP 1 CHAN_NA"  # first half arrives on its own
    assert b"".join(c.reads) == b"< REP 1 CHAN_NAME {CH 1    } >"


async def test_segmenting_merge(receiver, tcp) -> None:
    rx = await receiver("ULXD4", segmenting="merge")
    c = await tcp(rx)
    await c.send("< GET 1 CHAN_NAME >< GET 1 AUDIO_GAIN >< GET 1 TX_TYPE >")
    assert await c.messages(3) == [
        "< REP 1 CHAN_NAME {CH 1    } >",
        "< REP 1 AUDIO_GAIN 021 >",
        "< REP 1 TX_TYPE ULXD2 >",
    ]
    assert (
        c.reads[0]
        == b"< REP 1 CHAN_NAME {CH 1    } >< REP 1 AUDIO_GAIN 021 >< REP 1 TX_TYPE ULXD2 >"
    )


async def test_segmenting_random_keeps_content(receiver, tcp) -> None:
    plain = await receiver("AD4D")
    rnd = await receiver("AD4D", segmenting="random", split_pause=0.002, seed=3)
    out = []
    for rx in (plain, rnd):
        c = await tcp(rx)
        await c.send("< GET 1 ALL >")
        out.append(await c.until("SLOT_BATT_TYPE 8", timeout=5.0))
        if rx is rnd:
            assert len(c.reads) >= 2
    assert out[0] == out[1]


async def test_emit_raw_and_received_log(receiver, tcp) -> None:
    rx = await receiver("ULXD4")
    c = await tcp(rx)
    await c.send("< GET 1 CHAN_NAME >\r\n")
    await c.message()
    rx.emit_raw(b"< REP 1 CHAN_NA")
    rx.emit_raw(b"ME {broken")
    assert await c.silence(0.1) == b"< REP 1 CHAN_NAME {broken"
    assert rx.received == ["< GET 1 CHAN_NAME >"]
