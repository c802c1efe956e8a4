"""Class 5: the receiver at the address changes.

A reconnect that finds another receiver (model, channel count, MAC), a
service that is not a Shure receiver, or an unsupported model does not swap
the client's state: it stays disconnected with what it knew, reports the
problem once through ``subscribe_problem`` and keeps retrying; when the
right receiver answers again, ``None`` is reported before the connection
listeners hear ``True``.
"""

from __future__ import annotations

import asyncio

import pytest

from custom_components.micboard.devices import (
    DeviceError,
    Family,
    NotAShureDeviceError,
    ReceiverChangedError,
    UnsupportedDeviceError,
)
from custom_components.micboard.devices.shure import client as client_module

from .conftest import FAST, assert_released, eventually, measure, snapshot


class Log:
    """Problem and connection callbacks, in order."""

    def __init__(self) -> None:
        self.events: list[object] = []

    def problem(self, err: DeviceError | None) -> None:
        self.events.append(("problem", err))

    def connection(self, connected: bool) -> None:
        self.events.append(("connected", connected))

    @property
    def problems(self) -> list[DeviceError | None]:
        return [err for kind, err in self.events if kind == "problem"]  # type: ignore[misc]


async def _watched(fake, client, model: str = "ULXD4D", channels: int = 2):
    rx = await fake(model, channels)
    receiver = await client(rx.port)
    log = Log()
    receiver.subscribe_problem(log.problem)
    receiver.subscribe_connection(log.connection)
    return rx, receiver, log


async def test_swapped_receiver_is_reported_once_and_state_kept(fake, client) -> None:
    before = snapshot()
    rx, receiver, log = await _watched(fake, client)
    state = receiver.state
    async with measure("swapped receiver: problem reported, retries go on") as budget:
        rx.model, rx.channels = "ULXD4Q", 4
        rx.drop()
        await eventually(lambda: log.problems, 5, "problem reported")
        attempts = rx.connections
        await eventually(lambda: rx.connections >= attempts + 3, 5, "retries go on")
    assert budget.max_lag < 1.0
    assert budget.peak_bytes < 4 * 1024 * 1024
    (problem,) = log.problems
    assert isinstance(problem, ReceiverChangedError)
    assert (problem.old.model, problem.old.channel_count) == ("ULXD4D", 2)
    assert (problem.new.model, problem.new.channel_count) == ("ULXD4Q", 4)
    assert receiver.state is state
    assert sorted(state.channels) == [1, 2]
    assert receiver.info.model == "ULXD4D"
    assert not receiver.connected
    assert not state.connected
    assert log.events == [("connected", False), ("problem", problem)]
    # The original receiver comes back: the problem is over, then connected.
    rx.model, rx.channels = "ULXD4D", 2
    await eventually(lambda: receiver.connected, 5, "reconnected")
    assert log.events[-2:] == [("problem", None), ("connected", True)]
    assert receiver.state is state
    await receiver.disconnect()
    await rx.stop()
    await assert_released(before)


async def test_fewer_channels_is_a_changed_receiver(fake, client) -> None:
    rx, receiver, log = await _watched(fake, client, "ULXD4Q", 4)
    rx.model, rx.channels = "ULXD4", 1
    rx.drop()
    await eventually(lambda: log.problems, 5)
    assert isinstance(log.problems[0], ReceiverChangedError)
    assert sorted(receiver.state.channels) == [1, 2, 3, 4]


async def test_different_mac_is_a_changed_receiver(
    fake, client, monkeypatch: pytest.MonkeyPatch
) -> None:
    macs = {"now": "00:0e:dd:aa:bb:01"}

    async def arp(host: str) -> str | None:
        return macs["now"]

    monkeypatch.setattr(client_module, "mac_from_arp", arp)
    rx, receiver, log = await _watched(fake, client)
    assert receiver.info.mac == "00:0e:dd:aa:bb:01"
    macs["now"] = "00:0e:dd:aa:bb:02"  # same model, another unit
    rx.drop()
    await eventually(lambda: log.problems, 5)
    (problem,) = log.problems
    assert isinstance(problem, ReceiverChangedError)
    assert (problem.old.mac, problem.new.mac) == ("00:0e:dd:aa:bb:01", "00:0e:dd:aa:bb:02")
    assert receiver.info.mac == "00:0e:dd:aa:bb:01"
    macs["now"] = "00:0e:dd:aa:bb:01"
    await eventually(lambda: receiver.connected, 5)
    assert log.problems[-1] is None


