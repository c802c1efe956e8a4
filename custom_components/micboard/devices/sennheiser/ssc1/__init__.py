"""Sennheiser Sound Control v1: JSON datagrams over UDP port 45."""

from .client import (
    DEFAULT_PORT,
    MANUFACTURER,
    MIN_METER_RATE_MS,
    NotAnSscDeviceError,
    SscReceiver,
    Stats,
    Timing,
)
from .dialects import Dialect, lookup
from .probe import MANUFACTURER_KEY, probe

__all__ = [
    "DEFAULT_PORT",
    "MANUFACTURER",
    "MANUFACTURER_KEY",
    "MIN_METER_RATE_MS",
    "Dialect",
    "NotAnSscDeviceError",
    "SscReceiver",
    "Stats",
    "Timing",
    "lookup",
    "probe",
]
