"""The SSCv2 client against the terse device: identity, values, notifications, commands."""

from __future__ import annotations

import aiohttp
import pytest

from custom_components.micboard.devices import (
    Access,
    Capability,
    DeviceConnectionError,
    Family,
    Receiver,
    UnsupportedDeviceError,
    Update,
)
from custom_components.micboard.devices.models import TRANSMITTER_FIELDS

from .conftest import ClientFactory, DeviceFactory
from .helpers import eventually
from .terse import SESSIONS, ewdx


async def test_connect_reads_identity_and_values(
    device: DeviceFactory, client: ClientFactory
) -> None:
    terse = await device()
    receiver = await client(terse, meter_rate_ms=200)
    assert isinstance(receiver, Receiver)
    info = receiver.info
    assert (info.family, info.model, info.channel_count) == (Family.EW_DX, "EWDX2CHS", 2)
    assert (info.serial, info.firmware, info.rf_band) == ("EWDX123", "4.0.1", "Q1-9")
    assert info.manufacturer == "Sennheiser"
    state = receiver.state
    assert state.connected
    assert receiver.connected
    assert state.device_id == "STAGE-LEFT"
    assert state.identifying is False
    ch = state.channel(1)
    assert (ch.name, ch.muted, ch.gain_db, ch.frequency_mhz) == ("CH1", False, 12, 650.425)
    assert (ch.tx_on, ch.tx_model, ch.tx_name, ch.tx_muted) == (True, "EW_DX_SKM", "TX1", False)
    assert (ch.battery_percent, ch.battery_runtime_min, ch.battery_type) == (80, 300, "Battery")
    assert (ch.rf_level_dbm, ch.link_quality_percent, ch.antenna) == (-60.0, 90, "A")
    assert ch.audio_level_dbfs == -30.5
    assert (ch.warnings, ch.interference, ch.low_signal) == ((), False, False)
    assert state.channel(2).frequency_mhz == 651.425
    assert state.channel(2).rf_level_dbm == -61.0
    assert Capability.FREQUENCY in receiver.capabilities
    assert Capability.AUDIO_ACTIVITY not in receiver.capabilities
    assert Capability.BATTERY_HEALTH not in receiver.capabilities
    # Every resource the client reads is subscribed too, in one session.
    assert len(terse.sessions) == 1
    session = next(iter(terse.sessions.values()))
    assert "/api/transmitters/1/battery" in session.paths
    assert "/api/channel/0/level" in session.paths


async def test_meters_are_neither_read_nor_subscribed_while_metering_is_off(
    device: DeviceFactory, client: ClientFactory
) -> None:
    terse = await device()
    receiver = await client(terse)
    session = next(iter(terse.sessions.values()))
    assert not any("Indicator" in p or p.endswith("/level") for p in session.paths)
    assert terse.count("GET", "/api/channel/0/level") == 0
    assert receiver.state.channel(1).rf_level_dbm is None


@pytest.mark.parametrize(
    ("product", "channels"), [("EWDX2CHDS", 2), ("EWDX4CHDS", 4), ("EW-DX EM 4 Dante", 4)]
)
async def test_channel_count_from_the_product(
    device: DeviceFactory, client: ClientFactory, product: str, channels: int
) -> None:
    terse = await device(ewdx(4, product))
    receiver = await client(terse)
    assert receiver.info.channel_count == channels
    assert receiver.info.family is Family.EW_DX


async def test_unknown_product_channel_count_is_probed(
    device: DeviceFactory, client: ClientFactory
) -> None:
    terse = await device(ewdx(3, "EWDX-NEXT"))
    receiver = await client(terse)
    assert (receiver.info.family, receiver.info.channel_count) == (Family.EW_DX, 3)
    assert terse.count("GET", "/api/channel/3") == 1


async def test_unsupported_product(device: DeviceFactory, client: ClientFactory) -> None:
    resources = {k: v for k, v in ewdx(1, "MIXER").items() if not k.startswith("/api/channel")}
    terse = await device(resources)
    with pytest.raises(UnsupportedDeviceError):
        await client(terse)
    assert terse.deleted or not terse.sessions


async def test_absent_transmitter_422(device: DeviceFactory, client: ClientFactory) -> None:
    terse = await device(absent={1})
    receiver = await client(terse)
    ch = receiver.state.channel(2)
    assert ch.tx_on is False
    assert all(getattr(ch, name) is None for name in TRANSMITTER_FIELDS)
    assert receiver.state.channel(1).tx_on is True
    assert ch.name == "CH2"


async def test_transmitter_going_and_coming_through_notifications(
    device: DeviceFactory, client: ClientFactory
) -> None:
    terse = await device(absent={0})
    receiver = await client(terse)
    ch = receiver.state.channel(1)
    assert ch.tx_on is False
    terse.resources["/api/transmitters/0/battery"] = {"type": "Battery", "lifetime": 55, "gauge": 9}
    terse.set_transmitter(0, True)
    await eventually(lambda: ch.battery_percent == 9, what="battery read after appearing")
    assert (ch.tx_on, ch.battery_runtime_min, ch.tx_name) == (True, 55, "TX1")
    terse.set_transmitter(0, False)
    await eventually(lambda: ch.tx_on is False)
    assert ch.battery_percent is None
    assert ch.tx_model is None


