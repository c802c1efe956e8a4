"""Performer assignments, persisted in Home Assistant's storage.

An assignment belongs to a channel, keyed by the receiver's identity (its MAC
address, or its address where the MAC is unknown) and the channel number, so
it survives restarts, reloads, address changes and entity renames.

A file that cannot be read or understood is never replaced: a repair issue
explains it, and assignments stay read-only until the user decides (the
repair flow keeps a copy of the file before starting afresh).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
import logging
from pathlib import Path
from typing import Any, override

from homeassistant.core import DOMAIN as HOMEASSISTANT_DOMAIN, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .const import DOMAIN, SIGNAL_ASSIGNMENTS_CHANGED

_LOGGER = logging.getLogger(__name__)

STORAGE_KEY = f"{DOMAIN}.assignments"
STORAGE_VERSION = 2
STORAGE_MINOR_VERSION = 1
ISSUE_UNREADABLE = "assignments_unreadable"
MAX_PERFORMER_LENGTH = 64


@dataclass(frozen=True, slots=True)
class Assignment:
    """What is stored for a channel: its performer (if any) and alert flag."""

    performer: str | None
    contact: str | None = None
    alerts: bool = True
    assigned_at: str = ""

    @property
    def assigned(self) -> bool:
        """Whether a performer is assigned."""
        return self.performer is not None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Assignment:
        """Validate stored data (raises ValueError when it is not an assignment)."""
        performer = data.get("performer")
        contact = data.get("contact")
        alerts = data.get("alerts", True)
        assigned_at = data.get("assigned_at", "")
        if performer is not None and (
            not isinstance(performer, str) or not 1 <= len(performer) <= MAX_PERFORMER_LENGTH
        ):
            raise ValueError(f"invalid performer {performer!r}")
        if contact is not None and not isinstance(contact, str):
            raise ValueError(f"invalid contact {contact!r}")
        if not isinstance(alerts, bool) or not isinstance(assigned_at, str):
            raise ValueError("invalid alerts flag or time")
        return cls(performer, contact, alerts, assigned_at)


def channel_key(receiver: str, channel: int) -> str:
    """Storage key of a channel."""
    return f"{receiver}/{channel}"


class AssignmentsUnavailableError(HomeAssistantError):
    """Assignments cannot be changed: their file could not be read."""

    def __init__(self) -> None:
        """Point the user at the repair issue."""
        super().__init__(translation_domain=DOMAIN, translation_key="assignments_unreadable")


class _AssignmentStore(Store[dict[str, Any]]):
    """Versioned store with migrations."""

    @override
    async def _async_migrate_func(
        self, old_major_version: int, old_minor_version: int, old_data: dict[str, Any]
    ) -> dict[str, Any]:
        data = old_data
        if old_major_version == 1:
            # Version 1 stored {"<receiver>:<channel>": "<performer>"}.
            migrated: dict[str, Any] = {}
            for key, performer in data.items():
                receiver, _, channel = str(key).rpartition(":")
                migrated[channel_key(receiver, int(channel))] = {
                    "performer": performer,
                    "contact": None,
                    "alerts": True,
                    "assigned_at": "",
                }
            data = {"assignments": migrated}
        return data


class AssignmentManager:
    """All assignments; entities and services go through this."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Create the manager; call :meth:`async_load` before use."""
        self.hass = hass
        self._store = _AssignmentStore(
            hass,
            STORAGE_VERSION,
            STORAGE_KEY,
            minor_version=STORAGE_MINOR_VERSION,
            atomic_writes=True,
        )
        self._assignments: dict[str, Assignment] = {}
        self.writable = False
        #: Why the file could not be read (shown by the repair flow).
        self.load_error: str | None = None

    @property
    def path(self) -> Path:
        """The storage file."""
        return Path(self._store.path)

    async def async_load(self) -> None:
        """Load the stored assignments; report an unreadable file, never replace it."""
        try:
            stored = await self._store.async_load()
            if stored is None and self._moved_aside_by_core():
                raise ValueError("the file was corrupt; Home Assistant kept it as *.corrupt.*")
            assignments = self._parse(stored)
        except (HomeAssistantError, OSError, ValueError, TypeError, KeyError) as err:
            _LOGGER.error("Cannot read performer assignments from %s: %s", self.path, err)
            self.writable = False
            self.load_error = str(err)
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                ISSUE_UNREADABLE,
                is_fixable=True,
                is_persistent=False,
                severity=ir.IssueSeverity.ERROR,
                translation_key=ISSUE_UNREADABLE,
                translation_placeholders={"path": str(self.path), "error": str(err)},
            )
            return
        self._assignments = assignments
        self.writable = True
        self.load_error = None
        ir.async_delete_issue(self.hass, DOMAIN, ISSUE_UNREADABLE)

    def _moved_aside_by_core(self) -> bool:
        """Whether Home Assistant found the file corrupt and renamed it just now.

        Its storage then reports "no data" (and raises a repair issue of its
        own); starting empty without a word would lose every assignment.
        """
        prefix = f"storage_corruption_{STORAGE_KEY}_"
        return any(
            domain == HOMEASSISTANT_DOMAIN and issue_id.startswith(prefix)
            for domain, issue_id in ir.async_get(self.hass).issues
        )

    @staticmethod
    def _parse(stored: dict[str, Any] | None) -> dict[str, Assignment]:
        if stored is None:
            return {}
        if not isinstance(stored, dict) or not isinstance(
            raw := stored.get("assignments", {}), dict
        ):
            raise ValueError("not an assignments file")
        return {str(key): Assignment.from_dict(value) for key, value in raw.items()}

    async def async_start_afresh(self) -> Path | None:
        """Keep a copy of an unreadable file, then start with no assignments."""
        backup: Path | None = None
        if self.path.exists():
            stamp = dt_util.utcnow().strftime("%Y%m%dT%H%M%S")
            backup = self.path.with_name(f"{self.path.name}.unreadable.{stamp}")
            await self.hass.async_add_executor_job(self.path.rename, backup)
        self._assignments = {}
        self.writable = True
        await self._async_save()
        ir.async_delete_issue(self.hass, DOMAIN, ISSUE_UNREADABLE)
        return backup

    def get(self, receiver: str, channel: int) -> Assignment | None:
        """The assignment of a channel, if any."""
        return self._assignments.get(channel_key(receiver, channel))

    async def async_update(self, changes: Mapping[str, Assignment | None]) -> None:
        """Apply several changes at once (``None`` removes) and save them."""
        if not self.writable:
            raise AssignmentsUnavailableError
        for key, assignment in changes.items():
            if assignment is None:
                self._assignments.pop(key, None)
            else:
                self._assignments[key] = assignment
        await self._async_save()
        async_dispatcher_send(self.hass, SIGNAL_ASSIGNMENTS_CHANGED)

    async def async_rekey(self, old: str, new: str) -> None:
        """Move a receiver's assignments to a new identity."""
        prefix = f"{old}/"
        moved = {
            channel_key(new, int(key[len(prefix) :])): value
            for key, value in self._assignments.items()
            if key.startswith(prefix)
        }
        if not moved or not self.writable:
            return
        for key in [key for key in self._assignments if key.startswith(prefix)]:
            del self._assignments[key]
        self._assignments.update(moved)
        await self._async_save()

    async def _async_save(self) -> None:
        await self._store.async_save(
            {"assignments": {key: asdict(value) for key, value in self._assignments.items()}}
        )


def new_assignment(
    performer: str, contact: str | None, alerts: bool, now: datetime | None = None
) -> Assignment:
    """An assignment made now."""
    return Assignment(performer, contact, alerts, (now or dt_util.utcnow()).isoformat())


@callback
def async_get_manager(hass: HomeAssistant) -> AssignmentManager:
    """The integration's assignment manager (created in ``async_setup``)."""
    manager: AssignmentManager = hass.data[DATA_MANAGER]
    return manager


DATA_MANAGER = f"{DOMAIN}_assignments"


async def async_rekey_assignments(hass: HomeAssistant, old: str, new: str) -> None:
    """Move a receiver's assignments to its new identity (loading them if needed)."""
    manager: AssignmentManager | None = hass.data.get(DATA_MANAGER)
    if manager is None:
        manager = AssignmentManager(hass)
        await manager.async_load()
    await manager.async_rekey(old, new)
