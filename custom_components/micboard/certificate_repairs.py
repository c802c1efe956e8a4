"""Repair flow: a device presents a certificate other than the pinned one.

The user compares the fingerprints (on the device's display or web page)
and either accepts the new certificate, which is then pinned and the entry
reloaded, or rejects it: the entry stays stopped and the issue stays, so
nothing is sent to a device that may not be the one configured.
"""

from __future__ import annotations

from typing import Any

from homeassistant.components.repairs import RepairsFlow, RepairsFlowResult
from homeassistant.const import CONF_HOST, CONF_NAME

from .const import CONF_FINGERPRINT, LOGGER


class CertificateChangedFlow(RepairsFlow):
    """Accept or reject a device's new certificate."""

    def __init__(self, data: dict[str, str | int | float | None] | None) -> None:
        """Remember the entry and the fingerprint that was presented."""
        data = data or {}
        self.entry_id = str(data.get("entry_id") or "")
        self.fingerprint = str(data.get("fingerprint") or "")

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> RepairsFlowResult:
        """Show both fingerprints and offer the two choices."""
        entry = self.hass.config_entries.async_get_entry(self.entry_id)
        if entry is None:
            return self.async_abort(reason="entry_removed")
        return self.async_show_menu(
            step_id="init",
            menu_options=["accept", "reject"],
            description_placeholders={
                CONF_NAME: entry.title,
                CONF_HOST: str(entry.data.get(CONF_HOST, "")),
                "old": str(entry.data.get(CONF_FINGERPRINT) or "-"),
                "new": self.fingerprint,
            },
        )

    async def async_step_accept(
        self, user_input: dict[str, Any] | None = None
    ) -> RepairsFlowResult:
        """Pin the new certificate and reconnect."""
        entry = self.hass.config_entries.async_get_entry(self.entry_id)
        if entry is None:
            return self.async_abort(reason="entry_removed")
        LOGGER.info(
            "New certificate of %s accepted: %s", entry.data.get(CONF_HOST), self.fingerprint
        )
        self.hass.config_entries.async_update_entry(
            entry, data={**entry.data, CONF_FINGERPRINT: self.fingerprint}
        )
        self.hass.config_entries.async_schedule_reload(entry.entry_id)
        return self.async_create_entry(data={})

    async def async_step_reject(
        self, user_input: dict[str, Any] | None = None
    ) -> RepairsFlowResult:
        """Keep the old certificate pinned: the device stays disconnected."""
        return self.async_abort(reason="rejected")
