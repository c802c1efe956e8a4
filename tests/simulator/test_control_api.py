"""The JSON control API in-process, and a GET ALL sanity sweep over every bracket model."""

from __future__ import annotations

import asyncio
import re

import aiohttp
import pytest

from simulator import MODELS, ControlServer

BRACKET_MODELS = [m for m, s in MODELS.items() if s.family not in ("uhfr", "psm1000")]
LINE = re.compile(r"^< REP (\d )?[A-Z0-9_]+( \d)? (\{[^{}]*\}|[A-Za-z0-9_.,+\-]+) >$")
WIDTHS = {"ulxd": {8, 24, 32}, "qlxd": {8, 24, 32}, "slxd": {5, 8, 10, 24, 31, 32}}


@pytest.mark.parametrize("model", BRACKET_MODELS)
async def test_get_all_sanity(receiver, tcp, model) -> None:
    rx = await receiver(model)
    c = await tcp(rx)
    await c.send(f"< GET {rx.channel_count} ALL >")
    await c.silence(0.15)
    dump = await c.collect(0.0)
    assert dump
    assert all(LINE.match(line) for line in dump), [x for x in dump if not LINE.match(x)]
    assert f"< REP {rx.channel_count} METER_RATE 00000 >" in dump
    widths = {len(m) - 2 for line in dump for m in re.findall(r"\{[^{}]*\}", line)}
    assert widths <= WIDTHS.get(rx.family, {5, 8, 24, 31})


async def test_control_api(receiver, tcp) -> None:
    rx = await receiver("SLXD4D", name="slx")
    rx2 = await receiver("UR4D")
    server = ControlServer([rx, rx2])
    await server.start()
    c = await tcp(rx)
    try:
        async with aiohttp.ClientSession(server.url) as http:
            async with http.get("/receivers") as resp:
                data = await resp.json()
            assert [r["name"] for r in data["receivers"]] == ["slx", f"UR4D-{rx2.port}"]
            assert data["receivers"][0]["clients"] == 1

            async with http.post("/receivers/slx/channels/2/transmitter", json={"on": False}) as r:
                assert r.status == 200
                assert (await r.json())["channel"]["tx_model"] == "UNKNOWN"
            assert (await c.messages(3))[0] == "< REP 2 TX_MODEL UNKNOWN >"

            async with http.post("/receivers/0/channels/1/rf", json={"dbm": -70}) as r:
                assert (await r.json())["channel"]["rf_raw"] == [50, 50]
            async with http.post("/receivers/slx/channels/1/mute", json={"muted": True}) as r:
                assert r.status == 400  # SLX-D has no mute
            async with http.post("/receivers/nope/drop") as r:
                assert r.status == 404
            async with http.post("/receivers/slx/options", json={"unknown_reply": "bogus"}) as r:
                assert r.status == 400
            async with http.post(
                "/receivers/slx/options", json={"controller_access": False, "reply_delay": 0}
            ) as r:
                assert (await r.json())["receiver"]["controller_access"] is False
            await c.send("< GET 1 CHAN_NAME >")
            assert await c.silence(0.15) == b""
            async with http.post("/receivers/slx/hang", json={"hung": True}) as r:
                assert rx.hung
            async with http.post("/receivers/slx/reboot", json={"seconds": 0.1}) as r:
                assert r.status == 202
            assert await c.closed()
            await asyncio.sleep(0.2)
            assert not rx.hung
            async with http.get("/receivers/1") as r:
                detail = await r.json()
            assert len(detail["channel_state"]) == 2
            # a reboot still pending when the server stops is cancelled cleanly
            async with http.post("/receivers/1/reboot", json={"seconds": 5}) as r:
                assert r.status == 202
    finally:
        await server.stop()
