"""Is there an SSCv2 device at host:port?  Certificate, version and identity; no state kept."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp

from ... import tls
from ...exceptions import AuthenticationError, DeviceConnectionError
from ...receiver import Access, ProbeResult
from ..ssc1.codec import clean_text
from ..ssc1.transport import bare_host
from .apply import DEVICE_NAME_WIDTH
from .client import DEFAULT_USERNAME, MODEL_WIDTH
from .http import Api

MANUFACTURER_KEY = "sennheiser_ssc2"


async def probe(
    host: str, port: int, wait: float = 5.0, access: Access | None = None
) -> ProbeResult | None:
    """Read the certificate's fingerprint, then (pinned to it) the version and identity.

    Needs no credentials; when ``access`` carries a secret it is checked with
    an authenticated read (:class:`AuthenticationError` on 401/403, and the
    device name is read too).  ``None`` when something answers TLS but not
    SSCv2; :class:`DeviceConnectionError` when nothing answers TLS at all.
    """
    host = bare_host(host)
    access = access or Access()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    fingerprint = await tls.fetch_fingerprint(host, port, wait)
    own = access.session is None
    session = access.session or aiohttp.ClientSession()
    try:
        async with asyncio.timeout(max(0.5, deadline - loop.time())):
            found = await _identity(host, port, session, fingerprint, access)
    except TimeoutError:
        raise DeviceConnectionError(f"{host}:{port} did not answer in time") from None
    finally:
        if own:
            await session.close()
    if found is None:
        return None
    data, name = found
    return ProbeResult(
        MANUFACTURER_KEY,
        host,
        port,
        model=clean_text(data.get("product"), MODEL_WIDTH),
        serial=clean_text(data.get("serial"), MODEL_WIDTH),
        name=name,
        fingerprint=fingerprint,
    )


async def _identity(
    host: str, port: int, session: aiohttp.ClientSession, fingerprint: str, access: Access
) -> tuple[dict[str, Any], str | None] | None:
    api = Api(
        host,
        port,
        session,
        fingerprint=fingerprint,
        username=access.username or DEFAULT_USERNAME,
        secret=access.secret,
        timeout=3600,
    )
    try:
        version = await api.call("GET", "/api/ssc/version", auth=False)
    except AuthenticationError:
        return None
    if not version.ok or not isinstance(version.data, dict):
        return None
    if not {"protocol", "schema"} & set(version.data):
        return None
    identity = await api.call("GET", "/api/device/identity", auth=False)
    data = identity.data if identity.ok and isinstance(identity.data, dict) else {}
    # The name needs credentials: checked when given, skipped when refused without any.
    try:
        site = await api.call("GET", "/api/device/site")
    except AuthenticationError:
        if access.secret is not None:
            raise
        return data, None
    if access.secret is not None:
        # Some users may read the name but nothing else (initialSennheiser is
        # refused everywhere but first-time setup): check a resource the
        # client needs, so a user it cannot work with is refused here.
        await api.call("GET", "/api/device/state")
    name = None
    if site.ok and isinstance(site.data, dict):
        name = clean_text(site.data.get("deviceName"), DEVICE_NAME_WIDTH)
    return data, name
