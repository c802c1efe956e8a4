"""A deliberately terse receiver written from the notes alone, not the simulator.

It stays silent on anything it does not know (as older units reportedly do),
answers several commands in one segment, splits others mid-message, and
drops padding where the notes say clients and devices are lax.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import contextlib
import re

from custom_components.micboard.devices import Family
from custom_components.micboard.devices.shure import ShureReceiver, Timing

FAST = Timing(probe_timeout=1.0, settle_time=0.05, settle_max=1.0)

DUMP = {
    1: (
        "< REP DEVICE_ID {Stage L } >< REP 1 CHAN_NAME {Pastor  } >< REP 1 TX_TYPE ULXD2 >"
        "< REP 1 BATT_BARS 4 >< REP 1 BATT_RUN_TIME 607 >< REP 1 FREQUENCY 526225 >"
        "< REP 1 AUDIO_GAIN 30 >< REP 1 AUDIO_MUTE OFF >< REP 1 RF_INT_DET NONE >"
    ),
    2: (
        "< REP 2 CHAN_NAME {        } >< REP 2 TX_TYPE UNKN >< REP 2 BATT_BARS 255 >"
        "< REP 2 BATT_RUN_TIME 65535 >< REP 2 FREQUENCY 530000 >"
    ),
}


class FakeDevice(asyncio.Protocol):
    """Transport plumbing shared by the fakes below."""

    def __init__(self) -> None:
        self.buffer = ""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport


@contextlib.asynccontextmanager
async def connected_to(fake: type[FakeDevice]) -> AsyncIterator[ShureReceiver]:
    """Serve ``fake`` on 127.0.0.1 and connect a client to it."""
    server = await asyncio.get_running_loop().create_server(fake, "127.0.0.1", 0)
    receiver = ShureReceiver("127.0.0.1", server.sockets[0].getsockname()[1], timing=FAST)
    try:
        await receiver.connect()
        yield receiver
    finally:
        await receiver.disconnect()
        server.close()
        await server.wait_closed()


class TerseUlxd(FakeDevice):
    """ULXD4D that only knows a few parameters and never says ERR."""

    def data_received(self, data: bytes) -> None:
        self.buffer += data.decode()
        replies = []
        while ">" in self.buffer:
            command, _, self.buffer = self.buffer.partition(">")
            replies.append(self.answer(command.strip(" <\r\n")))
        out = "".join(reply for reply in replies if reply)
        if out and self.transport is not None:
            half = len(out) // 2  # split mid-message on purpose
            self.transport.write(out[:half].encode())
            self.transport.write(out[half:].encode())

    def answer(self, command: str) -> str:
        if match := re.fullmatch(r"GET ([12]) ALL", command):
            return DUMP[int(match[1])]
        if match := re.fullmatch(r"GET ([12]) CHAN_NAME", command):
            return (
                "< REP 1 CHAN_NAME {Pastor  } >"
                if match[1] == "1"
                else ("< REP 2 CHAN_NAME {        } >")
            )
        if command == "GET 1 TX_TYPE":
            return "< REP 1 TX_TYPE ULXD2 >"
        if command == "GET 1 AUDIO_MUTE":
            return "< REP 1 AUDIO_MUTE OFF >"
        return ""  # silence on everything else, GET MODEL included


async def test_terse_receiver_is_identified_and_read() -> None:
    async with connected_to(TerseUlxd) as receiver:
        info = receiver.info
        assert (info.family, info.model, info.channel_count) == (Family.ULXD, "ULXD4D", 2)
        state = receiver.state
        assert state.device_id == "Stage L"
        first, second = state.channel(1), state.channel(2)
        assert (first.name, first.tx_model, first.battery_bars) == ("Pastor", "ULXD2", 4)
        assert first.battery_runtime_min == 607
        assert first.frequency_mhz == 526.225
        assert first.gain_db == 12
        assert first.muted is False
        assert first.interference is False
        assert second.name is None
        assert second.tx_on is False
        assert (second.tx_model, second.battery_bars, second.battery_runtime_min) == (
            None,
            None,
            None,
        )
        assert second.frequency_mhz == 530.0


class TerseP10T(FakeDevice):
    """P10T that takes the manual's spelling only ("CHAN NAME"), needs CRLF, else silent."""

    def data_received(self, data: bytes) -> None:
        self.buffer += data.decode()
        while "\r\n" in self.buffer:
            line, _, self.buffer = self.buffer.partition("\r\n")
            command = line.strip().strip("<>").strip()
            reply = {
                "GET DEVICE_NAME": "< REPORT DEVICE_NAME Monitors >",
                "GET 1 CHAN NAME": "< REPORT 1 CHAN_NAME Band >",
                "GET 2 CHAN NAME": "< REPORT 2 CHAN_NAME Vox >",
                "GET 1 RF_MUTE": "< REPORT 1 RF_MUTE 0 >",
                "GET 2 RF_MUTE": "< REPORT 2 RF_MUTE 1 >",
                "GET 1 FREQUENCY": "< REPORT 1 FREQUENCY 470500 >",
            }.get(command)
            if reply and self.transport is not None:
                self.transport.write(f"{reply}\r\n".encode())


