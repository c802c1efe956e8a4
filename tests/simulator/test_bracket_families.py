"""Raw-byte conversations with the bracket families (ULX-D, QLX-D, SLX-D(+), Axient Digital)."""

from __future__ import annotations

import asyncio
import re

import pytest

REP_LINE = re.compile(r"^< (REP|SAMPLE) [^<>]* >$")


def sp(n: int) -> str:
    return " " * n


async def test_ulxd_get_all_dump(receiver, tcp) -> None:
    rx = await receiver("ULXD4Q")
    c = await tcp(rx)
    await c.send("< GET 1 ALL >")
    dump = await c.until(r"AUDIO_LVL")
    assert dump[:10] == [
        "< REP DEVICE_ID {ULXD4Q  } >",
        "< REP FW_VER {2.7.6.0" + sp(17) + "} >",
        "< REP ENCRYPTION OFF >",
        "< REP FLASH OFF >",
        "< REP AUDIO_SUMMING_MODE OFF >",
        "< REP FREQUENCY_DIVERSITY_MODE OFF >",
        "< REP HIGH_DENSITY OFF >",
        "< REP 1 CHAN_NAME {CH 1    } >",
        "< REP 1 METER_RATE 00000 >",
        "< REP 1 AUDIO_GAIN 021 >",
    ]
    assert all(REP_LINE.match(line) for line in dump)
    assert "< REP 1 FREQUENCY 470625 >" in dump  # 6-digit kHz
    assert "< REP 1 GROUP_CHAN 01,01 >" in dump
    assert "< REP 1 BATT_BARS 005 >" in dump
    assert "< REP 1 BATT_RUN_TIME 00540 >" in dump
    assert "< REP 1 BATT_TEMP_C 64 >" in dump  # unpadded like the real dump
    assert "< REP 1 RF_ANTENNA AX >" in dump
    assert not any("MODEL" in line for line in dump)  # GET MODEL disputed on ULX-D
    # receivers send nothing after '>'
    assert c.raw.endswith(b">")
    assert b"\r" not in c.raw
    assert b"\n" not in c.raw
    assert await c.silence(0.1) == b""


async def test_get_0_all_covers_every_channel(receiver, tcp) -> None:
    rx = await receiver("ULXD4D")
    c = await tcp(rx)
    await c.send("< GET 0 ALL >")
    dump = await c.until(r"< REP 2 AUDIO_LVL")
    assert sum(line.startswith("< REP DEVICE_ID") for line in dump) == 1
    assert [line for line in dump if "CHAN_NAME" in line] == [
        "< REP 1 CHAN_NAME {CH 1    } >",
        "< REP 2 CHAN_NAME {CH 2    } >",
    ]


async def test_qlxd_lacks_ulx_only_parameters(receiver, tcp) -> None:
    rx = await receiver("QLXD4")
    c = await tcp(rx)
    await c.send("< GET 1 ALL >")
    dump = await c.until(r"AUDIO_LVL")
    text = "\n".join(dump)
    for absent in ("AUDIO_MUTE", "FLASH", "RF_INT_DET", "AUDIO_SUMMING_MODE"):
        assert absent not in text
    await c.send("< GET 1 AUDIO_MUTE >< GET MODEL >")
    assert await c.messages(2) == ["< REP ERR >", "< REP ERR >"]
    with pytest.raises(ValueError, match="no mute"):
        rx.set_mute(1, True)
    with pytest.raises(ValueError, match="interference"):
        rx.set_interference(1, True)


async def test_get_model_option(receiver, tcp) -> None:
    rx = await receiver("ULXD4")
    c = await tcp(rx)
    await c.send("< GET MODEL >")
    assert await c.message() == "< REP ERR >"
    rx.answers_model = True
    await c.send("< GET MODEL >")
    assert await c.message() == "< REP MODEL {ULXD4" + sp(27) + "} >"


