"""The devices a simulated System API server fronts unless told otherwise."""

from __future__ import annotations

from simulator.systemapi.state import ApiBattery, ApiDevice, create_api_device

__all__ = ["default_devices"]


def default_devices(seed: int = 0) -> list[ApiDevice]:
    """An AD4Q, an ANX4, an MXW access point with a handheld, an SBRC with a docked ULXD6.

    Addresses are distinct loopback addresses (nothing ever connects to them);
    the ULXD6 is reached through its charger, so it shares the charger's address.
    """
    return [
        create_api_device(
            "AD4Q",
            name="AD4Q Rack",
            address="127.0.0.11",
            channel_names=("Vocal 1", "Vocal 2", "Guitar", "Spare"),
            seed=seed,
        ),
        create_api_device(
            "ANX4",
            name="Lectern ANX4",
            address="127.0.0.12",
            channel_names=("Podium L", "Podium R", "Table 1", "Table 2"),
            seed=seed,
        ),
        create_api_device(
            "MXWAPT4",
            name="Boardroom AP",
            address="127.0.0.13",
            channel_names=("Chair", "Seat 2", "Seat 3", "Seat 4"),
            seed=seed,
        ),
        create_api_device(
            "MXW2",
            name="Chair HH",
            address="127.0.0.14",
            battery=ApiBattery(percentage=87, minutes=385, charging=False, health=96, cycles=42),
            seed=seed,
        ),
        create_api_device("SBRC", name="Charger", address="127.0.0.15", seed=seed),
        create_api_device(
            "ULXD6",
            name="Bodypack 1",
            address="127.0.0.15",
            battery=ApiBattery(percentage=64, minutes=95, charging=True, health=91, cycles=118),
            seed=seed,
        ),
    ]
