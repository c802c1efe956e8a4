"""Config flow: add a receiver by address, or accept a discovered one.

Identity rules:

* An entry's unique id is the device's serial number where it reports one
  (Sennheiser), else its MAC address (Shure), or ``host:port`` when neither
  can be read.  ``data["device_key"]`` is set once, to the unique
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
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo
from homeassistant.util.hass_dict import HassKey
import probatio

from .const import (
    CONF_AUDIO_LEVELS,
    CONF_BATTERY_CRITICAL,
    CONF_BATTERY_LOW,
    CONF_DEVICE_KEY,
    CONF_FAMILY,
    CONF_MANUFACTURER,
    CONF_METER_RATE,
    CONF_METERING,
    CONF_MODEL,
    CONF_REPEAT_MINUTES,
    CONF_RUNTIME_CRITICAL,
    CONF_RUNTIME_LOW,
    CONF_SERIAL,
    DEFAULT_BATTERY_CRITICAL,
    DEFAULT_MANUFACTURER,
    DEFAULT_METER_RATE_MS,
    DEFAULT_PORT,
    DEFAULT_REPEAT_MINUTES,
    DEFAULT_RUNTIME_CRITICAL,
    DEFAULT_RUNTIME_LOW,
    DOMAIN,
    LOW_BATTERY_PERCENT,
    MANUFACTURER_AUTO,
    MAX_METER_RATE_MS,
    VENUE_TITLE,
    VENUE_UNIQUE_ID,
)
from .coordinator import MicboardConfigEntry, error_key
from .devices import (
    DeviceConnectionError,
    DeviceError,
    ReceiverInfo,
    UnsupportedDeviceError,
    registry,
)
from .devices.net import format_mac

#: Fastest metering the options offer (the slowest any manufacturer allows).
MIN_METER_RATE_MS: Final = 1000
#: Seconds a manufacturer's cheap check may take while detecting what answers.
DETECT_WAIT: Final = 3.0

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
    manufacturer: str = DEFAULT_MANUFACTURER

    @property
    def unique_id(self) -> str:
        """The device's serial number, else its MAC address, else its address."""
        return self.info.serial or self.info.mac or f"{self.info.host}:{self.info.port}"

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
            CONF_MANUFACTURER: self.manufacturer,
            CONF_SERIAL: self.info.serial,
        }

    def new_entry_data(self) -> dict[str, Any]:
        """Data of a new entry: its device key is its unique id, for good."""
        return {**self.data(), CONF_DEVICE_KEY: self.unique_id}


def _probe_limit(hass: HomeAssistant) -> asyncio.Semaphore:
    if (limit := hass.data.get(_PROBE_LIMIT)) is None:
        limit = hass.data[_PROBE_LIMIT] = asyncio.Semaphore(MAX_CONCURRENT_PROBES)
    return limit


async def probe(
    hass: HomeAssistant,
    host: str,
    port: int | None,
    mac: str | None = None,
    manufacturer: str = DEFAULT_MANUFACTURER,
) -> Probed:
    """Connect, identify the device and disconnect again (a few at a time).

    ``port`` ``None`` means the manufacturer's default port.
    """
    async with _probe_limit(hass):
        receiver = registry.create(manufacturer, host, port, mac=mac)
        try:
            info = await receiver.connect()
            return Probed(info, receiver.state.device_id, manufacturer)
        finally:
            await receiver.disconnect()


async def detect(hass: HomeAssistant, host: str, port: int | None) -> Probed:
    """Find out which manufacturer's device answers at ``host`` and identify it.

    Manufacturers are asked in the registry's order (Shure ASCII on 2202, then
    SSC v1 on 45, unless a port is given).  The first is connected to at once;
    when nothing of it is there at all, each next one gets a cheap check first.
    Without any answer, the first manufacturer's error is raised.
    """
    first: DeviceError | None = None
    for index, manufacturer in enumerate(registry.manufacturers()):
        if index:
            async with _probe_limit(hass):
                found = await manufacturer.detect(host, port, DETECT_WAIT)
            if found is None:
                continue
            return await probe(hass, host, found.port, manufacturer=manufacturer.key)
        try:
            return await probe(hass, host, port, manufacturer=manufacturer.key)
        except DeviceConnectionError as err:
            first = err  # nothing of this manufacturer there: ask the next
    raise first or DeviceConnectionError(f"nothing answers at {host}")


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


_PORT = probatio.All(probatio.Coerce(int), probatio.Range(min=1, max=65535))


