"""HTTPS requests to a System API server: key, pinned certificate, error mapping.

Every request carries ``x-api-key`` and accepts exactly the pinned
certificate.  ``Content-Type: application/json`` is sent only with a body:
the server refuses the header on a bodyless request ("Body cannot be
empty"), which every subscription and identify POST is.  Neither the key nor
the headers ever reach a log line or an exception.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable
import json
import logging
from typing import Any
from urllib.parse import quote

import aiohttp
from yarl import URL

from ..exceptions import AuthenticationError, DeviceConnectionError, ProtocolError
from ..receiver import Access
from ..tls import changed_error, pinned
from .parse import text

_LOGGER = logging.getLogger(__name__)

API_KEY_HEADER = "x-api-key"
#: Largest response body read (a bigger one is refused as garbage).
MAX_BODY = 4 * 1024 * 1024
#: Requests in flight to one server at most.
MAX_CONCURRENT = 8


class ApiError(ProtocolError):
    """The server refused a request (HTTP status, RFC 7807 ``title`` when given)."""

    def __init__(self, message: str, status: int) -> None:
        """Remember the HTTP status."""
        super().__init__(message)
        self.status = status


def url_host(host: str) -> str:
    """``host`` as written in a URL (IPv6 in brackets)."""
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def bare_host(host: str) -> str:
    """``host`` without IPv6 brackets."""
    return host[1:-1] if host.startswith("[") and host.endswith("]") else host


def api_path(*segments: str) -> str:
    """``/api/v1/…`` with every segment URL-encoded (channel ids contain ``/+=``)."""
    return "/api/v1/" + "/".join(quote(segment, safe="") for segment in segments)


def problem_title(payload: Any) -> str | None:
    """The ``title`` of an RFC 7807 problem object."""
    return text(payload.get("title"), 200) if isinstance(payload, dict) else None


class RestClient:
    """Requests to one server, through the caller's session or one of its own."""

    def __init__(
        self, host: str, port: int, access: Access, fingerprint: str, timeout: float
    ) -> None:
        """Describe the server; no session is opened until the first request."""
        self.base = f"https://{url_host(host)}:{port}"
        self.fingerprint = fingerprint
        #: One pin object, so pooled connections are reused between requests.
        self.ssl = pinned(fingerprint)
        self.timeout = timeout
        self._access = access
        self._own: aiohttp.ClientSession | None = None
        self._limit = asyncio.Semaphore(MAX_CONCURRENT)

    def __repr__(self) -> str:
        """Where requests go (never the key)."""
        return f"RestClient({self.base})"

    @property
    def session(self) -> aiohttp.ClientSession:
        """The caller's session, else one created here (closed by :meth:`close`)."""
        if self._access.session is not None:
            return self._access.session
        if self._own is None or self._own.closed:
            self._own = aiohttp.ClientSession()
        return self._own

    def headers(self, *, body: bool = False) -> dict[str, str]:
        """Headers for a request (with ``Content-Type`` only when a body is sent)."""
        headers = {"Accept": "application/json"}
        if self._access.secret:
            headers[API_KEY_HEADER] = self._access.secret
        if body:
            headers["Content-Type"] = "application/json"
        return headers

    def url(self, path: str) -> URL:
        """The full, already encoded URL of ``path``."""
        return URL(self.base + path, encoded=True)

    async def close(self) -> None:
        """Close the session created here (never the caller's)."""
        if self._own is not None:
            await self._own.close()
            self._own = None

    async def get(self, path: str) -> Any:
        """GET ``path`` and return its JSON."""
        return await self.request("GET", path)

    async def request(self, method: str, path: str, body: Any = None) -> Any:
        """Send a request; return the decoded JSON answer (``None`` when empty).

        Raises :class:`AuthenticationError` (401/403),
        :class:`~..exceptions.CertificateChangedError`, :class:`ApiError`
        (other refusals, or an answer that is not JSON) and
        :class:`DeviceConnectionError`.
        """
        data = None if body is None else json.dumps(body).encode()
        where = f"{method} {path}"
        try:
            async with (
                self._limit,
                asyncio.timeout(self.timeout),
                self.session.request(
                    method,
                    self.url(path),
                    data=data,
                    headers=self.headers(body=data is not None),
                    # aiohttp would label an empty POST application/octet-stream.
                    skip_auto_headers=() if data is not None else ("Content-Type",),
                    ssl=self.ssl,
                    allow_redirects=False,
                ) as response,
            ):
                raw = await _read_limited(response.content)
                status = response.status
        except aiohttp.ServerFingerprintMismatch as err:
            raise changed_error(err) from None
        except (aiohttp.ClientError, OSError, TimeoutError) as err:
            raise DeviceConnectionError(
                f"{self.base}: {where} failed ({type(err).__name__})"
            ) from None
        payload = _decode(raw)
        if status in (401, 403):
            raise AuthenticationError(
                problem_title(payload) or f"HTTP {status}", forbidden=status == 403
            )
        if status >= 400:
            title = problem_title(payload)
            raise ApiError(f"{where}: HTTP {status}" + (f" ({title})" if title else ""), status)
        if raw.strip() and payload is _NOT_JSON:
            raise ApiError(f"{where}: the answer is not JSON", status)
        return None if payload is _NOT_JSON else payload

    async def post_all(self, paths: Iterable[str]) -> list[BaseException | None]:
        """Bodyless POSTs, concurrently; the error of each (``None`` when accepted)."""
        results = await asyncio.gather(
            *(self.request("POST", path) for path in paths), return_exceptions=True
        )
        errors: list[BaseException | None] = []
        for result in results:
            if isinstance(result, BaseException) and not isinstance(result, Exception):
                raise result
            errors.append(result if isinstance(result, BaseException) else None)
        return errors


async def gather_all[T](*aws: Awaitable[T]) -> list[T]:
    """Await everything (none is left running); then raise the first error, if any."""
    results = await asyncio.gather(*aws, return_exceptions=True)
    values: list[T] = []
    for result in results:
        if isinstance(result, BaseException):
            raise result
        values.append(result)
    return values


_NOT_JSON: Any = object()


async def _read_limited(stream: aiohttp.StreamReader) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while chunk := await stream.read(65_536):
        size += len(chunk)
        if size > MAX_BODY:
            raise aiohttp.ClientPayloadError(f"answer larger than {MAX_BODY} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _decode(raw: bytes) -> Any:
    if not raw.strip():
        return _NOT_JSON
    try:
        return json.loads(raw)
    except ValueError:
        return _NOT_JSON
