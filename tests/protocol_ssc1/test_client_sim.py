"""The SSC v1 client against the simulated devices."""

from __future__ import annotations

import asyncio

import pytest

from custom_components.micboard.devices import (
    Capability,
    DeviceNotRespondingError,
    Family,
    ProtocolError,
    ReceiverChangedError,
    UnsupportedDeviceError,
    Update,
)
from custom_components.micboard.devices.models import TRANSMITTER_FIELDS
from custom_components.micboard.devices.sennheiser.ssc1 import Timing

from .conftest import ClientFactory, SimFactory
from .helpers import FAST, eventually

IDENTITIES = [
    ("EWDX-EM2", "EW-DX EM 2", Family.EW_DX, 2),
    ("EWDX-EM2-DANTE", "EW-DX EM 2 Dante", Family.EW_DX, 2),
    ("EWDX-EM4", "EW-DX EM 4 Dante", Family.EW_DX, 4),
    ("EM6000", "EM 6000", Family.DIGITAL_6000, 2),
    ("SL-RACK-DW", "SL Rack Receiver DW", Family.SPEECHLINE_DW, 1),
    ("CHG70N", "EW-DX CHG 70N", Family.CHG_70N, 2),
]


@pytest.mark.parametrize(("model", "product", "family", "channels"), IDENTITIES)
async def test_identifies_each_model(
    sim: SimFactory, client: ClientFactory, model: str, product: str, family: Family, channels: int
) -> None:
    device = await sim(model, serial="4711000042", mac="00:1B:66:01:02:03")
    receiver = await client(device)
    info = receiver.info
    assert (info.model, info.family, info.channel_count) == (product, family, channels)
    assert info.serial == "4711000042"
    assert info.manufacturer == "Sennheiser"
    assert info.mac == "00:1b:66:01:02:03"
    assert info.firmware == device.spec.firmware
    assert receiver.state.device_id == device.device_name
    assert receiver.connected
    assert sorted(receiver.state.channels) == list(range(1, channels + 1))


async def test_ewdx_values_in_human_units(sim: SimFactory, client: ClientFactory) -> None:
    device = await sim("EWDX-EM4")
    device.rename(3, "PASTOR")
    device.set_battery(3, percent=64, minutes=312)
    device.set_rf(3, -71.5)
    device.set_quality(3, 77)
    device.set_audio(3, -18.5)
    device.set_tx_mute(3, True)
    receiver = await client(device, meter_rate_ms=200)
    await eventually(lambda: receiver.state.channel(3).link_quality_percent == 77)
    ch = receiver.state.channel(3)
    assert ch.name == "PASTOR"
    assert ch.tx_on is True
    assert (ch.battery_percent, ch.battery_runtime_min) == (64, 312)
    assert ch.frequency_mhz == device.channel(3).frequency_khz / 1000
    assert ch.rf_level_dbm == -71.5
    assert ch.audio_level_dbfs == -18.5
    assert ch.antenna == "A"
    assert ch.tx_muted is True
    assert ch.muted is False
    assert ch.tx_model == "SK"
    assert Capability.LINK_QUALITY in receiver.capabilities
    assert Capability.CHARGER_BAYS not in receiver.capabilities


async def test_digital_6000_meter_array_and_battery_strings(
    sim: SimFactory, client: ClientFactory
) -> None:
    device = await sim("EM6000")
    device.set_battery(2, percent=70, minutes=312)
    device.set_rf(2, -80.0, antenna=2)
    device.set_audio(2, -20.0)
    receiver = await client(device, meter_rate_ms=200)
    await eventually(lambda: receiver.state.channel(2).antenna == "B")
    ch = receiver.state.channel(2)
    assert (ch.battery_percent, ch.battery_runtime_min) == (70, 312)
    assert ch.rf_antenna_dbm == (-60.0, -80.0)
    assert ch.rf_level_dbm == -60.0
    assert ch.audio_level_dbfs == -20.0
    assert ch.link_quality_percent == 92
    assert Capability.RF_PER_ANTENNA in receiver.capabilities


async def test_speechline_battery_seconds_and_health(
    sim: SimFactory, client: ClientFactory
) -> None:
    device = await sim("SL-RACK-DW")
    device.set_battery(1, percent=55, minutes=90, bars=3)
    receiver = await client(device)
    ch = receiver.state.channel(1)
    assert (ch.battery_percent, ch.battery_runtime_min, ch.battery_bars) == (55, 90, 3)
    assert (ch.battery_health_percent, ch.battery_cycles) == (96, 37)
    # rx1/frequency is not in this tree: answered 404 and dropped, not retried forever.
    assert all(path[-1] != "frequency" for g in receiver._groups for path in g.paths)