async def test_non_shure_service_on_reconnect_is_reported(fake, client) -> None:
    rx, receiver, log = await _watched(fake, client)
    rx.mode = "ssh"
    rx.drop()
    await eventually(lambda: log.problems, 5)
    await asyncio.sleep(FAST.reconnect_max * 3)
    (problem,) = log.problems
    assert isinstance(problem, NotAShureDeviceError)
    assert receiver.info.model == "ULXD4D"
    assert not receiver.connected


async def test_unsupported_model_on_reconnect_is_reported(fake, client) -> None:
    rx, _receiver, log = await _watched(fake, client)
    rx.model = "MXWAPT8\x1b[31m"
    rx.drop()
    await eventually(lambda: log.problems, 5)
    (problem,) = log.problems
    assert isinstance(problem, UnsupportedDeviceError)
    assert problem.model == "MXWAPT8"
    # A different problem later is reported too (once).
    rx.mode = "ssh"
    await eventually(lambda: len(log.problems) == 2, 5)
    assert isinstance(log.problems[1], NotAShureDeviceError)


async def test_problem_listener_can_unsubscribe_and_may_fail(fake, client) -> None:
    rx, receiver, log = await _watched(fake, client)
    calls: list[object] = []

    def broken(err: DeviceError | None) -> None:
        calls.append(err)
        raise RuntimeError("listener bug")

    unsubscribe = receiver.subscribe_problem(broken)
    rx.mode = "ssh"
    rx.drop()
    await eventually(lambda: log.problems and calls, 5)
    unsubscribe()
    rx.mode = "shure"
    await eventually(lambda: receiver.connected, 5)
    assert log.problems[-1] is None
    assert len(calls) == 1


async def test_lost_datagram_does_not_make_a_ur4d_a_ur4s(uhfr, client) -> None:
    rx = await uhfr(channels=2)
    receiver = await client(rx.port, family=Family.UHFR)
    assert receiver.info.model == "UR4D"
    log = Log()
    receiver.subscribe_problem(log.problem)
    receiver.subscribe_connection(log.connection)
    rx.silent = True  # the link is declared dead after FAST.dead_after
    await eventually(lambda: log.events == [("connected", False)], 5)
    rx.lose_channel_2 = 1  # the first answer for channel 2 is lost on the way
    rx.silent = False
    await eventually(lambda: receiver.connected, 5)
    assert receiver.info.model == "UR4D"
    assert log.problems == []
    assert rx.lose_channel_2 == 0


async def test_unanswered_model_on_reconnect_keeps_the_model(fake, client) -> None:
    rx, receiver, log = await _watched(fake, client, "SLXD4D+", 2)
    assert receiver.info.model == "SLXD4D+"
    rx.answer_model = False
    rx.drop()
    await eventually(lambda: log.events == [("connected", False), ("connected", True)], 5)
    assert receiver.info.model == "SLXD4D+"
    assert log.problems == []


async def test_partial_answers_on_reconnect_are_not_another_model(fake, client) -> None:
    rx, receiver, log = await _watched(fake, client, "ULXD4D", 2)
    rx.answer_model = False
    rx.ignore = {"GET 1 CHAN_NAME", "GET 2 CHAN_NAME"}  # half-booted: names unanswered
    rx.drop()
    await eventually(lambda: rx.connections >= 3, 8, "a few attempts")
    assert log.problems == []
    assert not receiver.connected
    rx.ignore = set()
    await eventually(lambda: receiver.connected, 8)
    assert receiver.info.model == "ULXD4D"
    assert log.problems == []
