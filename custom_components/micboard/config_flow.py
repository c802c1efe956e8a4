"""Config flow: add a receiver by address, or accept a discovered one.

Identity rules:

* An entry's unique id is the receiver's MAC address, or ``host:port`` when
  the MAC cannot be read.  ``data["device_key"]`` is set once, to the unique
  id the entry is created with, and never changes: devices, entities and
  assignments are keyed on it, so a new address (reconfigure, rediscovery)
  never duplicates or orphans anything.
* No flow ever points an entry at the address and port another entry uses.
* A MAC-identified entry accepts only its own receiver: a different MAC, or
  (when the MAC cannot be read) a different model, is refused.
* Discovery floods start one flow per address, and at most
  :data:`MAX_CONCURRENT_PROBES` test connections run at any time.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, Final

from homeassistant.config_entries import (
    SOURCE_IGNORE,
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.const import CONF_HOST, CONF_MAC, CONF_NAME, CONF_PORT
from homeassistant.core import HomeAssistant, callback
from homeassistant.data_entry_flow import AbortFlow
from homeassistant.helpers import selector
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
from homeassistant.util.hass_dict import HassKey
import probatio

from .const import (
    CONF_AUDIO_LEVELS,
    CONF_BATTERY_CRITICAL,
    CONF_BATTERY_LOW,
    CONF_DEVICE_KEY,
    CONF_FAMILY,
    CONF_METER_RATE,
    CONF_METERING,
    CONF_MODEL,
    CONF_REPEAT_MINUTES,
    CONF_RUNTIME_CRITICAL,
    CONF_RUNTIME_LOW,
    DEFAULT_BATTERY_CRITICAL,
    DEFAULT_METER_RATE_MS,
    DEFAULT_PORT,
    DEFAULT_REPEAT_MINUTES,
    DEFAULT_RUNTIME_CRITICAL,
    DEFAULT_RUNTIME_LOW,
    DOMAIN,
    LOW_BATTERY_PERCENT,
    MAX_METER_RATE_MS,
    VENUE_TITLE,
    VENUE_UNIQUE_ID,
)
from .coordinator import MicboardConfigEntry, error_key
from .devices import DeviceError, ReceiverInfo, UnsupportedDeviceError
from .devices.net import format_mac
from .devices.shure import MIN_METER_RATE_MS, ShureReceiver

#: Test connections allowed at the same time, across every flow.
MAX_CONCURRENT_PROBES: Final = 4
_PROBE_LIMIT: HassKey[asyncio.Semaphore] = HassKey(f"{DOMAIN}_probe_limit")

#: Abort reason: the address belongs to another configured receiver.
ABORT_OTHER_ENTRY: Final = "used_by_other_entry"


@dataclass(slots=True)
class Probed:
    """What a test connection found."""

    info: ReceiverInfo
    name: str | None

    @property
    def unique_id(self) -> str:
        """The receiver's MAC address, or its address when the MAC is unknown."""
        return self.info.mac or f"{self.info.host}:{self.info.port}"

    @property
    def title(self) -> str:
        """Entry title: the receiver's own name, else model and address."""
        return self.name or f"{self.info.model} ({self.info.host})"

    def data(self) -> dict[str, Any]:
        """Entry data (without the device key, which only a new entry gets)."""
        return {
            CONF_HOST: self.info.host,
            CONF_PORT: self.info.port,
            CONF_FAMILY: self.info.family.value,
            CONF_MODEL: self.info.model,
            CONF_MAC: self.info.mac,
        }

    def new_entry_data(self) -> dict[str, Any]:
        """Data of a new entry: its device key is its unique id, for good."""
        return {**self.data(), CONF_DEVICE_KEY: self.unique_id}