async def test_charger_bays(sim: SimFactory, client: ClientFactory) -> None:
    device = await sim("CHG70N")
    device.set_battery(2, percent=33)
    device.set_charging(2, time_to_full_min=71, state="NORMAL")
    device.set_warnings(2, [], ["BatteryTempOutOfRange"])
    device.set_transmitter(1, False)
    receiver = await client(device)
    bay1, bay2 = receiver.state.channel(1), receiver.state.channel(2)
    assert (bay2.battery_percent, bay2.time_to_full_min, bay2.tx_model) == (33, 71, "EW-DX SK")
    assert bay2.warnings == ("BatteryTempOutOfRange",)
    assert bay2.bay_state == "NORMAL"
    assert bay1.tx_on is False
    assert bay1.battery_percent is None
    assert Capability.CHARGER_BAYS in receiver.capabilities
    device.set_transmitter(1, True, "EW-DX SKM")
    await eventually(lambda: bay1.battery_percent == 80 and bay1.tx_model == "EW-DX SKM")
    with pytest.raises(UnsupportedDeviceError):
        await receiver.set_channel_name(1, "BAY")


@pytest.mark.parametrize("model", ["EWDX-EM2", "EM6000", "SL-RACK-DW"])
async def test_transmitter_off_makes_its_values_unknown(
    sim: SimFactory, client: ClientFactory, model: str
) -> None:
    device = await sim(model)
    receiver = await client(device)
    updates: list[Update] = []
    receiver.subscribe(updates.append)
    ch = receiver.state.channel(1)
    assert ch.tx_on is True
    assert ch.battery_percent == 80
    device.set_transmitter(1, False)
    await eventually(lambda: ch.tx_on is False, what="transmitter off")
    assert all(getattr(ch, name) is None for name in TRANSMITTER_FIELDS)
    assert any(u.channel == 1 and "battery_percent" in u.fields for u in updates)
    device.set_battery(1, percent=41)
    device.set_transmitter(1, True)
    await eventually(lambda: ch.battery_percent == 41, what="values back")
    assert ch.tx_on is True


async def test_transmitter_absent_at_connect_reads_424(
    sim: SimFactory, client: ClientFactory
) -> None:
    device = await sim("EWDX-EM2")
    device.set_transmitter(2, False)
    receiver = await client(device)
    ch2 = receiver.state.channel(2)
    assert ch2.tx_on is False
    assert ch2.battery_percent is None
    assert receiver.state.channel(1).battery_percent == 80
    device.set_transmitter(2, True)
    await eventually(lambda: ch2.battery_percent == 80)


async def test_warnings_become_flags(sim: SimFactory, client: ClientFactory) -> None:
    device = await sim("EWDX-EM2")
    receiver = await client(device)
    ch = receiver.state.channel(1)
    assert (ch.interference, ch.low_signal) == (False, False)
    device.set_interference(1, True)
    await eventually(lambda: ch.interference is True)
    device.rf_dropout(1, True)
    await eventually(lambda: ch.low_signal is True)
    assert set(ch.warnings) == {"LowSignal", "NoLink", "RfPeak"}
    device.set_warnings(1, ["Aes256Error"])
    await eventually(lambda: ch.encryption_warning is True)
    device.set_interference(1, False)
    device.rf_dropout(1, False)
    device.set_warnings(1, [])
    await eventually(lambda: not ch.warnings and ch.interference is False)


async def test_rename_identify_and_mute(sim: SimFactory, client: ClientFactory) -> None:
    device = await sim("EWDX-EM4")
    receiver = await client(device)
    await receiver.set_channel_name(2, "lead vox")
    assert device.channel(2).name == "LEAD VOX"
    await eventually(lambda: receiver.state.channel(2).name == "LEAD VOX")
    for bad in ("", "NINECHARS", "A\x00B", "ÄÖ"):
        with pytest.raises(ValueError, match="channel name"):
            await receiver.set_channel_name(2, bad)
    with pytest.raises(ValueError, match="does not exist"):
        await receiver.set_channel_name(5, "X")
    await receiver.identify()
    assert device.identifying is True
    await receiver.identify(4)
    assert device.channel(4).identifying is True
    await receiver.set_mute(1, True)
    assert device.channel(1).muted is True
    await eventually(lambda: receiver.state.channel(1).muted is True)


async def test_refused_write_raises_protocol_error(sim: SimFactory, client: ClientFactory) -> None:
    device = await sim("EWDX-EM2")
    receiver = await client(device)
    device.set_transmitter(1, False)
    with pytest.raises(ProtocolError, match="424"):
        await receiver._write({("mates", "tx1", "name"): "X"})
    device.set_hung(True)
    with pytest.raises(DeviceNotRespondingError):
        await receiver.set_channel_name(1, "X")


