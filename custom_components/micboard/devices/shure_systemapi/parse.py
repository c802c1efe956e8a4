"""Reading System API payloads defensively.

Every function here takes decoded JSON of unknown shape and returns typed
values, ``None`` for anything missing, of the wrong type or out of range.
Nothing here does I/O.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
import json
import math
import re
from typing import Any

#: Devices accepted from one inventory (a server fronting more is truncated).
MAX_DEVICES = 512
#: Inventory pages followed at most.
MAX_PAGES = 64
#: Audio channels accepted per device.
MAX_CHANNELS = 64
#: Capability strings accepted per device or channel.
MAX_CAPABILITIES = 128
#: Longest text kept from a device (names, models, serials).
MAX_TEXT = 64

ONLINE = "ONLINE"
DEVICE_STATES = frozenset({"ONLINE", "OFFLINE", "DISCOVERED"})
ACTIVITY_LEVELS = frozenset({"low", "good", "clipping"})

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ISO_DURATION = re.compile(
    r"P(?:(?P<w>\d+(?:[.,]\d+)?)W)?(?:(?P<d>\d+(?:[.,]\d+)?)D)?"
    r"(?:T(?:(?P<h>\d+(?:[.,]\d+)?)H)?(?:(?P<m>\d+(?:[.,]\d+)?)M)?(?:(?P<s>\d+(?:[.,]\d+)?)S)?)?",
    re.IGNORECASE,
)
#: .NET ``TimeSpan`` text (``[d.]hh:mm[:ss[.fff]]``), in case a server writes that instead.
_TIMESPAN = re.compile(r"(?:(?P<d>\d+)\.)?(?P<h>\d+):(?P<m>\d{2})(?::(?P<s>\d{2}(?:\.\d+)?))?")
#: Longest battery time taken seriously (anything above is a garbage value).
_MAX_MINUTES = 100 * 24 * 60


def text(value: Any, width: int = MAX_TEXT) -> str | None:
    """A printable string (control characters removed, at most ``width``), else ``None``."""
    if not isinstance(value, str):
        return None
    cleaned = _CONTROL.sub("", value).strip()[:width]
    return cleaned or None


def boolean(value: Any) -> bool | None:
    """A JSON boolean, else ``None``."""
    return value if isinstance(value, bool) else None


def number(value: Any, low: float, high: float) -> float | None:
    """A finite JSON number within ``[low, high]``, else ``None``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not math.isfinite(value) or not low <= value <= high:
        return None
    return float(value)


def integer(value: Any, low: int, high: int) -> int | None:
    """A number within range, rounded to an integer, else ``None``."""
    found = number(value, low, high)
    return None if found is None else round(found)