async def test_notifications_are_applied(device: DeviceFactory, client: ClientFactory) -> None:
    terse = await device()
    receiver = await client(terse)
    updates: list[Update] = []
    receiver.subscribe(updates.append)
    terse.push(
        {
            "/api/channel/1": {"name": "VOX", "mute": True, "gain": 3},
            "/api/transmitters/1/battery": {"gauge": 42, "lifetime": 95, "type": "PrimaryCell"},
            "/api/channel/1/warnings": ["RfPeak", "NoLink"],
            "/api/transmitters/1/warnings": ["LowBattery"],
            "/api/rf/channels/1": {"frequency": 520200},
            "/api/device/site": {"deviceName": "FOH"},
            "/api/device/state": {"state": "Identifying", "warnings": []},
        }
    )
    ch = receiver.state.channel(2)
    await eventually(lambda: ch.warnings == ("RfPeak", "NoLink", "LowBattery"))
    assert (ch.name, ch.muted, ch.gain_db, ch.frequency_mhz) == ("VOX", True, 3, 520.2)
    assert (ch.battery_percent, ch.battery_runtime_min, ch.battery_type) == (42, 95, "PrimaryCell")
    assert (ch.interference, ch.low_signal, ch.encryption_warning) == (True, True, False)
    assert receiver.state.device_id == "FOH"
    assert receiver.state.identifying is True
    assert Update(None, frozenset({"device_id", "identifying"})) in updates or {
        f for u in updates if u.channel is None for f in u.fields
    } == {"device_id", "identifying"}
    assert any(u.channel == 2 and "battery_percent" in u.fields for u in updates)


async def test_notification_keys_without_api_prefix(
    device: DeviceFactory, client: ClientFactory
) -> None:
    terse = await device()
    receiver = await client(terse)
    terse.raw(b'data:{"/channel/0":{"name":"SHORT"}}\r\n\r\n')
    await eventually(lambda: receiver.state.channel(1).name == "SHORT")


async def test_stream_variants_space_lf_multiline_comments(
    device: DeviceFactory, client: ClientFactory
) -> None:
    terse = await device()
    receiver = await client(terse)
    terse.raw(b': ping\n\ndata: {"/api/channel/0":\ndata: {"name":"LF"}}\n\n')
    await eventually(lambda: receiver.state.channel(1).name == "LF")
    terse.raw(b'event: message\rdata: {"/api/channel/1": {"name": "CR"}}\r\r')
    await eventually(lambda: receiver.state.channel(2).name == "CR")


async def test_meter_updates_are_coalesced(device: DeviceFactory, client: ClientFactory) -> None:
    terse = await device()
    receiver = await client(terse, meter_rate_ms=400)
    await eventually(lambda: not receiver._meter_pending, what="initial meters delivered")
    metered: list[Update] = []
    receiver.subscribe(lambda u: metered.append(u) if u.metered else None)
    for step in range(20):
        terse.push({"/api/channel/0/level": {"value": -40 + step}})
    ch = receiver.state.channel(1)
    await eventually(lambda: ch.audio_level_dbfs == -21.0, what="last level applied")
    await eventually(lambda: len(metered) >= 1, what="a metered update")
    assert len(metered) <= 2
    assert all(u.fields == frozenset({"audio_level_dbfs"}) for u in metered)


async def test_identify_rename_and_meter_rate(device: DeviceFactory, client: ClientFactory) -> None:
    terse = await device()
    receiver = await client(terse)
    await receiver.identify()
    await receiver.identify(2)
    assert ("/api/device/identification", {"visual": True}) in terse.bodies
    assert ("/api/channel/1/identify", {"visual": True}) in terse.bodies
    await receiver.set_channel_name(1, "  lead vocal!é ")
    assert ("/api/channel/0", {"name": "LEAD VOC"}) in terse.bodies
    assert receiver.state.channel(1).name == "LEAD VOC"
    with pytest.raises(ValueError, match="channel name"):
        await receiver.set_channel_name(1, "ééé")
    with pytest.raises(ValueError, match="does not exist"):
        await receiver.identify(3)
    sid = receiver.session_id
    await receiver.set_meter_rate(200)
    assert receiver.session_id == sid
    assert len(terse.sessions) == 1
    session = terse.sessions[sid or ""]
    assert "/api/channel/1/signalQualityIndicator" in session.paths
    assert receiver.state.channel(2).link_quality_percent == 89
    await receiver.set_meter_rate(0)
    assert "/api/channel/1/signalQualityIndicator" not in session.paths
    assert receiver.state.channel(2).link_quality_percent is None
    with pytest.raises(ValueError, match="meter rate"):
        await receiver.set_meter_rate(5)
    await receiver.refresh()


async def test_no_fingerprint_no_connection(device: DeviceFactory, client: ClientFactory) -> None:
    terse = await device()
    with pytest.raises(DeviceConnectionError, match="fingerprint"):
        await client(terse, fingerprint=None)
    assert terse.requests == []


async def test_shared_session_is_used_and_left_open(
    device: DeviceFactory, client: ClientFactory
) -> None:
    terse = await device()
    async with aiohttp.ClientSession() as session:
        access = Access(session, "api", terse.password, terse.certificate.fingerprint)
        receiver = await client(terse, access=access)
        assert receiver._own_session is None
        await receiver.disconnect()
        assert not session.closed
    assert terse.deleted


async def test_own_session_is_closed_on_disconnect(
    device: DeviceFactory, client: ClientFactory
) -> None:
    terse = await device()
    receiver = await client(terse)
    own = receiver._own_session
    assert own is not None
    sid = receiver.session_id
    await receiver.disconnect()
    assert own.closed
    assert terse.deleted == [sid]
    assert (("DELETE", f"{SESSIONS}/{sid}")) in terse.requests
