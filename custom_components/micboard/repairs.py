"""Repair flow for an unreadable assignments file."""

from __future__ import annotations

import logging
from typing import Any

from homeassistant.components.repairs import RepairsFlow, RepairsFlowResult
from homeassistant.core import HomeAssistant
import probatio

from .assignments import ISSUE_UNREADABLE, async_get_manager
from .certificate_repairs import CertificateChangedFlow
from .channel_repairs import create_flow, is_vanished_issue
from .secure import is_certificate_issue

_LOGGER = logging.getLogger(__name__)


class StartAfreshFlow(RepairsFlow):
    """Keep a copy of the unreadable file and start with no assignments."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> RepairsFlowResult:
        """Explain, then confirm."""
        return await self.async_step_confirm()

    async def async_step_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> RepairsFlowResult:
        """Move the file aside and start afresh once the user confirms."""
        manager = async_get_manager(self.hass)
        if manager.writable:
            # Another flow (a second browser tab) already started afresh:
            # confirming again would move the new, valid file aside too.
            return self.async_abort(reason="already_resolved")
        if user_input is not None:
            try:
                await manager.async_start_afresh()
            except OSError as err:
                _LOGGER.error("Cannot move %s aside: %s", manager.path, err)
                return self.async_abort(
                    reason="cannot_move_aside",
                    description_placeholders={"path": str(manager.path), "error": str(err)},
                )
            return self.async_create_entry(data={})
        return self.async_show_form(
            step_id="confirm",
            data_schema=probatio.Schema({}),
            description_placeholders={
                "path": str(manager.path),
                "error": manager.load_error or "unknown error",
            },
        )


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, str | int | float | None] | None
) -> RepairsFlow:
    """Create the flow for a fixable issue."""
    if is_vanished_issue(issue_id):
        return create_flow(issue_id, data)
    if is_certificate_issue(issue_id):
        return CertificateChangedFlow(data)
    assert issue_id == ISSUE_UNREADABLE
    return StartAfreshFlow()
