"""``python -m simulator.sennheiser run`` serves devices and the control API."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import urllib.request

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