def _user_schema() -> probatio.Schema:
    return probatio.Schema(
        {
            probatio.Required(CONF_HOST): str,
            probatio.Optional(CONF_PORT): _PORT,
            probatio.Required(
                CONF_MANUFACTURER, default=MANUFACTURER_AUTO
            ): selector.SelectSelector(
                selector.SelectSelectorConfig(
                    options=[MANUFACTURER_AUTO, *(m.key for m in registry.manufacturers())],
                    translation_key=CONF_MANUFACTURER,
                    mode=selector.SelectSelectorMode.DROPDOWN,
                )
            ),
        }
    )


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
    MINOR_VERSION = 3

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
            port: int | None = user_input.get(CONF_PORT)
            manufacturer = user_input.get(CONF_MANUFACTURER, MANUFACTURER_AUTO)
            if port is not None:
                self._async_abort_entries_match({CONF_HOST: host, CONF_PORT: port})
            try:
                if manufacturer == MANUFACTURER_AUTO:
                    probed = await detect(self.hass, host, port)
                else:
                    probed = await probe(self.hass, host, port, manufacturer=manufacturer)
            except DeviceError as err:
                errors, placeholders = _errors_for(err)
            else:
                port = probed.info.port
                self._async_abort_entries_match({CONF_HOST: host, CONF_PORT: port})
                await self.async_set_unique_id(probed.unique_id)
                self._abort_if_configured({CONF_HOST: host, CONF_PORT: port})
                return self.async_create_entry(title=probed.title, data=probed.new_entry_data())
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(_user_schema(), user_input),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def async_step_dhcp(self, discovery_info: DhcpServiceInfo) -> ConfigFlowResult:
        """A device with Shure's MAC prefix asked for an address."""
        mac = format_mac(discovery_info.macaddress)
        if mac is None:
            return self.async_abort(reason="not_shure")
        self._abort_if_serial_entry_has_mac(mac, discovery_info.ip)
        await self.async_set_unique_id(mac)
        self._abort_if_configured({CONF_HOST: discovery_info.ip})
        self._async_abort_entries_match({CONF_HOST: discovery_info.ip})
        return await self._async_discovered(discovery_info.ip, DEFAULT_PORT, mac)

    @callback
    def _abort_if_serial_entry_has_mac(self, mac: str, host: str) -> None:
        """A device keyed on its serial whose MAC asked for an address: follow it."""
        for entry in self._async_current_entries(include_ignore=False):
            if entry.data.get(CONF_MAC) != mac or entry.unique_id == mac:
                continue
            if entry.data.get(CONF_HOST) != host:
                port = entry.data.get(CONF_PORT, DEFAULT_PORT)
                self._abort_if_other_entry_at(host, port, besides=entry)
                self.hass.config_entries.async_update_entry(
                    entry, data={**entry.data, CONF_HOST: host}
                )
                self.hass.config_entries.async_schedule_reload(entry.entry_id)
            raise AbortFlow("already_configured")

    async def async_step_zeroconf(self, discovery_info: ZeroconfServiceInfo) -> ConfigFlowResult:
        """A device published a DNS-SD service one of the manufacturers answers on."""
        manufacturer = registry.for_service_type(discovery_info.type)
        if manufacturer is None:
            return self.async_abort(reason="wrong_protocol")
        host = discovery_info.host
        port = discovery_info.port or manufacturer.default_port
        async with _probe_limit(self.hass):
            found = await manufacturer.detect(host, port, DETECT_WAIT)
        if found is None:
            return self.async_abort(reason="access_disabled")
        properties = discovery_info.properties
        serial = found.serial or _text(properties.get("id"))
        await self.async_set_unique_id(serial or f"{host}:{port}")
        self._abort_if_configured({CONF_HOST: host, CONF_PORT: port})
        self._abort_if_other_entry_at(host, port)
        try:
            probed = await probe(self.hass, host, port, manufacturer=manufacturer.key)
        except DeviceError as err:
            return self.async_abort(reason=error_key(err))
        if probed.unique_id != self.unique_id:
            await self.async_set_unique_id(probed.unique_id)
            self._abort_if_configured({CONF_HOST: host, CONF_PORT: port})
        if probed.name is None:
            probed.name = found.name or _instance_name(discovery_info)
        self._discovered = probed
        model = probed.info.model or _text(properties.get("model"))
        self.context["title_placeholders"] = {"name": f"{probed.title} ({model})"}
        return await self.async_step_discovery_confirm()

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
                probed = await probe(
                    self.hass,
                    host,
                    port,
                    manufacturer=entry.data.get(CONF_MANUFACTURER, DEFAULT_MANUFACTURER),
                )
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
        stored_serial = entry.data.get(CONF_SERIAL)
        if stored_serial is not None:
            if probed.info.serial is not None and probed.info.serial != stored_serial:
                return self.async_abort(reason="wrong_device")
            unique_id = entry.unique_id
        elif stored_mac is not None:
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
                CONF_SERIAL: probed.info.serial or stored_serial,
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


def _text(value: object) -> str | None:
    """A TXT record value as text (``None`` when absent or blank)."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str) or not (text := value.strip()):
        return None
    return text[:64]


def _instance_name(info: ZeroconfServiceInfo) -> str | None:
    """The DNS-SD instance name (the device's name, by the SSC rules)."""
    name = info.name
    if name.endswith(info.type):
        name = name[: -len(info.type)]
    return _text(name.rstrip("."))
