"""Performer assignments, persisted in Home Assistant's storage.

An assignment belongs to a channel, keyed by the receiver's device key (set
once when its entry is created, kept through address changes) and the channel
number, so it survives restarts, reloads, address changes and entity renames.

A file that cannot be read or understood (invalid JSON, or valid JSON of the
wrong shape at any level) is never replaced: a repair issue explains it, and
assignments stay read-only until the user decides (the repair flow keeps a
copy of the file before starting afresh).  Changes are saved with Home
Assistant's delayed save, so a burst of changes is written once, off the
event loop's critical path; a pending save is written when Home Assistant
stops.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
import logging
import os
from pathlib import Path
import re
import stat
from typing import Any, Final, override
import unicodedata

from homeassistant.core import DOMAIN as HOMEASSISTANT_DOMAIN, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util
from homeassistant.util.json import json_loads

from .const import DOMAIN, SIGNAL_ASSIGNMENTS_CHANGED

_LOGGER = logging.getLogger(__name__)

STORAGE_KEY = f"{DOMAIN}.assignments"
STORAGE_VERSION = 2
STORAGE_MINOR_VERSION = 1
ISSUE_UNREADABLE = "assignments_unreadable"
MAX_PERFORMER_LENGTH = 64
#: Seconds a change waits before it is written (further changes join it).
SAVE_DELAY: Final = 1.0

_MAX_CONTACT_LENGTH = 255
_MAX_TIME_LENGTH = 64
_MAX_ERROR_LENGTH = 200
#: Largest assignments file read (thousands of channels fit in a few hundred KiB).
MAX_FILE_BYTES = 16 * 1024 * 1024
_KEY = re.compile(r"^.+/[0-9]{1,3}$", re.DOTALL)

#: Unicode categories a performer name must not contain: control and format
#: characters (line breaks, tabs, NUL, ESC, bidirectional overrides and
#: isolates, zero-width characters), surrogates, line/paragraph separators.
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


_ZWJ = "\u200d"
_EMOJI_PRESENTATION = "\ufe0f"


def _joins_emoji(text: str, index: int) -> bool:
    """Whether the zero-width joiner at ``index`` is part of an emoji sequence (👩‍🎤)."""
    if not 0 < index < len(text) - 1:
        return False
    before, after = text[index - 1], text[index + 1]
    return unicodedata.category(after) == "So" and (
        before == _EMOJI_PRESENTATION or unicodedata.category(before) in {"So", "Sk"}
    )


def has_forbidden_characters(text: str) -> bool:
    """Whether ``text`` holds control, format or separator characters.

    The one format character allowed is the zero-width joiner between two
    emoji, which is how many emoji (👩‍🎤, 🧑‍🤝‍🧑) are written.
    """
    return any(
        unicodedata.category(char) in _FORBIDDEN_CATEGORIES
        and not (char == _ZWJ and _joins_emoji(text, index))
        for index, char in enumerate(text)
    )


def without_forbidden_characters(text: str) -> str:
    """``text`` without the characters :func:`has_forbidden_characters` refuses."""
    if not has_forbidden_characters(text):
        return text
    return "".join(
        char
        for index, char in enumerate(text)
        if unicodedata.category(char) not in _FORBIDDEN_CATEGORIES
        or (char == _ZWJ and _joins_emoji(text, index))
    ).strip()


def _short(value: object) -> str:
    """A bounded description of a stored value for error messages."""
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:37]}..."


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
    def from_dict(cls, data: object) -> Assignment:
        """Validate stored data (raises ValueError when it is not an assignment)."""
        if not isinstance(data, Mapping):
            raise ValueError(f"an assignment is not an object: {_short(data)}")
        performer = data.get("performer")
        contact = data.get("contact")
        alerts = data.get("alerts", True)
        assigned_at = data.get("assigned_at", "")
        if performer is not None and (
            not isinstance(performer, str) or not 1 <= len(performer) <= MAX_PERFORMER_LENGTH
        ):
            raise ValueError(f"invalid performer {_short(performer)}")
        if contact is not None and (
            not isinstance(contact, str) or len(contact) > _MAX_CONTACT_LENGTH
        ):
            raise ValueError(f"invalid contact {_short(contact)}")
        if performer is not None:
            # A hand-edited file may hold what the actions refuse (line breaks,
            # NUL, bidirectional overrides): it never reaches entities or events.
            performer = without_forbidden_characters(performer)
            if not performer:
                raise ValueError("a performer name holds only invisible characters")
        if contact is not None:
            contact = without_forbidden_characters(contact) or None
        if not isinstance(alerts, bool):
            raise ValueError(f"invalid alerts flag {_short(alerts)}")
        if not isinstance(assigned_at, str) or len(assigned_at) > _MAX_TIME_LENGTH:
            raise ValueError(f"invalid assignment time {_short(assigned_at)}")
        return cls(performer, contact, alerts, assigned_at)


def channel_key(receiver: str, channel: int) -> str:
    """Storage key of a channel."""
    return f"{receiver}/{channel}"


def parse_assignments(data: object) -> dict[str, Assignment]:
    """Validate the stored data of the current version (raises ValueError)."""
    if not isinstance(data, Mapping):
        raise ValueError(f"the stored data is not an object: {_short(data)}")
    raw = data.get("assignments")
    if not isinstance(raw, Mapping):
        raise ValueError(f'"assignments" is not an object: {_short(raw)}')
    parsed: dict[str, Assignment] = {}
    for key, value in raw.items():
        if not isinstance(key, str) or not _KEY.match(key):
            raise ValueError(f"invalid channel key {_short(key)}")
        parsed[key] = Assignment.from_dict(value)
    return parsed


def _migrate_v1(data: object) -> dict[str, Any]:
    """Version 1 stored ``{"<receiver>:<channel>": "<performer>"}``."""
    if not isinstance(data, Mapping):
        raise ValueError(f"the stored data is not an object: {_short(data)}")
    migrated: dict[str, Any] = {}
    for key, performer in data.items():
        receiver, _, channel = str(key).rpartition(":")
        if not receiver or not channel.isascii() or not channel.isdigit() or len(channel) > 3:
            raise ValueError(f"invalid channel key {_short(key)}")
        migrated[channel_key(receiver, int(channel))] = {
            "performer": performer,
            "contact": None,
            "alerts": True,
            "assigned_at": "",
        }
    result = {"assignments": migrated}
    parse_assignments(result)
    return result


def check_envelope(envelope: object) -> None:
    """Validate a whole storage file as written by Home Assistant (raises ValueError)."""
    if not isinstance(envelope, Mapping):
        raise ValueError(f"the file is not a storage object: {_short(envelope)}")
    version = envelope.get("version")
    minor = envelope.get("minor_version", 1)
    if type(version) is not int or type(minor) is not int:
        raise ValueError(f"invalid storage version {_short(version)}.{_short(minor)}")
    if "data" not in envelope:
        raise ValueError("the file holds no data")
    if version == 1:
        _migrate_v1(envelope["data"])
    elif version == STORAGE_VERSION:
        parse_assignments(envelope["data"])
    else:
        raise ValueError(f"storage version {version} is not one Micboard can read")


def _read_file(path: Path) -> tuple[bool, object]:
    """Read and decode the file as it is on disk: (exists, content).

    Only a regular file of at most :data:`MAX_FILE_BYTES` is read: a
    directory, a pipe (which would block the read forever) or a device such
    as ``/dev/zero`` (which never ends) in its place raises ``ValueError``.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        return False, None
    except IsADirectoryError:
        raise ValueError("a directory is in place of the file") from None
    with os.fdopen(descriptor, "rb") as file:
        mode = os.fstat(file.fileno()).st_mode
        if stat.S_ISDIR(mode):
            raise ValueError("a directory is in place of the file")
        if not stat.S_ISREG(mode):
            raise ValueError("it is not a regular file")
        raw = file.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        raise ValueError(f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
    return True, json_loads(raw)


def _move_aside(path: Path, stamp: str) -> Path | None:
    """Rename the file to a dated backup next to it (``None`` if there is none).

    An earlier backup is never overwritten (a second one in the same second
    gets a numbered name); ``OSError`` when the file cannot be renamed.
    """
    if not path.exists(follow_symlinks=False):
        return None
    backup = path.with_name(f"{path.name}.unreadable.{stamp}")
    number = 1
    while backup.exists(follow_symlinks=False):
        number += 1
        backup = path.with_name(f"{path.name}.unreadable.{stamp}.{number}")
    path.rename(backup)
    return backup


class AssignmentsUnavailableError(HomeAssistantError):
    """Assignments cannot be changed: their file could not be read."""

    def __init__(self) -> None:
        """Point the user at the repair issue."""
        super().__init__(translation_domain=DOMAIN, translation_key="assignments_unreadable")


class _AssignmentStore(Store[dict[str, Any]]):
    """Versioned store with migrations that refuse data they do not understand.

    Home Assistant writes a migrated file back at once, so a migration must
    fail (leaving the file alone) rather than return something invalid.
    """

    @override
    async def _async_migrate_func(
        self, old_major_version: int, old_minor_version: int, old_data: dict[str, Any]
    ) -> dict[str, Any]:
        if type(old_major_version) is int and old_major_version == 1:
            return _migrate_v1(old_data)
        if type(old_major_version) is int and old_major_version == STORAGE_VERSION:
            # Another minor version of the same layout.
            parse_assignments(old_data)
            return old_data
        raise ValueError(f"storage version {_short(old_major_version)} is not readable")


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
        """Load the stored assignments; report an unreadable file, never replace it.

        Nothing read from the file can raise out of here: whatever is wrong
        with it makes the assignments read-only and raises a repair issue.
        """
        try:
            assignments = await self._async_read()
        except Exception as err:  # every failure is reported the same way
            message = str(err) or type(err).__name__
            if len(message) > _MAX_ERROR_LENGTH:
                message = f"{message[: _MAX_ERROR_LENGTH - 3]}..."
            _LOGGER.error("Cannot read performer assignments from %s: %s", self.path, message)
            self.writable = False
            self.load_error = message
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                ISSUE_UNREADABLE,
                is_fixable=True,
                is_persistent=False,
                severity=ir.IssueSeverity.ERROR,
                translation_key=ISSUE_UNREADABLE,
                translation_placeholders={"path": str(self.path), "error": message},
            )
            return
        self._assignments = assignments
        self.writable = True
        self.load_error = None
        ir.async_delete_issue(self.hass, DOMAIN, ISSUE_UNREADABLE)

    async def _async_read(self) -> dict[str, Assignment]:
        # Check the file as it is on disk before Home Assistant's storage sees
        # it: that would rename invalid JSON and take wrong shapes (such as
        # "data": null) for "nothing stored yet".
        exists, content = await self.hass.async_add_executor_job(_read_file, self.path)
        if exists:
            check_envelope(content)
        stored = await self._store.async_load()
        if stored is None:
            if self._moved_aside_by_core():
                raise ValueError("the file was corrupt; Home Assistant kept it as *.corrupt.*")
            if exists:
                raise ValueError("the file holds no assignments")
            return {}
        return parse_assignments(stored)

    def _moved_aside_by_core(self) -> bool:
        """Whether Home Assistant found the file corrupt and renamed it.

        Its storage then reports "no data" (and raises a repair issue of its
        own); starting empty without a word would lose every assignment.
        """
        prefix = f"storage_corruption_{STORAGE_KEY}_"
        return any(
            domain == HOMEASSISTANT_DOMAIN and issue_id.startswith(prefix)
            for domain, issue_id in ir.async_get(self.hass).issues
        )

    async def async_start_afresh(self) -> Path | None:
        """Keep a copy of an unreadable file, then start with no assignments.

        Raises ``OSError`` (changing nothing) when the file cannot be moved aside.
        """
        stamp = dt_util.utcnow().strftime("%Y%m%dT%H%M%S")
        backup = await self.hass.async_add_executor_job(_move_aside, self.path, stamp)
        self._assignments = {}
        self.writable = True
        await self._store.async_save(self._data_to_save())
        ir.async_delete_issue(self.hass, DOMAIN, ISSUE_UNREADABLE)
        async_dispatcher_send(self.hass, SIGNAL_ASSIGNMENTS_CHANGED)
        return backup

    def get(self, receiver: str, channel: int) -> Assignment | None:
        """The assignment of a channel, if any."""
        return self._assignments.get(channel_key(receiver, channel))

    async def async_update(self, changes: Mapping[str, Assignment | None]) -> None:
        """Apply several changes at once (``None`` removes); they are saved shortly."""
        if not self.writable:
            raise AssignmentsUnavailableError
        for key, assignment in changes.items():
            if assignment is None:
                self._assignments.pop(key, None)
            else:
                self._assignments[key] = assignment
        self._store.async_delay_save(self._data_to_save, SAVE_DELAY)
        async_dispatcher_send(self.hass, SIGNAL_ASSIGNMENTS_CHANGED)

    @callback
    def _data_to_save(self) -> dict[str, Any]:
        """The file's data, built when the delayed save runs."""
        return {"assignments": {key: asdict(value) for key, value in self._assignments.items()}}


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
