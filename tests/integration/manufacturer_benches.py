"""One device of each kind Micboard reaches, driven the same way by test_manufacturers.

A bench starts a simulator on 127.0.0.1, adds it through the real config
flow (certificate and credentials steps where the device asks for them) and
offers the controls every scenario needs, whatever the simulator calls them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from homeassistant.config_entries import SOURCE_USER, ConfigEntry, ConfigEntryState
from homeassistant.const import CONF_API_KEY, CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType

from custom_components.micboard.const import CONF_MANUFACTURER, DOMAIN
from custom_components.micboard.coordinator import MicboardCoordinator
from custom_components.micboard.devices.shure_systemapi import Timing
from custom_components.micboard.hub import MicboardHub
from simulator import create_receiver
from simulator.sennheiser import create_ssc_device
from simulator.sennheiser_v2 import DEFAULT_API_PASSWORD, create_ssc2_device
from simulator.systemapi import SystemApiServer
from simulator.systemapi.fleet import default_devices

from .helpers import wait_for

#: System API client timings: quick reconnects, a heartbeat a loaded machine does not miss.
API_FAST = Timing(
    request_timeout=3.0,
    heartbeat=2.0,
    transport_timeout=3.0,
    inventory_interval=60.0,
    inventory_debounce=0.05,
    identify_seconds=0.3,
    reconnect_min=0.05,
    reconnect_max=0.3,
)

#: The device behind the System API server every system_api scenario uses.
API_DEVICE = "Chair HH"


@dataclass(frozen=True)
class Case:
    """One simulator model and what Home Assistant should make of it."""

    kind: str
    model: str
    manufacturer_key: str
    manufacturer: str
    channels: int
    #: (platform, key) of channel entities the device's capabilities give.
    entities: tuple[tuple[str, str], ...]
    #: (platform, key) of channel entities it must not have (not reported, not faked).
    absent: tuple[tuple[str, str], ...] = ()
    #: Model it is swapped for at the same address, and that model's channel count.
    swap: tuple[str, int] | None = None
    serial: str = "4711000042"


_COMMON = (
    ("sensor", "battery"),
    ("binary_sensor", "battery_low"),
    ("text", "performer"),
    ("switch", "alerts"),
)
_RF = (
    ("sensor", "frequency"),
    ("sensor", "rf_level"),
    ("binary_sensor", "transmitter"),
    ("binary_sensor", "interference"),
)

SHURE = Case("shure", "ULXD4D", "shure", "Shure", 2, _COMMON + _RF, swap=("ULXD4Q", 4))
SENNHEISER = Case(
    "ssc", "EWDX-EM2", "sennheiser_ssc1", "Sennheiser", 2, _COMMON + _RF, swap=("EWDX-EM4", 4)
)
SSC2 = Case(
    "ssc2",
    "EWDX-EM2-SECURE",
    "sennheiser_ssc2",
    "Sennheiser",
    2,
    (*_COMMON, *_RF, ("sensor", "battery_runtime"), ("sensor", "warnings")),
    swap=("EWDX-EM4-SECURE", 4),
)
SPECTERA = Case(
    "ssc2",
    "SPECTERA-BASE",
    "sennheiser_ssc2",
    "Sennheiser",
    4,
    (
        *_COMMON,
        ("sensor", "rf_level"),
        ("sensor", "battery_runtime"),
        ("sensor", "transmitter_model"),
        ("binary_sensor", "transmitter"),
    ),
    # The base station reports no frequency per mobile device and no RfPeak warning.
    absent=(("sensor", "frequency"), ("binary_sensor", "interference")),
    swap=("SPECTERA-BASE", 2),
)
SYSTEM_API = Case(
    "system_api",
    "MXW2",
    "shure_system_api",
    "Shure",
    1,
    (
        *_COMMON,
        ("sensor", "battery_runtime"),
        ("binary_sensor", "muted"),  # the handheld's audio-mute capability
    ),
    # The System API reports no RF, frequency or transmitter presence.
    absent=(*_RF, ("sensor", "audio_level")),
)


class Bench:
    """A started simulator of one case, added to Home Assistant on demand."""

    def __init__(self, case: Case) -> None:
        """Create (not start) the simulator of ``case``."""
        self.case = case
        self.sim: Any = self._create(case.model, case.serial)
        self.entry: ConfigEntry | None = None

    def _create(self, model: str, serial: str, port: int = 0, channels: int | None = None) -> Any:
        kind = self.case.kind
        if kind == "shure":
            return create_receiver(model, host="127.0.0.1", port=port)
        if kind == "ssc":
            return create_ssc_device(model, host="127.0.0.1", port=port, serial=serial)
        if kind == "ssc2":
            # ``channels``: the mobile devices paired to a Spectera base station.
            return create_ssc2_device(
                model, host="127.0.0.1", port=port, serial=serial, channels=channels
            )
        return SystemApiServer(
            default_devices(), api_key="test-key-0123456789abcdef", activity_interval=60.0
        )

    async def start(self) -> None:
        """Start the simulator."""
        await self.sim.start()

    async def stop(self) -> None:
        """Stop the simulator."""
        await self.sim.stop()

    @property
    def port(self) -> int:
        """The simulator's port."""
        return int(self.sim.port)

    @property
    def hub(self) -> bool:
        """Whether the device sits behind a server entry."""
        return self.case.kind == "system_api"

    async def add(self, hass: HomeAssistant) -> ConfigEntry:
        """Add the device (or its server) through the user step, as a user would."""
        case = self.case
        flow = hass.config_entries.flow
        result = await flow.async_init(DOMAIN, context={"source": SOURCE_USER})
        manufacturer = "auto" if case.kind in ("shure", "ssc") else case.manufacturer_key
        result = await flow.async_configure(
            result["flow_id"],
            {CONF_HOST: "127.0.0.1", CONF_PORT: self.port, CONF_MANUFACTURER: manufacturer},
        )
        if case.kind in ("ssc2", "system_api"):
            assert result["step_id"] == "certificate", result
            assert result["description_placeholders"]["fingerprint"] == self.sim.fingerprint
            result = await flow.async_configure(result["flow_id"], {})
            assert result["step_id"] == "credentials", result
            secret = (
                {CONF_API_KEY: self.sim.api_key}
                if self.hub
                else {CONF_USERNAME: "api", CONF_PASSWORD: DEFAULT_API_PASSWORD}
            )
            result = await flow.async_configure(result["flow_id"], secret)
        assert result["type"] is FlowResultType.CREATE_ENTRY, result
        await hass.async_block_till_done()
        entry: ConfigEntry = result["result"]
        assert entry.state is ConfigEntryState.LOADED
        assert entry.data[CONF_MANUFACTURER] == case.manufacturer_key
        self.entry = entry
        if self.hub:
            await wait_for(hass, lambda: self.api_serial in entry.runtime_data.coordinators)
        return entry

    @property
    def api_serial(self) -> str:
        """Serial of the System API device the scenarios use."""
        return str(self.sim.device(API_DEVICE).serial)

    @property
    def coordinator(self) -> MicboardCoordinator:
        """The coordinator of the device under test (behind the server for a hub)."""
        assert self.entry is not None
        data = self.entry.runtime_data
        if isinstance(data, MicboardHub):
            return data.coordinators[self.api_serial]
        assert isinstance(data, MicboardCoordinator)
        return data

    @property
    def card_entry_id(self) -> str:
        """How the card's snapshot names the device's entry."""
        assert self.entry is not None
        if self.hub:
            return f"{self.entry.entry_id}/{self.api_serial}"
        return self.entry.entry_id

    # ------------------------------------------------------------------ controls
    def _sim_channel(self, ch: int) -> int:
        """The simulator's number of Micboard's channel ``ch``.

        Micboard numbers a Spectera base station's mobile devices by serial
        (a stable order), the simulator by pairing order.
        """
        if self.case.model != "SPECTERA-BASE":
            return ch
        ordered = sorted(self.sim.channels, key=lambda c: (c.serial, str(c.mt_uid)))
        return int(ordered[ch - 1].index)

    def set_battery(self, ch: int, *, bars: int, minutes: int, percent: int) -> None:
        """Battery values of channel ``ch``'s transmitter."""
        if self.hub:
            assert ch == 1
            self.sim.set_battery(API_DEVICE, percent=percent, minutes=minutes)
        else:
            self.sim.set_battery(self._sim_channel(ch), bars=bars, minutes=minutes, percent=percent)

    def set_transmitter(self, ch: int, on: bool) -> None:
        """Transmitter of channel ``ch`` on or off."""
        assert not self.hub, "the System API reports no transmitter presence"
        self.sim.set_transmitter(self._sim_channel(ch), on)

    def set_unreachable(self, lost: bool) -> None:
        """The device stops answering (a server's device goes offline) or comes back."""
        if self.hub:
            self.sim.set_online(API_DEVICE, not lost)
        else:
            self.sim.set_hung(lost)

    def rename(self, ch: int, name: str) -> None:
        """Rename channel ``ch`` on the device (behind a server: the handheld itself)."""
        if self.hub:
            assert ch == 1
            self.sim.rename(API_DEVICE, name)
        else:
            self.sim.rename(self._sim_channel(ch), name)

    def identifying(self) -> bool:
        """Whether the device (or any of its channels) was told to identify itself."""
        if self.hub:
            return bool(self.sim.device(API_DEVICE).identifying)
        if self.case.kind == "shure":
            return any("FLASH ON" in line for line in self.sim.received)
        return bool(self.sim.identifying) or any(c.identifying for c in self.sim.channels)

    def swapped(self) -> Any:
        """A simulator of the swap model on this bench's port (not started)."""
        assert self.case.swap is not None
        model, channels = self.case.swap
        return self._create(model, "4711000099", port=self.port, channels=channels)
