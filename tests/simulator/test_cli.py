"""``python -m simulator``: help text, and a ``run`` + ``ctl`` round trip in subprocesses."""

from __future__ import annotations

from collections.abc import Iterator
import json
import os
from pathlib import Path
import signal
import socket
import subprocess
import sys
import time

import pytest

from simulator import MODELS

ROOT = Path(__file__).resolve().parents[2]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["PYTHONUNBUFFERED"] = "1"
    return env


def sim(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "simulator", *args],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_help_lists_families_and_models() -> None:
    out = sim("--help")
    assert out.returncode == 0, out.stderr
    for family in ("ulxd", "qlxd", "slxd", "axient_digital", "uhfr", "psm1000"):
        assert family in out.stdout
    for model in MODELS:
        assert model in out.stdout
    for command in ("run", "venue", "ctl"):
        assert command in out.stdout


@pytest.fixture
def running_sim() -> Iterator[tuple[subprocess.Popen[str], list[str]]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulator", "run", "ULXD4D:0", "UR4S:0", "--control-port", "0"],
        cwd=ROOT,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    lines = [proc.stdout.readline().strip() for _ in range(3)]
    try:
        yield proc, lines
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=10)


def _read_until(sock: socket.socket, marker: bytes, timeout: float = 5.0) -> bytes:
    sock.settimeout(timeout)
    data = b""
    deadline = time.monotonic() + timeout
    while marker not in data and time.monotonic() < deadline:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def test_run_and_ctl_round_trip(running_sim: tuple[subprocess.Popen[str], list[str]]) -> None:
    proc, lines = running_sim
    assert lines[0].startswith("ULXD4D 127.0.0.1:")
    assert lines[1].startswith("UR4S 127.0.0.1:")
    assert lines[2].startswith("control http://127.0.0.1:")
    port = int(lines[0].rsplit(":", 1)[1])
    control = lines[2].split(" ", 1)[1]
    name = f"ULXD4D-{port}"

    listing = sim("ctl", "--control", control, "list")
    assert listing.returncode == 0, listing.stderr
    assert f"0 {name} ULXD4D 127.0.0.1:{port}" in listing.stdout
    assert "UR4S" in listing.stdout

    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"< GET 2 TX_TYPE >")
        assert _read_until(sock, b">") == b"< REP 2 TX_TYPE ULXD1 >"
        out = sim("ctl", "--control", control, "tx", name, "2", "off")
        assert out.returncode == 0, out.stderr
        assert json.loads(out.stdout)["channel"]["tx_on"] is False
        got = _read_until(sock, b"BATT_TYPE UNKN >")
        assert got.startswith(b"< REP 2 TX_TYPE UNKN >< REP 2 TX_DEVICE_ID {        } >")
        out = sim("ctl", "--control", control, "rename", "0", "1", "Lead Vox")
        assert out.returncode == 0, out.stderr
        assert _read_until(sock, b">") == b"< REP 1 CHAN_NAME {Lead Vox} >"
        out = sim("ctl", "--control", control, "battery", name, "1", "--bars", "1")
        assert _read_until(sock, b">") == b"< REP 1 BATT_BARS 001 >"

    bad = sim("ctl", "--control", control, "interference", "UR4S-1", "1", "on")
    assert bad.returncode != 0
    assert "no receiver" in bad.stderr

    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) == 0
