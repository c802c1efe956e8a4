"""DNS-SD for the simulated SSC v1 devices, on the loopback only."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import socket
from typing import Any

import pytest
from zeroconf import (
    DNSAddress,
    DNSIncoming,
    DNSPointer,
    DNSService,
    DNSText,
)

from simulator.sennheiser import SscDevice
from simulator.sennheiser.dnssd import (
    SERVICE,
    DnsSdResponder,
    build_query,
    parse_message,
)

from .conftest import DeviceFactory

PTR, TXT, SRV, A, ANY = 12, 16, 33, 1, 255


async def ask(port: int, questions: list[tuple[tuple[str, ...], int]], ident: int = 7) -> bytes:
    """One legacy unicast query from an ephemeral port; the raw reply."""
    loop = asyncio.get_running_loop()
    received: asyncio.Future[bytes] = loop.create_future()

    class Querier(asyncio.DatagramProtocol):
        def datagram_received(self, data: bytes, addr: tuple[Any, ...]) -> None:
            if not received.done():
                received.set_result(data)

    transport, _ = await loop.create_datagram_endpoint(
        Querier, local_addr=("127.0.0.1", 0), remote_addr=("127.0.0.1", port)
    )
    try:
        transport.sendto(build_query(questions, ident))
        return await asyncio.wait_for(received, 2)
    finally:
        transport.close()


@pytest.fixture
async def venue(ssc: DeviceFactory) -> AsyncIterator[tuple[DnsSdResponder, SscDevice, SscDevice]]:
    em4 = await ssc("EWDX-EM4", mac="00:1B:66:00:00:04")
    charger = await ssc("CHG70N", mac="00:1B:66:00:00:70")
    em4.device_name = "Band"
    charger.device_name = "Charger"
    responder = DnsSdResponder([em4, charger])
    await responder.start()
    yield responder, em4, charger
    await responder.stop()


async def test_ptr_query_gets_ptr_srv_txt_and_address(
    venue: tuple[DnsSdResponder, SscDevice, SscDevice],
) -> None:
    responder, em4, charger = venue
    reply = DNSIncoming(await ask(responder.port, [(SERVICE, PTR)]))
    assert reply.id == 7
    assert reply.is_response()
    # The question is echoed (legacy unicast), every TTL at most 10 s.
    assert [q.name for q in reply.questions] == ["_ssc._udp.local."]
    records = reply.answers()
    assert all(0 < record.ttl <= 10 for record in records)
    pointers = sorted(r.alias for r in records if isinstance(r, DNSPointer))
    assert pointers == ["Band._ssc._udp.local.", "Charger._ssc._udp.local."]
    services = {r.name: r for r in records if isinstance(r, DNSService)}
    assert services["Band._ssc._udp.local."].port == em4.port
    assert services["Charger._ssc._udp.local."].port == charger.port
    target = services["Band._ssc._udp.local."].server
    addresses = [r for r in records if isinstance(r, DNSAddress) and r.name == target]
    assert [socket.inet_ntoa(r.address) for r in addresses] == ["127.0.0.1"]
    texts = {r.name: r.text for r in records if isinstance(r, DNSText)}
    assert texts["Band._ssc._udp.local."] == (
        b"\x09txtvers=1\x0bversion=1.0\x0fid=001b66000004\x16model=EW-DX EM 4 Dante"
    )
    assert b"model=EW-DX CHG 70N" in texts["Charger._ssc._udp.local."]


async def test_instance_and_host_questions(
    venue: tuple[DnsSdResponder, SscDevice, SscDevice],
) -> None:
    responder, em4, _ = venue
    instance = ("band", "_ssc", "_udp", "local")  # names compare case-insensitively
    reply = DNSIncoming(await ask(responder.port, [(instance, SRV)]))
    (service,) = [r for r in reply.answers() if isinstance(r, DNSService)]
    assert service.port == em4.port
    assert not [r for r in reply.answers() if isinstance(r, DNSText)]
    both = DNSIncoming(await ask(responder.port, [(instance, ANY)]))
    assert {type(r) for r in both.answers()} == {DNSService, DNSText, DNSAddress}
    host = tuple(service.server.rstrip(".").split("."))
    address = DNSIncoming(await ask(responder.port, [(host, A)]))
    assert [socket.inet_ntoa(r.address) for r in address.answers()] == ["127.0.0.1"]  # type: ignore[attr-defined]
    meta = DNSIncoming(
        await ask(responder.port, [(("_services", "_dns-sd", "_udp", "local"), PTR)])
    )
    assert [r.alias for r in meta.answers()] == ["_ssc._udp.local."]  # type: ignore[attr-defined]


async def test_unknown_questions_and_garbage_get_no_answer(
    venue: tuple[DnsSdResponder, SscDevice, SscDevice],
) -> None:
    responder, _, _ = venue
    with pytest.raises(TimeoutError):
        await ask(responder.port, [(("_http", "_tcp", "local"), PTR)])
    # A pointer loop and a short header do not parse; a response is not answered.
    pointer_loop = bytes.fromhex("000100000001000000000000") + b"\xc0\x0c\x00\x0c\x00\x01"
    for bad in (pointer_loop, b"\x00"):
        with pytest.raises(ValueError):
            parse_message(bad)
    response = bytearray(build_query([(SERVICE, PTR)]))
    response[2] |= 0x84
    for garbage in (pointer_loop, b"\x00", bytes(response)):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.sendto(garbage, ("127.0.0.1", responder.port))
    await asyncio.sleep(0.2)
    assert responder.answered == 0
    answered = responder.answered
    assert DNSIncoming(await ask(responder.port, [(SERVICE, PTR)])).answers()
    assert responder.answered == answered + 1


async def test_names_follow_the_device_and_stopped_devices_vanish(
    venue: tuple[DnsSdResponder, SscDevice, SscDevice],
) -> None:
    responder, em4, charger = venue
    em4.set_device_id("Charger")  # a clash: the second one gets a suffix
    await charger.stop()
    reply = DNSIncoming(await ask(responder.port, [(SERVICE, PTR)]))
    assert [r.alias for r in reply.answers() if isinstance(r, DNSPointer)] == [
        "Charger._ssc._udp.local."
    ]
    assert [name for name, _ in responder.instances()] == ["Charger", "Charger (2)"]


async def test_only_loopback_queriers_and_devices() -> None:
    device = SscDevice("EWDX-EM2", host="192.0.2.10")
    with pytest.raises(ValueError, match="loopback"):
        DnsSdResponder([device])
    loopback = SscDevice("EWDX-EM2")
    await loopback.start()
    responder = DnsSdResponder([loopback])
    sent: list[tuple[bytes, tuple[str, int]]] = []

    class Recorder:
        def send(self, data: bytes, addr: tuple[str, int]) -> None:
            sent.append((data, addr))

    query = build_query([(SERVICE, PTR)])
    try:
        responder.received(Recorder(), query, ("192.0.2.9", 5353))  # type: ignore[arg-type]
        assert sent == []
        responder.received(Recorder(), query, ("127.0.0.1", 40000))  # type: ignore[arg-type]
        assert [addr for _, addr in sent] == [("127.0.0.1", 40000)]
    finally:
        await loopback.stop()
