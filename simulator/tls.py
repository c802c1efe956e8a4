"""Self-signed certificates for the simulated HTTPS devices.

Each simulated device gets its own key and certificate (as real devices
ship one per unit), generated in memory for 127.0.0.1.  ``regenerate``
makes a new one, so tests can exercise a changed certificate.
"""

from __future__ import annotations

from dataclasses import dataclass
import datetime
import hashlib
import ipaddress
from pathlib import Path
import ssl
import tempfile

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@dataclass(frozen=True, slots=True)
class Certificate:
    """A PEM key and certificate, and the certificate's SHA-256 fingerprint."""

    key_pem: bytes
    cert_pem: bytes
    fingerprint: str

    def server_context(self) -> ssl.SSLContext:
        """A server-side TLS context presenting this certificate."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        with tempfile.TemporaryDirectory() as folder:
            cert_file = Path(folder, "cert.pem")
            key_file = Path(folder, "key.pem")
            cert_file.write_bytes(self.cert_pem)
            key_file.write_bytes(self.key_pem)
            context.load_cert_chain(cert_file, key_file)
        return context


def self_signed(common_name: str, host: str = "127.0.0.1") -> Certificate:
    """A new self-signed certificate for ``host`` (valid ten years)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.UTC)
    try:
        alt: x509.GeneralName = x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        alt = x509.DNSName(host)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.SubjectAlternativeName([alt]), critical=False)
        .sign(key, hashes.SHA256())
    )
    der = certificate.public_bytes(serialization.Encoding.DER)
    digest = hashlib.sha256(der).digest()
    return Certificate(
        key_pem=key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
        cert_pem=certificate.public_bytes(serialization.Encoding.PEM),
        fingerprint=":".join(f"{byte:02X}" for byte in digest),
    )
