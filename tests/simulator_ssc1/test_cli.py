"""``python -m simulator.sennheiser run`` serves devices and the control API."""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import subprocess
import sys
import urllib.request

import pytest
from zeroconf import DNSIncoming, DNSPointer

from simulator.cli import _make_receivers, build_parser, main
from simulator.sennheiser import SSC_MODELS
from simulator.sennheiser.dnssd import SERVICE, build_query

from .conftest import Probe


async def test_run_serves_devices_until_interrupted() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "simulator.sennheiser",
        "run",
        "EWDX-EM2:0",
        "chg70n:0",
        "--control-port",
        "0",
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    try:
        lines = [
            (await asyncio.wait_for(process.stdout.readline(), 20)).decode().split()
            for _ in range(3)
        ]
        assert [line[0] for line in lines] == ["EWDX-EM2", "CHG70N", "control"]
        host, port = lines[0][1].rsplit(":", 1)
        loop = asyncio.get_running_loop()
        transport, peer = await loop.create_datagram_endpoint(
            Probe, local_addr=("127.0.0.1", 0), remote_addr=(host, int(port))
        )
        try:
            reply = await peer.ask({"device": {"identity": {"product": None}}})
        finally:
            transport.close()
        assert reply == {"device": {"identity": {"product": "EW-DX EM 2"}}}
        url = lines[2][1] + "/receivers"
        listing = await asyncio.to_thread(
            lambda: json.loads(urllib.request.urlopen(url, timeout=5).read())
        )
        assert [r["model"] for r in listing["receivers"]] == ["EWDX-EM2", "CHG70N"]
    finally:
        process.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(process.wait(), 20) == 0


async def test_simulator_cli_runs_ssc_models_next_to_shure_ones() -> None:
    """``python -m simulator run`` serves SSC v1 models, ``ctl`` drives them, DNS-SD answers."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "simulator",
        "run",
        "ULXD4D:0",
        "ewdx-em4:0",
        "CHG70N:0",
        "--control-port",
        "0",
        "--dns-sd",
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    try:
        lines = [
            (await asyncio.wait_for(process.stdout.readline(), 20)).decode().split()
            for _ in range(5)
        ]
        assert [line[0] for line in lines] == ["ULXD4D", "EWDX-EM4", "CHG70N", "control", "dns-sd"]
        host, port = lines[1][1].rsplit(":", 1)
        control = lines[3][1]
        ctl = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "simulator", "ctl", "--control", control),
            *("tx", f"EWDX-EM4-{port}", "3", "off"),
            stdout=asyncio.subprocess.PIPE,
        )
        out, _ = await asyncio.wait_for(ctl.communicate(), 20)
        assert ctl.returncode == 0
        assert json.loads(out)["channel"]["tx_on"] is False
        loop = asyncio.get_running_loop()
        transport, peer = await loop.create_datagram_endpoint(
            Probe, local_addr=("127.0.0.1", 0), remote_addr=(host, int(port))
        )
        try:
            reply = await peer.ask({"mates": {"active": None}})
        finally:
            transport.close()
        assert reply == {"mates": {"active": ["mates/tx1", "mates/tx2", "mates/tx4"]}}
        dns_host, dns_port = lines[4][1].rsplit(":", 1)
        assert dns_host == "127.0.0.1"
        records = await asyncio.to_thread(query_ptr, int(dns_port))
        assert sorted(records) == ["EW-DX-CHG-70N", "EW-DX-EM-4-Dante"]
    finally:
        process.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(process.wait(), 20) == 0


def query_ptr(port: int) -> list[str]:
    """Instance names a one-shot ``_ssc._udp.local.`` PTR query gets from 127.0.0.1:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(5)
        sock.sendto(build_query([(SERVICE, 12)], ident=7), ("127.0.0.1", port))
        data, _ = sock.recvfrom(9000)
    message = DNSIncoming(data)
    return [
        record.alias.split("._ssc._udp.local.")[0]
        for record in message.answers()
        if isinstance(record, DNSPointer)
    ]


def test_help_lists_sennheiser_models() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "simulator", "--help"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    for model, spec in SSC_MODELS.items():
        assert model in out.stdout
        assert spec.product in out.stdout
    run_help = subprocess.run(
        [sys.executable, "-m", "simulator", "run", "--help"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert "--dns-sd" in run_help.stdout


def test_spec_accepts_both_manufacturers_and_rejects_others() -> None:
    args = build_parser().parse_args(["run", "EWDX-EM2:0", "AD4Q:0", "em6000"])
    assert args.receivers == [("EWDX-EM2", 0), ("AD4Q", 0), ("em6000", 0)]
    receivers = _make_receivers(args)
    assert [type(rx).__name__ for rx in receivers] == ["SscDevice", "SimReceiver", "SscDevice"]
    assert [rx.model for rx in receivers] == ["EWDX-EM2", "AD4Q", "EM6000"]
    with pytest.raises(SystemExit):
        build_parser().parse_args(["run", "EWDX-EM9:0"])


def test_dns_sd_refuses_a_non_loopback_host(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["run", "EWDX-EM2:0", "--host", "192.0.2.1", "--dns-sd"])
    assert raised.value.code == 2
    assert "loopback only" in capsys.readouterr().err
