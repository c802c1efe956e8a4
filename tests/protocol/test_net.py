"""MAC addresses from the ARP table."""

from pathlib import Path

from custom_components.micboard.devices.net import format_mac, mac_from_arp

TABLE = """IP address       HW type     Flags       HW address            Mask     Device
192.0.2.10       0x1         0x2         00:0e:dd:12:34:56     *        eth0
192.0.2.11       0x1         0x0         00:00:00:00:00:00     *        eth0
192.0.2.12       0x1         0x2         garbage               *        eth0
"""


async def test_mac_from_arp_table(tmp_path: Path) -> None:
    table = tmp_path / "arp"
    table.write_text(TABLE)
    assert await mac_from_arp("192.0.2.10", table) == "00:0e:dd:12:34:56"
    assert await mac_from_arp("192.0.2.11", table) is None  # incomplete entry
    assert await mac_from_arp("192.0.2.12", table) is None
    assert await mac_from_arp("192.0.2.99", table) is None
    assert await mac_from_arp("127.0.0.1", table) is None  # loopback has no MAC
    assert await mac_from_arp("receiver.local", table) is None  # not an address
    assert await mac_from_arp("192.0.2.10", tmp_path / "missing") is None


def test_format_mac() -> None:
    assert format_mac("000EDD123456") == "00:0e:dd:12:34:56"
    assert format_mac("00-0E-DD-12-34-56") == "00:0e:dd:12:34:56"
    assert format_mac("00:00:00:00:00:00") is None
    assert format_mac("zz") is None