async def test_terse_p10t_is_identified_and_read() -> None:
    async with connected_to(TerseP10T) as receiver:
        info = receiver.info
        assert (info.family, info.model, info.channel_count) == (Family.PSM1000, "P10T", 2)
        state = receiver.state
        assert state.device_id == "Monitors"
        assert (state.channel(1).name, state.channel(2).name) == ("Band", "Vox")
        assert (state.channel(1).tx_on, state.channel(2).tx_on) == (True, False)
        assert state.channel(1).frequency_mhz == 470.5


class ModelessSlxd(TerseUlxd):
    """An SLX-D that (against its manual) does not answer GET MODEL."""

    def answer(self, command: str) -> str:
        replies = {
            "GET 1 TX_MODEL": "< REP 1 TX_MODEL SLXD2 >",
            "GET 1 CHAN_NAME": "< REP 1 CHAN_NAME {Host                           } >",
            "GET 2 CHAN_NAME": "< REP 2 CHAN_NAME {Guest                          } >",
            "GET 1 ALL": (
                "< REP 1 TX_MODEL SLXD2 >< REP 1 TX_BATT_BARS 004 >< REP 1 TX_BATT_MINS 00300 >"
            ),
            "GET 2 ALL": "< REP 2 TX_MODEL UNKNOWN >< REP 2 TX_BATT_BARS 255 >",
        }
        return replies.get(command, "")


async def test_slxd_without_model_answer_is_identified() -> None:
    async with connected_to(ModelessSlxd) as receiver:
        info = receiver.info
        assert (info.family, info.model, info.channel_count) == (Family.SLXD, "SLXD4D", 2)
        first = receiver.state.channel(1)
        assert (first.tx_on, first.battery_bars, first.battery_runtime_min) == (True, 4, 300)
        assert receiver.state.channel(2).tx_on is False


async def test_everything_is_asked_for_again_now_and_then() -> None:
    """A missed report cannot leave a value wrong for long: a slow full refresh."""
    from simulator import create_receiver

    rx = create_receiver("ULXD4D", host="127.0.0.1", port=0)
    await rx.start()
    receiver = ShureReceiver(
        "127.0.0.1",
        rx.port,
        timing=Timing(probe_timeout=1.0, settle_time=0.05, full_refresh_interval=0.5),
    )
    try:
        await receiver.connect()
        async with asyncio.timeout(5):
            while sum(1 for line in rx.received if "GET 2 ALL" in line) < 3:
                await asyncio.sleep(0.1)
    finally:
        await receiver.disconnect()
        await rx.stop()
