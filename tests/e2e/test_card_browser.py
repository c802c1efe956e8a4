"""The Micboard card in a real browser, where a new user looks.

The demo runs exactly as ``./scripts/demo`` starts it, on a fresh config folder
(``tests/demo/demo_run.py``).  ``card.e2e.mjs`` then opens the address the
demo printed in headless Chromium, logs in through the real login page and
looks at wherever Home Assistant lands: that must be the board, in the
sidebar, showing one tile per simulated channel with its name, within 60 s of
the address being printed, without a restart; then a meter moves, a
transmitter switched off in the simulator shows as tx off within 2 s, a
renamed channel reaches its tile, and the console stays free of errors.
Saves a screenshot of the card.

Needs node, ``npm ci --prefix frontend`` (playwright-core) and Chromium
(``apt-get install chromium``); without them the test fails and says so.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
import json
import os
from pathlib import Path
import shutil
import sys
import time

import pytest

from scripts import stack
from simulator.venue import (
    DEMO_SSC2_VENUE,
    DEMO_SSC_VENUE,
    DEMO_VENUE,
    VenueReceiver,
    demo_system_api,
)
from tests.demo import demo_run
from tests.demo.demo_run import DemoRun

ROOT = stack.ROOT
SCRIPT = Path(__file__).with_name("card.e2e.mjs")
# The README's picture: MICBOARD_E2E_SCREENSHOT=docs/micboard-card.png ./scripts/test tests/e2e
# (by default the screenshot stays with the test's temporary files).
SCREENSHOT_ENV = "MICBOARD_E2E_SCREENSHOT"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
NODE_TIMEOUT = 130.0
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
BOARD_WITHIN_S = 60.0


def _missing_tools() -> list[str]:
    problems = []
    if shutil.which("node") is None:
        problems.append("node is not on PATH (install Node.js 20 or newer)")
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        problems.append(f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)")
    if not (ROOT / "frontend" / "node_modules" / "playwright-core").is_dir():
        problems.append("playwright-core is not installed (npm ci --prefix frontend)")
    return problems


def _screenshot(tmp_path: Path) -> Path:
    chosen = os.environ.get(SCREENSHOT_ENV)
    return Path(chosen) if chosen else tmp_path / "micboard-card.png"


async def _run_browser(
    demo: DemoRun, names: list[str], artifacts: Path, screenshot: Path
) -> dict[str, object]:
    node = shutil.which("node")
    assert node is not None
    process = await asyncio.create_subprocess_exec(
        node,
        str(SCRIPT),
        *("--address", demo.address, "--control", demo.control),
        *("--user", stack.USERNAME, "--password", stack.PASSWORD),
        *("--names", json.dumps(names), "--printed-at", str(round(demo.printed_at * 1000))),
        *("--board-path", f"/{stack.DASHBOARD}"),
        *("--screenshot", str(screenshot)),
        *("--chromium", CHROMIUM, "--artifacts", str(artifacts)),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        output, _ = await asyncio.wait_for(process.communicate(), NODE_TIMEOUT)
    except TimeoutError:
        pytest.fail(f"the browser test did not finish within {NODE_TIMEOUT:.0f} s")
    finally:
        if process.returncode is None:  # timed out or interrupted: no orphan browser
            process.kill()
            await process.wait()
    text = output.decode(errors="replace")
    sys.stdout.write(text)
    lines = [line for line in text.splitlines() if line.startswith("E2E-RESULT ")]
    if not lines:
        pytest.fail(f"card.e2e.mjs printed no result (exit {process.returncode}):\n{text}")
    result: dict[str, object] = json.loads(lines[-1].removeprefix("E2E-RESULT "))
    result["exit"] = process.returncode
    result["output"] = text
    return result


#: Bays of the chargers in the venue (their bays carry no name on the wire).
CHARGER_BAYS = {"CHG70N": 2}


def _tiles(receiver: VenueReceiver) -> tuple[str, ...]:
    """The tile names a venue device shows: its channels, or "<charger> bay N"."""
    if bays := CHARGER_BAYS.get(receiver.model):
        return tuple(f"{receiver.device_id} bay {n}" for n in range(1, bays + 1))
    return receiver.channels


def _server_tiles() -> list[str]:
    """Tiles of the devices behind the demo's System API server.

    Its AD4Q is the venue's Stage R, also added directly: the board shows it
    once (with the direct entry's tiles).  A battery device without audio
    channels shows one tile, named after the device.
    """
    stage_r = next(r for r in DEMO_VENUE if r.model == "AD4Q")
    names: list[str] = []
    for device in demo_system_api().devices:
        if device.name == stage_r.device_id:
            continue
        if device.channels:
            names += [channel.name for channel in device.channels]
        elif device.battery is not None:
            names.append(_shown_name(f"{device.name} channel 1"))
    return names


def _shown_name(full: str) -> str:
    """The name line of a tile: a leading "Word 1" is shown apart, as its ID (Micboard's split)."""
    words = full.split()
    if len(words) > 2 and words[0].isalpha() and words[1].isdigit():
        return " ".join(words[2:])
    return full


#: Every tile of the demo board.
def _board_tiles() -> list[str]:
    direct = (*DEMO_VENUE, *DEMO_SSC_VENUE, *DEMO_SSC2_VENUE)
    return [name for receiver in direct for name in _tiles(receiver)] + _server_tiles()


@pytest.fixture
def fresh_demo() -> Iterator[DemoRun]:
    """A demo run of this test's own: the browser opens the address as soon as it is printed.

    (The shared run may have been printed minutes earlier for other tests, which would
    make "the board within 60 s of the address" measure the test order, not the demo.)
    """
    run = demo_run.start()
    try:
        yield run
    finally:
        run.stop()
        shutil.rmtree(run.config.parent, ignore_errors=True)


@pytest.mark.timeout(400)
def test_card_where_the_user_looks(fresh_demo: DemoRun, tmp_path: Path) -> None:
    demo = fresh_demo
    if problems := _missing_tools():
        pytest.fail("the browser test cannot run: " + "; ".join(problems), pytrace=False)
    started = time.monotonic()
    screenshot = _screenshot(tmp_path)
    names = _board_tiles()
    # The address as printed: Home Assistant's root, no dashboard path of its own.
    assert demo.address == f"{demo.base}/"
    result = asyncio.run(_run_browser(demo, names, tmp_path / "artifacts", screenshot))
    if not result.get("ok"):
        tail = "\n".join(demo.log().splitlines()[-40:])
        pytest.fail(
            f"browser test failed: {result.get('error')}\n"
            f"(failure screenshot: {result.get('failureScreenshot')}, "
            f"page at {result.get('url')})\n"
            f"{result.get('output')}\n--- home-assistant.log ---\n{tail}",
            pytrace=False,
        )
    assert result["exit"] == 0
    assert str(result["landing"]).startswith(f"/{stack.DASHBOARD}")
    assert result["sidebar"] == "Micboard"
    assert result["tiles"] == len(names)
    assert sorted(result["names"]) == sorted(names)  # type: ignore[call-overload]
    assert result["visibleNames"] == len(names)
    assert isinstance(result["boardMs"], int)
    assert result["boardMs"] <= BOARD_WITHIN_S * 1000
    assert isinstance(result["txOffMs"], int)
    assert result["txOffMs"] <= 2000
    assert result["consoleErrors"] == []
    assert screenshot.read_bytes()[:8] == PNG_MAGIC
    print(f"e2e: browser part {time.monotonic() - started:.1f} s")
