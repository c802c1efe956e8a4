"""``python -m simulator system-api``, its ``ctl`` action and the demo venue's server."""

from __future__ import annotations

import asyncio
import signal
import sys

import aiohttp
import pytest

from custom_components.micboard.devices.tls import pinned
from simulator.cli import _make_system_api, build_parser, main
from simulator.slp import cid_for_mac
from simulator.venue import DEMO_VENUE, Venue, demo_system_api


def test_help_lists_the_system_api_server(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "system-api" in out
    assert "SYSTEM-API" in out
    assert "ULXD6" in out
    with pytest.raises(SystemExit):
        main(["system-api", "--help"])
    out = capsys.readouterr().out
    for option in ("--api-key", "--shape", "--page-size", "--activity-interval"):
        assert option in out


async def test_system_api_command_serves_until_interrupted(
    capsys: pytest.CaptureFixture[str],
) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "simulator",
        "system-api",
        "--port",
        "0",
        "--api-key",
        "cli-key",
        "--page-size",
        "2",
        "--control-port",
        "0",
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    try:
        lines = [
            (await asyncio.wait_for(process.stdout.readline(), 30)).decode().split()
            for _ in range(4)
        ]
        assert [line[0] for line in lines] == ["SYSTEM-API", "api-key", "fingerprint", "control"]
        address, key, fingerprint, control = (line[1] for line in lines)
        assert key == "cli-key"
        host, port = address.rsplit(":", 1)
        assert host == "127.0.0.1"
        assert int(port) > 0
        async with (
            aiohttp.ClientSession() as session,
            session.get(
                f"https://{address}/api/v1/devices",
                ssl=pinned(fingerprint),
                headers={"x-api-key": key},
            ) as resp,
        ):
            body = await resp.json()
        assert resp.status == 200
        assert len(body["edges"]) == 2
        assert body["pageInfo"]["hasNextPage"] is True
        code = await asyncio.to_thread(
            main,
            [
                "ctl",
                "--control",
                control,
                "system-api",
                "0/devices/AD4Q/online",
                '{"online": false}',
            ],
        )
        assert code == 0
        assert '"state": "OFFLINE"' in capsys.readouterr().out
        assert (
            await asyncio.to_thread(main, ["ctl", "--control", control, "system-api", "list"]) == 0
        )
        out = capsys.readouterr().out
        assert f"0 SYSTEM-API {address} api-key=cli-key fingerprint={fingerprint}" in out
        with pytest.raises(SystemExit, match="error 404"):
            await asyncio.to_thread(
                main, ["ctl", "--control", control, "system-api", "0/devices/NONE/remove"]
            )
        with pytest.raises(SystemExit, match="JSON"):
            await asyncio.to_thread(
                main, ["ctl", "--control", control, "system-api", "0/hang", "{oops"]
            )
    finally:
        process.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(process.wait(), 20) == 0


def test_venue_option_adds_the_demo_server() -> None:
    args = build_parser().parse_args(["venue", "--base-port", "0", "--system-api-port", "0"])
    (server,) = _make_system_api(args)
    assert server.port == 0
    assert server.devices[0].model == "AD4Q"
    assert _make_system_api(build_parser().parse_args(["venue", "--base-port", "0"])) == []
    assert _make_system_api(build_parser().parse_args(["run", "AD4Q:0"])) == []


def test_demo_server_sees_the_venue_receiver_as_the_same_device() -> None:
    venue = Venue.demo()
    receiver = venue.get("AD4Q")
    server = demo_system_api()
    ad4q = server.device("AD4Q")
    stage_r = next(r for r in DEMO_VENUE if r.model == "AD4Q")
    assert ad4q.mac == receiver.mac
    assert ad4q.device_id == cid_for_mac(receiver.mac).lower()
    assert ad4q.name == stage_r.device_id
    assert tuple(ch.name for ch in ad4q.channels) == stage_r.channels
    assert len(server.devices) == 6
