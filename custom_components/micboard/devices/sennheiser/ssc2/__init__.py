"""Sennheiser SSCv2: HTTPS REST and Server-Sent Events (EW-DX in Secure mode, Spectera)."""

from .client import (
    DEFAULT_PORT,
    DEFAULT_TIMING,
    DEFAULT_USERNAME,
    MANUFACTURER,
    MIN_METER_RATE_MS,
    SscV2Receiver,
    Stats,
    Timing,
)
from .probe import MANUFACTURER_KEY, probe

__all__ = [
    "DEFAULT_PORT",
    "DEFAULT_TIMING",
    "DEFAULT_USERNAME",
    "MANUFACTURER",
    "MANUFACTURER_KEY",
    "MIN_METER_RATE_MS",
    "SscV2Receiver",
    "Stats",
    "Timing",
    "probe",
]
