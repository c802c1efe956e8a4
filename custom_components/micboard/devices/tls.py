"""Certificate pinning for devices with self-signed certificates.

Devices such as Sennheiser SSCv2 receivers and Shure System API servers
ship a self-signed certificate per unit, so no certificate authority can
vouch for them.  Trust is placed on first use instead: the user is shown
the SHA-256 fingerprint of what the device presents, and every later
connection accepts exactly that certificate (:func:`pinned`).  Verification
is never simply switched off.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import ssl

import aiohttp

from .exceptions import CertificateChangedError, DeviceConnectionError


def format_fingerprint(digest: bytes) -> str:
    """``AB:CD:…`` for a raw SHA-256 digest."""
    return ":".join(f"{byte:02X}" for byte in digest)


def parse_fingerprint(text: str) -> bytes:
    """The raw digest of a fingerprint written with or without colons (``ValueError`` if bad)."""
    cleaned = text.strip().replace(":", "").replace(" ", "")
    digest = bytes.fromhex(cleaned)
    if len(digest) != hashlib.sha256().digest_size:
        raise ValueError("a SHA-256 fingerprint has 32 bytes")
    return digest


def fingerprint_of(certificate_der: bytes) -> str:
    """Fingerprint of a DER-encoded certificate."""
    return format_fingerprint(hashlib.sha256(certificate_der).digest())


def pinned(fingerprint: str) -> aiohttp.Fingerprint:
    """An ``ssl=`` argument for aiohttp that accepts only this certificate."""
    return aiohttp.Fingerprint(parse_fingerprint(fingerprint))


def changed_error(err: aiohttp.ServerFingerprintMismatch) -> CertificateChangedError:
    """The library's error for aiohttp's pin mismatch."""
    return CertificateChangedError(format_fingerprint(err.expected), format_fingerprint(err.got))


def _probe_context() -> ssl.SSLContext:
    # Only used to *read* the certificate so the user can decide whether to
    # trust it; nothing is sent over this connection.  Built bare (no system
    # certificate store is loaded: that is file I/O, and nothing here uses it).
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


async def fetch_fingerprint(host: str, port: int, wait: float = 5.0) -> str:
    """Fingerprint of the certificate the device at ``host:port`` presents.

    Raises :class:`DeviceConnectionError` when nothing answers or the peer
    does not speak TLS.
    """
    writer: asyncio.StreamWriter | None = None
    try:
        async with asyncio.timeout(wait):
            _reader, writer = await asyncio.open_connection(
                host, port, ssl=_probe_context(), server_hostname=host or None
            )
        ssl_object = writer.get_extra_info("ssl_object")
        certificate = ssl_object.getpeercert(binary_form=True) if ssl_object else None
    except (OSError, TimeoutError, ssl.SSLError) as err:
        raise DeviceConnectionError(f"no TLS answer from {host}:{port}: {err}") from err
    finally:
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError, ssl.SSLError, TimeoutError):
                async with asyncio.timeout(1):
                    await writer.wait_closed()
    if not certificate:
        raise DeviceConnectionError(f"{host}:{port} presented no certificate")
    return fingerprint_of(certificate)
