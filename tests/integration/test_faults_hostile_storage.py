"""Assignments files that are not files, too large, or cannot be moved aside.

A directory, a named pipe (whose read would block the executor thread, and
with it Micboard's setup, forever) or an oversized file in place of the
assignments file is reported like any unreadable file: Micboard loads,
assignments are read-only, a fixable repair issue explains it.  The repair
flow never overwrites an earlier backup, and when the file cannot be moved
aside it says so (nothing changes) instead of failing with an error.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
import contextlib
from datetime import UTC, datetime
import json
import os
from pathlib import Path
from typing import Any
from unittest.mock import patch

from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir, storage
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import flush_store

from custom_components.micboard import assignments
from custom_components.micboard.assignments import (
    ISSUE_UNREADABLE,
    MAX_FILE_BYTES,
    STORAGE_KEY,
    async_get_manager,
    new_assignment,
)
from custom_components.micboard.const import DOMAIN

from .helpers import entry_for, state_of

_REAL_LOAD = storage.Store._async_load
_REAL_WRITE = storage.Store._async_write_data
_VALID = b'{"version": 2, "minor_version": 1, "key": "micboard.assignments", '
_VALID_END = b'"data": {"assignments": {"rx/1": {"performer": "Dave"}}}}'


@pytest.fixture
def folder(hass: HomeAssistant, tmp_path: Path) -> Iterator[Path]:
    """Home Assistant's real storage, in a temporary config folder."""
    hass.config.config_dir = str(tmp_path)
    (tmp_path / ".storage").mkdir()
    with (
        patch.object(storage.Store, "_async_load", _REAL_LOAD),
        patch.object(storage.Store, "_async_write_data", _REAL_WRITE),
    ):
        yield tmp_path / ".storage"


async def _load(hass: HomeAssistant) -> None:
    async with asyncio.timeout(10):
        assert await async_setup_component(hass, DOMAIN, {})
        await hass.async_block_till_done()


def _issue_error(hass: HomeAssistant) -> str:
    issue = ir.async_get(hass).async_get_issue(DOMAIN, ISSUE_UNREADABLE)
    assert issue is not None
    assert issue.is_fixable
    assert issue.translation_placeholders is not None
    return issue.translation_placeholders["error"]


async def _fix(hass: HomeAssistant, hass_client: Any) -> dict[str, Any]:
    assert await async_setup_component(hass, "repairs", {})
    client = await hass_client()
    resp = await client.post(
        "/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": ISSUE_UNREADABLE}
    )
    assert resp.status == 200
    flow = await resp.json()
    resp = await client.post(f"/api/repairs/issues/fix/{flow['flow_id']}", json={})
    assert resp.status == 200
    result: dict[str, Any] = await resp.json()
    return result


async def test_a_directory_in_place_of_the_file(
    hass: HomeAssistant, folder: Path, hass_client: Any
) -> None:
    path = folder / STORAGE_KEY
    path.mkdir()
    (path / "inside").write_text("kept")
    await _load(hass)
    manager = async_get_manager(hass)
    assert manager.writable is False
    assert "directory" in _issue_error(hass)

    assert (await _fix(hass, hass_client))["type"] == "create_entry"
    (backup,) = folder.glob(f"{STORAGE_KEY}.unreadable.*")
    assert (backup / "inside").read_text() == "kept"
    assert manager.writable is True
    await manager.async_update({"rx/1": new_assignment("Dave", None, True)})
    await flush_store(manager._store)
    assert path.is_file()


async def test_a_named_pipe_in_place_of_the_file_does_not_block_setup(
    hass: HomeAssistant, folder: Path
) -> None:
    path = folder / STORAGE_KEY
    os.mkfifo(path)
    try:
        await _load(hass)
    finally:
        # Should a read be stuck on the pipe, a writer that comes and goes ends it.
        with contextlib.suppress(OSError):
            os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
    assert async_get_manager(hass).writable is False
    assert "not a regular file" in _issue_error(hass)


async def test_an_oversized_file_is_not_read(hass: HomeAssistant, folder: Path) -> None:
    path = folder / STORAGE_KEY
    # Valid JSON, but padded beyond the bound: it is neither read nor replaced.
    with path.open("wb") as file:
        file.write(_VALID)
        file.write(b" " * (MAX_FILE_BYTES + 1))
        file.write(_VALID_END)
    size = path.stat().st_size
    await _load(hass)
    manager = async_get_manager(hass)
    assert manager.writable is False
    assert manager.get("rx", 1) is None
    assert "larger than" in _issue_error(hass)
    assert path.stat().st_size == size


