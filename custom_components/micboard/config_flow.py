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

Devices that need credentials (Sennheiser SSCv2, Shure System API) are
never auto-detected.  Their certificate is read and its fingerprint shown
first; the secret is then sent only to that certificate (pinned) and
checked before an entry is created.  The entry keeps the secret and the
accepted fingerprint; reauthentication and reconfigure check a new secret
the same way, and reconfigure shows a different certificate before using
it.  A server without a serial number is known by its certificate.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from homeassistant.config_entries import (
    SOURCE_IGNORE,
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.const import (
    CONF_HOST,
    CONF_MAC,
    CONF_NAME,
    CONF_PORT,
    CONF_USERNAME,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.data_entry_flow import AbortFlow
from homeassistant.helpers import selector
from homeassistant.helpers.aiohttp_client import async_get_clientsession
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
    CONF_FINGERPRINT,
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
    AuthenticationError,
    CertificateChangedError,
    DeviceConnectionError,
    DeviceError,
    ReceiverInfo,
    UnsupportedDeviceError,
    WrongProtocolError,
    registry,
)
from .devices.net import format_mac
from .devices.receiver import Access
from .devices.registry import Credential, Manufacturer
from .devices.tls import fetch_fingerprint
from .secure import is_secured, manufacturer_of, secret_key, username_of

#: Fastest metering the options offer (the slowest any manufacturer allows).
MIN_METER_RATE_MS: Final = 1000
#: Seconds a manufacturer's cheap check may take while detecting what answers.
DETECT_WAIT: Final = 3.0

#: Seconds a secured device's probe may take (HTTPS, several requests).
SECURE_WAIT: Final = 10.0

#: Test connections allowed at the same time, across every flow.
MAX_CONCURRENT_PROBES: Final = 4
_PROBE_LIMIT: HassKey[asyncio.Semaphore] = HassKey(f"{DOMAIN}_probe_limit")

#: Abort reason: the address belongs to another configured receiver.
ABORT_OTHER_ENTRY: Final = "used_by_other_entry"


@dataclass(slots=True)
class Probed:
    """What a test connection (or a manufacturer's probe) found."""

    host: str
    port: int
    model: str | None
    name: str | None
    manufacturer: str = DEFAULT_MANUFACTURER
    serial: str | None = None
    mac: str | None = None
    family: str | None = None
    #: Pinned certificate (HTTPS devices).
    fingerprint: str | None = None
    #: A server fronting many devices (its identity may be its certificate).
    hub: bool = False

    @classmethod
    def from_info(cls, info: ReceiverInfo, name: str | None, manufacturer: str) -> Probed:
        """From a connected client's identity."""
        return cls(
            info.host,
            info.port,
            info.model,
            name,
            manufacturer,
            serial=info.serial,
            mac=info.mac,
            family=info.family.value,
        )

    @property
    def unique_id(self) -> str:
        """The device's serial number, else its MAC address, else its address.

        A server without a serial number is known by its certificate.
        """
        if self.hub:
            return self.serial or self.fingerprint or f"{self.host}:{self.port}"
        return self.serial or self.mac or f"{self.host}:{self.port}"

    @property
    def title(self) -> str:
        """Entry title: the receiver's own name, else model and address."""
        return self.name or f"{self.model or 'Device'} ({self.host})"

    def data(self) -> dict[str, Any]:
        """Entry data (without the device key, which only a new entry gets)."""
        data: dict[str, Any] = {
            CONF_HOST: self.host,
            CONF_PORT: self.port,
            CONF_FAMILY: self.family,
            CONF_MODEL: self.model,
            CONF_MAC: self.mac,
            CONF_MANUFACTURER: self.manufacturer,
            CONF_SERIAL: self.serial,
        }
        if self.fingerprint is not None:
            data[CONF_FINGERPRINT] = self.fingerprint
        return data

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
            return Probed.from_info(info, receiver.state.device_id, manufacturer)
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
    # Manufacturers that need credentials are only ever chosen by the user.
    candidates = [m for m in registry.manufacturers() if m.auto_detect]
    for index, manufacturer in enumerate(candidates):
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


async def read_fingerprint(hass: HomeAssistant, host: str, port: int) -> str:
    """The SHA-256 fingerprint of the certificate presented at ``host:port``."""
    async with _probe_limit(hass):
        return await fetch_fingerprint(host, port)


async def probe_secured(
    hass: HomeAssistant,
    manufacturer: Manufacturer,
    host: str,
    port: int,
    *,
    username: str | None,
    secret: str | None,
    fingerprint: str | None,
) -> Probed:
    """Check credentials (and the pinned certificate) with the manufacturer's probe.

    Raises :class:`AuthenticationError` for refused credentials,
    :class:`CertificateChangedError` when the device presents another
    certificate than ``fingerprint``, :class:`WrongProtocolError` when
    nothing of the manufacturer answers.
    """
    access = Access(
        session=async_get_clientsession(hass),
        username=username,
        secret=secret,
        fingerprint=fingerprint,
    )
    async with _probe_limit(hass):
        try:
            async with asyncio.timeout(SECURE_WAIT + 5):
                if manufacturer.probe is None:
                    return await _connect_secured(manufacturer, host, port, access)
                result = await manufacturer.probe(host, port, SECURE_WAIT, access=access)
        except TimeoutError as err:
            raise DeviceConnectionError(f"{host}:{port} did not answer in time") from err
    if result is None:
        raise WrongProtocolError(f"no {manufacturer.name} device answers at {host}:{port}")
    seen = result.fingerprint or fingerprint
    if fingerprint is not None and seen is not None and seen != fingerprint:
        raise CertificateChangedError(fingerprint, seen)
    return Probed(
        host,
        port,
        result.model,
        result.name,
        manufacturer.key,
        serial=result.serial,
        fingerprint=seen,
        hub=manufacturer.is_hub,
    )


async def _connect_secured(
    manufacturer: Manufacturer, host: str, port: int, access: Access
) -> Probed:
    """A full connect, for a manufacturer without a cheap probe."""
    receiver = registry.create(manufacturer.key, host, port, access=access)
    try:
        info = await receiver.connect()
        probed = Probed.from_info(info, receiver.state.device_id, manufacturer.key)
    finally:
        await receiver.disconnect()
    probed.fingerprint = access.fingerprint
    return probed


@dataclass(slots=True)
class SecuredTarget:
    """A device that needs credentials or a pinned certificate, while a flow asks for them."""

    manufacturer: Manufacturer
    host: str
    port: int
    fingerprint: str | None = None
    name: str | None = None
    model: str | None = None

    @property
    def title(self) -> str:
        """How the flow names the device before it is identified."""
        return self.name or f"{self.model or self.manufacturer.name} ({self.host})"


def _secret_fields(
    manufacturer: Manufacturer, *, optional: bool = False
) -> dict[probatio.Marker, Any]:
    """Form fields for the manufacturer's secret (user name and password, or API key)."""
    fields: dict[probatio.Marker, Any] = {}
    if manufacturer.credential is Credential.PASSWORD:
        fields[probatio.Required(CONF_USERNAME)] = selector.TextSelector(
            selector.TextSelectorConfig(autocomplete="username")
        )
    if (key := secret_key(manufacturer)) is not None:
        marker = probatio.Optional(key) if optional else probatio.Required(key)
        fields[marker] = selector.TextSelector(
            selector.TextSelectorConfig(
                type=selector.TextSelectorType.PASSWORD, autocomplete="current-password"
            )
        )
    return fields


def _secrets(
    manufacturer: Manufacturer,
    user_input: Mapping[str, Any],
    stored: Mapping[str, Any] | None = None,
) -> dict[str, str]:
    """The user name and secret entered (a blank secret keeps the ``stored`` one)."""
    secrets: dict[str, str] = {}
    if manufacturer.credential is Credential.PASSWORD:
        entered = str(user_input.get(CONF_USERNAME) or "").strip()
        secrets[CONF_USERNAME] = entered or manufacturer.username or ""
    if (key := secret_key(manufacturer)) is not None:
        value = user_input.get(key)
        if not value and stored is not None:
            value = stored.get(key)
        secrets[key] = str(value or "")
    return secrets


def _secured_errors(err: DeviceError) -> tuple[dict[str, str], dict[str, str]]:
    if isinstance(err, AuthenticationError):
        return {"base": "forbidden_user" if err.forbidden else "invalid_auth"}, {}
    if isinstance(err, CertificateChangedError):
        return {"base": "certificate_changed"}, {}
    return _errors_for(err)


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
    _target: SecuredTarget
    #: User name and secret entered in a reconfigure flow (until validated).
    _reconfigure_secrets: dict[str, str]

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
            if manufacturer != MANUFACTURER_AUTO and is_secured(
                chosen := registry.get(manufacturer)
            ):
                return await self._async_start_secured(
                    SecuredTarget(chosen, host, port or chosen.default_port), user_input
                )
            try:
                if manufacturer == MANUFACTURER_AUTO:
                    probed = await detect(self.hass, host, port)
                else:
                    probed = await probe(self.hass, host, port, manufacturer=manufacturer)
            except DeviceError as err:
                errors, placeholders = _errors_for(err)
            else:
                port = probed.port
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

    async def _async_start_secured(
        self, target: SecuredTarget, user_input: dict[str, Any]
    ) -> ConfigFlowResult:
        """A device that needs credentials: read its certificate, then ask for them."""
        self._async_abort_entries_match({CONF_HOST: target.host, CONF_PORT: target.port})
        self._target = target
        if not target.manufacturer.tls:
            return await self.async_step_credentials()
        try:
            target.fingerprint = await read_fingerprint(self.hass, target.host, target.port)
        except DeviceError:
            return self.async_show_form(
                step_id="user",
                data_schema=self.add_suggested_values_to_schema(_user_schema(), user_input),
                errors={"base": "cannot_connect"},
            )
        return await self.async_step_certificate()

    async def async_step_certificate(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show the device's certificate fingerprint; continuing trusts it from now on."""
        target = self._target
        if user_input is not None:
            return await self.async_step_credentials()
        return self.async_show_form(
            step_id="certificate",
            data_schema=probatio.Schema({}),
            description_placeholders={
                CONF_HOST: target.host,
                CONF_PORT: str(target.port),
                "fingerprint": target.fingerprint or "",
            },
        )

    async def async_step_credentials(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the device's password (or API key) and check it before adding it."""
        return await self._async_secured_form("credentials", user_input)

    async def async_step_discovery_credentials(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """A discovered device: show it with its certificate and ask for its password."""
        return await self._async_secured_form("discovery_credentials", user_input)

    async def _async_secured_form(
        self, step_id: str, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        target = self._target
        manufacturer = target.manufacturer
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if user_input is not None:
            secrets = _secrets(manufacturer, user_input)
            try:
                probed = await probe_secured(
                    self.hass,
                    manufacturer,
                    target.host,
                    target.port,
                    username=secrets.get(CONF_USERNAME),
                    secret=secrets.get(secret_key(manufacturer) or ""),
                    fingerprint=target.fingerprint,
                )
            except DeviceError as err:
                errors, placeholders = _secured_errors(err)
            else:
                await self.async_set_unique_id(probed.unique_id, raise_on_progress=False)
                self._abort_if_configured({CONF_HOST: target.host, CONF_PORT: target.port})
                if probed.name is None:
                    probed.name = target.name
                if probed.model is None:
                    probed.model = target.model
                return self.async_create_entry(
                    title=probed.title, data={**probed.new_entry_data(), **secrets}
                )
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(
                probatio.Schema(_secret_fields(manufacturer)),
                {CONF_USERNAME: (user_input or {}).get(CONF_USERNAME) or manufacturer.username},
            ),
            errors=errors,
            description_placeholders={
                **placeholders,
                CONF_NAME: target.title,
                CONF_MODEL: target.model or manufacturer.name,
                CONF_HOST: target.host,
                "fingerprint": target.fingerprint or "",
            },
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
        if is_secured(manufacturer):
            return await self._async_secured_discovered(discovery_info, manufacturer, port)
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
        model = probed.model or _text(properties.get("model"))
        self.context["title_placeholders"] = {"name": f"{probed.title} ({model})"}
        return await self.async_step_discovery_confirm()

    async def _async_secured_discovered(
        self, discovery_info: ZeroconfServiceInfo, manufacturer: Manufacturer, port: int
    ) -> ConfigFlowResult:
        """A device that needs credentials published itself: ask for them.

        Nothing but its certificate is read before the user enters them; the
        device identifier in its TXT record (or its address) stands in for
        its serial number until then.
        """
        host = discovery_info.host
        properties = discovery_info.properties
        await self.async_set_unique_id(_text(properties.get("id")) or f"{host}:{port}")
        self._abort_if_configured({CONF_HOST: host, CONF_PORT: port})
        # Announced again at its configured address (under another id).
        self._async_abort_entries_match({CONF_HOST: host, CONF_PORT: port})
        target = SecuredTarget(
            manufacturer,
            host,
            port,
            name=_instance_name(discovery_info),
            model=_text(properties.get("model")),
        )
        if manufacturer.tls:
            try:
                target.fingerprint = await read_fingerprint(self.hass, host, port)
            except DeviceError:
                return self.async_abort(reason="cannot_connect")
        self._target = target
        self.context["title_placeholders"] = {"name": target.title}
        return await self.async_step_discovery_credentials()

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
                CONF_MODEL: probed.model or "",
                CONF_HOST: probed.host,
            },
        )

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """The device refused the stored credentials."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the new password (or API key), check it, store it and reload."""
        entry = self._get_reauth_entry()
        manufacturer = registry.get(entry.data[CONF_MANUFACTURER])
        host = str(entry.data[CONF_HOST])
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if user_input is not None:
            secrets = _secrets(manufacturer, user_input)
            try:
                probed = await probe_secured(
                    self.hass,
                    manufacturer,
                    host,
                    int(entry.data.get(CONF_PORT, manufacturer.default_port)),
                    username=secrets.get(CONF_USERNAME),
                    secret=secrets.get(secret_key(manufacturer) or ""),
                    fingerprint=entry.data.get(CONF_FINGERPRINT),
                )
            except DeviceError as err:
                errors, placeholders = _secured_errors(err)
            else:
                stored_serial = entry.data.get(CONF_SERIAL)
                if stored_serial and probed.serial and probed.serial != stored_serial:
                    return self.async_abort(reason="wrong_device")
                return self.async_update_reload_and_abort(entry, data_updates=secrets)
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=self.add_suggested_values_to_schema(
                probatio.Schema(_secret_fields(manufacturer)),
                {CONF_USERNAME: username_of(manufacturer, {**entry.data, **(user_input or {})})},
            ),
            errors=errors,
            description_placeholders={**placeholders, CONF_NAME: entry.title, CONF_HOST: host},
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change a receiver's address (its devices, entities and performers stay)."""
        entry = self._get_reconfigure_entry()
        if entry.unique_id == VENUE_UNIQUE_ID:
            return self.async_abort(reason="venue_not_reconfigurable")
        if is_secured(manufacturer := manufacturer_of(entry.data)):
            assert manufacturer is not None
            return await self._async_reconfigure_secured(entry, manufacturer, user_input)
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

    async def _async_reconfigure_secured(
        self, entry: ConfigEntry, manufacturer: Manufacturer, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        """Change the address and the secret; a different certificate is shown first."""
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if user_input is not None:
            host = user_input[CONF_HOST].strip()
            port = int(user_input[CONF_PORT])
            self._abort_if_other_entry_at(host, port, besides=entry)
            self._reconfigure_secrets = _secrets(manufacturer, user_input, entry.data)
            stored = entry.data.get(CONF_FINGERPRINT)
            self._target = SecuredTarget(manufacturer, host, port, fingerprint=stored)
            if manufacturer.tls:
                try:
                    seen = await read_fingerprint(self.hass, host, port)
                except DeviceError as err:
                    errors, placeholders = _errors_for(err)
                else:
                    if seen != stored:
                        self._target.fingerprint = seen
                        return await self.async_step_reconfigure_certificate()
            if not errors:
                return await self._async_finish_reconfigure_secured(entry)
        return self._show_reconfigure_secured(entry, manufacturer, user_input, errors, placeholders)

    def _show_reconfigure_secured(
        self,
        entry: ConfigEntry,
        manufacturer: Manufacturer,
        user_input: dict[str, Any] | None,
        errors: dict[str, str],
        placeholders: dict[str, str],
    ) -> ConfigFlowResult:
        address = _address_schema(entry.data[CONF_HOST], entry.data.get(CONF_PORT, DEFAULT_PORT))
        schema = probatio.Schema({**address.schema, **_secret_fields(manufacturer, optional=True)})
        suggested = {CONF_USERNAME: username_of(manufacturer, {**entry.data, **(user_input or {})})}
        if user_input is not None:
            suggested |= {k: user_input[k] for k in (CONF_HOST, CONF_PORT) if k in user_input}
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(schema, suggested),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def async_step_reconfigure_certificate(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show the other certificate the device at the new address presents."""
        entry = self._get_reconfigure_entry()
        if user_input is not None:
            return await self._async_finish_reconfigure_secured(entry)
        return self.async_show_form(
            step_id="reconfigure_certificate",
            data_schema=probatio.Schema({}),
            description_placeholders={
                CONF_NAME: entry.title,
                CONF_HOST: self._target.host,
                "old": str(entry.data.get(CONF_FINGERPRINT) or "-"),
                "new": self._target.fingerprint or "",
            },
        )

    async def _async_finish_reconfigure_secured(self, entry: ConfigEntry) -> ConfigFlowResult:
        target = self._target
        manufacturer = target.manufacturer
        secrets = self._reconfigure_secrets
        try:
            probed = await probe_secured(
                self.hass,
                manufacturer,
                target.host,
                target.port,
                username=secrets.get(CONF_USERNAME),
                secret=secrets.get(secret_key(manufacturer) or ""),
                fingerprint=target.fingerprint,
            )
        except DeviceError as err:
            errors, placeholders = _secured_errors(err)
            return self._show_reconfigure_secured(entry, manufacturer, None, errors, placeholders)
        return await self._async_reconfigured(entry, probed, secrets)

    async def _async_reconfigured(
        self, entry: ConfigEntry, probed: Probed, extra: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        stored_mac = entry.data.get(CONF_MAC)
        stored_serial = entry.data.get(CONF_SERIAL)
        if stored_serial is not None:
            if probed.serial is not None and probed.serial != stored_serial:
                return self.async_abort(reason="wrong_device")
            unique_id = entry.unique_id
        elif stored_mac is not None:
            if probed.mac is not None:
                if probed.mac != stored_mac:
                    return self.async_abort(reason="wrong_device")
            elif (model := entry.data.get(CONF_MODEL)) is not None and model != probed.model:
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
                **{key: value for key, value in probed.data().items() if value is not None},
                **(extra or {}),
                CONF_MAC: probed.mac or stored_mac,
                CONF_SERIAL: probed.serial or stored_serial,
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
