"""Sessions, liveness, link loss and recovery, credentials and certificates."""

from __future__ import annotations

import asyncio
import base64
import logging

import pytest

from custom_components.micboard.devices import (
    Access,
    AuthenticationError,
    CertificateChangedError,
    DeviceError,
)
from custom_components.micboard.devices.sennheiser.ssc2 import DEFAULT_TIMING

from .conftest import ClientFactory, DeviceFactory
from .helpers import FAST, eventually
from .terse import SESSIONS


@pytest.mark.parametrize("content_location", ["bare", "path", "none"])
async def test_session_id_from_header_or_open_event(
    device: DeviceFactory, client: ClientFactory, content_location: str
) -> None:
    terse = await device(content_location=content_location)
    receiver = await client(terse)
    assert list(terse.sessions) == [receiver.session_id]
    assert terse.count("PUT", f"{SESSIONS}/{receiver.session_id}/add") == 1
    terse.push({"/api/channel/0": {"name": "PUSHED"}})
    await eventually(lambda: receiver.state.channel(1).name == "PUSHED")


async def test_reconnect_deletes_the_stale_session_first(
    device: DeviceFactory, client: ClientFactory
) -> None:
    terse = await device()
    receiver = await client(terse)
    events: list[bool] = []
    receiver.subscribe_connection(events.append)
    first = receiver.session_id
    # The device ends the stream but keeps the session: the client must delete it.
    terse.end_streams()
    await eventually(lambda: events == [False, True], what="lost and back")
    second = receiver.session_id
    assert second not in (None, first)
    assert terse.deleted == [first]
    delete_at = terse.requests.index(("DELETE", f"{SESSIONS}/{first}"))
    opened_at = [i for i, r in enumerate(terse.requests) if r == ("GET", SESSIONS)][-1]
    assert delete_at < opened_at
    assert list(terse.sessions) == [second]
    terse.push({"/api/transmitters/0/battery": {"gauge": 33}})
    await eventually(lambda: receiver.state.channel(1).battery_percent == 33)
    assert receiver.stats.sessions_opened == 2


async def test_close_event_ends_the_stream_and_the_client_comes_back(
    device: DeviceFactory, client: ClientFactory
) -> None:
    terse = await device()
    receiver = await client(terse)
    events: list[bool] = []
    receiver.subscribe_connection(events.append)
    terse.raw(b"event:close\r\ndata:{}\r\n\r\n")
    await eventually(lambda: events == [False, True])
    assert receiver.connected


async def test_silence_brings_cheap_heartbeats_not_link_loss(
    device: DeviceFactory, client: ClientFactory
) -> None:
    terse = await device()
    receiver = await client(terse)
    events: list[bool] = []
    receiver.subscribe_connection(events.append)
    before = terse.count("GET", "/api/device/state")
    await asyncio.sleep(FAST.dead_after * 2.5)
    assert terse.count("GET", "/api/device/state") - before >= 2
    assert receiver.stats.heartbeats >= 2
    assert events == []
    assert receiver.connected


async def test_heartbeats_only_while_the_stream_is_quiet(
    device: DeviceFactory, client: ClientFactory
) -> None:
    terse = await device()
    receiver = await client(terse)
    start = receiver.stats.heartbeats
    for step in range(12):
        terse.push({"/api/channel/0": {"name": f"N{step}"}})
        await asyncio.sleep(FAST.probe_after / 3)
    assert receiver.stats.heartbeats - start <= 1


def test_default_timing_reports_link_loss_within_15_s() -> None:
    timing = DEFAULT_TIMING
    assert timing.probe_after == 3.0
    tick = min(0.5, timing.probe_after / 4, timing.dead_after / 8)
    assert timing.dead_after + tick <= 15
    assert timing.request_timeout < timing.dead_after


async def test_link_loss_and_recovery(device: DeviceFactory, client: ClientFactory) -> None:
    terse = await device()
    receiver = await client(terse)
    events: list[bool] = []
    receiver.subscribe_connection(events.append)
    loop = asyncio.get_running_loop()
    first = receiver.session_id
    terse.hang()
    lost_from = loop.time()
    await eventually(lambda: events == [False], timeout=FAST.dead_after * 4, what="link loss")
    assert loop.time() - lost_from <= FAST.dead_after + 1.0
    assert receiver.state.connected is False
    await asyncio.sleep(FAST.reconnect_max)
    terse.resources["/api/transmitters/1/battery"] = {"gauge": 12, "lifetime": 20}
    terse.release()
    await eventually(lambda: events == [False, True], timeout=5, what="recovery")
    assert receiver.state.channel(2).battery_percent == 12
    assert receiver.session_id != first
    assert first in terse.deleted
    await eventually(lambda: len(terse.sessions) == 1, what="stale sessions gone")


