"""Hostile assignments files and delayed saving (issue 8, class 9).

Whatever the file holds (invalid JSON, or valid JSON of the wrong shape at any
level), Micboard loads, keeps the file byte for byte, makes assignments
read-only and raises a fixable repair issue.  Most cases write real files (a
temporary config folder with Home Assistant's real storage), because only a
real file can say "data": null while existing.
"""

from __future__ import annotations

import asyncio
import copy
import json
from pathlib import Path
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir, storage
from homeassistant.setup import async_setup_component
from hypothesis import HealthCheck, event, given, settings, strategies as st
import pytest
from pytest_homeassistant_custom_component.common import flush_store

from custom_components.micboard.assignments import (
    ISSUE_UNREADABLE,
    SAVE_DELAY,
    STORAGE_KEY,
    STORAGE_MINOR_VERSION,
    STORAGE_VERSION,
    AssignmentManager,
    AssignmentsUnavailableError,
    async_get_manager,
    new_assignment,
    parse_assignments,
)
from custom_components.micboard.const import DOMAIN

from .helpers import entry_for, state_of

# Home Assistant's own storage methods, taken before any test mocks them.
_REAL_LOAD = storage.Store._async_load
_REAL_WRITE = storage.Store._async_write_data
_REAL_REMOVE = storage.Store.async_remove

GOOD = {"performer": "Dave", "contact": None, "alerts": True, "assigned_at": ""}


def _envelope(data: Any, version: Any = STORAGE_VERSION) -> dict[str, Any]:
    return {"version": version, "minor_version": 1, "key": STORAGE_KEY, "data": data}


@pytest.fixture
def real_files(hass: HomeAssistant, tmp_path: Path):
    """Home Assistant's real storage, in a temporary config folder."""
    hass.config.config_dir = str(tmp_path)
    (tmp_path / ".storage").mkdir()
    with (
        patch.object(storage.Store, "_async_load", _REAL_LOAD),
        patch.object(storage.Store, "_async_write_data", _REAL_WRITE),
        patch.object(storage.Store, "async_remove", _REAL_REMOVE),
    ):
        yield tmp_path / ".storage"


WRONG_SHAPES = [
    pytest.param(b'{"version": 2, "minor_version": 1, "key": "k", "data": null}', id="data-null"),
    pytest.param(json.dumps(_envelope("garbage")).encode(), id="data-string"),
    pytest.param(json.dumps(_envelope([])).encode(), id="data-list"),
    pytest.param(json.dumps(_envelope(7)).encode(), id="data-number"),
    pytest.param(json.dumps(_envelope({})).encode(), id="data-no-assignments"),
    pytest.param(json.dumps(_envelope({"assignments": None})).encode(), id="assignments-null"),
    pytest.param(json.dumps(_envelope({"assignments": []})).encode(), id="assignments-list"),
    pytest.param(json.dumps(_envelope({"assignments": "x"})).encode(), id="assignments-string"),
    pytest.param(json.dumps(_envelope({"assignments": {"a/1": None}})).encode(), id="value-null"),
    pytest.param(json.dumps(_envelope({"assignments": {"a/1": []}})).encode(), id="value-list"),
    pytest.param(json.dumps(_envelope({"assignments": {"a/1": "Dave"}})).encode(), id="value-str"),
    pytest.param(json.dumps(_envelope({"assignments": {"a/1": 3}})).encode(), id="value-number"),
    pytest.param(
        json.dumps(_envelope({"assignments": {"a/1": {**GOOD, "alerts": "yes"}}})).encode(),
        id="field-type",
    ),
    pytest.param(
        json.dumps(_envelope({"assignments": {"no-channel": GOOD}})).encode(), id="bad-key"
    ),
    pytest.param(json.dumps(_envelope({"x:1": 42}, version=1)).encode(), id="v1-bad-value"),
    pytest.param(json.dumps(_envelope([], version=1)).encode(), id="v1-list"),
    pytest.param(json.dumps(_envelope({"assignments": {}}, version=3)).encode(), id="newer"),
    pytest.param(json.dumps(_envelope({"assignments": {}}, version="2")).encode(), id="ver-str"),
    pytest.param(json.dumps(_envelope({"assignments": {}}, version=1.5)).encode(), id="ver-float"),
    pytest.param(b'{"version": 2, "key": "k"}', id="no-data"),
    pytest.param(b"{}", id="empty-object"),
    pytest.param(b"[]", id="list"),
    pytest.param(b'"assignments"', id="string"),
    pytest.param(b"null", id="null"),
    pytest.param(b"42", id="number"),
    pytest.param(
        b'{"version": 2, "data": {"assignments": {"a/1": {"alerts": 1' + b"0" * 400 + b"}}}}",
        id="huge-number",
    ),
    pytest.param(b"{not json", id="invalid-json"),
    pytest.param(b"\xff\xfe\x00", id="binary"),
]


