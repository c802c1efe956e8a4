"""The REST resources of the simulated SSCv2 products.

Every resource is a :class:`Route`: a path template, a getter, an optional
setter and who may use it.  The same table answers HTTP requests and
resolves the paths a client subscribes to, so a path is subscribable exactly
when a GET of it would succeed (transmitter resources may answer 422 for a
while).  Ids in paths are 0-based.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
import enum
import re
from typing import TYPE_CHECKING, Any

from simulator.sennheiser_v2.state import Ssc2Channel

if TYPE_CHECKING:
    from simulator.sennheiser_v2.device import Ssc2Device

__all__ = ["TX_TYPES", "Access", "ApiError", "Resources", "Route", "build_resources"]

#: ``/api/transmitters/{tx}`` ``type`` values of the EW-DX schema 1.7.
TX_TYPES = (
    "EW_D_SKP",
    "EW_D_SK",
    "EW_D_SKM_S",
    "EW_DX_SK",
    "EW_DX_SK_3_PIN",
    "EW_DX_SKM",
    "EW_DX_SKM_S",
    "EW_DX_TS_3_PIN",
    "EW_DX_TS_5_PIN",
)
#: Spectera mobile device types.
MT_TYPES = ("SEK", "SKM")
#: Channel names the EW-DX accepts (upper case letters, digits, space, a few symbols).
CHANNEL_NAME = re.compile(r"[ #*+,;\-/<=|>0-9A-Z]{0,8}")
DEVICE_NAME = re.compile(r"[a-zA-Z0-9]{1,18}")
LOCATION = re.compile(r"[\x20-\x7e]{0,255}")
#: Meters of a channel without a linked, audible transmitter.
NO_LINK_RSSI = -100.0
NO_LINK_LEVEL = -138.5


class ApiError(Exception):
    """An HTTP status the device answers instead of a value."""

    def __init__(self, status: int) -> None:
        """``status``: 400, 404, 409 or 422."""
        super().__init__(status)
        self.status = status


class Access(enum.Enum):
    """Who may use a method of a resource."""

    OPEN = "open"  # no credentials needed
    SITE = "site"  # any valid user, initialSennheiser included
    USER = "user"  # api and controlSennheiser; initialSennheiser gets 403


type Getter = Callable[[re.Match[str]], Any]
type Setter = Callable[[re.Match[str], Any], None]


@dataclass(frozen=True, slots=True)
class Route:
    """One resource."""

    template: str
    get: Getter | None
    put: Setter | None = None
    get_access: Access = Access.USER
    put_access: Access = Access.USER
    subscribable: bool = True
    #: Collections: the element paths and values a subscription to it pushes.
    elements: Callable[[], dict[str, Any]] | None = None
    content_type: str = "application/json"

    @property
    def pattern(self) -> re.Pattern[str]:
        """The template as a regular expression (``{name}`` → one path segment)."""
        return re.compile(re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.template))


def _bool(body: Any, key: str) -> bool:
    if not isinstance(body, dict) or set(body) != {key} or not isinstance(body[key], bool):
        raise ApiError(400)
    return bool(body[key])


def _stepped(value: Any, low: int, high: int, step: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise ApiError(400)
    number = int(value)
    if not low <= number <= high or (number - low) % step:
        raise ApiError(400)
    return number


class Resources:
    """The resource table of one device."""

    def __init__(self, device: Ssc2Device) -> None:
        """Build the table for ``device``."""
        self.device = device
        self.routes: list[Route] = self._routes()
        self._compiled = [(route.pattern, route) for route in self.routes]

    def _routes(self) -> list[Route]:
        return self._common()

    # ------------------------------------------------------------------ lookup
    def resolve(self, path: str) -> tuple[Route, re.Match[str]]:
        """The route of ``path``; 404 for unknown paths and ids out of range."""
        for pattern, route in self._compiled:
            match = pattern.fullmatch(path)
            if match is not None:
                self.check_ids(match)
                return route, match
        raise ApiError(404)

    def check_ids(self, match: re.Match[str]) -> None:
        """Raise 404 when an id in the path does not exist."""
        for key, text in match.groupdict().items():
            if key in {"ch", "tx"}:
                self.channel_of(text)

    def channel_of(self, text: str) -> Ssc2Channel:
        """Channel of a 0-based id in a path."""
        if not text.isdigit() or (text != "0" and text.startswith("0")):
            raise ApiError(404)
        number = int(text)
        if number >= len(self.device.channels):
            raise ApiError(404)
        return self.device.channels[number]

    def schema(self) -> dict[str, Any]:
        """A small OpenAPI document listing the simulated paths."""
        paths: dict[str, Any] = {}
        for route in self.routes:
            methods: dict[str, Any] = {}
            if route.get is not None:
                methods["get"] = {"responses": {"200": {"description": "Successful operation"}}}
            if route.put is not None:
                methods["put"] = {"responses": {"200": {"description": "Successful operation"}}}
            paths[route.template] = methods
        spec = self.device.spec
        return {
            "openapi": "3.1.0",
            "info": {"title": f"{spec.product} service API (simulated)", "version": spec.schema},
            "paths": paths,
        }

    # ------------------------------------------------------------------ shared
    def _common(self) -> list[Route]:
        device = self.device
        return [
            Route("/api/ssc/version", lambda _m: device.version(), get_access=Access.OPEN,
                  subscribable=False),
            Route("/api/ssc/schema", lambda _m: self.schema(), subscribable=False,
                  content_type="application/openapi+json"),
            Route("/api/device/identity", lambda _m: device.identity(), get_access=Access.OPEN),
            Route("/api/device/site", lambda _m: device.site(), self._put_site,
                  get_access=Access.SITE),
            Route("/api/device/state", lambda _m: device.state()),
            Route("/api/device/identification", lambda _m: {"visual": device.identifying},
                  self._put_identification, get_access=Access.OPEN, put_access=Access.OPEN),
        ]  # fmt: skip

    def _put_site(self, _m: re.Match[str], body: Any) -> None:
        device = self.device
        allowed = {"deviceName", "location", "position"}
        if not isinstance(body, dict) or not body or set(body) - allowed:
            raise ApiError(400)
        name = body.get("deviceName", device.device_name)
        location = body.get("location", device.location)
        position = body.get("position", device.position)
        if not isinstance(name, str) or not DEVICE_NAME.fullmatch(name):
            raise ApiError(400)
        if not isinstance(location, str) or not LOCATION.fullmatch(location):
            raise ApiError(400)
        if not isinstance(position, str) or len(position) > 255:
            raise ApiError(400)
        device.device_name, device.location, device.position = name, location, position

    def _put_identification(self, _m: re.Match[str], body: Any) -> None:
        self.device.identifying = _bool(body, "visual")


class EwdxResources(Resources):
    """EW-DX EM 2 / EM 4 in secure mode (service API 1.7)."""

    def _routes(self) -> list[Route]:
        device = self.device
        ch = self.channel_of
        return [
            *self._common(),
            Route("/api/channel/{ch}", lambda m: self.channel(ch(m["ch"])), self._put_channel),
            Route("/api/channel/{ch}/warnings", lambda m: ch(m["ch"]).rx_warnings()),
            Route("/api/channel/{ch}/signalStrengthIndicator",
                  lambda m: {"value": self.rssi(ch(m["ch"]))}),
            Route("/api/channel/{ch}/signalQualityIndicator",
                  lambda m: {"value": self.rsqi(ch(m["ch"]))}),
            Route("/api/channel/{ch}/diversityIndicator",
                  lambda m: {"value": ch(m["ch"]).antenna if ch(m["ch"]).link_up() else 0}),
            Route("/api/channel/{ch}/level", lambda m: {"value": self.level(ch(m["ch"]))}),
            Route("/api/channel/{ch}/identify", lambda m: {"enabled": ch(m["ch"]).identifying},
                  self._put_identify),
            Route("/api/rf", lambda _m: self.rf()),
            Route("/api/rf/transmission",
                  lambda _m: {"mode": device.transmission_mode, "presetSpacing": 25},
                  self._put_transmission),
            Route("/api/rf/encryption", lambda _m: {"enabled": device.encryption},
                  self._put_encryption),
            Route("/api/rf/channels/{ch}", lambda m: self.rf_channel(ch(m["ch"]))),
            Route("/api/rf/channels/{ch}/frequency", None, self._put_frequency,
                  subscribable=False),
            Route("/api/transmitters", lambda _m: self.transmitters(),
                  elements=self.transmitter_elements),
            Route("/api/transmitters/{tx}", lambda m: self.transmitter(self.linked(m["tx"]))),
            Route("/api/transmitters/{tx}/battery",
                  lambda m: self.battery(self.linked(m["tx"]))),
            Route("/api/transmitters/{tx}/warnings",
                  lambda m: self.linked(m["tx"]).tx_warnings()),
            Route("/api/ssc/legacyMode", lambda _m: {"enabled": False}),
            Route("/api/firmware/update/state", lambda _m: {
                "deviceVersion": device.spec.firmware,
                "danteVersion": "4.2.8.2" if "D" in device.spec.product[6:] else "",
                "state": "Idle",
                "progress": 0,
                "lastStatus": "None",
            }),
        ]  # fmt: skip

    # ------------------------------------------------------------------ values
    def channel(self, c: Ssc2Channel) -> dict[str, Any]:
        """``/api/channel/{ch}``."""
        return {
            "name": c.name,
            "mute": c.muted,
            "gain": c.gain_db,
            "outputLevel": c.output_level_db,
            "mates": [f"TX{c.index}"] if c.tx_on else [],
            "audio": [f"Out{c.index}"],
            "eventCounter": 0,
        }

    @staticmethod
    def rssi(c: Ssc2Channel) -> float:
        """RSSI in dBm (−100 without a link)."""
        return round(c.rf_dbm, 1) if c.link_up() else NO_LINK_RSSI

    @staticmethod
    def rsqi(c: Ssc2Channel) -> int:
        """RSQI in % (0 without a link)."""
        return int(c.quality_percent) if c.link_up() else 0

    @staticmethod
    def level(c: Ssc2Channel) -> float:
        """Audio level in dBFS (−138.5 without a link)."""
        return round(c.audio_dbfs, 1) if c.link_up() else NO_LINK_LEVEL

    def rf(self) -> dict[str, Any]:
        """``/api/rf``."""
        low, high = self.device.spec.band_khz
        return {
            "code": self.device.spec.frequency_code,
            "ranges": [{"start": low, "end": high, "stepSize": 25}],
        }

    @staticmethod
    def rf_channel(c: Ssc2Channel) -> dict[str, Any]:
        """``/api/rf/channels/{ch}``: presets without bank/channel when none is in use."""
        if c.preset_channel is None:
            presets: dict[str, Any] = {"type": "None"}
        else:
            presets = {"type": "Factory", "bank": 0, "channel": c.preset_channel}
        return {"frequency": c.frequency_khz, "presets": presets}

    def linked(self, text: str) -> Ssc2Channel:
        """The channel of transmitter ``text``; 422 while no transmitter is linked."""
        c = self.channel_of(text)
        if not c.tx_on:
            raise ApiError(422)
        return c

    @staticmethod
    def transmitter(c: Ssc2Channel) -> dict[str, Any]:
        """``/api/transmitters/{tx}`` with the properties of its type."""
        kind = c.tx_type
        out: dict[str, Any] = {"type": kind}
        if not kind.startswith("EW_D_"):
            out["name"] = c.tx_name
            out["trim"] = 0
            out["lowcut"] = "Off" if kind.startswith("EW_DX_SK") and "SKM" not in kind else "80Hz"
            out["lock"] = False
            out["led"] = True
        if kind.startswith("EW_DX_TS"):
            out["capsule"] = "Unknown"
        elif "SKM" in kind:
            out["capsule"] = "MMD_835"
        else:
            out["capsule"] = "None" if kind.startswith("EW_DX") else "Unknown"
        out["mute"] = c.tx_muted
        out["identification"] = c.tx_identifying
        out["version"] = c.tx_version
        if kind in {"EW_DX_SK", "EW_DX_SK_3_PIN", "EW_DX_SKM_S"}:
            out["muteConfig"] = "Off"
        if kind in {"EW_DX_SK", "EW_DX_SK_3_PIN"}:
            out["cableEmulation"] = "Off"
        return out

    @staticmethod
    def battery(c: Ssc2Channel) -> dict[str, Any]:
        """``/api/transmitters/{tx}/battery`` (lifetime in minutes, gauge in %)."""
        return {"type": c.battery_type, "lifetime": c.battery_minutes, "gauge": c.battery_percent}

    def transmitters(self) -> list[dict[str, Any]]:
        """``/api/transmitters``: the channels with a linked transmitter."""
        return [
            {"id": c.index - 1, "transmitter": self.transmitter(c)}
            for c in self.device.channels
            if c.tx_on
        ]

    def transmitter_elements(self) -> dict[str, Any]:
        """What a subscription to ``/api/transmitters`` pushes per transmitter."""
        return {
            f"/api/transmitters/{c.index - 1}": self.transmitter(c)
            for c in self.device.channels
            if c.tx_on
        }

    # ------------------------------------------------------------------ setters
    def _put_channel(self, m: re.Match[str], body: Any) -> None:
        c = self.channel_of(m["ch"])
        allowed = {"name", "mute", "gain", "outputLevel"}
        if not isinstance(body, dict) or not body or set(body) - allowed:
            raise ApiError(400)
        name = body.get("name", c.name)
        mute = body.get("mute", c.muted)
        if not isinstance(name, str) or not CHANNEL_NAME.fullmatch(name):
            raise ApiError(400)
        if not isinstance(mute, bool):
            raise ApiError(400)
        gain = _stepped(body.get("gain", c.gain_db), -3, 42, 3)
        level = _stepped(body.get("outputLevel", c.output_level_db), -24, 18, 6)
        c.name, c.muted, c.gain_db, c.output_level_db = name, mute, gain, level

    def _put_identify(self, m: re.Match[str], body: Any) -> None:
        self.channel_of(m["ch"]).identifying = _bool(body, "enabled")

    def _put_transmission(self, _m: re.Match[str], body: Any) -> None:
        if not isinstance(body, dict) or set(body) != {"mode"}:
            raise ApiError(400)
        if body["mode"] not in ("Standard", "LinkDensity"):
            raise ApiError(400)
        self.device.transmission_mode = body["mode"]

    def _put_encryption(self, _m: re.Match[str], body: Any) -> None:
        self.device.encryption = _bool(body, "enabled")

    def _put_frequency(self, m: re.Match[str], body: Any) -> None:
        c = self.channel_of(m["ch"])
        if not isinstance(body, dict) or set(body) != {"frequency"}:
            raise ApiError(400)
        low, high = self.device.spec.band_khz
        frequency = _stepped(body["frequency"], low, high, 25)
        if frequency % 25:
            raise ApiError(400)
        c.frequency_khz = frequency
        c.preset_channel = None


class SpecteraResources(Resources):
    """Spectera base station: device resources, RF channels and paired mobile devices."""

    RF_CHANNELS = 2

    def _routes(self) -> list[Route]:
        return [
            *self._common(),
            Route("/api/mts/paired/all", lambda _m: list(self.mobile_elements().values()),
                  elements=self.mobile_elements),
            Route("/api/mts/paired/all/{uid}", lambda m: self.mobile(self.by_uid(m["uid"]))),
            Route("/api/rf/channels", lambda _m: list(self.rf_elements().values()),
                  elements=self.rf_elements),
            Route("/api/rf/channels/{rf}", lambda m: self.rf_channel(int(m["rf"]))),
        ]  # fmt: skip

    def check_ids(self, match: re.Match[str]) -> None:
        """404 for an unknown mobile device or RF channel."""
        groups = match.groupdict()
        if "uid" in groups:
            self.by_uid(groups["uid"])
        if "rf" in groups and groups["rf"] not in {str(n) for n in range(self.RF_CHANNELS)}:
            raise ApiError(404)

    def by_uid(self, text: str) -> Ssc2Channel:
        """The mobile device with ``mtUid`` ``text``."""
        for c in self.device.channels:
            if str(c.mt_uid) == text:
                return c
        raise ApiError(404)

    @staticmethod
    def mobile(c: Ssc2Channel) -> dict[str, Any]:
        """``/api/mts/paired/all/{mtUid}``: battery −1 while the device is off."""
        out: dict[str, Any] = {
            "mtUid": c.mt_uid,
            "type": c.tx_type,
            "name": c.name,
            "serial": c.serial,
            "state": "Connected" if c.tx_on else "Disconnected",
            "connected": c.tx_on,
            "sleep": False,
            "identify": c.tx_identifying,
            "version": c.tx_version,
            "rfChannelId": c.rf_channel_id,
            "micAudiolinkId": c.audiolink_id,
            "micAudiolinkActive": c.link_up(),
            "batteryFillLevel": c.battery_percent if c.tx_on else -1,
            "batteryRuntime": c.battery_minutes if c.tx_on else -1,
            "batteryLow": c.tx_on and c.battery_percent <= 10,
        }
        if c.tx_on:
            out["rssi"] = round(c.rf_dbm, 1) if c.link_up() else NO_LINK_RSSI
            out["micLqi"] = int(c.quality_percent) if c.link_up() else 0
            out["interference"] = {"severity": "High" if c.interference else "None"}
        return out

    def mobile_elements(self) -> dict[str, Any]:
        """Every paired mobile device by its path."""
        return {f"/api/mts/paired/all/{c.mt_uid}": self.mobile(c) for c in self.device.channels}

    def rf_channel(self, number: int) -> dict[str, Any]:
        """``/api/rf/channels/{id}`` (frequency in kHz)."""
        low, _ = self.device.spec.band_khz
        return {
            "rfChannelId": number,
            "txPower": 50,
            "frequency": low + 8_000 + 12_000 * number,
            "bandwidthMode": 6,
            "rfState": "RfActive",
        }

    def rf_elements(self) -> dict[str, Any]:
        """Both RF channels by path."""
        return {f"/api/rf/channels/{n}": self.rf_channel(n) for n in range(self.RF_CHANNELS)}


def build_resources(device: Ssc2Device) -> Resources:
    """The resource table matching the device's kind."""
    if device.spec.kind == "spectera":
        return SpecteraResources(device)
    return EwdxResources(device)
