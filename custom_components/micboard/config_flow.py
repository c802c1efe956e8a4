"""Config flow: add a receiver by address, or accept a discovered one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from homeassistant.config_entries import (
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.const import CONF_HOST, CONF_MAC, CONF_NAME, CONF_PORT
from homeassistant.core import callback
from homeassistant.helpers import selector
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
import probatio

from .assignments import async_rekey_assignments
from .const import (
    CONF_AUDIO_LEVELS,
    CONF_BATTERY_CRITICAL,
    CONF_BATTERY_LOW,
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
)
from .coordinator import MicboardConfigEntry, error_key
from .devices import DeviceError, ReceiverInfo, UnsupportedDeviceError
from .devices.net import format_mac
from .devices.shure import MIN_METER_RATE_MS, ShureReceiver


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
        """Entry data."""
        return {
            CONF_HOST: self.info.host,
            CONF_PORT: self.info.port,
            CONF_FAMILY: self.info.family.value,
            CONF_MODEL: self.info.model,
            CONF_MAC: self.info.mac,
        }


async def probe(host: str, port: int, mac: str | None = None) -> Probed:
    """Connect, identify the receiver and disconnect again."""
    receiver = ShureReceiver(host, port, mac=mac)
    try:
        info = await receiver.connect()
        return Probed(info, receiver.state.device_id)
    finally:
        await receiver.disconnect()


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

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the receiver's address and test it."""
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if user_input is not None:
            host = user_input[CONF_HOST].strip()
            port = user_input[CONF_PORT]
            try:
                probed = await probe(host, port)
            except DeviceError as err:
                errors, placeholders = _errors_for(err)
            else:
                await self.async_set_unique_id(probed.unique_id)
                self._abort_if_unique_id_configured(updates={CONF_HOST: host, CONF_PORT: port})
                return self.async_create_entry(title=probed.title, data=probed.data())
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
        self._abort_if_unique_id_configured(updates={CONF_HOST: discovery_info.ip})
        self._async_abort_entries_match({CONF_HOST: discovery_info.ip})
        return await self._async_discovered(discovery_info.ip, DEFAULT_PORT, mac)

    async def async_step_integration_discovery(
        self, discovery_info: dict[str, Any]
    ) -> ConfigFlowResult:
        """A receiver announced itself on Shure's discovery multicast."""
        host = discovery_info[CONF_HOST]
        self._async_abort_entries_match({CONF_HOST: host})
        return await self._async_discovered(host, DEFAULT_PORT, None)

    async def _async_discovered(self, host: str, port: int, mac: str | None) -> ConfigFlowResult:
        try:
            probed = await probe(host, port, mac)
        except DeviceError as err:
            return self.async_abort(reason=error_key(err))
        await self.async_set_unique_id(probed.unique_id)
        self._abort_if_unique_id_configured(updates={CONF_HOST: host, CONF_PORT: port})
        self._discovered = probed
        self.context["title_placeholders"] = {"name": probed.title}
        return await self.async_step_discovery_confirm()

    async def async_step_discovery_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Let the user accept a discovered receiver."""
        probed = self._discovered
        if user_input is not None:
            return self.async_create_entry(title=probed.title, data=probed.data())
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
        """Change a receiver's address."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if user_input is not None:
            host = user_input[CONF_HOST].strip()
            port = user_input[CONF_PORT]
            try:
                # Without an ARP entry the MAC cannot be checked: trust the user.
                probed = await probe(host, port, entry.data.get(CONF_MAC))
            except DeviceError as err:
                errors, placeholders = _errors_for(err)
            else:
                if entry.data.get(CONF_MAC) is not None:
                    await self.async_set_unique_id(probed.unique_id)
                    self._abort_if_unique_id_mismatch(reason="wrong_device")
                    return self.async_update_reload_and_abort(entry, data_updates=probed.data())
                if entry.unique_id is not None and entry.unique_id != probed.unique_id:
                    # Keyed on the address: move the performers with it.
                    await async_rekey_assignments(self.hass, entry.unique_id, probed.unique_id)
                return self.async_update_reload_and_abort(
                    entry, unique_id=probed.unique_id, data_updates=probed.data()
                )
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=_address_schema(
                entry.data[CONF_HOST], entry.data.get(CONF_PORT, DEFAULT_PORT)
            ),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def async_step_system(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Create the venue entry (started by the integration with its first receiver)."""
        from .const import VENUE_TITLE, VENUE_UNIQUE_ID

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