async def test_meter_rate_subscribes_and_cancels(sim: SimFactory, client: ClientFactory) -> None:
    device = await sim("EWDX-EM2")
    receiver = await client(device)
    assert device.meter_rate_ms == 0
    await receiver.set_meter_rate(250)
    await eventually(lambda: device.meter_rate_ms == 250)
    assert receiver.state.meter_rate_ms == 250
    await eventually(lambda: receiver.state.channel(1).rf_level_dbm == -60.0)
    await receiver.set_meter_rate(0)
    await eventually(lambda: device.meter_rate_ms == 0, what="meter subscriptions cancelled")
    with pytest.raises(ValueError, match="meter rate"):
        await receiver.set_meter_rate(5)


async def test_subscriptions_never_lapse_over_many_lifetimes(
    sim: SimFactory, client: ClientFactory
) -> None:
    """A 10-minute run at lifetime 10 s is 60 lifetimes: here 60 lifetimes of 0.25 s."""
    timing = Timing(
        request_timeout=0.3,
        lifetime=0.25,
        renew_after=0.1,
        keepalive_interval=0.2,
        dead_after=1.5,
        reconnect_min=0.05,
        reconnect_max=0.3,
    )
    device = await sim("EWDX-EM2")
    receiver = await client(device, timing=timing)
    groups = len([g for g in receiver._groups if g.paths])
    renewals_before = receiver.stats.renewals
    connection: list[bool] = []
    receiver.subscribe_connection(connection.append)
    loop = asyncio.get_running_loop()
    start = loop.time()
    seen: list[int] = []
    while loop.time() - start < 15.0:
        value = 20 + len(seen) % 50
        device.set_battery(1, percent=value)
        await eventually(
            lambda v=value: receiver.state.channel(1).battery_percent == v,  # type: ignore[misc]
            timeout=1.0,
        )
        seen.append(value)
        await asyncio.sleep(0.2)
    elapsed = loop.time() - start
    assert device.expired_sent == 0, "a subscription lapsed"
    assert connection == []
    # every group renewed about every 0.1 s (one tick of slack)
    renewals = receiver.stats.renewals - renewals_before
    assert renewals >= groups * elapsed / 0.2
    assert len(seen) > 30


async def test_resubscribes_after_310(sim: SimFactory, client: ClientFactory) -> None:
    device = await sim("EWDX-EM2")
    timing = Timing(request_timeout=0.3, lifetime=30, renew_after=20, dead_after=60)
    receiver = await client(device, timing=timing)
    await eventually(lambda: device.subscribe_requests == receiver.stats.subscriptions_sent)
    before = device.subscribe_requests
    device.expire_subscriptions()
    assert not device.subscriptions
    await eventually(lambda: receiver.stats.resubscribed_after_310 > 0)
    await eventually(lambda: len(device.subscriptions) > 0)
    assert device.subscribe_requests > before
    device.rename(1, "AFTER")
    await eventually(lambda: receiver.state.channel(1).name == "AFTER")


async def test_adopts_a_shorter_granted_lifetime(sim: SimFactory, client: ClientFactory) -> None:
    device = await sim("EWDX-EM2", max_lifetime=0.6)
    timing = Timing(request_timeout=0.3, lifetime=10, renew_after=5, dead_after=60)
    receiver = await client(device, timing=timing)
    await asyncio.sleep(2.0)
    assert device.expired_sent == 0
    assert receiver._renew_after <= 0.3


async def test_silent_device_is_disconnected_in_time_and_recovers(
    sim: SimFactory, client: ClientFactory
) -> None:
    device = await sim("EWDX-EM2")
    receiver = await client(device)
    events: list[tuple[bool, float]] = []
    loop = asyncio.get_running_loop()
    receiver.subscribe_connection(lambda up: events.append((up, loop.time())))
    stopped = loop.time()
    device.set_hung(True)
    await eventually(lambda: not receiver.connected, timeout=4, what="link loss")
    assert events[0][0] is False
    assert events[0][1] - stopped <= FAST.dead_after + 0.5
    device.set_battery(1, percent=12)
    device.set_hung(False)
    await eventually(lambda: receiver.connected, timeout=4, what="recovery")
    assert [up for up, _ in events] == [False, True]
    await eventually(lambda: receiver.state.channel(1).battery_percent == 12)


