"""PSM1000 (REPORT + CRLF) and UHF-R (UDP ``* … *``) dialects."""

from __future__ import annotations

import asyncio

import pytest


async def test_p10t_reports_with_crlf(receiver, tcp) -> None:
    rx = await receiver("P10T")
    c = await tcp(rx)
    await c.send("< GET 1 CHAN_NAME >\r\n< GET DEVICE_NAME >\r\n< GET 2 FREQUENCY >\r\n")
    await c.messages(3)
    assert c.raw == (
        b"< REPORT 1 CHAN_NAME IEM 1    >\r\n"
        b"< REPORT DEVICE_NAME P10T     >\r\n"
        b"< REPORT 2 FREQUENCY 471900 >\r\n"
    )
    await c.send("< SET 1 RF_MUTE 1 >\r\n< SET 1 AUDIO_IN_LVL -20 >\r\n< GET 1 GROUP_CHAN >\r\n")
    await c.messages(3)
    assert c.raw.endswith(
        b"< REPORT 1 RF_MUTE 1 >\r\n"
        b"< REPORT 1 AUDIO_IN_LVL -020 >\r\n"
        b"< REPORT 1 GROUP_CHAN 01,01 >\r\n"
    )
    assert not rx.channel(1).tx_on


async def test_p10t_ignores_commands_without_crlf(receiver, tcp) -> None:
    rx = await receiver("P10T")
    c = await tcp(rx)
    await c.send("< GET 1 CHAN_NAME >")
    assert await c.silence(0.25) == b""
    await c.send("< GET 2 CHAN_NAME >\r\n")  # the first one is dropped, this one answered
    assert await c.message() == "< REPORT 2 CHAN_NAME IEM 2    >"
    assert await c.silence(0.1) == b"\r\n"
    assert rx.received == ["< GET 1 CHAN_NAME >", "< GET 2 CHAN_NAME >"]
    # the manual's spelling with a space is accepted
    await c.send("< SET 1 CHAN NAME Drums >\r\n")
    assert await c.message() == "< REPORT 1 CHAN_NAME Drums    >"


async def test_p10t_errors_and_meters(receiver, tcp) -> None:
    rx = await receiver("P10T")
    c = await tcp(rx)
    await c.send("< GET 1 ALL >\r\n< SET 1 RF_TX_LVL 20 >\r\n")
    await c.messages(2)
    assert c.raw == b"< REPORT ERR >\r\n< REPORT ERR >\r\n"
    rx.set_audio(2, 0.0)
    await c.send("< SET 2 METER_RATE 100 >\r\n")
    assert await c.message() == "< REPORT 2 METER_RATE 00100 >"
    meters = await c.collect(0.35)
    assert meters[:2] == [
        "< REPORT 2 AUDIO_IN_LVL_L 00002500000 >",
        "< REPORT 2 AUDIO_IN_LVL_R 00002225000 >",
    ]
    assert all("SAMPLE" not in m for m in meters)
    rx.set_transmitter(1, False)
    rx.set_mute(1, False)
    await c.send("< SET 2 METER_RATE 0 >\r\n")
    rest = await c.until("METER_RATE 00000")
    assert "< REPORT 1 RF_MUTE 1 >" in rest
    assert "< REPORT 1 RF_MUTE 0 >" in rest
    with pytest.raises(ValueError):
        rx.set_rf(1, -50)
    with pytest.raises(ValueError):
        rx.set_battery(1, bars=3)


async def test_uhfr_udp_reports(receiver, udp) -> None:
    rx = await receiver("UR4D")
    assert rx.transport == "udp"
    u = await udp(rx)
    u.send("* GET 1 CHAN_NAME *")
    assert await u.recv() == b"* REPORT 1 CHAN_NAME CH_1 *"
    u.send("* GET 2 FREQUENCY *")
    assert await u.recv() == b"* REPORT 2 FREQUENCY 519900 *"
    u.send("* SET 1 CHAN_NAME Lead_Vox *")
    assert await u.recv() == b"* REPORT 1 CHAN_NAME Lead_Vox *"
    assert rx.channel(1).name == "Lead Vox"
    u.send("* GET 1 TX_BAT *")
    assert await u.recv() == b"* REPORT 1 TX_BAT 5 *"
    u.send("* GET 1 BATT_BARS *")  # unknown: UHF-R stays silent
    u.send("* SET 1 MUTE ON *")
    assert await u.recv() == b"* REPORT 1 MUTE ON *"
    assert rx.client_count == 1
    rx.set_transmitter(2, False)
    assert await u.recv() == b"* REPORT 2 TX_BAT U *"


async def test_uhfr_metering(receiver, udp) -> None:
    rx = await receiver("UR4S")
    u = await udp(rx)
    u.send("* METER 1 ALL 003 *")  # 3 x 30 ms
    await asyncio.sleep(0.02)
    assert rx.meter_rate_ms == 90
    samples = await u.collect(0.4)
    assert 3 <= len(samples) <= 6
    assert set(samples) == {b"* SAMPLE 1 ALL AX 054 059 5 015 *"}
    u.send("* METER 1 ALL STOP *")
    await asyncio.sleep(0.05)
    await u.collect(0.0)
    assert await u.collect(0.25) == []
    rx.set_transmitter(1, False)
    assert await u.recv() == b"* REPORT 1 TX_BAT U *"
    u.send("* METER 1 ALL 003 *")
    assert await u.recv() == b"* SAMPLE 1 ALL XX 100 100 U 000 *"
