"""The address trees of the simulated products: reading and writing leaves.

``Tree.read(path)`` returns a value or raises :class:`SscError` with the
status code a device answers (404 unknown, 424 transmitter absent);
``Tree.write(path, value)`` returns the accepted value (400/405 on refusal).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from simulator.sennheiser.state import SscChannel

if TYPE_CHECKING:
    from simulator.sennheiser.device import SscDevice

__all__ = ["DESCRIPTIONS", "SscError", "Tree"]

type Path = tuple[str, ...]
type Getter = Callable[[], Any]
type Setter = Callable[[Any], Any]

DESCRIPTIONS = {
    310: "subscription terminates",
    400: "bad request",
    404: "address not found",
    405: "not writable",
    413: "too many subscriptions",
    424: "failed dependency: no transmitter",
}
NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_./+*!?#&()'")


class SscError(Exception):
    """A status code for one address."""

    def __init__(self, code: int) -> None:
        """Remember the code."""
        super().__init__(code)
        self.code = code


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise SscError(400)
    return value


def _text(width: int, *, upper: bool = False) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if not isinstance(value, str) or len(value) > width:
            raise SscError(400)
        text = str(value).upper() if upper else str(value)
        if upper and not set(text) <= NAME_CHARS:
            raise SscError(400)
        return text

    return check


class Tree:
    """Leaves of one device: path → (getter, setter or ``None``)."""

    def __init__(self, device: SscDevice) -> None:
        """Build the tree of the device's product."""
        self.device = device
        self.leaves: dict[Path, tuple[Getter, Setter | None]] = {}
        self._device_leaves()
        kind = device.spec.tree
        for ch in device.channels:
            if kind == "ewdx":
                self._ewdx(ch)
            elif kind == "d6000":
                self._d6000(ch)
            elif kind == "speechline":
                self._speechline(ch)
        if kind in {"ewdx", "speechline"}:
            self.leaves["mates", "active"] = (self._active, None)
        if kind == "d6000":
            self.leaves["mm",] = (self._mm, None)
        if kind == "charger":
            self._charger()

    # --- access ------------------------------------------------------------

    def read(self, path: Path) -> Any:
        """The value at ``path`` (a leaf, or an object for a branch)."""
        if path in self.leaves:
            self._check_tx(path)
            return self.leaves[path][0]()
        below = [p for p in self.leaves if p[: len(path)] == path]
        if not path or not below:
            raise SscError(404)
        self._check_tx(path)
        out: dict[str, Any] = {}
        for leaf in below:
            node = out
            for key in leaf[len(path) : -1]:
                node = node.setdefault(key, {})
            node[leaf[-1]] = self.leaves[leaf][0]()
        return out

    def write(self, path: Path, value: Any) -> Any:
        """Set ``path``; returns the accepted value."""
        if path not in self.leaves:
            raise SscError(404)
        self._check_tx(path)
        setter = self.leaves[path][1]
        if setter is None:
            raise SscError(405)
        return setter(value)

    def expand(self, path: Path) -> list[Path]:
        """The leaves at or below ``path`` (unknown: empty)."""
        if path in self.leaves:
            return [path]
        return [p for p in self.leaves if len(path) and p[: len(path)] == path]

    def _check_tx(self, path: Path) -> None:
        if len(path) >= 2 and path[0] == "mates" and path[1].startswith("tx"):
            number = path[1][2:]
            if number.isdigit() and not self.device.channel(int(number)).tx_on:
                raise SscError(424)

    # --- builders ----------------------------------------------------------

    def _add(self, path: Path, getter: Getter, setter: Setter | None = None) -> None:
        self.leaves[path] = (getter, setter)

    def _device_leaves(self) -> None:
        d = self.device
        spec = d.spec
        self._add(("device", "name"), lambda: d.device_name, d.write_device_name)
        self._add(("device", "location"), lambda: d.location, d.write_location)
        self._add(("device", "identity", "product"), lambda: spec.product)
        self._add(("device", "identity", "serial"), lambda: d.serial)
        self._add(("device", "identity", "version"), lambda: spec.firmware)
        self._add(("device", "identity", "vendor"), lambda: "Sennheiser")
        self._add(("device", "network", "ether", "macs"), lambda: [d.mac])
        self._add(("device", "network", "ipv4", "ipaddr"), lambda: [d.host])
        self._add(("device", "identification", "visual"), lambda: d.identifying, d.write_identify)
        if spec.frequency_code:
            self._add(("device", "frequency_code"), lambda: spec.frequency_code)
            low, high = spec.band_khz
            self._add(("device", "frequency_ranges"), lambda: [f"{low}:{high}"])

    def _ewdx(self, ch: SscChannel) -> None:
        d = self.device
        rx, tx, m = f"rx{ch.index}", ("mates", f"tx{ch.index}"), ("m", f"rx{ch.index}")
        self._add((rx, "name"), lambda: ch.name, d.channel_writer(ch, "name", _text(8, upper=True)))
        self._add((rx, "mute"), lambda: ch.muted, d.channel_writer(ch, "muted", _bool))
        self._add((rx, "frequency"), lambda: ch.frequency_khz, d.frequency_writer(ch))
        self._add((rx, "gain"), lambda: ch.gain_db, d.gain_writer(ch))
        self._add((rx, "warnings"), ch.rx_warnings)
        self._add(
            (rx, "identification", "visual"),
            lambda: ch.identifying,
            d.channel_writer(ch, "identifying", _bool),
        )
        self._add((*m, "rssi"), lambda: round(ch.rf_dbm, 1) if ch.link_up() else -100.0)
        self._add((*m, "rsqi"), lambda: ch.quality_percent if ch.link_up() else 0)
        self._add((*m, "divi"), lambda: ch.antenna if ch.link_up() else 0)
        self._add((*m, "af"), lambda: round(ch.audio_dbfs, 1) if ch.link_up() else -138.5)
        self._add((*tx, "battery", "gauge"), lambda: ch.battery_percent)
        self._add((*tx, "battery", "lifetime"), lambda: ch.battery_minutes)
        self._add((*tx, "battery", "type"), lambda: ch.battery_type)
        self._add((*tx, "mute"), lambda: ch.tx_muted)
        self._add((*tx, "name"), lambda: ch.tx_name)
        self._add((*tx, "type"), lambda: ch.tx_type)
        self._add((*tx, "warnings"), lambda: list(ch.tx_warnings))

    def _d6000(self, ch: SscChannel) -> None:
        d = self.device
        rx = f"rx{ch.index}"
        self._add((rx, "name"), lambda: ch.name, d.channel_writer(ch, "name", _text(8, upper=True)))
        self._add((rx, "mute"), lambda: ch.muted, d.channel_writer(ch, "muted", _bool))
        self._add((rx, "frequency"), lambda: ch.frequency_khz, d.frequency_writer(ch))
        self._add((rx, "active_warnings"), ch.rx_warnings)

        def battery() -> list[str]:
            if not ch.tx_on:
                return []
            hours, minutes = divmod(ch.battery_minutes, 60)
            return [f"{ch.battery_percent}%", f"{hours}:{minutes:02d}"]

        self._add((rx, "skx", "battery"), battery)

    def _speechline(self, ch: SscChannel) -> None:
        d = self.device
        rx, tx = f"rx{ch.index}", ("mates", f"tx{ch.index}")
        self._add((rx, "name"), lambda: ch.name, d.channel_writer(ch, "name", _text(8, upper=True)))
        self._add((rx, "mute_state"), lambda: ch.muted, d.channel_writer(ch, "muted", _bool))
        self._add((rx, "mates"), lambda: [f"mates/tx{ch.index}"] if ch.tx_on else [])
        self._add((*tx, "bat_gauge"), lambda: ch.battery_percent)
        self._add((*tx, "bat_lifetime"), lambda: ch.battery_minutes * 60)
        self._add((*tx, "bat_type"), lambda: ch.battery_type)
        self._add((*tx, "bat_bars"), lambda: ch.battery_bars)
        self._add((*tx, "bat_health"), lambda: ch.battery_health)
        self._add((*tx, "bat_cycles"), lambda: ch.battery_cycles)
        self._add((*tx, "bat_charging"), lambda: ch.battery_charging)
        self._add((*tx, "warnings"), lambda: list(ch.tx_warnings))

    def _charger(self) -> None:
        bays = self.device.channels

        def per_bay(get: Callable[[SscChannel], Any]) -> Getter:
            return lambda: [get(bay) if bay.tx_on else 0 for bay in bays]

        def device_type(bay: SscChannel) -> str:
            return bay.tx_type if bay.tx_on else "NONE"

        self._add(("bays", "bat_gauge"), per_bay(lambda b: b.battery_percent))
        self._add(("bays", "bat_health"), per_bay(lambda b: b.battery_health))
        self._add(("bays", "bat_cycles"), per_bay(lambda b: b.battery_cycles))
        self._add(("bays", "bat_timetofull"), per_bay(lambda b: b.time_to_full_min))
        self._add(("bays", "device_type"), lambda: [device_type(b) for b in bays])
        self._add(("bays", "state"), lambda: [b.bay_state for b in bays])
        self._add(("bays", "warnings"), lambda: [list(b.bay_warnings) for b in bays])
        self._add(("bays", "serial"), lambda: [f"PK{b.index:06d}" if b.tx_on else "" for b in bays])

    def _active(self) -> list[str]:
        return [f"mates/tx{ch.index}" for ch in self.device.channels if ch.tx_on]

    def _mm(self) -> list[list[int]]:
        rows = []
        for ch in self.device.channels:
            up = ch.link_up()
            rf = [_rf_raw(dbm) if up else 0 for dbm in ch.rf_antenna_dbm[:2]]
            div = [1 if up and ch.antenna == 1 else 0, 1 if up and ch.antenna == 2 else 0]
            lqi = round(ch.quality_percent * 255 / 100) if up else 0
            af = _af_raw(ch.audio_dbfs) if up else 0
            rows.append([rf[0], rf[0], rf[1], rf[1], div[0], div[1], lqi, af, af])
        return rows


def _rf_raw(dbm: float) -> int:
    return max(0, min(255, round(255 + 2 * dbm)))


def _af_raw(dbfs: float) -> int:
    return max(0, min(255, round((dbfs + 128) * 2 - 1)))
