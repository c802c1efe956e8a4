"""State of the devices behind the simulated System API server, and their JSON shapes."""

from __future__ import annotations

from dataclasses import dataclass, field
import time
from typing import Any
import zlib

from simulator.systemapi.models import ApiModelSpec, channel_id, resolve_api_model

__all__ = [
    "AUDIO_LEVELS",
    "DEVICE_STATES",
    "ApiBattery",
    "ApiChannel",
    "ApiDevice",
    "create_api_device",
    "device_id_for_mac",
    "iso_minutes",
]

AUDIO_LEVELS = ("LOW", "GOOD", "CLIPPING")
DEVICE_STATES = ("ONLINE", "OFFLINE", "DISCOVERED")
NAME_LIMIT = 31


def iso_minutes(minutes: int | None) -> str | None:
    """``PT385M`` (the server's ISO-8601 duration form), ``None`` stays ``None``."""
    return None if minutes is None else f"PT{minutes}M"


def device_id_for_mac(mac: str) -> str:
    """The device id: low MAC bytes first, the whole MAC last (as the ACN component id)."""
    hexmac = "".join(c for c in mac if c.isalnum()).lower().rjust(12, "0")[-12:]
    return f"{hexmac[4:]}-0000-11dd-a000-{hexmac}"


@dataclass(slots=True)
class ApiChannel:
    """One audio channel of a device (``index`` is 0-based)."""

    index: int
    id: str
    capabilities: tuple[str, ...]
    name: str
    gain: float = 0
    muted: bool = False
    audio_level: str = "LOW"

    def listing(self) -> dict[str, Any]:
        """The ``audio-channels`` entry."""
        return {
            "id": self.id,
            "role": "SOURCE",
            "group": "GENERIC",
            "capabilities": list(self.capabilities),
        }


@dataclass(slots=True)
class ApiBattery:
    """A transmitter battery: charge, time to full or empty, health.

    ``minutes`` is the time to the target state (full while charging, empty
    otherwise); ``None`` means the device is still calculating.
    """

    percentage: int = 87
    minutes: int | None = 385
    charging: bool = False
    health: int = 96
    cycles: int = 42

    def level(self) -> dict[str, Any]:
        """The ``battery-level`` body."""
        if self.charging and self.percentage >= 100:
            current, target, minutes = "FULL", None, None
        elif self.charging:
            current, target, minutes = "CHARGING", "FULL", self.minutes
        elif self.percentage <= 0:
            current, target, minutes = "EMPTY", None, None
        else:
            current, target, minutes = "DISCHARGING", "EMPTY", self.minutes
        if minutes is None and current in ("CHARGING", "DISCHARGING"):
            current, target = "CALCULATING", None
        return {
            "percentage": self.percentage,
            "status": {
                "currentState": current,
                "targetState": target,
                "timeToTargetState": iso_minutes(minutes),
            },
        }

    def health_body(self) -> dict[str, Any]:
        """The ``battery-health`` body."""
        return {"percentage": self.health, "cycleCount": self.cycles}