async def test_axient_dump_and_slots(receiver, tcp) -> None:
    rx = await receiver("AD4Q")
    c = await tcp(rx)
    await c.send("< GET 3 ALL >")
    dump = await c.until(r"SLOT_BATT_TYPE 8")
    assert dump[:10] == [
        "< REP DEVICE_ID {AD4Q" + sp(27) + "} >",
        "< REP MODEL {AD4Q-A" + sp(25) + "} >",
        "< REP FW_VER {1.7.10.0" + sp(16) + "} >",
        "< REP RF_BAND {G57     } >",
        "< REP ENCRYPTION_MODE OFF >",
        "< REP QUADVERSITY_MODE OFF >",
        "< REP TRANSMISSION_MODE STANDARD >",
        "< REP FLASH OFF >",
        "< REP 3 CHAN_NAME {CH 3" + sp(27) + "} >",
        "< REP 3 METER_RATE 00000 >",
    ]
    assert "< REP 3 FREQUENCY 0473450 >" in dump  # 7 digits on AD
    assert "< REP 3 GROUP_CHANNEL {01,03} >" in dump
    assert "< REP 3 TX_MODEL ADX1 >" in dump
    assert "< REP 3 SLOT_STATUS 1 LINKED.ACTIVE >" in dump
    assert "< REP 3 SLOT_BATT_BARS 8 255 >" in dump
    assert "< REP 3 RSSI 2 059 >" in dump
    assert "< REP 3 RSSI_LED_BITMAP 1 31 >" in dump
    await c.send("< GET 3 SLOT_STATUS 2 >< GET 3 RSSI >< GET 3 SLOT_STATUS 9 >")
    assert await c.messages(4) == [
        "< REP 3 SLOT_STATUS 2 EMPTY >",
        "< REP 3 RSSI 1 062 >",
        "< REP 3 RSSI 2 059 >",
        "< REP ERR >",
    ]
    # ADX-only slot settings
    await c.send("< SET 3 SLOT_RF_OUTPUT 1 RF_MUTE >< SET 1 SLOT_RF_OUTPUT 1 RF_MUTE >")
    assert await c.messages(2) == ["< REP 3 SLOT_RF_OUTPUT 1 RF_MUTE >", "< REP ERR >"]


async def test_axient_name_is_31_wide_and_broadcast(receiver, tcp) -> None:
    rx = await receiver("AD4D")
    a = await tcp(rx)
    b = await tcp(rx)
    await a.send("< SET 2 CHAN_NAME {Lead Vox} >")
    expected = "< REP 2 CHAN_NAME {Lead Vox" + sp(23) + "} >"
    assert await a.message() == expected
    assert await b.message() == expected
    assert rx.channel(2).name == "Lead Vox"
    await a.send("< SET 2 CHAN_NAME {Much too long} >")
    assert await a.message() == "< REP ERR >"


async def test_slxd_dump_and_flash(receiver, tcp) -> None:
    rx = await receiver("SLXD4D", flash_duration=0.2)
    c = await tcp(rx)
    await c.send("< GET 2 ALL >")
    dump = await c.until(r"TX_BATT_MINS")
    assert dump[:10] == [
        "< REP MODEL {SLXD4D" + sp(26) + "} >",
        "< REP DEVICE_ID {SLXD4D  } >",
        "< REP RF_BAND {G58     } >",
        "< REP LOCK_STATUS OFF >",
        "< REP FW_VER {1.2.14.0" + sp(16) + "} >",
        "< REP 2 CHAN_NAME {CH 2" + sp(27) + "} >",
        "< REP 2 AUDIO_GAIN 024 >",
        "< REP 2 AUDIO_OUT_LVL_SWITCH MIC >",
        "< REP 2 GROUP_CHANNEL {1,2  } >",
        "< REP 2 FREQUENCY 0472000 >",
    ]
    assert "< REP 2 RSSI 1 064 >" in dump
    assert "< REP 2 RSSI 2 060 >" in dump
    assert "< REP 2 TX_MODEL SLXD1 >" in dump
    assert not any("FLASH" in line for line in dump)
    await c.send("< GET FLASH >")
    assert await c.message() == "< REP ERR >"
    await c.send("< SET FLASH ON >")
    assert await c.message() == "< REP FLASH ON >"
    assert await c.message(timeout=1.0) == "< REP FLASH OFF >"  # auto-off
    await c.send("< SET 1 FLASH ON >")
    assert await c.messages(2, timeout=1.0) == ["< REP 1 FLASH ON >", "< REP 1 FLASH OFF >"]


