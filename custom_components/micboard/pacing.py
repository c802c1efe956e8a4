"""Setup pacing: a venue's receivers create their devices and entities in turn.

Home Assistant sets every receiver entry up at once after a restart or when
all of them reload.  Creating a receiver's devices and entities is pure work
on the event loop (registry entries, first states); done by a hundred
receivers at once, whole platforms at a time, it holds the loop for seconds.

Here connecting and identifying (everything that waits on the network) stay
fully concurrent; only the step after it, which is CPU-bound, takes turns:
one receiver entry at a time registers its devices and forwards its
platforms, and each platform adds its entities one channel per turn of the
loop.  That costs no time in total (it is the same work on the same single
thread) and keeps what runs between two turns of the loop to about one
channel's entities.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util.hass_dict import HassKey

from .const import DOMAIN

#: Held by the receiver entry that is creating its devices and entities.
DATA_TURN: HassKey[asyncio.Lock] = HassKey(f"{DOMAIN}_setup_turn")


@asynccontextmanager
async def async_setup_turn(hass: HomeAssistant) -> AsyncIterator[None]:
    """Wait for this entry's turn to create devices and entities (first come, first served)."""
    turn = hass.data.get(DATA_TURN)
    if turn is None:
        turn = hass.data[DATA_TURN] = asyncio.Lock()
    async with turn:
        yield


def by_channel(entities: Iterable[Entity]) -> list[list[Entity]]:
    """Entities grouped by channel (receiver-wide ones first), in their order."""
    groups: dict[int | None, list[Entity]] = {}
    for entity in entities:
        groups.setdefault(getattr(entity, "channel_number", None), []).append(entity)
    return list(groups.values())


async def async_add_by_channel(
    async_add_entities: AddConfigEntryEntitiesCallback, entities: Iterable[Entity]
) -> None:
    """Add ``entities`` one channel per turn of the event loop."""
    for index, group in enumerate(by_channel(entities)):
        if index:
            await asyncio.sleep(0)
        async_add_entities(group)