async def test_a_file_at_the_bound_is_read(hass: HomeAssistant, folder: Path) -> None:
    path = folder / STORAGE_KEY
    padding = MAX_FILE_BYTES - len(_VALID) - len(_VALID_END)
    path.write_bytes(_VALID + b" " * padding + _VALID_END)
    assert path.stat().st_size == MAX_FILE_BYTES
    await _load(hass)
    manager = async_get_manager(hass)
    assert manager.writable is True
    assignment = manager.get("rx", 1)
    assert assignment is not None
    assert assignment.performer == "Dave"


async def test_start_afresh_never_overwrites_an_earlier_backup(
    hass: HomeAssistant, folder: Path, hass_client: Any
) -> None:
    path = folder / STORAGE_KEY
    path.write_bytes(b"{broken second")
    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    earlier = folder / f"{STORAGE_KEY}.unreadable.20260102T030405"
    earlier.write_bytes(b"{broken first")
    await _load(hass)
    with patch.object(assignments.dt_util, "utcnow", return_value=now):
        assert (await _fix(hass, hass_client))["type"] == "create_entry"
    assert earlier.read_bytes() == b"{broken first"
    assert (folder / f"{earlier.name}.2").read_bytes() == b"{broken second"


async def test_start_afresh_that_cannot_move_the_file_changes_nothing(
    hass: HomeAssistant, folder: Path, hass_client: Any
) -> None:
    path = folder / STORAGE_KEY
    path.write_bytes(b"{broken")
    await _load(hass)
    with patch.object(Path, "rename", side_effect=PermissionError(13, "Permission denied")):
        result = await _fix(hass, hass_client)
    assert result["type"] == "abort"
    assert result["reason"] == "cannot_move_aside"
    assert "Permission denied" in result["description_placeholders"]["error"]
    assert path.read_bytes() == b"{broken"
    assert async_get_manager(hass).writable is False
    assert _issue_error(hass)


async def test_a_second_start_afresh_flow_does_not_discard_new_assignments(
    hass: HomeAssistant, folder: Path, hass_client: Any
) -> None:
    path = folder / STORAGE_KEY
    path.write_bytes(b"{broken")
    await _load(hass)
    assert await async_setup_component(hass, "repairs", {})
    client = await hass_client()
    flows = []
    for _ in range(2):  # two browser tabs open the fix
        resp = await client.post(
            "/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": ISSUE_UNREADABLE}
        )
        flows.append((await resp.json())["flow_id"])
    resp = await client.post(f"/api/repairs/issues/fix/{flows[0]}", json={})
    assert (await resp.json())["type"] == "create_entry"
    manager = async_get_manager(hass)
    await manager.async_update({"rx/1": new_assignment("Dave", None, True)})
    await flush_store(manager._store)

    resp = await client.post(f"/api/repairs/issues/fix/{flows[1]}", json={})
    result = await resp.json()
    assert result["type"] == "abort"
    assert result["reason"] == "already_resolved"
    assignment = manager.get("rx", 1)
    assert assignment is not None
    assert assignment.performer == "Dave"
    assert len(list(folder.glob(f"{STORAGE_KEY}.unreadable.*"))) == 1
    assert b"Dave" in path.read_bytes()


async def test_invisible_characters_in_a_stored_performer_never_reach_entities(
    hass: HomeAssistant, folder: Path, simulated: Any, entity_id: Any
) -> None:
    receiver = await simulated("ULXD4D")
    entry = entry_for(receiver)
    stored = {
        "version": 2,
        "minor_version": 1,
        "key": STORAGE_KEY,
        "data": {
            "assignments": {
                f"{entry.unique_id}/1": {
                    "performer": "Da\x00ve\u202e\n\x1b[31m",
                    "contact": "person.dave\u200b",
                    "alerts": True,
                    "assigned_at": "",
                },
                f"{entry.unique_id}/2": {"performer": "👩\u200d🎤 Singer", "alerts": True},
            }
        },
    }
    (folder / STORAGE_KEY).write_text(json.dumps(stored))
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    manager = async_get_manager(hass)
    assert manager.writable is True
    assert state_of(hass, entity_id(entry, "text", "performer", 1)) == "Dave[31m"
    assert state_of(hass, entity_id(entry, "text", "performer", 2)) == "👩\u200d🎤 Singer"
    first = manager.get(entry.unique_id, 1)
    assert first is not None
    assert first.contact == "person.dave"


async def test_a_stored_performer_of_invisible_characters_only_is_unreadable(
    hass: HomeAssistant, folder: Path
) -> None:
    stored = {
        "version": 2,
        "minor_version": 1,
        "key": STORAGE_KEY,
        "data": {"assignments": {"rx/1": {"performer": "\u200b\u202e\x00"}}},
    }
    content = json.dumps(stored).encode()
    (folder / STORAGE_KEY).write_bytes(content)
    await _load(hass)
    assert async_get_manager(hass).writable is False
    assert "invisible" in _issue_error(hass)
    assert (folder / STORAGE_KEY).read_bytes() == content
