"""Errors repeat a caller's text only short and cleaned."""

from __future__ import annotations

import unicodedata

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
import pytest

from custom_components.micboard.const import DOMAIN
from custom_components.micboard.services import MAX_ECHO_LENGTH, echo


def _clean_and_short(text: str) -> bool:
    return len(text) <= MAX_ECHO_LENGTH + 1 and not any(
        unicodedata.category(char) in {"Cc", "Cf", "Zl", "Zp"} for char in text
    )


async def test_a_huge_device_id_is_not_echoed_whole(
    hass: HomeAssistant, simulated, setup_receiver
) -> None:
    await setup_receiver(await simulated("ULXD4D"))
    huge = "\x1b[31m" + "d" * 100_000
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(DOMAIN, "identify", {"device_id": huge}, blocking=True)
    assert err.value.translation_key == "not_a_channel"
    placeholder = err.value.translation_placeholders["device_id"]
    assert _clean_and_short(placeholder)
    assert placeholder.startswith("[31mddd")


async def test_a_contact_with_control_characters_is_cleaned(
    hass: HomeAssistant, simulated, setup_receiver
) -> None:
    entry = await setup_receiver(await simulated("ULXD4D"))
    channel = entry.runtime_data.channel_device_ids[1]
    contact = "person.\x00mallory\u202e\u2028\r\n" + "\x07" * 50 + "x" * 500
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "assign_performer",
            {"device_id": [channel], "performer": "Dave", "contact": contact},
            blocking=True,
        )
    assert err.value.translation_key == "unknown_person"
    placeholder = err.value.translation_placeholders["contact"]
    assert _clean_and_short(placeholder)
    assert placeholder.startswith("person.malloryxxx")


def test_short_clean_text_is_echoed_unchanged() -> None:
    assert echo("person.nobody") == "person.nobody"
    assert echo("y" * MAX_ECHO_LENGTH) == "y" * MAX_ECHO_LENGTH
    assert echo("y" * (MAX_ECHO_LENGTH + 1)) == "y" * MAX_ECHO_LENGTH + "…"
