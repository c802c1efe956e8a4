"""Shure System API: REST and WebSocket to a server fronting many Shure devices."""

from .device import MANUFACTURER, SystemApiDevice
from .parse import duration_minutes
from .probe import MANUFACTURER_KEY, MODEL, probe
from .rest import ApiError
from .server import DEFAULT_PORT, Stats, SystemApiServer, Timing

__all__ = [
    "DEFAULT_PORT",
    "MANUFACTURER",
    "MANUFACTURER_KEY",
    "MODEL",
    "ApiError",
    "Stats",
    "SystemApiDevice",
    "SystemApiServer",
    "Timing",
    "duration_minutes",
    "probe",
]
