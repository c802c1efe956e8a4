"""Is there a System API server at host:port?  One inventory read, nothing kept."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from ..exceptions import ProtocolError
from ..receiver import Access, ProbeResult
from ..tls import fetch_fingerprint
from . import parse
from .rest import ApiError, RestClient, bare_host

MANUFACTURER_KEY = "shure_system_api"
MODEL = "System API"


async def probe(
    host: str, port: int, wait: float = 5.0, *, access: Access | None = None
) -> ProbeResult | None:
    """Read the certificate's fingerprint, then ``GET /api/v1/devices`` pinned to it.

    Sends the API key when ``access`` carries one.  Returns ``None`` when
    the HTTPS server there is not a System API server; raises
    :class:`~..exceptions.AuthenticationError` when it refuses the key (or
    asks for one) and :class:`~..exceptions.DeviceConnectionError` when
    nothing answers over TLS.
    """
    host = bare_host(host)
    fingerprint = await fetch_fingerprint(host, port, wait)
    rest = RestClient(
        host, port, replace(access or Access(), fingerprint=fingerprint), fingerprint, wait
    )
    try:
        try:
            async with asyncio.timeout(wait):
                payload = await rest.get("/api/v1/devices")
        except ApiError:
            return None
        except ProtocolError:
            return None
    finally:
        await rest.close()
    if not parse.is_inventory(payload):
        return None
    return ProbeResult(
        MANUFACTURER_KEY,
        host,
        port,
        model=MODEL,
        name=f"{MODEL} {host}",
        fingerprint=fingerprint,
    )
