"""Every control method sends the unsolicited reports a real receiver would send."""

from __future__ import annotations

import pytest

from simulator import create_receiver


async def test_ulxd_transmitter_off_and_on(receiver, tcp) -> None:
    rx = await receiver("ULXD4Q")
    c = await tcp(rx)
    rx.set_transmitter(2, False)
    reps = await c.until("BATT_TYPE")
    assert reps == [
        "< REP 2 TX_TYPE UNKN >",
        "< REP 2 TX_DEVICE_ID {        } >",
        "< REP 2 TX_OFFSET 255 >",
        "< REP 2 TX_RF_PWR UNKN >",
        "< REP 2 TX_MUTE_STATUS UNKN >",
        "< REP 2 TX_PWR_LOCK UNKN >",
        "< REP 2 TX_MENU_LOCK UNKN >",
        "< REP 2 TX_MUTE_BUTTON_STATUS UNKN >",
        "< REP 2 TX_POWER_SOURCE UNKN >",
        "< REP 2 BATT_BARS 255 >",
        "< REP 2 BATT_CHARGE 255 >",
        "< REP 2 BATT_HEALTH 255 >",
        "< REP 2 BATT_CYCLE 65535 >",
        "< REP 2 BATT_RUN_TIME 65535 >",
        "< REP 2 BATT_TEMP_C 255 >",
        "< REP 2 BATT_TEMP_F 255 >",
        "< REP 2 BATT_TYPE UNKN >",
    ]
    ch = rx.channel(2)
    assert (ch.tx_on, ch.tx_model, ch.battery_bars, ch.antenna, ch.rf_raw) == (
        False,
        "UNKN",
        255,
        "XX",
        [30],
    )
    rx.set_transmitter(2, False)  # no change, no report
    await c.send("< SET 2 METER_RATE 100 >")
    assert await c.message() == "< REP 2 METER_RATE 00100 >"
    assert await c.message() == "< SAMPLE 2 ALL XX 030 000 >"
    await c.send("< SET 2 METER_RATE 0 >")
    await c.until("METER_RATE 00000")
    await c.collect(0.15)
    rx.set_transmitter(2, True, model="ULXD8")
    reps = await c.until("BATT_TYPE")
    assert reps[:3] == [
        "< REP 2 TX_TYPE ULXD8 >",
        "< REP 2 TX_DEVICE_ID {TX2     } >",
        "< REP 2 TX_OFFSET 000 >",
    ]
    assert "< REP 2 TX_MUTE_BUTTON_STATUS RELEASED >" in reps
    assert "< REP 2 BATT_RUN_TIME 00480 >" in reps  # battery came back


async def test_axient_transmitter_off(receiver, tcp) -> None:
    rx = await receiver("AD4Q")
    c = await tcp(rx)
    rx.set_transmitter(4, False)
    reps = await c.until("SLOT_BATT_MINS 1")
    for expected in (
        "< REP 4 TX_MODEL UNKNOWN >",
        "< REP 4 TX_BATT_BARS 255 >",
        "< REP 4 TX_BATT_MINS 65535 >",
        "< REP 4 CHAN_QUALITY 255 >",
        "< REP 4 ANTENNA_STATUS XX >",
        "< REP 4 SLOT_STATUS 1 LINKED.INACTIVE >",
        "< REP 4 SLOT_BATT_BARS 1 255 >",
    ):
        assert expected in reps
    await c.send("< SET 4 METER_RATE 100 >")
    await c.message()
    assert await c.message() == "< SAMPLE 4 ALL 255 000 005 020 XX 00 005 00 006 >"


