"""The board's show features in a real browser against the demo (issue 12).

``board.e2e.mjs`` logs in to the demo and checks, with assertions: a chart
with points, a face on an assigned tile, the last known battery after a
transmitter went off, a group switch by key, the details dialog on a phone,
and the TV view filling 1920×1080 with at least 16 tiles, no scrolling and
no header or sidebar.  It saves desk, phone and TV screenshots; with
``MICBOARD_E2E_DOCS=docs`` they go to the README's pictures.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
import shutil
import sys

import pytest

from scripts import stack
from tests.demo.demo_run import DemoRun

from .test_card_browser import CHROMIUM, PNG_MAGIC, ROOT, _missing_tools

SCRIPT = Path(__file__).with_name("board.e2e.mjs")
DOCS_ENV = "MICBOARD_E2E_DOCS"
NODE_TIMEOUT = 170.0
TV_TILES = 16


async def _run(demo: DemoRun, shots: Path) -> dict[str, object]:
    node = shutil.which("node")
    assert node is not None
    process = await asyncio.create_subprocess_exec(
        node,
        str(SCRIPT),
        *("--address", demo.address, "--control", demo.control),
        *("--user", stack.USERNAME, "--password", stack.PASSWORD),
        *("--board-path", f"/{stack.DASHBOARD}", "--shots", str(shots)),
        *("--chromium", CHROMIUM),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        output, _ = await asyncio.wait_for(process.communicate(), NODE_TIMEOUT)
    except TimeoutError:
        pytest.fail(f"the board browser test did not finish within {NODE_TIMEOUT:.0f} s")
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    text = output.decode(errors="replace")
    sys.stdout.write(text)
    lines = [line for line in text.splitlines() if line.startswith("E2E-RESULT ")]
    if not lines:
        pytest.fail(f"board.e2e.mjs printed no result (exit {process.returncode}):\n{text}")
    result: dict[str, object] = json.loads(lines[-1].removeprefix("E2E-RESULT "))
    result["exit"] = process.returncode
    result["output"] = text
    return result


@pytest.mark.timeout(450)
def test_board_show_features(demo: DemoRun, tmp_path: Path) -> None:
    if problems := _missing_tools():
        pytest.fail("the browser test cannot run: " + "; ".join(problems), pytrace=False)
    shots = Path(os.environ.get(DOCS_ENV) or tmp_path / "shots")
    result = asyncio.run(_run(demo, shots))
    if not result.get("ok"):
        tail = "\n".join(demo.log().splitlines()[-30:])
        pytest.fail(
            f"board browser test failed: {result.get('error')} (page at {result.get('url')})\n"
            f"{result.get('output')}\n--- home-assistant.log ---\n{tail}",
            pytrace=False,
        )
    assert result["exit"] == 0
    assert result["consoleErrors"] == []
    # A chart with points, a face, the last known battery after tx off.
    assert isinstance(result["chartPoints"], int)
    assert result["chartPoints"] >= 3
    assert isinstance(result["faces"], int)
    assert result["faces"] >= 1
    last = result["lastKnown"]
    assert isinstance(last, dict)
    assert last["bars"] == last["barsBefore"] != ""
    assert last["status"] in {"good", "low", "critical"}
    assert last["text"]
    assert last["age"] == "now"
    expected = "rgb(31, 95, 174)" if last["status"] == "good" else "striped"
    assert last["background"] == expected
    # Groups by key: Speech (3), Stage (8 and a spacer), all.
    assert result["group2"] == {"tiles": 3, "spacers": 0}
    assert result["group1"] == {"tiles": 8, "spacers": 1}
    assert result["group0"] == {"tiles": result["deskTiles"], "spacers": 0}
    # Phone: the details with alerts on/off and identify.
    assert isinstance(result["phoneRows"], int)
    assert result["phoneRows"] >= 10
    assert {"Identify", "More info"} <= set(result["phoneButtons"])  # type: ignore[arg-type]
    # TV: every tile on a 1920×1080 screen, no scrolling, nothing of Home Assistant around it.
    tv = result["tv"]
    assert isinstance(tv, dict)
    assert tv["tiles"] >= TV_TILES
    assert tv["visible"] == tv["tiles"]
    assert tv["scroll"] is False
    assert tv["cornersCard"] is True
    assert tv["card"] == [0, 0, 1920, 1080]
    assert tv["performerFont"] >= 28  # readable from 5 m
    assert tv["faces"] >= 1
    for name in ("board-desk.png", "board-phone.png", "board-tv.png"):
        assert (shots / name).read_bytes()[:8] == PNG_MAGIC