@pytest.mark.parametrize("content", WRONG_SHAPES)
async def test_unreadable_file_is_kept_and_reported(
    hass: HomeAssistant, real_files: Path, simulated, content: bytes
) -> None:
    path = real_files / STORAGE_KEY
    path.write_bytes(content)
    receiver = await simulated("ULXD4")
    entry = entry_for(receiver)
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    assert entry.state is ConfigEntryState.LOADED
    issue = ir.async_get(hass).async_get_issue(DOMAIN, ISSUE_UNREADABLE)
    assert issue is not None
    assert issue.is_fixable
    assert len(issue.translation_placeholders["error"]) <= 200
    manager = async_get_manager(hass)
    assert manager.writable is False
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            DOMAIN,
            "assign_performer",
            {"device_id": entry.runtime_data.channel_device_ids[1], "performer": "Dave"},
            blocking=True,
        )
    assert err.value.translation_key == "assignments_unreadable"
    await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    # Nothing renamed, nothing rewritten, nothing added next to it.
    assert path.read_bytes() == content
    assert sorted(p.name for p in real_files.iterdir() if p.name.startswith(DOMAIN)) == [
        STORAGE_KEY
    ]


async def test_repair_flow_keeps_a_copy_of_a_data_null_file(
    hass: HomeAssistant, real_files: Path, hass_client
) -> None:
    path = real_files / STORAGE_KEY
    content = b'{"version": 2, "minor_version": 1, "key": "micboard.assignments", "data": null}'
    path.write_bytes(content)
    assert await async_setup_component(hass, "repairs", {})
    assert await async_setup_component(hass, DOMAIN, {})
    await hass.async_block_till_done()
    client = await hass_client()
    resp = await client.post(
        "/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": ISSUE_UNREADABLE}
    )
    assert resp.status == 200
    flow = await resp.json()
    assert flow["step_id"] == "confirm"
    assert "not an object: None" in flow["description_placeholders"]["error"]
    resp = await client.post(f"/api/repairs/issues/fix/{flow['flow_id']}", json={})
    assert (await resp.json())["type"] == "create_entry"

    (backup,) = real_files.glob(f"{STORAGE_KEY}.unreadable.*")
    assert backup.read_bytes() == content
    manager = async_get_manager(hass)
    assert manager.writable is True
    assert ir.async_get(hass).async_get_issue(DOMAIN, ISSUE_UNREADABLE) is None
    await manager.async_update({"rx/1": new_assignment("Dave", None, True)})
    await flush_store(manager._store)
    saved = json.loads(path.read_text())
    assert saved["data"]["assignments"]["rx/1"]["performer"] == "Dave"


async def test_changes_are_saved_together_after_a_short_delay(
    hass: HomeAssistant, hass_storage
) -> None:
    assert await async_setup_component(hass, DOMAIN, {})
    manager = async_get_manager(hass)
    writes: list[dict[str, Any]] = []
    mocked_write = storage.Store._async_write_data

    async def counting(store: storage.Store, data: dict[str, Any]) -> None:
        await mocked_write(store, data)
        if store.key == STORAGE_KEY:
            writes.append(copy.deepcopy(hass_storage[STORAGE_KEY]))

    with patch.object(storage.Store, "_async_write_data", counting):
        for channel in range(1, 6):
            await manager.async_update(
                {f"rx/{channel}": new_assignment(f"Singer {channel}", None, True)}
            )
        await hass.async_block_till_done()
        assert writes == []
        assert STORAGE_KEY not in hass_storage
        async with asyncio.timeout(SAVE_DELAY + 5):
            while not writes:
                await asyncio.sleep(0.05)
        await asyncio.sleep(SAVE_DELAY + 0.2)
    assert len(writes) == 1
    assert set(writes[0]["data"]["assignments"]) == {f"rx/{n}" for n in range(1, 6)}


async def test_a_pending_save_is_written_when_home_assistant_stops(
    hass: HomeAssistant, hass_storage
) -> None:
    assert await async_setup_component(hass, DOMAIN, {})
    manager = async_get_manager(hass)
    await manager.async_update({"rx/1": new_assignment("Dave", None, True)})
    assert STORAGE_KEY not in hass_storage
    await hass.async_stop()
    assert hass_storage[STORAGE_KEY]["data"]["assignments"]["rx/1"]["performer"] == "Dave"


async def test_a_wrong_shape_in_mocked_storage_is_reported_too(
    hass: HomeAssistant, hass_storage, simulated
) -> None:
    """The path most tests take (Home Assistant's test storage) behaves the same."""
    content = _envelope({"assignments": {"x/1": {"performer": ["Dave"]}}})
    hass_storage[STORAGE_KEY] = copy.deepcopy(content)
    receiver = await simulated("QLXD4")
    entry = entry_for(receiver)
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    performer = er_entity(hass, entry)
    assert state_of(hass, performer) == STATE_UNAVAILABLE
    assert ir.async_get(hass).async_get_issue(DOMAIN, ISSUE_UNREADABLE) is not None
    await hass.async_stop()
    assert hass_storage[STORAGE_KEY] == content