@dataclass(slots=True)
class ApiDevice:
    """One Shure device as the server knows it."""

    spec: ApiModelSpec
    device_id: str
    serial: str
    mac: str
    address: str
    name: str
    state: str = "ONLINE"
    identifying: bool = False
    muted: bool = False
    battery: ApiBattery | None = None
    channels: list[ApiChannel] = field(default_factory=list)
    booted: float = field(default_factory=time.monotonic)

    @property
    def model(self) -> str:
        """Model string."""
        return self.spec.model

    @property
    def capabilities(self) -> tuple[str, ...]:
        """Capabilities; a device only discovered has none."""
        return () if self.state == "DISCOVERED" else self.spec.capabilities

    def has(self, capability: str) -> bool:
        """Whether the device offers ``capability`` now."""
        return capability in self.capabilities

    def node(self) -> dict[str, Any]:
        """The device node of ``GET /devices`` and ``GET /devices/{id}``."""
        if self.state == "DISCOVERED":
            return {
                "hardwareIdentity": {"deviceId": self.device_id},
                "softwareIdentity": {"model": self.model},
                "deviceState": self.state,
                "communicationProtocol": {"name": "ESTA.DMP", "address": self.address},
                "capabilities": [],
            }
        return {
            "hardwareIdentity": {"deviceId": self.device_id, "serialNumber": self.serial},
            "softwareIdentity": {
                "model": self.model,
                "firmwareVersion": self.spec.firmware,
                "firmwareValid": True,
            },
            "deviceState": self.state,
            "compatibility": "COMPATIBLE_LATEST",
            "communicationProtocol": {"name": "ESTA.DMP", "address": self.address},
            "capabilities": list(self.capabilities),
        }

    def channel(self, key: str | int) -> ApiChannel:
        """Channel by id, or by 1-based number (``KeyError`` if none)."""
        for ch in self.channels:
            if key in (ch.id, ch.index + 1, str(ch.index + 1)):
                return ch
        raise KeyError(key)

    def uptime_seconds(self) -> int:
        """Seconds since the device (re)started."""
        return int(time.monotonic() - self.booted)

    def snapshot(self) -> dict[str, Any]:
        """Everything about the device, for the control API."""
        return {
            "deviceId": self.device_id,
            "model": self.model,
            "name": self.name,
            "serial": self.serial,
            "mac": self.mac,
            "address": self.address,
            "state": self.state,
            "capabilities": list(self.capabilities),
            "identifying": self.identifying,
            "muted": self.muted if self.has("audio-mute") else None,
            "battery": (
                None
                if self.battery is None
                else {
                    **self.battery.level(),
                    "minutes": self.battery.minutes,
                    "charging": self.battery.charging,
                    "health": self.battery.health_body(),
                }
            ),
            "channels": [
                {
                    "number": ch.index + 1,
                    "id": ch.id,
                    "name": ch.name,
                    "gain": ch.gain,
                    "muted": ch.muted,
                    "audioLevel": ch.audio_level,
                    "capabilities": list(ch.capabilities),
                }
                for ch in self.channels
            ],
        }


def create_api_device(
    model: str,
    *,
    name: str | None = None,
    mac: str | None = None,
    serial: str | None = None,
    address: str = "127.0.0.1",
    state: str = "ONLINE",
    channel_names: tuple[str, ...] = (),
    battery: ApiBattery | None = None,
    seed: int = 0,
) -> ApiDevice:
    """A device of ``model``; made-up but stable MAC and serial from ``seed``."""
    spec = resolve_api_model(model)
    if state not in DEVICE_STATES:
        raise ValueError(f"state must be one of {', '.join(DEVICE_STATES)}")
    crc = zlib.crc32(f"{spec.model}:{seed}".encode())
    mac = mac or "00:0E:DD:" + ":".join(f"{(crc >> s) & 0xFF:02X}" for s in (16, 8, 0))
    serial = serial or f"2EL{crc % 100_000_000:08d}"
    if len(channel_names) > spec.channels:
        raise ValueError(f"{spec.model} has {spec.channels} audio channels")
    low, high, _step = spec.gain_range
    channels = [
        ApiChannel(
            index=i,
            id=channel_id(spec, i),
            capabilities=spec.channel_capabilities,
            name=channel_names[i] if i < len(channel_names) else f"CH {i + 1}",
            gain=max(low, min(high, 0)),
        )
        for i in range(spec.channels)
    ]
    if spec.battery and battery is None:
        battery = ApiBattery()
    return ApiDevice(
        spec=spec,
        device_id=device_id_for_mac(mac),
        serial=serial,
        mac=mac,
        address=address,
        name=(name or f"{spec.model}-{mac[-5:].replace(':', '')}")[:NAME_LIMIT],
        state=state,
        battery=battery if spec.battery else None,
        channels=channels,
    )