async def test_slxd_plus_quirks(receiver, tcp) -> None:
    rx = await receiver("SLXD4D+")
    c = await tcp(rx)
    await c.send("< GET 0 ALL >")
    assert await c.message() == "< REP ERR >"
    await c.send("< GET 1 ALL >")
    dump = await c.until(r"SLOT_TX_MODEL 2")
    assert "< REP 1 RSSI 066 >" in dump  # single RSSI without antenna index
    assert "< REP 1 TX_MODEL SLXD2+ >" in dump
    assert "< REP 1 LINK_STATUS 1 online >" in dump
    assert "< REP 1 LINK_STATUS 2 offline >" in dump
    assert "< REP 1 SLOT_TX_MODEL 1 {SLXD2+    } >" in dump
    assert "< REP 1 ANTENNA_STATUS BB >" in dump
    assert "< REP 1 INTERFERENCE_STATUS NONE >" in dump
    await c.send("< GET 1 NO_SUCH_THING >< GET 3 CHAN_NAME >")
    assert await c.messages(2) == ["< REP ERR >", "< REP ERR >"]
    rx.set_transmitter(1, False)
    reps = await c.until(r"ANTENNA_STATUS")
    assert "< REP 1 TX_MODEL UNKNOWN >" in reps
    assert "< REP 1 LINK_STATUS 1 offline >" in reps
    assert "< REP 1 ANTENNA_STATUS XX >" in reps
    rx.set_interference(2, True)
    assert await c.message() == "< REP 2 INTERFERENCE_STATUS DETECTED >"


async def test_slxd_quad_plus_model(receiver, tcp) -> None:
    rx = await receiver("SLXD4Q+")
    assert rx.channel_count == 4
    c = await tcp(rx)
    await c.send("< GET 4 TX_MODEL >< GET 0 ALL >")
    assert await c.messages(2) == ["< REP 4 TX_MODEL SLXD2+ >", "< REP ERR >"]


async def test_slxd_controller_access_off(receiver, tcp) -> None:
    rx = await receiver("SLXD4", controller_access=False)
    c = await tcp(rx)
    assert rx.client_count == 1  # TCP is accepted
    await c.send("< GET 1 CHAN_NAME >< SET 1 AUDIO_GAIN 30 >< GET NOPE >")
    assert await c.silence(0.3) == b""
    assert rx.received == ["< GET 1 CHAN_NAME >", "< SET 1 AUDIO_GAIN 30 >", "< GET NOPE >"]
    assert rx.channel(1).gain_raw != 30
    rx.controller_access = True
    await c.send("< GET 1 CHAN_NAME >")
    assert await c.message() == "< REP 1 CHAN_NAME {CH 1" + sp(27) + "} >"


async def test_errors_and_silent_option(receiver, tcp) -> None:
    rx = await receiver("ULXD4Q")
    c = await tcp(rx)
    bad = [
        "< GET 1 NO_SUCH >",  # unknown name
        "< GET 5 CHAN_NAME >",  # wrong index
        "< GET 0 DEVICE_ID >",  # device property with index
        "< GET CHAN_NAME >",  # channel property without index
        "< SET 1 TX_TYPE ULXD2 >",  # read-only
        "< SET 1 AUDIO_GAIN 061 >",  # out of range
        "< SET 1 AUDIO_MUTE MAYBE >",  # bad value
        "< FETCH 1 CHAN_NAME >",  # malformed verb
        "hello >",  # no '<'
        "< SET 1 METER_RATE 00050 >",  # below 100 ms
    ]
    await c.send("".join(bad))
    assert await c.messages(len(bad)) == ["< REP ERR >"] * len(bad)
    rx.unknown_reply = "silent"
    await c.send("< GET 1 NO_SUCH >< GET 5 CHAN_NAME >< SET 1 TX_TYPE ULXD2 >")
    assert await c.silence(0.2) == b""
    await c.send("< SET 1 AUDIO_GAIN 099 >")  # out of range still errors
    assert await c.message() == "< REP ERR >"