async def test_wrong_password_401(
    device: DeviceFactory, client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    terse = await device()
    with pytest.raises(AuthenticationError) as caught:
        await client(terse, password="Wrong-Secret-9?")
    assert caught.value.forbidden is False
    assert "Wrong-Secret-9?" not in str(caught.value)
    assert not terse.sessions


async def test_forbidden_user_403(device: DeviceFactory, client: ClientFactory) -> None:
    terse = await device()
    with pytest.raises(AuthenticationError) as caught:
        await client(terse, username="initialSennheiser")
    assert caught.value.forbidden is True


async def test_credentials_refused_while_running_then_fixed(
    device: DeviceFactory, client: ClientFactory
) -> None:
    terse = await device()
    receiver = await client(terse)
    problems: list[DeviceError | None] = []
    receiver.subscribe_problem(problems.append)
    events: list[bool] = []
    receiver.subscribe_connection(events.append)
    good = terse.password
    terse.password = "Changed-On-Device-1!"
    # The open stream stays quiet: the heartbeat is what meets the refusal.
    await eventually(lambda: problems, timeout=FAST.dead_after * 3, what="a problem")
    assert isinstance(problems[0], AuthenticationError)
    assert events == [False]
    heartbeats = terse.count("GET", "/api/device/state")
    await asyncio.sleep(FAST.problem_retry * 2.5)
    retries = terse.count("GET", "/api/device/identity")
    assert retries <= 6  # slowed down, not hammering
    assert terse.count("GET", "/api/device/state") == heartbeats
    terse.password = good
    await eventually(lambda: problems[-1] is None, timeout=5, what="problem cleared")
    assert events == [False, True]
    assert len(problems) == 2


async def test_certificate_changed_at_connect(device: DeviceFactory, client: ClientFactory) -> None:
    terse = await device()
    pinned = terse.certificate.fingerprint
    await terse.new_certificate()
    with pytest.raises(CertificateChangedError) as caught:
        await client(terse, fingerprint=pinned)
    assert caught.value.expected == pinned
    assert caught.value.actual == terse.certificate.fingerprint
    assert terse.requests == []


async def test_certificate_changed_while_running(
    device: DeviceFactory, client: ClientFactory
) -> None:
    terse = await device()
    receiver = await client(terse)
    problems: list[DeviceError | None] = []
    receiver.subscribe_problem(problems.append)
    pinned = terse.certificate.fingerprint
    await terse.new_certificate()
    await eventually(lambda: problems, timeout=FAST.dead_after * 3, what="a problem")
    err = problems[0]
    assert isinstance(err, CertificateChangedError)
    assert (err.expected, err.actual) == (pinned, terse.certificate.fingerprint)
    assert not receiver.connected
    assert receiver.stats.sessions_opened == 1


async def test_secrets_never_in_logs_exceptions_or_repr(
    device: DeviceFactory, client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secret = "Very-Secret-Pw-77#"
    encoded = base64.b64encode(f"api:{secret}".encode()).decode()
    terse = await device(password=secret)
    seen: list[str] = []
    with pytest.raises(AuthenticationError) as caught:
        await client(terse, password=secret + "x")
    seen += [str(caught.value), repr(caught.value), repr(caught.value.__cause__)]
    receiver = await client(terse, password=secret)
    problems: list[DeviceError | None] = []
    receiver.subscribe_problem(problems.append)
    terse.raw(b"data:{not json\r\n\r\n")
    terse.password = "Other-Pw-88#"
    await eventually(lambda: problems, timeout=FAST.dead_after * 3)
    terse.hang()
    await asyncio.sleep(FAST.problem_retry * 2)
    terse.release()
    seen += [repr(receiver), repr(receiver._api), repr(receiver._access), repr(problems)]
    seen += [str(p) for p in problems]
    seen.append(caplog.text)
    assert f"Basic {encoded}" in terse.auth_headers
    for text in seen:
        assert secret not in text
        assert encoded not in text
    assert repr(Access(secret=secret)).count(secret) == 0
