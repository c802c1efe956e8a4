"""The Micboard card in a real browser against a real Home Assistant.

Starts the simulated venue (live meters) and a real Home Assistant process on
127.0.0.1 (``harness.py``, which reuses ``scripts/stack.py``), turns metering
on, puts the card on a dashboard, then runs ``card.e2e.mjs`` with node and
headless Chromium: log in through the real login page, one tile per simulated
channel, a meter moving, a transmitter switched off in the simulator showing
as tx off within 2 s, no console errors.  Saves a screenshot of the card.

Needs node, ``npm ci --prefix frontend`` (playwright-core) and Chromium
(``apt-get install chromium``); without them the test fails and says so.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
import shutil
import sys
import time

import pytest

from scripts import stack as demo

from . import harness

ROOT = harness.ROOT
SCRIPT = Path(__file__).with_name("card.e2e.mjs")
# The README's picture: MICBOARD_E2E_SCREENSHOT=docs/micboard-card.png ./scripts/test tests/e2e
# (by default the screenshot stays with the test's temporary files).
SCREENSHOT_ENV = "MICBOARD_E2E_SCREENSHOT"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
NODE_TIMEOUT = 85.0
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


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
    stack: harness.Stack, board: str, artifacts: Path, screenshot: Path
) -> dict[str, object]:
    node = shutil.which("node")
    assert node is not None
    process = await asyncio.create_subprocess_exec(
        node,
        str(SCRIPT),
        *("--ha", stack.base, "--control", stack.control),
        *("--user", demo.USERNAME, "--password", demo.PASSWORD),
        *("--screenshot", str(screenshot), "--dashboard", board),
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


async def _scenario(config: Path, screenshot: Path) -> tuple[harness.Stack, dict[str, object]]:
    async with harness.running_stack(config) as stack:
        board = await harness.save_dashboard(
            stack, {"type": "custom:micboard-card", "title": "Micboard", "size": "desk"}
        )
        result = await _run_browser(stack, board, config / "artifacts", screenshot)
        return stack, result


@pytest.mark.timeout(170)
def test_card_in_a_real_browser(tmp_path: Path) -> None:
    if problems := _missing_tools():
        pytest.fail("the browser test cannot run: " + "; ".join(problems), pytrace=False)
    started = time.monotonic()
    screenshot = _screenshot(tmp_path)
    try:
        stack, result = asyncio.run(_scenario(tmp_path / "config", screenshot))
    except Exception as err:
        log = tmp_path / "config" / "home-assistant.log"
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-40:]) if log.exists() else ""
        pytest.fail(f"could not run the stack: {err!r}\n--- home-assistant.log ---\n{tail}")
    expected = sum(int(receiver["channels"]) for receiver in stack.receivers)
    if not result.get("ok"):
        pytest.fail(
            f"browser test failed: {result.get('error')}\n"
            f"(failure screenshot: {result.get('failureScreenshot')})\n{result.get('output')}\n"
            f"--- home-assistant.log ---\n{stack.log_tail(40)}",
            pytrace=False,
        )
    assert result["exit"] == 0
    assert result["tiles"] == expected
    assert isinstance(result["txOffMs"], int)
    assert result["txOffMs"] <= 2000
    assert result["consoleErrors"] == []
    assert screenshot.read_bytes()[:8] == PNG_MAGIC
    # Every process of the stack has ended.
    assert all(process.poll() is not None for process in stack.processes)
    print(f"e2e: whole test {time.monotonic() - started:.1f} s")
