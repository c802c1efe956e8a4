"""Is there an SSC v1 device at host:port?  One identity read, no state kept."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from ...receiver import ProbeResult
from . import codec
from .transport import bare_host, open_udp

MANUFACTURER_KEY = "sennheiser_ssc1"
_PRODUCT = ("device", "identity", "product")
_SERIAL = ("device", "identity", "serial")
_NAME = ("device", "name")


async def probe(host: str, port: int, wait: float = 2.0) -> ProbeResult | None:
    """Ask for the identity; ``None`` unless an SSC v1 JSON object comes back.

    Devices that answer only with an error tree still count (they speak SSC
    v1); their model and serial then stay unknown.
    """
    loop = asyncio.get_running_loop()
    replies: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(maxsize=16)

    def on_message(message: dict[str, Any]) -> None:
        with contextlib.suppress(asyncio.QueueFull):
            replies.put_nowait(message)

    def on_refused() -> None:
        # Nothing listens on the port: no need to wait for the timeout.
        with contextlib.suppress(asyncio.QueueFull):
            replies.put_nowait(None)

    link = await open_udp(host, port, on_message, on_refused)
    found: dict[codec.Path, Any] = {}
    answered = False
    try:
        deadline = loop.time() + wait
        for paths in ((_PRODUCT, _SERIAL, _NAME), (_PRODUCT,), (_SERIAL,), (_NAME,)):
            link.send({**codec.tree(paths), "osc": {"xid": 1}})
            try:
                async with asyncio.timeout(max(0.05, deadline - loop.time()) / 2):
                    message = await replies.get()
            except TimeoutError:
                if not answered:
                    return None
                continue
            if message is None:
                if not answered:
                    return None
                continue
            answered = True
            found.update((p, v) for p, v in codec.leaves(message) if p in paths)
            if all(p in found for p in (_PRODUCT, _SERIAL, _NAME)):
                break
    finally:
        link.close()
    return ProbeResult(
        manufacturer=MANUFACTURER_KEY,
        host=bare_host(host),
        port=port,
        model=codec.clean_text(found.get(_PRODUCT), 32),
        serial=codec.clean_text(found.get(_SERIAL), 32),
        name=codec.clean_text(found.get(_NAME), 18),
    )
