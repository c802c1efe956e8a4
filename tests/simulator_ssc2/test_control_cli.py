"""The control API, the command line and the venue drive SSCv2 devices like the others."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
from typing import Any
import urllib.error
import urllib.request

import aiohttp
import pytest

from custom_components.micboard.devices.tls import fetch_fingerprint
from simulator.cli import _make_receivers, build_parser, main
from simulator.control import ControlServer
from simulator.sennheiser_v2 import SSC2_MODELS, Ssc2Device
from simulator.venue import DEMO_SSC2_VENUE, SECURE_VENUE_MODELS, VENUE_MODELS, Venue

from .conftest import Api, basic


def post(url: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


@pytest.fixture
async def control(api: Api) -> Any:
    server = ControlServer([api.device])
    await server.start()
    yield server
    await server.stop()


async def test_channel_controls(control: ControlServer, api: Api) -> None:
    base = f"{control.url}/receivers/0"
    call = asyncio.to_thread
    stream = await api.stream()
    try:
        await api.put(f"{stream.location}/add", ["/api/transmitters/1/battery"])
        await stream.data()
        status, reply = await call(
            post, f"{base}/channels/2/battery", {"percent": 15, "minutes": 50}
        )
        assert status == 200
        assert reply["channel"]["battery_percent"] == 15
        assert await stream.data() == {
            "/api/transmitters/1/battery": {"type": "Battery", "lifetime": 50, "gauge": 15}
        }
    finally:
        stream.close()
    await call(post, f"{base}/channels/2/transmitter", {"on": False})
    assert (await api.get("/api/transmitters/1"))[0] == 422
    status, _ = await call(post, f"{base}/channels/2/transmitter", {"on": True, "model": "SKM-S"})
    assert status == 200
    assert (await api.get("/api/transmitters/1"))[1]["type"] == "EW_DX_SKM_S"
    status, reply = await call(post, f"{base}/channels/2/transmitter", {"on": True, "model": "X"})
    assert status == 400
    await call(post, f"{base}/channels/1/rf", {"dbm": -77.0, "antenna": 2})
    await call(post, f"{base}/channels/1/audio", {"dbfs": -9.5})
    await call(post, f"{base}/channels/1/mute", {"muted": True})
    await call(post, f"{base}/channels/1/name", {"name": "PASTOR"})
    await call(post, f"{base}/channels/1/interference", {"active": True})
    await call(post, f"{base}/channels/1/drain", {"minutes": 60})
    assert await api.get("/api/channel/0/signalStrengthIndicator") == (200, {"value": -77.0})
    assert await api.get("/api/channel/0/diversityIndicator") == (200, {"value": 2})
    assert await api.get("/api/channel/0/level") == (200, {"value": -9.5})
    status, channel = await api.get("/api/channel/0")
    assert (channel["mute"], channel["name"]) == (True, "PASTOR")
    assert await api.get("/api/channel/0/warnings") == (200, ["RfPeak"])
    assert (await api.get("/api/transmitters/0/battery"))[1]["lifetime"] == 360
    await call(post, f"{base}/channels/1/dropout", {"active": True})
    assert await api.get("/api/channel/0/warnings") == (200, ["LowSignal", "NoLink", "RfPeak"])


async def test_device_controls(control: ControlServer, api: Api) -> None:
    base = f"{control.url}/receivers/0"
    call = asyncio.to_thread
    listing = (await call(get_json, f"{control.url}/receivers"))["receivers"][0]
    assert listing["transport"] == "https"
    assert listing["fingerprint"] == api.device.fingerprint
    assert (listing["username"], listing["password"]) == ("api", api.password)
    await call(post, f"{base}/device_id", {"name": "Lectern2"})
    assert (await api.get("/api/device/site"))[1]["deviceName"] == "Lectern2"
    old = api.device.fingerprint
    status, reply = await call(post, f"{base}/certificate", {})
    assert status == 200
    assert reply["fingerprint"] == api.device.fingerprint != old
    assert await fetch_fingerprint("127.0.0.1", api.device.port) == reply["fingerprint"]
    status, _ = await call(post, f"{base}/password", {"password": "Changed-Secret7"})
    assert status == 200
    assert (await api.get("/api/channel/0"))[0] == 401
    status, reply = await call(post, f"{base}/password", {"password": "weak"})
    assert status == 400
    status, _ = await call(
        post, f"{base}/options", {"max_sessions": 1, "sse_data_space": True, "reply_delay": 0.0}
    )
    assert status == 200
    assert (api.device.max_sessions, api.device.sse_data_space) == (1, True)
    status, _ = await call(post, f"{base}/live", {"on": True, "seed": 2})
    assert api.device.live
    await call(post, f"{base}/hang", {"hung": True})
    assert api.device.hung
    await call(post, f"{base}/hang", {"hung": False})
    status, _ = await call(post, f"{base}/reboot", {"seconds": 0.2})
    assert status == 202
    await asyncio.sleep(0.6)
    api.password = "Changed-Secret7"
    assert (await api.get("/api/channel/0"))[0] == 200


async def test_certificate_and_password_refused_for_other_devices() -> None:
    from simulator.venue import create_device

    shure = create_device("ULXD4D", mac="00:0E:DD:00:00:01", seed=0)
    await shure.start()
    server = ControlServer([shure])
    await server.start()
    try:
        status, reply = await asyncio.to_thread(post, f"{server.url}/receivers/0/certificate", {})
        assert status == 400
        assert "HTTPS" in reply["error"]
        status, _ = await asyncio.to_thread(
            post, f"{server.url}/receivers/0/options", {"push_on_add": False}
        )
        assert status == 400
    finally:
        await server.stop()
        await shure.stop()


def test_help_lists_sscv2_models() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "simulator", "--help"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    for model, spec in SSC2_MODELS.items():
        assert model in out.stdout
        assert spec.product in out.stdout
    assert "--model" in out.stdout


async def test_model_option_runs_one_device_and_prints_access() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "simulator",
        "--model",
        "ewdx-em2-secure",
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    try:
        line = (await asyncio.wait_for(process.stdout.readline(), 20)).decode().split()
        assert line[0] == "EWDX-EM2-SECURE"
        host, port = line[1].rsplit(":", 1)
        fields = dict(item.split("=", 1) for item in line[2:])
        assert fields["user"] == "api"
        assert await fetch_fingerprint(host, int(port)) == fields["fingerprint"]
        async with aiohttp.ClientSession() as session:
            async with session.get(
                f"https://{host}:{port}/api/channel/0",
                headers=basic(fields["user"], fields["password"]),
                ssl=aiohttp.Fingerprint(bytes.fromhex(fields["fingerprint"].replace(":", ""))),
            ) as response:
                assert response.status == 200
    finally:
        process.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(process.wait(), 20) == 0


async def test_run_and_ctl_drive_an_sscv2_device() -> None:
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "simulator", "run", "SPECTERA-BASE:0", "EWDX-EM4-SECURE:0"),
        *("--control-port", "0"),
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    try:
        lines = [
            (await asyncio.wait_for(process.stdout.readline(), 20)).decode().split()
            for _ in range(3)
        ]
        assert [line[0] for line in lines] == ["SPECTERA-BASE", "EWDX-EM4-SECURE", "control"]
        port = lines[1][1].rsplit(":", 1)[1]
        old = dict(item.split("=", 1) for item in lines[1][2:])["fingerprint"]
        ctl = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "simulator", "ctl", "--control", lines[2][1]),
            *("certificate", f"EWDX-EM4-SECURE-{port}"),
            stdout=asyncio.subprocess.PIPE,
        )
        out, _ = await asyncio.wait_for(ctl.communicate(), 20)
        assert ctl.returncode == 0
        new = json.loads(out)["fingerprint"]
        assert new != old
        assert await fetch_fingerprint("127.0.0.1", int(port)) == new
    finally:
        process.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(process.wait(), 20) == 0


def test_parser_accepts_sscv2_models() -> None:
    args = build_parser().parse_args(["run", "EWDX-EM2-SECURE:0", "spectera-base", "AD4Q:0"])
    receivers = _make_receivers(args)
    assert [type(rx).__name__ for rx in receivers] == ["Ssc2Device", "Ssc2Device", "SimReceiver"]
    assert [rx.model for rx in receivers] == ["EWDX-EM2-SECURE", "SPECTERA-BASE", "AD4Q"]
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--model", "EWDX-EM9-SECURE"])


def test_model_option_needs_no_command_and_no_other(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["--model", "EWDX-EM2-SECURE", "run", "AD4Q:0"])
    assert raised.value.code == 2
    with pytest.raises(SystemExit) as raised:
        main([])
    assert raised.value.code == 2
    assert "--model" in capsys.readouterr().err


async def test_secure_venue_adds_named_sscv2_devices() -> None:
    assert Venue.default().receivers[-1].model == VENUE_MODELS[-1]  # unchanged by default
    venue = Venue.demo(secure=True)
    assert tuple(rx.model for rx in venue.receivers) == (*VENUE_MODELS, *SECURE_VENUE_MODELS)
    secure = venue.sennheiser_v2
    assert [rx.model for rx in secure] == [named.model for named in DEMO_SSC2_VENUE]
    for rx, named in zip(secure, DEMO_SSC2_VENUE, strict=True):
        assert isinstance(rx, Ssc2Device)
        assert rx.device_name == named.device_id
        assert tuple(c.name for c in rx.channels) == named.channels
    async with Venue(secure) as running:
        api_user = basic("api", secure[0].password or "")
        async with aiohttp.ClientSession() as session:
            for rx in running.receivers:
                assert isinstance(rx, Ssc2Device)
                async with session.get(
                    rx.url + "/api/device/site",
                    headers=api_user,
                    ssl=aiohttp.Fingerprint(bytes.fromhex(rx.fingerprint.replace(":", ""))),
                ) as response:
                    assert (await response.json())["deviceName"] == rx.device_name