async def probe(hass: HomeAssistant, host: str, port: int, mac: str | None = None) -> Probed:
    """Connect, identify the receiver and disconnect again (a few at a time)."""
    if (limit := hass.data.get(_PROBE_LIMIT)) is None:
        limit = hass.data[_PROBE_LIMIT] = asyncio.Semaphore(MAX_CONCURRENT_PROBES)
    async with limit:
        receiver = ShureReceiver(host, port, mac=mac)
        try:
            info = await receiver.connect()
            return Probed(info, receiver.state.device_id)
        finally:
            await receiver.disconnect()


def device_key(entry: ConfigEntry) -> str:
    """The identity an entry's devices, entities and assignments are keyed on.

    Entries created before the key was stored use their unique id, which
    until then never changed without the registries following it.
    """
    key = entry.data.get(CONF_DEVICE_KEY)
    if isinstance(key, str) and key:
        return key
    return entry.unique_id or entry.entry_id


def _same_address(entry: ConfigEntry, host: str, port: int) -> bool:
    stored = entry.data.get(CONF_HOST)
    return (
        isinstance(stored, str)
        and stored.strip().lower() == host.strip().lower()
        and entry.data.get(CONF_PORT, DEFAULT_PORT) == port
    )


def _errors_for(err: DeviceError) -> tuple[dict[str, str], dict[str, str]]:
    placeholders = {"model": err.model} if isinstance(err, UnsupportedDeviceError) else {}
    return {"base": error_key(err)}, placeholders


def _address_schema(host: str | None = None, port: int = DEFAULT_PORT) -> probatio.Schema:
    return probatio.Schema(
        {
            probatio.Required(CONF_HOST, default=host or probatio.UNDEFINED): str,
            probatio.Required(CONF_PORT, default=port): probatio.All(
                probatio.Coerce(int), probatio.Range(min=1, max=65535)
            ),
        }
    )


class MicboardConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add one receiver per entry."""

    VERSION = 1
    MINOR_VERSION = 2

    _discovered: Probed

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: MicboardConfigEntry) -> MicboardOptionsFlow:
        """Metering and audio-level options."""
        return MicboardOptionsFlow()

    @classmethod
    @callback
    def async_supports_options_flow(cls, config_entry: ConfigEntry) -> bool:
        """Receivers have options; the venue entry has none."""
        return config_entry.unique_id != VENUE_UNIQUE_ID

    # --- identity checks ---------------------------------------------------

    @callback
    def _entry_at(
        self, host: str, port: int, *, besides: ConfigEntry | None = None
    ) -> ConfigEntry | None:
        """The configured entry (other than ``besides``) at ``host:port``, if any."""
        return next(
            (
                entry
                for entry in self._async_current_entries(include_ignore=False)
                if (besides is None or entry.entry_id != besides.entry_id)
                and _same_address(entry, host, port)
            ),
            None,
        )

    @callback
    def _abort_if_other_entry_at(
        self, host: str, port: int, *, besides: ConfigEntry | None = None
    ) -> None:
        if (other := self._entry_at(host, port, besides=besides)) is not None:
            raise AbortFlow(ABORT_OTHER_ENTRY, {CONF_NAME: other.title})

    @callback
    def _abort_if_configured(self, updates: dict[str, Any]) -> None:
        """Abort when this flow's receiver is configured, moving it to its new address.

        The move is refused when another entry already uses that address.
        """
        assert self.unique_id is not None
        entry = self.hass.config_entries.async_entry_for_domain_unique_id(
            self.handler, self.unique_id
        )
        if entry is not None and entry.source != SOURCE_IGNORE:
            host = updates.get(CONF_HOST, entry.data.get(CONF_HOST, ""))
            port = updates.get(CONF_PORT, entry.data.get(CONF_PORT, DEFAULT_PORT))
            self._abort_if_other_entry_at(host, port, besides=entry)
        self._abort_if_unique_id_configured(updates=updates)

    # --- steps ---------------------------------------------------------------

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the receiver's address and test it."""
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if user_input is not None:
            host = user_input[CONF_HOST].strip()
            port = user_input[CONF_PORT]
            self._async_abort_entries_match({CONF_HOST: host, CONF_PORT: port})
            try:
                probed = await probe(self.hass, host, port)
            except DeviceError as err:
                errors, placeholders = _errors_for(err)
            else:
                await self.async_set_unique_id(probed.unique_id)
                self._abort_if_configured({CONF_HOST: host, CONF_PORT: port})
                return self.async_create_entry(title=probed.title, data=probed.new_entry_data())
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(_address_schema(), user_input),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def async_step_dhcp(self, discovery_info: DhcpServiceInfo) -> ConfigFlowResult:
        """A device with Shure's MAC prefix asked for an address."""
        mac = format_mac(discovery_info.macaddress)
        if mac is None:
            return self.async_abort(reason="not_shure")
        await self.async_set_unique_id(mac)
        self._abort_if_configured({CONF_HOST: discovery_info.ip})
        self._async_abort_entries_match({CONF_HOST: discovery_info.ip})
        return await self._async_discovered(discovery_info.ip, DEFAULT_PORT, mac)

    async def async_step_integration_discovery(
        self, discovery_info: dict[str, Any]
    ) -> ConfigFlowResult:
        """A receiver announced itself on Shure's discovery multicast.

        Announcements repeat every few seconds (and can be forged in bulk):
        the address is claimed as a provisional unique id before anything is
        probed, so every further announcement from it aborts at once.
        """
        host = str(discovery_info[CONF_HOST])
        self._async_abort_entries_match({CONF_HOST: host})
        await self.async_set_unique_id(f"{host}:{DEFAULT_PORT}")
        self._abort_if_unique_id_configured()
        return await self._async_discovered(host, DEFAULT_PORT, None)

    async def _async_discovered(self, host: str, port: int, mac: str | None) -> ConfigFlowResult:
        try:
            probed = await probe(self.hass, host, port, mac)
        except DeviceError as err:
            return self.async_abort(reason=error_key(err))
        await self.async_set_unique_id(probed.unique_id)
        self._abort_if_configured({CONF_HOST: host, CONF_PORT: port})
        self._abort_if_other_entry_at(host, port)
        self._discovered = probed
        self.context["title_placeholders"] = {"name": probed.title}
        return await self.async_step_discovery_confirm()

    async def async_step_discovery_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Let the user accept a discovered receiver."""
        probed = self._discovered
        if user_input is not None:
            return self.async_create_entry(title=probed.title, data=probed.new_entry_data())
        self._set_confirm_only()
        return self.async_show_form(
            step_id="discovery_confirm",
            description_placeholders={
                CONF_NAME: probed.title,
                CONF_MODEL: probed.info.model,
                CONF_HOST: probed.info.host,
            },
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change a receiver's address (its devices, entities and performers stay)."""
        entry = self._get_reconfigure_entry()
        if entry.unique_id == VENUE_UNIQUE_ID:
            return self.async_abort(reason="venue_not_reconfigurable")
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if user_input is not None:
            host = user_input[CONF_HOST].strip()
            port = user_input[CONF_PORT]
            self._abort_if_other_entry_at(host, port, besides=entry)
            try:
                # No MAC hint: whether the MAC can be read decides how the
                # receiver is recognised.
                probed = await probe(self.hass, host, port)
            except DeviceError as err:
                errors, placeholders = _errors_for(err)
            else:
                return await self._async_reconfigured(entry, probed)
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=_address_schema(
                entry.data[CONF_HOST], entry.data.get(CONF_PORT, DEFAULT_PORT)
            ),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def _async_reconfigured(self, entry: ConfigEntry, probed: Probed) -> ConfigFlowResult:
        stored_mac = entry.data.get(CONF_MAC)
        if stored_mac is not None:
            if probed.info.mac is not None:
                if probed.info.mac != stored_mac:
                    return self.async_abort(reason="wrong_device")
            elif (model := entry.data.get(CONF_MODEL)) is not None and model != probed.info.model:
                # The MAC cannot be read here: a different model is proof enough.
                return self.async_abort(reason="wrong_device")
            unique_id = entry.unique_id
        else:
            # Keyed on the address: the unique id follows it (or becomes the
            # MAC, once it can be read).
            unique_id = probed.unique_id
        if (
            unique_id is not None
            and (
                other := self.hass.config_entries.async_entry_for_domain_unique_id(
                    self.handler, unique_id
                )
            )
            is not None
            and other.entry_id != entry.entry_id
        ):
            if other.source == SOURCE_IGNORE:
                # The user once ignored this receiver; now it is configured.
                await self.hass.config_entries.async_remove(other.entry_id)
            else:
                return self.async_abort(
                    reason=ABORT_OTHER_ENTRY, description_placeholders={CONF_NAME: other.title}
                )
        return self.async_update_reload_and_abort(
            entry,
            unique_id=unique_id,
            data_updates={
                **probed.data(),
                CONF_MAC: probed.info.mac or stored_mac,
                CONF_DEVICE_KEY: device_key(entry),
            },
        )

    async def async_step_system(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Create the venue entry (started by the integration with its first receiver)."""
        await self.async_set_unique_id(VENUE_UNIQUE_ID)
        self._abort_if_unique_id_configured()
        return self.async_create_entry(title=VENUE_TITLE, data={})


#: Alert thresholds in the options: key, default, range and unit.
THRESHOLDS = (
    (CONF_BATTERY_LOW, LOW_BATTERY_PERCENT, 1, 100, "%"),
    (CONF_BATTERY_CRITICAL, DEFAULT_BATTERY_CRITICAL, 1, 100, "%"),
    (CONF_RUNTIME_LOW, DEFAULT_RUNTIME_LOW, 1, 1440, "min"),
    (CONF_RUNTIME_CRITICAL, DEFAULT_RUNTIME_CRITICAL, 1, 1440, "min"),
    (CONF_REPEAT_MINUTES, DEFAULT_REPEAT_MINUTES, 0, 1440, "min"),
)


def _number(low: int, high: int, unit: str) -> selector.NumberSelector:
    return selector.NumberSelector(
        selector.NumberSelectorConfig(
            min=low,
            max=high,
            step=1,
            unit_of_measurement=unit,
            mode=selector.NumberSelectorMode.BOX,
        )
    )


class MicboardOptionsFlow(OptionsFlowWithReload):
    """Metering rate and audio-level entities."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the options."""
        errors: dict[str, str] = {}
        if user_input is not None:
            if user_input[CONF_BATTERY_CRITICAL] > user_input[CONF_BATTERY_LOW]:
                errors[CONF_BATTERY_CRITICAL] = "critical_above_low"
            elif user_input[CONF_RUNTIME_CRITICAL] > user_input[CONF_RUNTIME_LOW]:
                errors[CONF_RUNTIME_CRITICAL] = "critical_above_low"
            else:
                return self.async_create_entry(data=user_input)
        options = {**self.config_entry.options, **(user_input or {})}
        schema = probatio.Schema(
            {
                probatio.Required(CONF_METERING, default=options.get(CONF_METERING, False)): bool,
                probatio.Required(
                    CONF_METER_RATE, default=options.get(CONF_METER_RATE, DEFAULT_METER_RATE_MS)
                ): selector.NumberSelector(
                    selector.NumberSelectorConfig(
                        min=MIN_METER_RATE_MS,
                        max=MAX_METER_RATE_MS,
                        step=100,
                        unit_of_measurement="ms",
                        mode=selector.NumberSelectorMode.BOX,
                    )
                ),
                probatio.Required(
                    CONF_AUDIO_LEVELS, default=options.get(CONF_AUDIO_LEVELS, True)
                ): bool,
                **{
                    probatio.Required(key, default=options.get(key, default)): _number(
                        low, high, unit
                    )
                    for key, default, low, high, unit in THRESHOLDS
                },
            }
        )
        return self.async_show_form(step_id="init", data_schema=schema, errors=errors)
