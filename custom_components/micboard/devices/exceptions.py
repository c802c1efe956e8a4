"""Exceptions raised by the device library."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import ReceiverInfo


class DeviceError(Exception):
    """Base class for every error the library raises."""


class DeviceConnectionError(DeviceError):
    """The device cannot be reached (refused, timed out, link lost)."""


class DeviceNotRespondingError(DeviceError):
    """The connection opened but the device answered nothing.

    SLX-D receivers behave like this until "Controller Access" is allowed in
    their network settings.
    """


class AccessDisabledError(DeviceNotRespondingError):
    """Nothing answers, and the device's own setting may be why.

    Sennheiser SSC v1 devices stay silent until third-party access is set to
    *Legacy* in Control Cockpit (or on the device).
    """


class WrongProtocolError(DeviceError):
    """Something answered, but not in the protocol the client speaks."""


class NotAShureDeviceError(WrongProtocolError):
    """Something answered, but not in Shure's command-string protocol."""


class UnsupportedDeviceError(DeviceError):
    """A device of a model or family this library does not support."""

    def __init__(self, model: str) -> None:
        """Remember the model that was reported."""
        super().__init__(f"unsupported model {model!r}")
        self.model = model


class AuthenticationError(DeviceError):
    """The device refused the credentials (HTTP 401), or the user may not do this (403).

    ``forbidden`` is true for a 403: the credentials are valid but belong to
    a user that is not allowed (for example Sennheiser's ``initialSennheiser``).
    The message never contains the secret.
    """

    def __init__(self, message: str = "credentials refused", *, forbidden: bool = False) -> None:
        """Remember whether the user was known but not allowed."""
        super().__init__(message)
        self.forbidden = forbidden


class CertificateChangedError(DeviceConnectionError):
    """The device presented a certificate other than the pinned one.

    Fingerprints are SHA-256, upper-case hex pairs joined by colons.  The
    connection is refused; only the user can accept the new certificate.
    """

    def __init__(self, expected: str, actual: str) -> None:
        """Remember both fingerprints."""
        super().__init__(f"certificate changed: expected {expected}, got {actual}")
        self.expected = expected
        self.actual = actual


class ProtocolError(DeviceError):
    """A message that cannot be understood, or a ``< REP ERR >`` to a command."""


class ReceiverChangedError(DeviceError):
    """What answers at the receiver's address is not the receiver it was.

    Raised (and reported to problem listeners) when a reconnect identifies
    a different model or channel count, or a different MAC address when
    both are known.  ``old`` is the receiver the client was connected to,
    ``new`` what answers now.
    """

    def __init__(self, old: ReceiverInfo, new: ReceiverInfo) -> None:
        """Remember both identities."""
        super().__init__(f"{old.host}:{old.port} was {_describe(old)} and is now {_describe(new)}")
        self.old = old
        self.new = new


def _describe(info: ReceiverInfo) -> str:
    mac = f", {info.mac}" if info.mac else ""
    return f"{info.model} ({info.channel_count} channels{mac})"