async def test_slxd_transmitter_off(receiver, tcp) -> None:
    rx = await receiver("SLXD4D")
    c = await tcp(rx)
    rx.set_transmitter(1, False)
    assert await c.messages(3) == [
        "< REP 1 TX_MODEL UNKNOWN >",
        "< REP 1 TX_BATT_BARS 255 >",
        "< REP 1 TX_BATT_MINS 65535 >",
    ]
    with pytest.raises(ValueError, match="not a transmitter"):
        rx.set_transmitter(1, True, model="ULXD2")


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        (
            "ULXD4",
            [
                "< REP 1 BATT_BARS 002 >",
                "< REP 1 BATT_CHARGE 033 >",
                "< REP 1 BATT_RUN_TIME 00120 >",
            ],
        ),
        (
            "AD4D",
            [
                "< REP 1 TX_BATT_BARS 002 >",
                "< REP 1 SLOT_BATT_BARS 1 002 >",
                "< REP 1 TX_BATT_CHARGE_PERCENT 033 >",
                "< REP 1 SLOT_BATT_CHARGE_PERCENT 1 033 >",
                "< REP 1 TX_BATT_MINS 00120 >",
                "< REP 1 SLOT_BATT_MINS 1 00120 >",
            ],
        ),
        ("SLXD4", ["< REP 1 TX_BATT_BARS 002 >", "< REP 1 TX_BATT_MINS 00120 >"]),
    ],
)
async def test_set_battery(receiver, tcp, model, expected) -> None:
    rx = await receiver(model)
    c = await tcp(rx)
    rx.set_battery(1, bars=2, minutes=120, percent=33)
    assert await c.messages(len(expected)) == expected
    rx.set_battery(1, bars=2)  # unchanged: silent
    assert await c.silence(0.1) == b""
    with pytest.raises(ValueError, match="bars"):
        rx.set_battery(1, bars=7)


async def test_drain_battery_is_consistent(receiver, tcp) -> None:
    rx = await receiver("ULXD4")  # capacity 600 min, starts at 540 (90 %, 5 bars)
    c = await tcp(rx)
    rx.drain_battery(1, 60)
    assert await c.messages(3) == [
        "< REP 1 BATT_BARS 004 >",
        "< REP 1 BATT_CHARGE 080 >",
        "< REP 1 BATT_RUN_TIME 00480 >",
    ]
    rx.drain_battery(1, 10)  # 470 min = 78 %: bars unchanged
    assert await c.messages(2) == ["< REP 1 BATT_CHARGE 078 >", "< REP 1 BATT_RUN_TIME 00470 >"]
    rx.drain_battery(1, 480)
    assert await c.messages(3) == [
        "< REP 1 BATT_BARS 000 >",
        "< REP 1 BATT_CHARGE 000 >",
        "< REP 1 BATT_RUN_TIME 00000 >",
    ]
    ch = rx.channel(1)
    assert (ch.battery_bars, ch.battery_percent, ch.battery_minutes) == (0, 0, 0)


async def test_rename_device_id_mute_interference(receiver, tcp) -> None:
    rx = await receiver("ULXD4D")
    c = await tcp(rx)
    rx.rename(2, "Lead Vox")
    rx.set_device_id("FOH")
    rx.set_mute(1, True)
    rx.set_interference(2, True)
    assert await c.messages(4) == [
        "< REP 2 CHAN_NAME {Lead Vox} >",
        "< REP DEVICE_ID {FOH     } >",
        "< REP 1 AUDIO_MUTE ON >",
        "< REP 2 RF_INT_DET CRITICAL >",
    ]
    with pytest.raises(ValueError):
        rx.rename(1, "A name that is far too long")


async def test_axient_dropout_interference_rf(receiver, tcp) -> None:
    rx = await receiver("AD4D")
    c = await tcp(rx)
    rx.rf_dropout(1, True)
    assert await c.messages(2) == ["< REP 1 ANTENNA_STATUS XX >", "< REP 1 CHAN_QUALITY 000 >"]
    rx.rf_dropout(1, False)
    assert await c.messages(2) == ["< REP 1 ANTENNA_STATUS BB >", "< REP 1 CHAN_QUALITY 005 >"]
    rx.set_interference(1, True)
    assert await c.message() == "< REP 1 INTERFERENCE_STATUS DETECTED >"
    rx.set_mute(2, True)
    assert await c.message() == "< REP 2 AUDIO_MUTE ON >"
    rx.set_rf(1, -100.0, antenna=2)
    assert await c.silence(0.1) == b""  # metered: no unsolicited report
    assert rx.channel(1).antenna == "BX"
    assert rx.channel(1).rf_raw == [66, 20]


def test_controls_without_network() -> None:
    rx = create_receiver("SLXD4D")
    rx.set_transmitter(1, False)
    rx.set_battery(1, bars=3)  # stored for when the transmitter comes back
    rx.set_transmitter(1, True)
    assert rx.channel(1).battery_bars == 3
    with pytest.raises(ValueError, match="interference"):
        rx.set_interference(1, True)
    with pytest.raises(ValueError, match="mute"):
        rx.set_mute(1, True)
    with pytest.raises(ValueError, match="channels"):
        rx.channel(3)
