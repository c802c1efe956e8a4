"""A deliberately terse SSC v1 device written from the protocol notes alone (not the simulator).

It answers with bare error codes (``[424]``), puts the error tree straight under
``osc/error`` (no list), reports only the first failing leaf of a request and
nothing else, never echoes ``xid``, and answers a subscription with its bare
request followed by the current values.  ``refuse_subscriptions`` makes it
answer ``501`` to every subscription instead.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

type Path = tuple[str, ...]


def leaves(node: dict[str, Any], prefix: Path = ()) -> list[tuple[Path, Any]]:
    out: list[tuple[Path, Any]] = []
    for key, value in node.items():
        if isinstance(value, dict):
            out.extend(leaves(value, (*prefix, key)))
        else:
            out.append(((*prefix, key), value))
    return out


def nest(pairs: list[tuple[Path, Any]]) -> dict[str, Any]:
    root: dict[str, Any] = {}
    for path, value in pairs:
        node = root
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = value
    return root


class TerseDevice(asyncio.DatagramProtocol):
    def __init__(
        self,
        values: dict[Path, Any],
        *,
        absent: tuple[str, ...] = (),
        refuse_subscriptions: bool = False,
    ) -> None:
        self.values = dict(values)
        self.absent = absent  # e.g. ("mates", "tx2") prefixes answered 424
        self.refuse_subscriptions = refuse_subscriptions
        self.transport: asyncio.DatagramTransport | None = None
        self.subscribers: dict[tuple[Any, ...], set[Path]] = {}
        self.requests: list[dict[str, Any]] = []
        self.silent = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.DatagramTransport)
        self.transport = transport

    def send(self, message: dict[str, Any], addr: tuple[Any, ...]) -> None:
        assert self.transport is not None
        if not self.silent:
            self.transport.sendto(json.dumps(message).encode() + b"\n", addr)

    def lookup(self, path: Path) -> tuple[int | None, Any]:
        for prefix in self.absent:
            if path[: len(prefix)] == tuple(prefix.split("/")):
                return 424, None
        if path not in self.values:
            return 404, None
        return None, self.values[path]

    def answer(self, pairs: list[tuple[Path, Any]], addr: tuple[Any, ...]) -> None:
        out: list[tuple[Path, Any]] = []
        for path, value in pairs:
            code, current = self.lookup(path)
            if code is not None:
                # terse: only the first failing leaf, bare code, a tree (not a list)
                self.send({"osc": {"error": nest([(path, [code])])}}, addr)
                return
            if value is not None:
                self.values[path] = current = value
            out.append((path, current))
        self.send(nest(out), addr)

    def datagram_received(self, data: bytes, addr: tuple[Any, ...]) -> None:
        try:
            message = json.loads(data)
        except ValueError:
            return
        self.requests.append(message)
        osc = message.pop("osc", {})
        subscribe = osc.get("state", {}).get("subscribe") if isinstance(osc, dict) else None
        if subscribe is not None:
            if self.refuse_subscriptions:
                self.send({"osc": {"error": {"osc": {"state": {"subscribe": [501]}}}}}, addr)
                return
            self.send({"osc": {"state": {"subscribe": subscribe}}}, addr)
            for entry in subscribe:
                pairs = leaves({k: v for k, v in entry.items() if k != "#"})
                self.subscribers.setdefault(addr, set()).update(p for p, _ in pairs)
                self.answer(pairs, addr)
            return
        if message:
            self.answer(leaves(message), addr)

    def change(self, path: Path, value: Any) -> None:
        self.values[path] = value
        for addr, paths in self.subscribers.items():
            if path in paths:
                self.send(nest([(path, value)]), addr)


EM2: dict[Path, Any] = {
    ("device", "identity", "product"): "EW-DX EM 2",
    ("device", "identity", "serial"): "1234567890",
    ("device", "identity", "version"): "2.0.1",
    ("device", "name"): "TERSE-EM2",
    ("rx1", "name"): "VOX",
    ("rx1", "mute"): False,
    ("rx1", "frequency"): 550_000,
    ("rx1", "warnings"): [],
    ("rx2", "name"): "SPARE",
    ("rx2", "mute"): True,
    ("rx2", "frequency"): 551_025,
    ("rx2", "warnings"): ["RfPeak"],
    ("mates", "active"): ["mates/tx1"],
    ("mates", "tx1", "battery", "gauge"): 45,
    ("mates", "tx1", "battery", "lifetime"): 200,
    ("mates", "tx1", "battery", "type"): "Battery",
    ("mates", "tx1", "name"): "HH1",
    ("mates", "tx1", "type"): "SKM",
    ("mates", "tx1", "mute"): False,
    ("mates", "tx1", "warnings"): ["LowBattery"],
    ("m", "rx1", "rssi"): -55.5,
    ("m", "rx1", "rsqi"): 88,
    ("m", "rx1", "divi"): 2,
    ("m", "rx1", "af"): -30,
    ("m", "rx2", "rssi"): -100,
    ("m", "rx2", "rsqi"): 0,
    ("m", "rx2", "divi"): 0,
    ("m", "rx2", "af"): -138.5,
}

D1: dict[Path, Any] = {
    ("device", "identity", "product"): "ew D1 sRX1",
    ("device", "identity", "serial"): "D1-0042",
    ("device", "name"): "PODIUM",
    ("rx1", "name"): "PODIUM",
    ("rx1", "mute_state"): "MUTED",
    ("mates", "active"): ["tx1"],
    ("mates", "tx1", "bat_gauge"): 60,
    ("mates", "tx1", "bat_lifetime"): 5400,
    ("mates", "tx1", "bat_type"): 1,
    ("mates", "tx1", "warnings"): ["Low Bat"],
}

D6000: dict[Path, Any] = {
    ("device", "identity", "product"): "EM 6000 Dante",
    ("device", "identity", "serial"): "D6K-7",
    ("device", "name"): "RACK-A",
    ("rx1", "skx", "battery"): ["30%", "1:05"],
    ("rx2", "skx", "battery"): [],
    ("rx1", "active_warnings"): [],
    ("rx2", "active_warnings"): [],
    # flat reading of /mm: nine bytes per channel, channel 2 without transmitter
    ("mm",): [175, 180, 155, 160, 0, 1, 204, 215, 220, 0, 0, 0, 0, 0, 0, 0, 0, 0],
}