def field(data: Any, *path: str) -> Any:
    """``data[path[0]][path[1]]…`` or ``None`` when any step is missing or not an object."""
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def duration_minutes(value: Any) -> int | None:
    """Whole minutes of an ISO-8601 duration (``PT385M``, ``PT6H25M``, ``P1DT2H``).

    Years and months (of no fixed length) are not accepted; neither is
    anything negative, non-text or beyond a hundred days.
    """
    if not isinstance(value, str):
        return None
    candidate = value.strip()[:MAX_TEXT]
    seconds: float
    if (match := _ISO_DURATION.fullmatch(candidate)) is not None and any(
        match.groupdict().values()
    ):
        parts = {k: float(v.replace(",", ".")) for k, v in match.groupdict().items() if v}
        seconds = (
            parts.get("w", 0.0) * 604_800
            + parts.get("d", 0.0) * 86_400
            + parts.get("h", 0.0) * 3_600
            + parts.get("m", 0.0) * 60
            + parts.get("s", 0.0)
        )
    elif (match := _TIMESPAN.fullmatch(candidate)) is not None:
        parts = {k: float(v) for k, v in match.groupdict().items() if v}
        if parts.get("m", 0.0) >= 60 or parts.get("s", 0.0) >= 60:
            return None
        seconds = (
            parts.get("d", 0.0) * 86_400
            + parts.get("h", 0.0) * 3_600
            + parts.get("m", 0.0) * 60
            + parts.get("s", 0.0)
        )
    else:
        return None
    minutes = int(seconds // 60)
    return minutes if minutes <= _MAX_MINUTES else None


def activity(value: Any) -> str | None:
    """``"low"``, ``"good"`` or ``"clipping"`` from an ``audioLevel``, else ``None``."""
    found = text(value)
    level = found.lower() if found else None
    return level if level in ACTIVITY_LEVELS else None


def items(payload: Any, limit: int) -> list[Any]:
    """Entries of a bare array, ``{edges: [{node}]}`` or ``{items: [...]}`` (``limit`` at most)."""
    if isinstance(payload, list):
        return payload[:limit]
    if isinstance(payload, dict):
        edges = payload.get("edges")
        if isinstance(edges, list):
            return [edge.get("node") for edge in edges[:limit] if isinstance(edge, dict)]
        listed = payload.get("items")
        if isinstance(listed, list):
            return listed[:limit]
    return []


def is_inventory(payload: Any) -> bool:
    """Whether a ``GET /api/v1/devices`` answer has one of the known shapes."""
    if isinstance(payload, list):
        return True
    return isinstance(payload, dict) and (
        isinstance(payload.get("edges"), list) or isinstance(payload.get("items"), list)
    )


def next_cursor(payload: Any) -> str | None:
    """The cursor of the next inventory page, when the server says there is one."""
    info = field(payload, "pageInfo")
    if field(info, "hasNextPage") is not True:
        return None
    cursor = field(info, "endCursor")
    return cursor if isinstance(cursor, str) and 0 < len(cursor) <= 1024 else None


def capabilities(value: Any) -> frozenset[str]:
    """Capability strings (lower-case); anything else in the list is ignored."""
    if not isinstance(value, list):
        return frozenset()
    return frozenset(
        item.strip().lower()
        for item in value[:MAX_CAPABILITIES]
        if isinstance(item, str) and 0 < len(item) <= MAX_TEXT
    )


@dataclass(frozen=True, slots=True)
class Node:
    """One device as the inventory lists it."""

    device_id: str
    serial: str | None
    model: str | None
    firmware: str | None
    device_state: str | None
    address: str | None
    capabilities: frozenset[str]

    @property
    def online(self) -> bool:
        """Whether the server can talk to the device."""
        return self.device_state == ONLINE


def node(value: Any) -> Node | None:
    """A device node (``None`` without a device id)."""
    if not isinstance(value, dict):
        return None
    device_id = text(field(value, "hardwareIdentity", "deviceId"), 128) or text(
        value.get("deviceId"), 128
    )
    if device_id is None:
        return None
    state = text(value.get("deviceState"))
    state = state.upper() if state else None
    return Node(
        device_id=device_id,
        serial=text(field(value, "hardwareIdentity", "serialNumber")),
        model=text(field(value, "softwareIdentity", "model")),
        firmware=text(field(value, "softwareIdentity", "firmwareVersion")),
        device_state=state if state in DEVICE_STATES else None,
        address=text(field(value, "communicationProtocol", "address")),
        capabilities=capabilities(value.get("capabilities")),
    )


@dataclass(frozen=True, slots=True)
class AudioChannel:
    """One entry of ``audio-channels``."""

    channel_id: str
    index: int | None
    capabilities: frozenset[str]


def channel_index(channel_id: str) -> int | None:
    """The index inside an opaque base64-JSON channel id (``i`` or ``index``)."""
    raw = channel_id.strip()
    padded = raw + "=" * (-len(raw) % 4)
    for decode in (base64.b64decode, base64.urlsafe_b64decode):
        try:
            decoded = json.loads(decode(padded))
        except (binascii.Error, ValueError):
            continue
        if isinstance(decoded, dict):
            for key in ("i", "index"):
                if (found := integer(decoded.get(key), 0, 1_000_000)) is not None:
                    return found
        return None
    return None


def audio_channels(payload: Any) -> list[AudioChannel]:
    """Audio channels in device order (by the index in their ids, then as listed)."""
    found: dict[str, AudioChannel] = {}
    for entry in items(payload, MAX_CHANNELS):
        channel_id = text(field(entry, "id"), 1024)
        if channel_id is None or channel_id in found:
            continue
        found[channel_id] = AudioChannel(
            channel_id, channel_index(channel_id), capabilities(field(entry, "capabilities"))
        )
    order = sorted(
        enumerate(found.values()),
        key=lambda pair: (pair[1].index is None, pair[1].index or 0, pair[0]),
    )
    return [channel for _, channel in order]


@dataclass(frozen=True, slots=True)
class Battery:
    """What ``battery-level`` reports, in human units."""

    percent: int | None
    charging: bool | None
    calculating: bool
    runtime_min: int | None
    time_to_full_min: int | None


BATTERY_STATES = frozenset(
    {"CHARGING", "DISCHARGING", "FULL", "EMPTY", "CALCULATING", "OPTIMAL_STORAGE"}
)


def battery(payload: Any) -> Battery:
    """Percentage, charging, runtime (to empty) and time to full from ``battery-level``."""
    current = text(field(payload, "status", "currentState"))
    current = current.upper() if current else None
    if current not in BATTERY_STATES:
        current = None
    target = text(field(payload, "status", "targetState"))
    target = target.upper() if target else None
    minutes = duration_minutes(field(payload, "status", "timeToTargetState"))
    return Battery(
        percent=integer(field(payload, "percentage"), 0, 100),
        charging=None if current is None else current == "CHARGING",
        calculating=current == "CALCULATING",
        runtime_min=minutes if target == "EMPTY" else None,
        time_to_full_min=minutes if target == "FULL" else None,
    )
