"""Commands: rename, mute, identify, and their errors."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from custom_components.micboard.devices import (
    DeviceConnectionError,
    DeviceNotRespondingError,
    ProtocolError,
    UnsupportedDeviceError,
)
from custom_components.micboard.devices.shure import Capability, ShureReceiver

from .helpers import FAST, eventually


def _sent(rx, text: str) -> bool:
    return text in rx.received


@pytest.mark.parametrize(
    ("model", "wire"),
    [
        ("ULXD4D", "< SET 2 CHAN_NAME {Lead Vox} >"),
        ("QLXD4", "< SET 1 CHAN_NAME {Lead Vox} >"),
        ("AD4Q", "< SET 2 CHAN_NAME {Lead Vox} >"),
        ("SLXD4D", "< SET 2 CHAN_NAME {Lead Vox} >"),
        ("SLXD4D+", "< SET 2 CHAN_NAME {Lead Vox} >"),
        ("UR4D", "* SET 2 CHAN_NAME Lead_Vox *"),
        ("P10T", "< SET 2 CHAN_NAME Lead Vox >"),
    ],
)
async def test_set_channel_name(sim, client, model: str, wire: str) -> None:
    rx = await sim(model)
    receiver = await client(rx)
    number = 2 if rx.channel_count > 1 else 1
    await receiver.set_channel_name(number, "  Lead Vox ")
    assert _sent(rx, wire.replace(" 2 ", f" {number} "))
    assert rx.channel(number).name == "Lead Vox"
    assert receiver.state.channels[number].name == "Lead Vox"


@pytest.mark.parametrize(
    "name",
    ["", "   ", "NineChars", "a{b", "a}b", "a<b", "a>b", "a*b", "a\rb", "a\nb"],
)
async def test_invalid_channel_names_raise_value_error(sim, client, name: str) -> None:
    rx = await sim("ULXD4")
    receiver = await client(rx)
    before = len(rx.received)
    with pytest.raises(ValueError, match="channel name"):
        await receiver.set_channel_name(1, name)
    await asyncio.sleep(0.05)
    assert not any("SET" in text for text in rx.received[before:])


@pytest.mark.parametrize("name", ["Café", "Mic🎤", "A\tB"])
async def test_non_ascii_or_control_names_raise_value_error(sim, client, name: str) -> None:
    """The command strings are ASCII only (notes §1): reject before sending.

    Otherwise ``🎤`` is silently sent as ``?`` (the receiver accepts the wrong name)
    and ``é``/tab come back as a ``< REP ERR >``.
    """
    rx = await sim("AD4D")
    receiver = await client(rx)
    with pytest.raises(ValueError, match="channel name"):
        await receiver.set_channel_name(1, name)
    assert rx.channel(1).name == "CH 1"


async def test_rename_of_a_missing_channel(sim, client) -> None:
    rx = await sim("ULXD4D")
    receiver = await client(rx)
    for number in (0, 3, -1):
        with pytest.raises(ValueError, match="does not exist"):
            await receiver.set_channel_name(number, "Vox")


@pytest.mark.parametrize(("model", "wire"), [("ULXD4D", "AUDIO_MUTE"), ("AD4D", "AUDIO_MUTE")])
async def test_set_mute(sim, client, model: str, wire: str) -> None:
    rx = await sim(model)
    receiver = await client(rx)
    assert Capability.MUTE in receiver.capabilities
    await receiver.set_mute(2, True)
    assert _sent(rx, f"< SET 2 {wire} ON >")
    assert rx.channel(2).muted is True
    assert receiver.state.channels[2].muted is True
    await receiver.set_mute(2, False)
    assert rx.channel(2).muted is False
    assert receiver.state.channels[2].muted is False


@pytest.mark.parametrize("model", ["QLXD4", "SLXD4D", "SLXD4D+", "UR4S", "P10T"])
async def test_set_mute_unsupported(sim, client, model: str) -> None:
    rx = await sim(model)
    receiver = await client(rx)
    before = len(rx.received)
    with pytest.raises(UnsupportedDeviceError):
        await receiver.set_mute(1, True)
    assert Capability.MUTE not in receiver.capabilities
    assert not any("MUTE" in text for text in rx.received[before:])


@pytest.mark.parametrize(
    ("model", "device", "channel"),
    [
        ("ULXD4D", True, False),
        ("AD4D", True, True),
        ("SLXD4D", True, True),
        ("SLXD4D+", True, True),
        ("QLXD4", False, False),
        ("UR4D", False, False),
        ("P10T", False, False),
    ],
)
async def test_identify(sim, client, model: str, device: bool, channel: bool) -> None:
    rx = await sim(model)
    receiver = await client(rx)
    assert (Capability.IDENTIFY in receiver.capabilities) is device
    assert (Capability.CHANNEL_IDENTIFY in receiver.capabilities) is channel
    if device:
        await receiver.identify()
        assert _sent(rx, "< SET FLASH ON >")
        assert rx.device.flash is True
        await eventually(lambda: receiver.state.identifying is True)
    else:
        with pytest.raises(UnsupportedDeviceError):
            await receiver.identify()
    if channel:
        await receiver.identify(2)
        assert _sent(rx, "< SET 2 FLASH ON >")
        assert rx.channel(2).flash is True
        with pytest.raises(ValueError, match="does not exist"):
            await receiver.identify(rx.channel_count + 1)
    else:
        with pytest.raises(UnsupportedDeviceError):
            await receiver.identify(1)


async def test_identify_turns_itself_off(sim, client) -> None:
    rx = await sim("AD4D", flash_duration=0.2)
    receiver = await client(rx)
    await receiver.identify()
    await eventually(lambda: receiver.state.identifying is True)
    await eventually(lambda: receiver.state.identifying is False, 1.0)


async def test_error_reply_raises_protocol_error(sim, client) -> None:
    rx = await sim("ULXD4")
    receiver = await client(rx)
    rx.reply_delay = 0.5  # the real answer comes late; the error first
    task = asyncio.create_task(receiver.set_mute(1, True))
    await eventually(lambda: _sent(rx, "< SET 1 AUDIO_MUTE ON >"))
    rx.emit_raw(b"< REP ERR >")
    with pytest.raises(ProtocolError):
        await task
    rx.reply_delay = 0.0
    # the connection is still usable
    await receiver.set_channel_name(1, "Vox")
    assert receiver.state.channels[1].name == "Vox"


async def test_hung_receiver_raises_not_responding(sim, client) -> None:
    rx = await sim("AD4D")
    # Slow dead-link detection, so the command times out before the link is declared dead.
    timing = dataclasses.replace(FAST, dead_after=10.0, keepalive_interval=5.0)
    receiver = await client(rx, timing=timing)
    rx.set_hung(True)
    loop = asyncio.get_running_loop()
    start = loop.time()
    with pytest.raises(DeviceNotRespondingError):
        await receiver.set_channel_name(1, "Vox")
    assert 0.9 <= loop.time() - start <= 1.5  # command_timeout
    rx.set_hung(False)
    await receiver.set_mute(1, True)
    assert receiver.state.channels[1].muted is True


async def test_commands_before_connect_and_after_disconnect(sim, client) -> None:
    rx = await sim("AD4D")
    receiver: ShureReceiver = await client(rx, connect=False)
    assert receiver.connected is False
    calls = (
        lambda: receiver.set_channel_name(1, "Vox"),
        lambda: receiver.set_mute(1, True),
        lambda: receiver.identify(),
        lambda: receiver.identify(1),
        lambda: receiver.set_meter_rate(1000),
        lambda: receiver.refresh(),
    )
    for call in calls:
        with pytest.raises(DeviceConnectionError):
            await call()
    with pytest.raises(DeviceConnectionError):
        _ = receiver.info
    await receiver.connect()
    await receiver.disconnect()
    assert receiver.connected is False
    for call in calls:
        with pytest.raises(DeviceConnectionError):
            await call()
    assert receiver.info.model == "AD4D"  # the last known identity stays readable


async def test_refresh_reads_everything_again(sim, client) -> None:
    rx = await sim("ULXD4D")
    receiver = await client(rx)
    rx.set_hung(True)
    rx.rename(2, "Silent")  # not reported while hung
    rx.set_hung(False)
    assert receiver.state.channels[2].name == "CH 2"
    await receiver.refresh()
    assert receiver.state.channels[2].name == "Silent"