def er_entity(hass: HomeAssistant, entry) -> str:
    from homeassistant.helpers import entity_registry as er

    found = er.async_get(hass).async_get_entity_id(
        "text", DOMAIN, f"{entry.runtime_data.device_key}-1-performer"
    )
    assert found is not None
    return found


# --- property: arbitrary JSON as the file ----------------------------------------------

_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
)
_JSON = st.recursive(
    _SCALARS,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=16,
)
_KEYS = st.text(max_size=10) | st.builds(
    "{}/{}".format, st.text(min_size=1, max_size=10), st.integers(0, 5000)
)
_ASSIGNMENT_LIKE = st.fixed_dictionaries(
    {},
    optional={
        "performer": st.none() | st.text(max_size=70) | _SCALARS,
        "contact": st.none() | st.text(max_size=20) | _SCALARS,
        "alerts": st.booleans() | _SCALARS,
        "assigned_at": st.text(max_size=30) | _SCALARS,
    },
)
_CHANNEL_KEYS = st.builds("{}/{}".format, st.text(min_size=1, max_size=10), st.integers(0, 999))
_VALID_ASSIGNMENT = st.fixed_dictionaries(
    {
        "performer": st.none() | st.text(min_size=1, max_size=64),
        "contact": st.none() | st.text(max_size=20),
        "alerts": st.booleans(),
        "assigned_at": st.text(max_size=30),
    }
)
_DATA_V2 = (
    _JSON
    | st.fixed_dictionaries(
        {"assignments": _JSON | st.dictionaries(_KEYS, _ASSIGNMENT_LIKE | _JSON, max_size=4)}
    )
    | st.fixed_dictionaries(
        {"assignments": st.dictionaries(_CHANNEL_KEYS, _VALID_ASSIGNMENT, max_size=4)}
    )
)
_V1_KEYS = st.builds("{}:{}".format, st.text(min_size=1, max_size=8), st.integers(0, 20))
_DATA_V1 = (
    _JSON
    | st.dictionaries(_V1_KEYS | _KEYS, st.text(max_size=70) | _SCALARS, max_size=4)
    | st.dictionaries(_V1_KEYS, st.text(min_size=1, max_size=64), max_size=4)
)
_ENVELOPES = st.fixed_dictionaries(
    {"version": st.sampled_from([2, 1, 3, 0, "2", 2.0, True, None])},
    optional={"minor_version": st.sampled_from([1, 0, 2, "1", None]), "key": _SCALARS},
).flatmap(
    lambda head: st.one_of(
        st.just(head),
        st.builds(
            lambda data: {**head, "data": data}, _DATA_V1 if head["version"] == 1 else _DATA_V2
        ),
    )
)
_VALID_FILES = st.builds(
    lambda assignments: _envelope({"assignments": assignments}),
    st.dictionaries(_CHANNEL_KEYS, _VALID_ASSIGNMENT, max_size=4),
)
_FILES = _JSON | _ENVELOPES | _VALID_FILES


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(content=_FILES)
async def test_any_json_file_loads_or_is_kept_read_only(
    hass: HomeAssistant, real_files: Path, content: Any
) -> None:
    path = real_files / STORAGE_KEY
    raw = json.dumps(content).encode()
    path.write_bytes(raw)
    issues = ir.async_get(hass)
    try:
        manager = AssignmentManager(hass)
        await manager.async_load()  # never raises
        issue = issues.async_get_issue(DOMAIN, ISSUE_UNREADABLE)
        event("loaded" if manager.writable else "read-only")
        if manager.writable:
            assert issue is None
            stored = json.loads(path.read_bytes())
            # Loaded files were valid; only an older version is rewritten (migrated).
            if path.read_bytes() != raw:
                assert (content["version"], content.get("minor_version", 1)) != (
                    STORAGE_VERSION,
                    STORAGE_MINOR_VERSION,
                )
                assert (stored["version"], stored["minor_version"]) == (
                    STORAGE_VERSION,
                    STORAGE_MINOR_VERSION,
                )
            parse_assignments(stored["data"])
        else:
            assert issue is not None
            assert issue.is_fixable
            assert path.read_bytes() == raw
            with pytest.raises(AssignmentsUnavailableError):
                await manager.async_update({"rx/1": None})
        assert sorted(p.name for p in real_files.iterdir() if p.name.startswith(DOMAIN)) == [
            STORAGE_KEY
        ]
    finally:
        ir.async_delete_issue(hass, DOMAIN, ISSUE_UNREADABLE)
        path.unlink(missing_ok=True)
