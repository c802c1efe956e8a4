"""Class 3: lines that do not belong.

A line is applied only when the receiver's family speaks its verb and
defines its parameter, and only for an index that exists; on reconnect the
known family decides; no table keyed by device input grows without bound.
"""

from __future__ import annotations

import asyncio

from custom_components.micboard.devices import Family, ReceiverChangedError, ReceiverInfo
from custom_components.micboard.devices.models import ReceiverState
from custom_components.micboard.devices.shure.decoder import Decoder
from custom_components.micboard.devices.shure.framing import BracketParser

from .conftest import FAST, assert_released, eventually, measure, snapshot


def _decoder(family: Family, channels: int = 2) -> Decoder:
    return Decoder(ReceiverState(ReceiverInfo(family, "test", channels, "127.0.0.1", 2202)))


def _feed(decoder: Decoder, stream: bytes) -> list[object]:
    return [decoder.apply(message) for message in BracketParser().feed(stream)]


async def test_other_dialects_change_nothing_on_a_ulxd(fake, client) -> None:
    resources = snapshot()
    rx = await fake()
    receiver = await client(rx.port)
    state = receiver.state
    before = state.as_dict()
    assert state.channels[1].tx_on is True
    async with measure("lines of other dialects, 200 times over") as budget:
        await rx.push(
            200 * b"< REP 1 LINK_STATUS 1 offline >< REP 1 LINK_STATUS 2 offline >"  # SLX-D+
            b"< REP 99 METER_RATE 01000 >< REP 0 METER_RATE 01000 >"  # no such channel
            b"< REP 1 AUDIO_IN_LVL_L 2502970 >"  # PSM1000 meter
            b"< REP RF_BAND {G57} >< REP ENCRYPTION_MODE ON >< REP DEVICE_NAME {Evil} >"
            b"< REPORT 1 CHAN_NAME Evil >\r\n< REPORT 1 TX_TYPE UNKN >\r\n"  # PSM/UHF-R verb
            b"< SAMPLE 1 ALL 005 031 102 102 BB 31 086 31 065 >"  # Axient Digital sample
            b"< REP 5 CHAN_NAME {Five} >< REP 1 SLOT_TX_MODEL 1 {AD2} >"
        )
        await rx.push(b"< REP 2 AUDIO_GAIN 030 >")
        await eventually(lambda: state.channels[2].gain_db == 12)
    assert budget.max_lag < 2.0
    assert budget.peak_bytes < 16 * 1024 * 1024
    after = state.as_dict()
    after["channels"][2]["gain_db"] = before["channels"][2]["gain_db"]
    assert after == before
    assert sorted(state.channels) == [1, 2]
    assert receiver.connected
    assert rx.connections == 1
    await receiver.disconnect()
    await rx.stop()
    await assert_released(resources)


def test_meter_rate_needs_an_existing_channel() -> None:
    decoder = _decoder(Family.ULXD)
    assert _feed(decoder, b"< REP 99 METER_RATE 01000 >< REP 3 METER_RATE 01000 >") == [
        None,
        None,
    ]
    assert decoder.state.meter_rate_ms is None
    _feed(decoder, b"< REP 2 METER_RATE 01000 >")
    assert decoder.state.meter_rate_ms == 1000


def test_family_specific_lines_only_apply_to_their_family() -> None:
    slxd = _decoder(Family.SLXD)
    _feed(slxd, b"< REP 1 TX_MODEL SLXD2 >< REP 1 LINK_STATUS 1 offline >")
    assert slxd.state.channel(1).tx_on is False
    psm = _decoder(Family.PSM1000)
    _feed(psm, b"< REPORT 1 AUDIO_IN_LVL_L 2502970 >\r\n")
    assert psm.state.channel(1).audio_meter == 100
    psm_rep = _decoder(Family.PSM1000)
    _feed(psm_rep, b"< REP 1 AUDIO_IN_LVL_L 2502970 >< REP 1 CHAN_NAME Vox >")
    assert psm_rep.state.channel(1).audio_meter is None
    assert psm_rep.state.channel(1).name is None
    qlxd = _decoder(Family.QLXD, 1)
    _feed(qlxd, b"< REP FLASH ON >< REP 1 TX_TYPE QLXD2 >")
    assert qlxd.state.identifying is None
    uhfr = _decoder(Family.UHFR)
    _feed(uhfr, b"< REP DEVICE_ID {Evil} >< REPORT 1 METER_RATE 01000 >")
    assert uhfr.state.device_id is None
    assert uhfr.state.meter_rate_ms is None


def test_tables_keyed_by_device_input_stay_bounded() -> None:
    decoder = _decoder(Family.SLXD)
    stream = b"".join(
        f"< REP 1 LINK_STATUS {slot} online >< REP {slot} CHAN_NAME {{x}} >".encode()
        for slot in range(10_000)
    )
    _feed(decoder, stream)
    assert set(decoder._links) <= {1, 2}
    assert all(len(slots) <= 2 for slots in decoder._links.values())
    assert sorted(decoder.state.channels) == [1, 2]
    assert set(decoder._presence) <= {1, 2}
    assert all(len(indicators) <= 4 for indicators in decoder._presence.values())


async def test_report_line_on_reconnect_does_not_reidentify(fake, client) -> None:
    rx = await fake("ULXD4D", 2)
    receiver = await client(rx.port, family=Family.ULXD)
    problems: list[object] = []
    events: list[bool] = []
    receiver.subscribe_problem(problems.append)
    receiver.subscribe_connection(events.append)
    rx.after_model = b"< REPORT 1 CHAN_NAME Evil >\r\n< REPORT DEVICE_NAME Evil >\r\n"
    rx.drop()
    await eventually(lambda: events == [False, True], 5, "reconnect")
    assert (receiver.info.family, receiver.info.model) == (Family.ULXD, "ULXD4D")
    assert receiver.state.channels[1].name == "Mic 1"
    assert problems == []


async def test_reconnect_finding_a_report_dialect_device_is_a_changed_receiver(
    fake, client
) -> None:
    rx = await fake("ULXD4D", 2)
    receiver = await client(rx.port)
    problems: list[object] = []
    receiver.subscribe_problem(problems.append)
    rx.mode = "report"  # a P10T now answers at this address
    rx.drop()
    await eventually(lambda: problems, 5, "problem reported")
    (problem,) = problems
    assert isinstance(problem, ReceiverChangedError)
    assert (problem.old.model, problem.new.model) == ("ULXD4D", "P10T")
    assert receiver.info.model == "ULXD4D"
    assert not receiver.connected
    await asyncio.sleep(FAST.reconnect_max * 3)
    assert len(problems) == 1  # not on every retry
