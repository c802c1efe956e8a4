"""Credentials and pinned certificates of devices reached over HTTPS.

Sennheiser SSCv2 devices and Shure System API servers ask for a secret (a
password or an API key) and present a self-signed certificate per unit.
The config entry keeps the secret and the certificate's SHA-256 fingerprint
the user accepted; clients get both through :class:`~.devices.Access`,
together with Home Assistant's shared HTTP session, and pin that
certificate on every request.

Two things only the user can resolve are handled here: refused credentials
(a reauthentication flow) and a changed certificate (a fixable repair
issue).  Either stops the entry, so nothing keeps knocking at the device
with credentials or a certificate that no longer work.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_API_KEY, CONF_HOST, CONF_NAME, CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .const import CONF_FINGERPRINT, CONF_MANUFACTURER, DEFAULT_MANUFACTURER, DOMAIN, LOGGER
from .devices import AuthenticationError, CertificateChangedError, DeviceError
from .devices.receiver import Access
from .devices.registry import Credential, Manufacturer, get

#: Repair issue about a changed certificate (suffix: the entry id).
ISSUE_CERTIFICATE_CHANGED: Final = "certificate_changed"
#: Entry data keys that hold secrets (redacted from diagnostics).
SECRET_KEYS: Final = frozenset({CONF_PASSWORD, CONF_API_KEY})


def manufacturer_of(data: Mapping[str, Any]) -> Manufacturer | None:
    """The registered manufacturer an entry's data names (``None`` if unknown)."""
    try:
        return get(str(data.get(CONF_MANUFACTURER, DEFAULT_MANUFACTURER)))
    except KeyError:
        return None


def is_secured(manufacturer: Manufacturer | None) -> bool:
    """Whether the manufacturer's devices need credentials or a pinned certificate."""
    return manufacturer is not None and (manufacturer.credential is not None or manufacturer.tls)


def secret_key(manufacturer: Manufacturer) -> str | None:
    """The entry data key of the manufacturer's secret (``None``: it asks for none)."""
    if manufacturer.credential is Credential.PASSWORD:
        return CONF_PASSWORD
    if manufacturer.credential is Credential.API_KEY:
        return CONF_API_KEY
    return None


def username_of(manufacturer: Manufacturer, data: Mapping[str, Any]) -> str | None:
    """The HTTP Basic user name (stored, else the manufacturer's default)."""
    if manufacturer.credential is not Credential.PASSWORD:
        return None
    stored = data.get(CONF_USERNAME)
    return stored if isinstance(stored, str) and stored else manufacturer.username


def access_for(hass: HomeAssistant, data: Mapping[str, Any]) -> Access | None:
    """Session, credentials and pinned certificate for an entry's client.

    ``None`` for manufacturers that need none of them.  The session is Home
    Assistant's shared one (verification stays on; the client pins the
    stored certificate on each request).
    """
    manufacturer = manufacturer_of(data)
    if manufacturer is None or not is_secured(manufacturer):
        return None
    key = secret_key(manufacturer)
    secret = data.get(key) if key else None
    fingerprint = data.get(CONF_FINGERPRINT)
    return Access(
        session=async_get_clientsession(hass),
        username=username_of(manufacturer, data),
        secret=secret if isinstance(secret, str) else None,
        fingerprint=fingerprint if isinstance(fingerprint, str) else None,
    )


def certificate_issue_id(entry_id: str) -> str:
    """Id of the repair issue for a changed certificate of an entry's device."""
    return f"{ISSUE_CERTIFICATE_CHANGED}_{entry_id}"


def is_certificate_issue(issue_id: str) -> bool:
    """Whether ``issue_id`` is a changed-certificate issue."""
    return issue_id.startswith(f"{ISSUE_CERTIFICATE_CHANGED}_")


@callback
def async_certificate_changed(
    hass: HomeAssistant, entry: ConfigEntry[Any], err: CertificateChangedError
) -> None:
    """Raise (or update) the repair issue that lets the user accept the new certificate."""
    host = str(entry.data.get(CONF_HOST, ""))
    LOGGER.warning(
        "%s presented a different certificate (expected %s, got %s); "
        "not connecting until it is accepted under Settings > Repairs",
        host,
        err.expected,
        err.actual,
    )
    ir.async_create_issue(
        hass,
        DOMAIN,
        certificate_issue_id(entry.entry_id),
        is_fixable=True,
        is_persistent=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key=ISSUE_CERTIFICATE_CHANGED,
        translation_placeholders={
            CONF_NAME: entry.title,
            CONF_HOST: host,
            "old": err.expected,
            "new": err.actual,
        },
        data={"entry_id": entry.entry_id, "fingerprint": err.actual},
    )


@callback
def async_certificate_accepted(hass: HomeAssistant, entry_id: str) -> None:
    """The entry connects with its pinned certificate: nothing to repair."""
    ir.async_delete_issue(hass, DOMAIN, certificate_issue_id(entry_id))


def setup_error(hass: HomeAssistant, entry: ConfigEntry[Any], err: DeviceError) -> Exception | None:
    """What setup raises for refused credentials or a changed certificate (else ``None``).

    Refused credentials start Home Assistant's reauthentication; a changed
    certificate raises the repair issue.  Neither is retried by itself.
    """
    host = str(entry.data.get(CONF_HOST, ""))
    if isinstance(err, AuthenticationError):
        return ConfigEntryAuthFailed(
            translation_domain=DOMAIN,
            translation_key="forbidden_user" if err.forbidden else "invalid_auth",
            translation_placeholders={CONF_HOST: host},
        )
    if isinstance(err, CertificateChangedError):
        async_certificate_changed(hass, entry, err)
        return ConfigEntryError(
            translation_domain=DOMAIN,
            translation_key=ISSUE_CERTIFICATE_CHANGED,
            translation_placeholders={CONF_HOST: host, "old": err.expected, "new": err.actual},
        )
    return None


def is_access_problem(err: DeviceError) -> bool:
    """Whether ``err`` means refused credentials or a changed certificate."""
    return isinstance(err, AuthenticationError | CertificateChangedError)


@callback
def async_access_problem(hass: HomeAssistant, entry: ConfigEntry[Any], err: DeviceError) -> None:
    """Handle refused credentials or a changed certificate reported while running.

    The entry is reloaded: its setup then stops on the same error
    (reauthentication or the repair issue), so the client stops retrying.
    """
    if isinstance(err, AuthenticationError):
        LOGGER.warning(
            "%s refused the stored credentials; reauthentication needed",
            entry.data.get(CONF_HOST),
        )
        entry.async_start_reauth(hass)
    elif isinstance(err, CertificateChangedError):
        async_certificate_changed(hass, entry, err)
    hass.config_entries.async_schedule_reload(entry.entry_id)
