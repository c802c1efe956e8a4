"""The demo's first run on a fresh folder: what a new user gets.

One real run (``demo_run.py``: ``python -m scripts.demo``, fresh config
folder, free ports on 127.0.0.1) is checked for a clean log, the board as the
default dashboard in the sidebar, meaningful and unique names, and for every
entity id the documentation quotes.  ``tests/e2e`` looks at the same run in a
browser.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
import re
import shutil
import subprocess
import time

from homeassistant.const import Platform
import pytest

from scripts import stack
from simulator.venue import (
    DEMO_PERFORMERS,
    DEMO_SSC2_VENUE,
    DEMO_SSC_VENUE,
    DEMO_VENUE,
    demo_system_api,
)

from .demo_run import DemoRun, dump, entity_ids

# The first test to use the demo also waits for it to start (and the last one
# for it to stop): more than the suite's default per-test limit on a busy machine.
pytestmark = pytest.mark.timeout(400)

ROOT = stack.ROOT
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

#: Entity domains an id in the docs may start with: every entity platform and
#: the entity-providing integrations an automation example may name.
ENTITY_DOMAINS = {platform.value for platform in Platform} | {
    "automation",
    "counter",
    "group",
    "input_boolean",
    "input_button",
    "input_datetime",
    "input_number",
    "input_select",
    "input_text",
    "person",
    "scene",
    "script",
    "sun",
    "timer",
    "zone",
}
_ENTITY_ID = re.compile(
    rf"(?<![\w/.-])(?P<id>(?:{'|'.join(sorted(ENTITY_DOMAINS))})\.[a-z0-9_]+)(?![\w/-])"
)
_ACTION_LINE = re.compile(r"^\s*-?\s*(?:action|service):")
_ACTION_AFTER = re.compile(r"[`…]*\s+actions?\b")  # "the `notify.x` action"
_FILE_SUFFIXES = {"py", "yaml", "json", "md", "png", "js", "mjs", "txt"}

#: Warnings Home Assistant logs at every start that the demo cannot avoid.
EXPECTED_WARNINGS = (
    # Every custom integration gets this one.
    "We found a custom integration micboard which has not been tested by Home Assistant",
    # aiohttp's optional fast zlib; plain zlib works.
    "zlib_ng and isal are not available",
)
_PROBLEM = re.compile(
    r"\b(ERROR|CRITICAL|FATAL)\b|Traceback \(most recent call last\)"
    # Home Assistant installing a requirement at run time: setup missed one.
    r"|Attempting install of"
)
_WARNING = re.compile(r"\bWARNING\b")


def entity_ids_in(line: str) -> list[str]:
    """Entity ids quoted in one line of documentation (not actions, not file names)."""
    if _ACTION_LINE.match(line):
        return []
    return [
        match.group("id")
        for match in _ENTITY_ID.finditer(line)
        if match.group("id").rsplit(".", 1)[1] not in _FILE_SUFFIXES
        and not _ACTION_AFTER.match(line, match.end())
    ]


def documented_entity_ids() -> dict[str, list[str]]:
    """Entity ids quoted in README.md and docs/*.md, with where."""
    found: dict[str, list[str]] = {}
    for path in DOCS:
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            for entity_id in entity_ids_in(line):
                found.setdefault(entity_id, []).append(f"{path.name}:{number}")
    return found


def test_entity_id_pattern_finds_what_a_reader_sees() -> None:
    line = (
        "`binary_sensor.lead_vox_battery_low`, states('sensor.lead_vox_battery'), "
        "trigger.event.data, custom_components/micboard/sensor.py, notify.py, "
        "the `notify.persistent_notification` action, text.bv_1_performer."
    )
    assert entity_ids_in(line) == [
        "binary_sensor.lead_vox_battery_low",
        "sensor.lead_vox_battery",
        "text.bv_1_performer",
    ]
    assert entity_ids_in("      - action: notify.persistent_notification") == []
    assert entity_ids_in("        entity_id: sensor.micboard_transmitters_on") == [
        "sensor.micboard_transmitters_on"
    ]


def log_problems(logs: dict[str, str]) -> list[str]:
    """Lines of the logs a first run must not have: errors, tracebacks, unexpected warnings."""
    problems: list[str] = []
    for name, text in logs.items():
        for line in text.splitlines():
            if _PROBLEM.search(line) or (
                _WARNING.search(line) and not any(w in line for w in EXPECTED_WARNINGS)
            ):
                problems.append(f"{name}: {line}")
    return problems


def test_log_problems_are_found() -> None:
    """What the demo's log used to show is caught; the unavoidable warnings are not."""
    seen = {
        "home-assistant.log": "\n".join(
            [
                "2026-11-30 11:50:05.554 WARNING (MainThread) [homeassistant.bootstrap] "
                "Skipping pip installation of required modules. This may cause issues",
                "2026-11-30 11:50:05.557 WARNING (SyncWorker_0) [homeassistant.loader] "
                "We found a custom integration micboard which has not been tested by "
                "Home Assistant. This component might cause stability problems",
                "2026-11-30 11:50:06.062 ERROR (MainThread) [haffmpeg.core] FFmpeg fails "
                "[Errno 2] No such file or directory: 'ffmpeg'",
                "Traceback (most recent call last):",
                "2026-11-30 11:50:07.001 INFO (MainThread) [homeassistant.util.package] "
                "Attempting install of av==19.0.0",
            ]
        )
    }
    problems = log_problems(seen)
    assert len(problems) == 4
    for caught, expected in zip(
        problems,
        ("Skipping pip installation", "FFmpeg fails", "Traceback", "Attempting install of av"),
        strict=True,
    ):
        assert caught.startswith("home-assistant.log: ")
        assert expected in caught


def test_a_clean_log(demo: DemoRun) -> None:
    """No ERROR, no traceback anywhere; only the warnings every such start has."""
    problems = log_problems(demo.logs())
    assert problems == [], "\n".join(problems)
    # The log is really there and Home Assistant wrote to it.
    assert "custom integration micboard" in demo.log()


def test_the_board_is_the_default_dashboard_in_the_sidebar(demo: DemoRun) -> None:
    dashboards, system, board = asyncio.run(
        demo.ws(
            {"type": "lovelace/dashboards/list"},
            {"type": "frontend/get_system_data", "key": "core"},
            {"type": "lovelace/config", "url_path": stack.DASHBOARD},
        )
    )
    ours = [d for d in dashboards if d["url_path"] == stack.DASHBOARD]
    assert len(ours) == 1, dump(dashboards)
    assert ours[0]["show_in_sidebar"] is True
    assert ours[0]["require_admin"] is False
    assert system["value"]["default_panel"] == stack.DASHBOARD
    # The board first (where the dashboard opens), then the kiosk TV view.
    view, tv = board["views"]
    assert view["path"] == stack.BOARD_VIEW
    assert [card["type"] for card in view["cards"]] == ["custom:micboard-card"]
    assert tv["path"] == "tv"
    assert [(card["size"], card["kiosk"]) for card in tv["cards"]] == [("tv", True)]
    # Nothing waits for a restart: no legacy storage file to migrate.
    assert not (demo.config / ".storage" / "lovelace").exists()
    # The address printed is Home Assistant's root, which opens on the board.
    assert demo.address == f"{demo.base}/"


def test_devices_carry_the_venue_names(demo: DemoRun) -> None:
    (devices,) = asyncio.run(demo.ws({"type": "config/device_registry/list"}))
    ours = [d for d in devices if any(i[0] == "micboard" for i in d["identifiers"])]
    # Every device of the venue is added, the Sennheiser and HTTPS ones included.
    assert "could not add" not in demo.text()
    # The System API server's entry holds the server and the devices behind it.
    (server,) = [d for d in ours if d["model"] == "System API"]
    served = [d for d in ours if d["primary_config_entry"] == server["primary_config_entry"]]
    direct = [d for d in ours if d not in served]
    venue = [*DEMO_VENUE, *DEMO_SSC_VENUE, *DEMO_SSC2_VENUE]
    # A charger's bays have no names on the wire: Home Assistant names them.
    chargers = {
        d["id"] for d in direct if d["name"] in {r.device_id for r in venue if not r.channels}
    }
    channel_names = sorted(
        d["name"] for d in direct if d["via_device_id"] and d["via_device_id"] not in chargers
    )
    assert channel_names == sorted(n for r in venue for n in r.channels)
    receiver_names = {d["name"] for d in direct if not d["via_device_id"] and d["model"]}
    # UHF-R has no device name on the wire: Home Assistant names it by model and address.
    assert {r.device_id for r in venue if r.model != "UR4D"} <= receiver_names
    # Every device behind the server is there, under the server, with its model.
    behind = demo_system_api().devices
    members = [d for d in served if d["via_device_id"] == server["id"]]
    assert sorted(d["model"] for d in members) == sorted(device.model for device in behind)
    for device in behind:
        (member,) = [d for d in members if d["serial_number"] == device.serial]
        # Named as the server names it (an address is added where another device has the name).
        assert member["name"].startswith(device.name), (member["name"], device.name)


def test_no_entity_id_has_a_numeric_suffix(demo: DemoRun) -> None:
    ids = entity_ids(demo)
    assert len(ids) > 100
    suffixed = [entity_id for entity_id in ids if re.search(r"_\d+$", entity_id)]
    assert suffixed == []


def test_every_entity_id_in_the_docs_exists(demo: DemoRun) -> None:
    quoted = documented_entity_ids()
    # The README's examples quote entities of the venue (the test is not vacuous).
    assert {"binary_sensor.lead_vox_battery_low", "binary_sensor.stage_l_connectivity"} <= set(
        quoted
    )
    existing = set(entity_ids(demo))
    missing = {entity_id: where for entity_id, where in quoted.items() if entity_id not in existing}
    assert missing == {}, dump(missing)


def test_performers_are_on_their_channels(demo: DemoRun) -> None:
    (states,) = asyncio.run(demo.ws({"type": "get_states"}))
    performers = {
        s["entity_id"]: s["state"] for s in states if s["entity_id"].endswith("_performer")
    }
    for channel, performer in DEMO_PERFORMERS.items():
        entity_id = f"text.{channel.lower().replace(' ', '_')}_performer"
        assert performers.get(entity_id) == performer, dump(performers)


def test_help_comes_at_once_without_setup(tmp_path: Path) -> None:
    """``./scripts/demo --help`` prints the options before (and without) any setup step."""
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    for name in ("demo", "demo.py", "__init__.py"):
        shutil.copy2(ROOT / "scripts" / name, scripts / name)
    # A setup that would be noticed: it says so and fails.
    (scripts / "setup").write_text("#!/bin/sh\necho SETUP-RAN\nexit 3\n")
    (scripts / "setup").chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    started = time.monotonic()
    helped = subprocess.run(  # noqa: S603 - the repository's own script
        [str(scripts / "demo"), "--help"],
        capture_output=True,
        text=True,
        timeout=30,
        env=env,
        check=False,
    )
    assert time.monotonic() - started < 10
    assert helped.returncode == 0, helped.stderr
    assert "SETUP-RAN" not in helped.stdout + helped.stderr
    assert helped.stdout.startswith("usage: scripts/demo")
    for option in ("--port", "--base-port", "--control-port", "--slp-port", "--config"):
        assert option in helped.stdout
    assert "default: 8123" in helped.stdout
    # Without --help the same script does run setup first (the check above can fail).
    ran = subprocess.run(  # noqa: S603
        [str(scripts / "demo"), "--port", "1"],
        capture_output=True,
        text=True,
        timeout=30,
        env=env,
        check=False,
    )
    assert "SETUP-RAN" in ran.stdout
    assert ran.returncode == 3