async def test_input_tolerance(receiver, tcp) -> None:
    rx = await receiver("ULXD4D")
    c = await tcp(rx)
    await c.send("<  SET   1   AUDIO_GAIN   40  >\r\n")
    assert await c.message() == "< REP 1 AUDIO_GAIN 040 >"
    await c.send("< SET 1 AUDIO_GAIN 041 >\n")
    assert await c.message() == "< REP 1 AUDIO_GAIN 041 >"
    await c.send("< SET 1 METER_RATE 0 >")
    assert await c.message() == "< REP 1 METER_RATE 00000 >"
    for part in (b"< GE", b"T 2 CH", b"AN_NAME", b" >"):
        await c.send(part)
        await asyncio.sleep(0.02)
    assert await c.message() == "< REP 2 CHAN_NAME {CH 2    } >"
    await c.send("< GET 1 AUDIO_GAIN >< GET 2 AUDIO_GAIN >\r\n< GET 1 TX_TYPE >")
    assert await c.messages(3) == [
        "< REP 1 AUDIO_GAIN 041 >",
        "< REP 2 AUDIO_GAIN 024 >",
        "< REP 1 TX_TYPE ULXD2 >",
    ]
    await c.send("< SET 2 CHAN_NAME Vox >")  # unbraced single word
    assert await c.message() == "< REP 2 CHAN_NAME {Vox     } >"


async def test_gain_inc_dec_clamp(receiver, tcp) -> None:
    rx = await receiver("AD4D")
    c = await tcp(rx)
    await c.send("< SET 1 AUDIO_GAIN 058 >< SET 1 AUDIO_GAIN INC 5 >< SET 1 AUDIO_GAIN DEC 10 >")
    assert await c.messages(3) == [
        "< REP 1 AUDIO_GAIN 058 >",
        "< REP 1 AUDIO_GAIN 060 >",
        "< REP 1 AUDIO_GAIN 050 >",
    ]
    await c.send("< SET 1 AUDIO_GAIN DEC 60 >< SET 1 AUDIO_GAIN DEC 70 >")
    assert await c.messages(2) == ["< REP 1 AUDIO_GAIN 000 >", "< REP ERR >"]
    await c.send("< SET 1 AUDIO_MUTE TOGGLE >")
    assert await c.message() == "< REP 1 AUDIO_MUTE ON >"


@pytest.mark.parametrize(
    ("model", "set_freq", "freq_rep", "group_none", "set_group", "group_rep", "freq2"),
    [
        (
            "ULXD4",
            "< SET 1 FREQUENCY 500000 >",
            "< REP 1 FREQUENCY 500000 >",
            "< REP 1 GROUP_CHAN --,-- >",
            "< SET 1 GROUP_CHAN 2,3 >",
            "< REP 1 GROUP_CHAN 02,03 >",
            "< REP 1 FREQUENCY 476425 >",
        ),
        (
            "AD4D",
            "< SET 1 FREQUENCY 594075 >",
            "< REP 1 FREQUENCY 0594075 >",
            "< REP 1 GROUP_CHANNEL {--,--} >",
            "< SET 1 GROUP_CHANNEL {02,03} >",
            "< REP 1 GROUP_CHANNEL {02,03} >",
            "< REP 1 FREQUENCY 0476450 >",
        ),
        (
            "SLXD4D",
            "< SET 1 FREQUENCY 0502125 >",
            "< REP 1 FREQUENCY 0502125 >",
            "< REP 1 GROUP_CHANNEL {--,--} >",
            "< SET 1 GROUP_CHANNEL 2,3 >",
            "< REP 1 GROUP_CHANNEL {2,3  } >",
            "< REP 1 FREQUENCY 0476400 >",
        ),
    ],
)
async def test_frequency_group_coupling(
    receiver, tcp, model, set_freq, freq_rep, group_none, set_group, group_rep, freq2
) -> None:
    rx = await receiver(model)
    c = await tcp(rx)
    await c.send(set_freq)
    assert await c.messages(2) == [freq_rep, group_none]
    await c.send(set_group)
    assert await c.messages(2) == [group_rep, freq2]
    await c.send(set_freq.split(" FREQUENCY ")[0] + " FREQUENCY 502130 >")  # off the raster
    await c.send(set_freq.split(" FREQUENCY ")[0] + " FREQUENCY 999000 >")  # outside the band
    assert await c.messages(2) == ["< REP ERR >", "< REP ERR >"]


async def test_device_id_set_and_get(receiver, tcp) -> None:
    rx = await receiver("ULXD4D")
    c = await tcp(rx)
    await c.send("< SET DEVICE_ID {Stage L} >< GET DEVICE_ID >")
    assert await c.messages(2) == ["< REP DEVICE_ID {Stage L } >"] * 2
    assert rx.device.device_id == "Stage L"
