"""A venue: one simulated receiver of every Shure family, an EW-DX EM 4 and a CHG 70N.

``secure=True`` adds the SSCv2 devices (an EW-DX EM 2 in secure mode and a
Spectera base station, HTTPS with credentials) after them.

``Venue.default()`` keeps each family's factory channel names (``CH 1`` …);
``Venue.demo()`` is the named venue the demo and its tests run: every
receiver and every channel carries its front-panel name from the start, so
Home Assistant registers meaningful, unique devices the first time it sees them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

from simulator.receiver import SimReceiver, create_receiver
from simulator.sennheiser.device import SscDevice, create_ssc_device
from simulator.sennheiser.models import SSC_MODELS
from simulator.sennheiser_v2.device import Ssc2Device, create_ssc2_device
from simulator.sennheiser_v2.models import SSC2_MODELS
from simulator.systemapi.fleet import default_devices
from simulator.systemapi.server import SystemApiServer
from simulator.systemapi.state import create_api_device

__all__ = [
    "DEMO_PERFORMERS",
    "DEMO_SSC2_VENUE",
    "DEMO_SSC_VENUE",
    "DEMO_VENUE",
    "SECURE_VENUE_MODELS",
    "VENUE_MODELS",
    "SimDevice",
    "Venue",
    "VenueReceiver",
    "demo_system_api",
]

#: Any simulated device: a Shure receiver, a Sennheiser SSC v1 or SSCv2 device.
type SimDevice = SimReceiver | SscDevice | Ssc2Device


@dataclass(frozen=True, slots=True)
class VenueReceiver:
    """One receiver of the named demo venue, as set on its front panel."""

    model: str
    device_id: str  # the receiver's name (DEVICE_ID / DEVICE_NAME, at most 8 characters)
    channels: tuple[str, ...]  # channel names (CHAN_NAME, at most 8 characters), in order


#: The demo venue: receiver names and channel names, all unique, none longer
#: than the 8 characters every family accepts.
DEMO_VENUE = (
    VenueReceiver("ULXD4Q", "Stage L", ("Pastor", "Lead Vox", "BV 1", "BV 2")),
    VenueReceiver("QLXD4", "Lectern", ("Podium",)),
    VenueReceiver("SLXD4D", "Foyer", ("Host", "Guest")),
    VenueReceiver("AD4Q", "Stage R", ("Acoustic", "Keys", "Sax", "HH 4")),
    # UHF-R reports no device name on the wire: Home Assistant names this one
    # by model and address; the simulator keeps the name for its own listings.
    VenueReceiver("UR4D", "Loft", ("Choir L", "Choir R")),
    VenueReceiver("P10T", "IEM Rack", ("IEM Band", "IEM Vox")),
)
#: The venue's Sennheiser devices (SSC v1 over UDP).  EW-DX channel names are
#: upper case, as the receiver keeps them; the charger's bays carry no names on
#: the wire (its ``channels`` stay empty).
DEMO_SSC_VENUE = (
    VenueReceiver("EWDX-EM4", "Band", ("GUITAR", "BASS", "DRUMS", "TRUMPET")),
    VenueReceiver("CHG70N", "Charger", ()),
)
#: The venue's SSCv2 devices (``secure=True``): device names are letters and
#: digits only, as SSCv2 requires; the Spectera's channels are its mobile devices.
DEMO_SSC2_VENUE = (
    VenueReceiver("EWDX-EM2-SECURE", "Choir", ("ALTO", "TENOR")),
    VenueReceiver("SPECTERA-BASE", "Spectera", ("Vox 1", "IEM Gtr", "Vox 2", "IEM Keys")),
)
#: Performers the demo assigns, by channel name.
DEMO_PERFORMERS = {"Pastor": "Pastor Dave", "Lead Vox": "Maria", "Keys": "Tom", "Host": "Sam"}

#: Every model of the venue, in port order: the Shure receivers, then the SSC v1 devices.
VENUE_MODELS = tuple(receiver.model for receiver in (*DEMO_VENUE, *DEMO_SSC_VENUE))
#: The models ``secure=True`` appends.
SECURE_VENUE_MODELS = tuple(receiver.model for receiver in DEMO_SSC2_VENUE)
#: Options of the Shure simulator an SSC v1 or SSCv2 device understands too.
SSC_OPTIONS = ("reply_delay", "live")


def create_device(
    model: str, host: str = "127.0.0.1", port: int = 0, *, mac: str, seed: int, **options: Any
) -> SimDevice:
    """A stopped simulated device of any manufacturer.

    Shure options a Sennheiser device does not have are dropped for it.
    """
    if model.upper() in {m.upper() for m in SSC2_MODELS}:
        ssc2_options = {key: value for key, value in options.items() if key in SSC_OPTIONS}
        return create_ssc2_device(model, host, port, mac=mac, seed=seed, **ssc2_options)
    if model.upper() in {m.upper() for m in SSC_MODELS}:
        ssc_options = {key: value for key, value in options.items() if key in SSC_OPTIONS}
        return create_ssc_device(model, host, port, mac=mac, seed=seed, **ssc_options)
    return create_receiver(model, host=host, port=port, mac=mac, seed=seed, **options)


def demo_system_api(host: str = "127.0.0.1", port: int = 0, **options: Any) -> SystemApiServer:
    """The demo's Shure System API server (stopped).

    Its AD4Q is the venue's "Stage R" receiver seen through the server: same
    name, channel names and MAC (the device id embeds the MAC), as when a
    receiver is reached both over its ASCII port and through the server.
    """
    devices = default_devices()
    stage_r = next(r for r in DEMO_VENUE if r.model == "AD4Q")
    index = VENUE_MODELS.index("AD4Q")
    ad4q = create_api_device(
        "AD4Q",
        name=stage_r.device_id,
        mac=f"00:0E:DD:AA:BB:{index + 1:02X}",
        address=host,
        channel_names=stage_r.channels,
    )
    devices = [ad4q, *(d for d in devices if d.model != "AD4Q")]
    return SystemApiServer(devices, host=host, port=port, **options)


class Venue:
    """A group of simulated devices started and stopped together."""

    def __init__(self, receivers: Iterable[SimDevice]) -> None:
        """Wrap existing devices."""
        self.receivers: list[SimDevice] = list(receivers)

    @property
    def shure(self) -> list[SimReceiver]:
        """The Shure receivers."""
        return [rx for rx in self.receivers if isinstance(rx, SimReceiver)]

    @property
    def sennheiser(self) -> list[SscDevice]:
        """The Sennheiser SSC v1 devices."""
        return [rx for rx in self.receivers if isinstance(rx, SscDevice)]

    @property
    def sennheiser_v2(self) -> list[Ssc2Device]:
        """The Sennheiser SSCv2 devices."""
        return [rx for rx in self.receivers if isinstance(rx, Ssc2Device)]

    @classmethod
    def default(
        cls, host: str = "127.0.0.1", base_port: int = 0, *, secure: bool = False, **options: Any
    ) -> Venue:
        """ULXD4Q, QLXD4, SLXD4D, AD4Q, UR4D, P10T, EWDX-EM4 and CHG70N on consecutive ports.

        ``base_port`` 0 = ephemeral ports.  Sennheiser devices take the options
        they share with the Shure simulator (``live``, ``reply_delay``).
        ``secure=True`` appends EWDX-EM2-SECURE and SPECTERA-BASE.
        """
        models = (*VENUE_MODELS, *SECURE_VENUE_MODELS) if secure else VENUE_MODELS
        return cls(
            create_device(
                model,
                host=host,
                port=base_port + i if base_port else 0,
                mac=(
                    f"00:1B:66:AA:BB:{i + 1:02X}"
                    if model in SSC_MODELS or model in SSC2_MODELS
                    else f"00:0E:DD:AA:BB:{i + 1:02X}"
                ),
                seed=i,
                **options,
            )
            for i, model in enumerate(models)
        )

    @classmethod
    def demo(
        cls, host: str = "127.0.0.1", base_port: int = 0, *, secure: bool = False, **options: Any
    ) -> Venue:
        """The default venue with the demo's receiver and channel names set."""
        venue = cls.default(host=host, base_port=base_port, secure=secure, **options)
        named_venue = (*DEMO_VENUE, *DEMO_SSC_VENUE, *(DEMO_SSC2_VENUE if secure else ()))
        for rx, named in zip(venue.receivers, named_venue, strict=True):
            if rx.model != named.model:
                raise ValueError(f"the demo venue does not match the {rx.model} receiver")
            if isinstance(rx, Ssc2Device):
                rx.device_name = named.device_id
            if isinstance(rx, SscDevice):
                rx.device_name = named.device_id
                if rx.spec.tree == "charger":
                    continue  # bays have no names on the wire
            if len(named.channels) != rx.channel_count:
                raise ValueError(f"the demo venue does not match the {rx.model} receiver")
            for number, name in enumerate(named.channels, start=1):
                if isinstance(rx, SscDevice | Ssc2Device):
                    rx.channel(number).name = name
                else:
                    rx.engine.rename(rx.channel(number), name)
            if isinstance(rx, SimReceiver):
                rx.engine.device_id(named.device_id)
        return venue

    def get(self, key: str) -> SimDevice:
        """Receiver by name, model or index."""
        for rx in self.receivers:
            if key in (rx.name, rx.model):
                return rx
        if key.isdigit() and int(key) < len(self.receivers):
            return self.receivers[int(key)]
        raise KeyError(key)

    async def start(self) -> None:
        """Start every receiver (stops the started ones again on failure)."""
        started: list[SimDevice] = []
        try:
            for rx in self.receivers:
                await rx.start()
                started.append(rx)
        except BaseException:
            for rx in started:
                await rx.stop()
            raise

    async def stop(self) -> None:
        """Stop every receiver."""
        for rx in self.receivers:
            await rx.stop()

    async def __aenter__(self) -> Self:
        """Start."""
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop."""
        await self.stop()
