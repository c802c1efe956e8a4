"""Device library for wireless microphone receivers.

Pure asyncio, no Home Assistant imports: written as if it were a library of
its own.  Values are converted to human units (%, dBm, dBFS, MHz, minutes) in
typed models; anything the device reports as unknown becomes ``None``.
"""

from .exceptions import (
    AccessDisabledError,
    AuthenticationError,
    CertificateChangedError,
    DeviceConnectionError,
    DeviceError,
    DeviceNotRespondingError,
    NotAShureDeviceError,
    ProtocolError,
    ReceiverChangedError,
    UnsupportedDeviceError,
    WrongProtocolError,
)
from .models import ChannelState, Family, ReceiverInfo, ReceiverState, Update

__all__ = [
    "AccessDisabledError",
    "AuthenticationError",
    "CertificateChangedError",
    "ChannelState",
    "DeviceConnectionError",
    "DeviceError",
    "DeviceNotRespondingError",
    "Family",
    "NotAShureDeviceError",
    "ProtocolError",
    "ReceiverChangedError",
    "ReceiverInfo",
    "ReceiverState",
    "UnsupportedDeviceError",
    "Update",
    "WrongProtocolError",
]

# Manufacturer-neutral interface (see receiver.py, capabilities.py, registry.py).
from . import registry
from .capabilities import Capability
from .receiver import Access, Hub, ProbeResult, Receiver

__all__ += ["Access", "Capability", "Hub", "ProbeResult", "Receiver", "registry"]
