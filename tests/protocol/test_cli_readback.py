"""The simulator's CLI serves each family; the library's CLI reads it back."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
import sys

ROOT = Path(__file__).resolve().parents[2]
MODELS = {
    "ULXD4Q": ("ulxd", 4),
    "AD4Q": ("axient_digital", 4),
    "SLXD4D": ("slxd", 2),
    "QLXD4": ("qlxd", 1),
    "UR4D": ("uhfr", 2),
    "P10T": ("psm1000", 2),
}


async def test_cli_simulator_read_back_by_library_cli() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    simulator = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "simulator",
        "run",
        *(f"{m}:0" for m in MODELS),
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert simulator.stdout is not None
        ports: dict[str, int] = {}
        async with asyncio.timeout(20):
            while len(ports) < len(MODELS):
                model, address = (await simulator.stdout.readline()).decode().split()
                ports[model] = int(address.rpartition(":")[2])
        for model, (family, channels) in MODELS.items():
            reader = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "custom_components.micboard.devices",
                f"127.0.0.1:{ports[model]}",
                cwd=ROOT,
                env=env,
                stdout=asyncio.subprocess.PIPE,
            )
            out, _ = await asyncio.wait_for(reader.communicate(), 30)
            assert reader.returncode == 0, model
            state = json.loads(out)
            assert state["info"]["model"] == model
            assert state["info"]["family"] == family
            assert len(state["channels"]) == channels
            first = state["channels"]["1"]
            assert first["tx_on"] is True
            assert 400 < first["frequency_mhz"] < 1000  # MHz, not kHz
            if family != "psm1000":
                assert 0 <= first["battery_bars"] <= 5
            if family in {"ulxd", "axient_digital"}:
                assert 0 <= first["battery_percent"] <= 100
                assert first["battery_runtime_min"] > 0
                assert -128 <= first["rf_level_dbm"] < 0  # dBm
                assert first["audio_level_dbfs"] <= 0  # dBFS
    finally:
        simulator.terminate()
        await simulator.wait()


async def test_library_cli_reports_unreachable_receiver() -> None:
    from tests.integration.helpers import free_port

    reader = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "custom_components.micboard.devices",
        f"127.0.0.1:{free_port()}",
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(reader.communicate(), 30)
    assert reader.returncode == 1
    assert b"error:" in err
