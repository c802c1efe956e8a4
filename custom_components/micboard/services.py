"""Service actions: assign performers, toggle alerts, identify a channel.

Every action validates all its targets before changing anything, so a call
with one bad target changes nothing.  A call made by a user is checked the way
Home Assistant checks entity actions: a non-admin user needs control
permission on every entity of every targeted device (else ``Unauthorized``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from homeassistant.auth.permissions.const import POLICY_CONTROL
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_DEVICE_ID
from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.exceptions import (
    HomeAssistantError,
    ServiceValidationError,
    Unauthorized,
    UnknownUser,
)
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
    entity_registry as er,
)
import probatio

from .assignments import (
    MAX_PERFORMER_LENGTH,
    Assignment,
    async_get_manager,
    channel_key,
    has_forbidden_characters,
    new_assignment,
    without_forbidden_characters,
)
from .const import DOMAIN
from .coordinator import MicboardCoordinator, all_coordinators, is_venue_entry
from .devices import Capability, DeviceError

SERVICE_ASSIGN = "assign_performer"
SERVICE_UNASSIGN = "unassign"
SERVICE_SET_ALERTS = "set_alerts"
SERVICE_IDENTIFY = "identify"

ATTR_PERFORMER = "performer"
ATTR_CONTACT = "contact"
ATTR_ALERTS = "alerts"
ATTR_ENABLED = "enabled"


def _drop_blank(device_ids: list[str]) -> list[str]:
    """Blank ids (a template that rendered to nothing) target nothing."""
    return [device_id for device_id in device_ids if device_id.strip()]


_DEVICES = probatio.All(cv.ensure_list, [cv.string], _drop_blank)

ASSIGN_SCHEMA = probatio.Schema(
    {
        probatio.Required(ATTR_DEVICE_ID): _DEVICES,
        probatio.Required(ATTR_PERFORMER): cv.string,
        probatio.Optional(ATTR_CONTACT): probatio.Any(None, cv.string),
        probatio.Optional(ATTR_ALERTS): cv.boolean,
    }
)
TARGET_SCHEMA = probatio.Schema({probatio.Required(ATTR_DEVICE_ID): _DEVICES})
ALERTS_SCHEMA = probatio.Schema(
    {probatio.Required(ATTR_DEVICE_ID): _DEVICES, probatio.Required(ATTR_ENABLED): cv.boolean}
)


#: How much of a caller's own text an error message repeats.
MAX_ECHO_LENGTH = 64


def echo(text: str) -> str:
    """Caller-supplied ``text`` fit to repeat in an error message.

    Control, format and separator characters are dropped, and the rest is cut
    to :data:`MAX_ECHO_LENGTH` characters (an ellipsis says it was cut).
    """
    text = without_forbidden_characters(text[: MAX_ECHO_LENGTH * 4])
    return text if len(text) <= MAX_ECHO_LENGTH else f"{text[:MAX_ECHO_LENGTH]}…"


def _invalid(key: str, **placeholders: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


def _coordinators(hass: HomeAssistant) -> list[MicboardCoordinator]:
    return [
        coordinator
        for coordinator in all_coordinators(hass)
        if coordinator.config_entry.state is ConfigEntryState.LOADED
    ]


async def async_check_permissions(hass: HomeAssistant, call: ServiceCall) -> None:
    """Refuse a user who may not control every entity of every targeted device.

    Calls without a user (automations, scripts) and admins pass, as they do
    for entity actions.  A device with no enabled entity is refused too:
    there is nothing the user could have been granted.
    """
    if not (user_id := call.context.user_id):
        return
    user = await hass.auth.async_get_user(user_id)
    if user is None:
        raise UnknownUser(context=call.context, permission=POLICY_CONTROL)
    if user.is_admin:
        return
    registry = er.async_get(hass)
    for device_id in call.data[ATTR_DEVICE_ID]:
        entries = er.async_entries_for_device(registry, device_id)
        if not entries:
            raise Unauthorized(context=call.context, permission=POLICY_CONTROL)
        for entity in entries:
            if not user.permissions.check_entity(entity.entity_id, POLICY_CONTROL):
                raise Unauthorized(
                    context=call.context, entity_id=entity.entity_id, permission=POLICY_CONTROL
                )


def resolve_targets(
    hass: HomeAssistant, device_ids: list[str], *, receivers: bool = False
) -> list[tuple[MicboardCoordinator, int | None]]:
    """Map device ids to (receiver, channel); raise for anything else."""
    registry = dr.async_get(hass)
    coordinators = _coordinators(hass)
    targets: list[tuple[MicboardCoordinator, int | None]] = []
    for device_id in device_ids:
        device = registry.async_get(device_id)
        if device is None:
            raise _invalid("not_a_channel", device_id=echo(device_id))
        coordinator, channel = next(
            (
                (candidate, number)
                for candidate in coordinators
                for number, channel_device in candidate.channel_device_ids.items()
                if channel_device == device_id
            ),
            (None, None),
        )
        if coordinator is None:
            coordinator = next((c for c in coordinators if c.receiver_device_id == device_id), None)
        if coordinator is None:
            entry = hass.config_entries.async_get_entry(device.config_entry_id)
            if (
                entry is not None
                and entry.domain == DOMAIN
                and not is_venue_entry(entry)
                and entry.state is not ConfigEntryState.LOADED
            ):
                raise _invalid("receiver_not_loaded", device=device.name or device_id)
            raise _invalid("not_a_channel", device_id=device.name or device_id)
        if channel is None and not (receivers and device_id == coordinator.receiver_device_id):
            raise _invalid("not_a_channel", device_id=device.name or device_id)
        targets.append((coordinator, channel))
    return targets


def _require_online(coordinator: MicboardCoordinator) -> None:
    if not (coordinator.last_update_success and coordinator.receiver.connected):
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="receiver_offline",
            translation_placeholders={"receiver": coordinator.receiver_name()},
        )


def _performer_channel(
    hass: HomeAssistant, coordinator: MicboardCoordinator, channel: int
) -> tuple[MicboardCoordinator, int]:
    """Where a channel's performer is kept.

    A device behind a server that is also added directly keeps it with the
    directly added receiver's channel.
    """
    if coordinator.linked_key is None:
        return coordinator, channel
    direct = next(
        (
            other
            for other in all_coordinators(hass)
            if other.member_key is None
            and other.device_key == coordinator.linked_key
            and channel in other.channel_device_ids
        ),
        None,
    )
    return (direct, channel) if direct is not None else (coordinator, channel)


async def _channels(
    hass: HomeAssistant, call: ServiceCall
) -> list[tuple[MicboardCoordinator, int]]:
    """Channel targets the caller may control, all online (else nothing changes)."""
    if not call.data[ATTR_DEVICE_ID]:
        raise _invalid("no_target")
    await async_check_permissions(hass, call)
    targets = [
        _performer_channel(hass, coordinator, channel)
        for coordinator, channel in resolve_targets(hass, call.data[ATTR_DEVICE_ID])
        if channel is not None
    ]
    for coordinator, channel in targets:
        if not coordinator.carries_performers:
            # A charger bay holds a pack, not a performer's transmitter.
            raise _invalid("not_a_channel", device_id=coordinator.unique_channel_name(channel))
        _require_online(coordinator)
    return targets


async def _assign(call: ServiceCall) -> None:
    hass = call.hass
    targets = await _channels(hass, call)
    performer = call.data[ATTR_PERFORMER].strip()
    if not 1 <= len(performer) <= MAX_PERFORMER_LENGTH:
        raise _invalid("invalid_performer", max=str(MAX_PERFORMER_LENGTH))
    if has_forbidden_characters(performer):
        raise _invalid("performer_invisible_characters")
    contact = call.data.get(ATTR_CONTACT)
    if contact is not None and (
        not contact.startswith("person.") or hass.states.get(contact) is None
    ):
        raise _invalid("unknown_person", contact=echo(contact))
    manager = async_get_manager(hass)
    changes: dict[str, Assignment | None] = {}
    for coordinator, channel in targets:
        previous = manager.get(coordinator.device_key, channel)
        alerts = call.data.get(ATTR_ALERTS, previous.alerts if previous else True)
        changes[channel_key(coordinator.device_key, channel)] = new_assignment(
            performer, contact, alerts
        )
    await manager.async_update(changes)


async def _unassign(call: ServiceCall) -> None:
    targets = await _channels(call.hass, call)
    manager = async_get_manager(call.hass)
    changes: dict[str, Assignment | None] = {}
    for coordinator, channel in targets:
        previous = manager.get(coordinator.device_key, channel)
        # A channel whose alerts were switched off keeps that setting.
        keep = previous is not None and not previous.alerts
        changes[channel_key(coordinator.device_key, channel)] = (
            Assignment(None, None, alerts=False) if keep else None
        )
    await manager.async_update(changes)


async def _set_alerts(call: ServiceCall) -> None:
    hass = call.hass
    targets = await _channels(hass, call)
    manager = async_get_manager(hass)
    enabled = call.data[ATTR_ENABLED]
    changes: dict[str, Assignment | None] = {}
    for coordinator, channel in targets:
        previous = manager.get(coordinator.device_key, channel) or Assignment(None)
        changes[channel_key(coordinator.device_key, channel)] = replace(previous, alerts=enabled)
    await manager.async_update(changes)


async def _identify(call: ServiceCall) -> None:
    if not call.data[ATTR_DEVICE_ID]:
        raise _invalid("no_target")
    await async_check_permissions(call.hass, call)
    targets = resolve_targets(call.hass, call.data[ATTR_DEVICE_ID], receivers=True)
    for coordinator, _channel in targets:
        capabilities = coordinator.receiver.capabilities
        if Capability.IDENTIFY not in capabilities:
            raise _invalid("identify_not_supported", model=coordinator.receiver.info.model)
        _require_online(coordinator)
    for coordinator, channel in targets:
        per_channel = channel is not None and (
            Capability.CHANNEL_IDENTIFY in coordinator.receiver.capabilities
        )
        try:
            await coordinator.receiver.identify(channel if per_channel else None)
        except DeviceError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="command_failed",
                translation_placeholders={
                    "receiver": coordinator.receiver_name(),
                    "error": str(err),
                },
            ) from err


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the integration's actions (once, from ``async_setup``)."""
    handlers: dict[str, tuple[Any, probatio.Schema]] = {
        SERVICE_ASSIGN: (_assign, ASSIGN_SCHEMA),
        SERVICE_UNASSIGN: (_unassign, TARGET_SCHEMA),
        SERVICE_SET_ALERTS: (_set_alerts, ALERTS_SCHEMA),
        SERVICE_IDENTIFY: (_identify, TARGET_SCHEMA),
    }
    for name, (handler, schema) in handlers.items():
        hass.services.async_register(DOMAIN, name, handler, schema=schema)