def test_default_timing_detects_link_loss_within_15_s() -> None:
    timing = Timing()
    tick = min(0.5, timing.renew_after / 4, timing.keepalive_interval / 4)
    assert timing.dead_after + tick <= 15
    assert timing.renew_after <= timing.lifetime / 2
    assert timing.keepalive_interval < timing.dead_after


async def test_reboot_loses_subscriptions_and_renewals_restore_them(
    sim: SimFactory, client: ClientFactory
) -> None:
    device = await sim("EWDX-EM2")
    receiver = await client(device)
    await eventually(lambda: device.subscriptions)
    await device.reboot(0.3)
    await eventually(lambda: len(device.subscriptions) > 0)
    device.rename(2, "BACK")
    await eventually(lambda: receiver.state.channel(2).name == "BACK")


async def test_another_device_at_the_address_is_a_problem(
    sim: SimFactory, client: ClientFactory
) -> None:
    device = await sim("EWDX-EM2", serial="1111111111")
    receiver = await client(device)
    problems: list[object] = []
    receiver.subscribe_problem(problems.append)
    port = device.port
    await device.stop()
    other = await sim("EWDX-EM2", serial="2222222222", port=port)
    await eventually(lambda: not receiver.connected, timeout=4)
    await eventually(lambda: problems, timeout=4, what="problem reported")
    assert isinstance(problems[0], ReceiverChangedError)
    assert problems[0].old.serial == "1111111111"
    assert problems[0].new.serial == "2222222222"
    await asyncio.sleep(0.8)
    assert len(problems) == 1, "reported once, not on every retry"
    assert not receiver.connected
    assert receiver.info.serial == "1111111111"
    await other.stop()
    await sim("EWDX-EM2", serial="1111111111", port=port)
    await eventually(lambda: receiver.connected, timeout=4)
    assert problems[-1] is None


async def test_disconnect_cancels_subscriptions(sim: SimFactory, client: ClientFactory) -> None:
    device = await sim("EWDX-EM2")
    receiver = await client(device, meter_rate_ms=500)
    await eventually(lambda: device.meter_rate_ms == 500)
    events: list[bool] = []
    receiver.subscribe_connection(events.append)
    await receiver.disconnect()
    await eventually(lambda: not device.subscriptions, what="cancelled")
    assert events == [False]
    assert not receiver.connected


async def test_nothing_answering_is_not_responding(client: ClientFactory, sim: SimFactory) -> None:
    device = await sim("EWDX-EM2")
    port = device.port
    await device.stop()
    with pytest.raises(DeviceNotRespondingError, match="third-party"):
        await client(port)


async def test_listener_errors_do_not_stop_updates(sim: SimFactory, client: ClientFactory) -> None:
    device = await sim("EWDX-EM2")
    receiver = await client(device)

    def broken(update: Update) -> None:
        raise RuntimeError("listener bug")

    receiver.subscribe(broken)
    receiver.subscribe_connection(lambda up: 1 / 0)  # type: ignore[func-returns-value]
    seen: list[Update] = []
    unsubscribe = receiver.subscribe(seen.append)
    device.rename(1, "ONE")
    await eventually(lambda: receiver.state.channel(1).name == "ONE")
    assert any("name" in u.fields for u in seen)
    unsubscribe()
    device.rename(1, "TWO")
    await eventually(lambda: receiver.state.channel(1).name == "TWO")
    assert not any(receiver.state.channel(1).name == "TWO" and "x" in u.fields for u in seen)


async def test_refresh_reads_everything_again(sim: SimFactory, client: ClientFactory) -> None:
    device = await sim("EWDX-EM2")
    receiver = await client(device)
    # A change the device does not notify (the subscriptions were forgotten):
    device.drop_connections()
    device.channel(1).name = "QUIET"
    await receiver.refresh()
    assert receiver.state.channel(1).name == "QUIET"


async def test_requests_in_flight_fail_on_disconnect_and_stay_bounded(
    sim: SimFactory, client: ClientFactory
) -> None:
    from custom_components.micboard.devices import DeviceConnectionError
    from custom_components.micboard.devices.sennheiser.ssc1.client import MAX_PENDING

    device = await sim("EWDX-EM2")
    receiver = await client(device, timing=Timing(request_timeout=1, dead_after=60))
    device.set_hung(True)
    reads = [asyncio.ensure_future(receiver._request({("rx1", "name"): None})) for _ in range(80)]
    await asyncio.sleep(0.05)
    assert len(receiver._pending) <= MAX_PENDING
    write = asyncio.ensure_future(receiver.set_channel_name(1, "LATE"))
    await asyncio.sleep(0.05)
    await receiver.disconnect()
    with pytest.raises(DeviceConnectionError):
        await write
    await asyncio.gather(*reads, return_exceptions=True)
    assert not receiver._pending
