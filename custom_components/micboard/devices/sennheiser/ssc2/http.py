"""HTTPS requests to one SSCv2 device: Basic credentials, a pinned certificate.

Every request carries ``ssl=`` the pinned fingerprint; a different
certificate becomes :class:`CertificateChangedError`, 401 and 403 become
:class:`AuthenticationError`.  Error messages name the device and the path,
never the credentials (aiohttp errors are not chained, since they carry the
request headers).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
import json
from typing import Any

import aiohttp
from yarl import URL

from ... import tls
from ...exceptions import AuthenticationError, DeviceConnectionError, ProtocolError

#: Larger answers are refused (the largest real one, the OpenAPI schema, is not read).
MAX_BODY = 1024 * 1024
_JSON = "application/json"


@dataclass(frozen=True, slots=True)
class Reply:
    """Status and JSON body (``None`` when empty or not JSON)."""

    status: int
    data: Any

    @property
    def ok(self) -> bool:
        """Whether the device accepted the request."""
        return 200 <= self.status < 300


class Api:
    """Requests to ``https://host:port`` over the caller's session."""

    def __init__(
        self,
        host: str,
        port: int,
        session: aiohttp.ClientSession,
        *,
        fingerprint: str,
        username: str,
        secret: str | None,
        timeout: float,
    ) -> None:
        """Pin ``fingerprint`` for every request; send Basic credentials when a secret is given."""
        self.host = host
        self.port = port
        self.session = session
        self.timeout = timeout
        self._base = URL.build(scheme="https", host=host, port=port)
        self._ssl = tls.pinned(fingerprint)
        self._auth: dict[str, str] = (
            {} if secret is None else {"Authorization": aiohttp.encode_basic_auth(username, secret)}
        )

    def __repr__(self) -> str:
        """Host and port only."""
        return f"Api({self.host!r}, {self.port})"

    @property
    def where(self) -> str:
        """``host:port`` for messages."""
        return f"{self.host}:{self.port}"

    def url(self, path: str) -> URL:
        """The absolute URL of an ``/api/...`` path."""
        return self._base.with_path(path)

    def _headers(self, headers: dict[str, str], *, auth: bool) -> dict[str, str]:
        return headers | self._auth if auth else headers

    async def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        auth: bool = True,
        deadline: float | None = None,
    ) -> Reply:
        """Send one request; 401/403 raise, any other status is returned."""
        try:
            async with asyncio.timeout(self.timeout if deadline is None else deadline):
                async with self.session.request(
                    method,
                    self.url(path),
                    data=None if body is None else json.dumps(body, separators=(",", ":")),
                    headers=self._headers(
                        {"Accept": _JSON} | ({"Content-Type": _JSON} if body else {}), auth=auth
                    ),
                    ssl=self._ssl,
                    allow_redirects=False,
                ) as response:
                    check_auth(response.status, self.where, path)
                    data = await read_json(response, self.where, path)
                    return Reply(response.status, data)
        except aiohttp.ServerFingerprintMismatch as err:
            raise tls.changed_error(err) from None
        except TimeoutError:
            raise DeviceConnectionError(f"{self.where} did not answer {method} {path}") from None
        except (aiohttp.ClientError, OSError) as err:
            raise DeviceConnectionError(
                f"{self.where}: {method} {path} failed ({type(err).__name__})"
            ) from None

    async def stream(self, path: str) -> aiohttp.ClientResponse:
        """Open a Server-Sent Events stream (the caller closes the response)."""
        try:
            async with asyncio.timeout(self.timeout):
                response = await self.session.request(
                    "GET",
                    self.url(path),
                    headers=self._headers(
                        {"Accept": "text/event-stream", "Cache-Control": "no-cache"}, auth=True
                    ),
                    ssl=self._ssl,
                    allow_redirects=False,
                    timeout=aiohttp.ClientTimeout(total=None, sock_read=None),
                )
        except aiohttp.ServerFingerprintMismatch as err:
            raise tls.changed_error(err) from None
        except TimeoutError:
            raise DeviceConnectionError(f"{self.where} did not open {path}") from None
        except (aiohttp.ClientError, OSError) as err:
            raise DeviceConnectionError(
                f"{self.where}: GET {path} failed ({type(err).__name__})"
            ) from None
        try:
            check_auth(response.status, self.where, path)
        except BaseException:
            response.close()
            raise
        return response


def check_auth(status: int, where: str, path: str) -> None:
    """Raise :class:`AuthenticationError` for 401 and 403."""
    if status == 401:
        raise AuthenticationError(f"{where} refused the credentials ({path})")
    if status == 403:
        raise AuthenticationError(f"{where} does not allow this user ({path})", forbidden=True)


async def read_json(response: aiohttp.ClientResponse, where: str, path: str) -> Any:
    """The body as JSON (``None`` if empty or not JSON); bodies over :data:`MAX_BODY` raise."""
    if (response.content_length or 0) > MAX_BODY:
        raise ProtocolError(f"{where}: answer to {path} too large")
    body = bytearray()
    async for chunk in response.content.iter_any():
        body += chunk
        if len(body) > MAX_BODY:
            raise ProtocolError(f"{where}: answer to {path} too large")
    if not body:
        return None
    try:
        return json.loads(body.decode("utf-8"))
    except ValueError, RecursionError:
        return None
