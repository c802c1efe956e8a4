"""HTTP Basic users: api, controlSennheiser, initialSennheiser; open resources; passwords."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from simulator.sennheiser_v2 import DEFAULT_CONTROL_PASSWORD, Ssc2Device

from .conftest import Api, DeviceFactory, basic


async def test_credentials_required_except_open_resources(api: Api) -> None:
    status, _, response = await api.request("GET", "/api/channel/0", auth=False)
    assert status == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic")
    assert (await api.get("/api/nothing", auth=False))[0] == 401  # 401 before 404
    assert (await api.get("/api/ssc/version", auth=False))[0] == 200
    assert (await api.get("/api/device/identity", auth=False))[0] == 200
    assert (await api.get("/api/device/identification", auth=False))[0] == 200
    assert (await api.put("/api/device/identification", {"visual": True}, auth=False))[0] == 200
    assert (await api.get("/api/device/site", auth=False))[0] == 401


async def test_wrong_password_and_malformed_headers(api: Api) -> None:
    for headers in (
        basic("api", "wrong-Password1!"),
        basic("nobody", api.password),
        {"Authorization": "Basic not-base64!"},
        {"Authorization": "Bearer abc"},
    ):
        status, _, _ = await api.request("GET", "/api/channel/0", auth=False, headers=headers)
        assert status == 401, headers


async def test_initial_user_is_forbidden_control_user_allowed(api: Api) -> None:
    initial = basic("initialSennheiser", "sennheiser")
    status, _, _ = await api.request("GET", "/api/channel/0", auth=False, headers=initial)
    assert status == 403
    status, _, _ = await api.request("GET", "/api/device/site", auth=False, headers=initial)
    assert status == 200  # the initial user may read the site
    control = basic("controlSennheiser", DEFAULT_CONTROL_PASSWORD)
    status, _, _ = await api.request("GET", "/api/channel/0", auth=False, headers=control)
    assert status == 200


async def test_password_change_and_third_party_access_off(api: Api) -> None:
    old = api.password
    api.device.set_password("Another-Secret9")
    assert (await api.get("/api/channel/0"))[0] == 401
    api.password = "Another-Secret9"
    assert (await api.get("/api/channel/0"))[0] == 200
    api.device.set_password(None)
    assert (await api.get("/api/channel/0"))[0] == 401
    api.password = old
    assert (await api.get("/api/channel/0"))[0] == 401
    for weak in ("short1!A", "nouppercase1!", "NOLOWERCASE1!", "NoDigitsHere!", "NoSymbols123"):
        with pytest.raises(ValueError, match="password"):
            api.device.set_password(weak)
    with pytest.raises(ValueError, match="user"):
        api.device.set_password("Another-Secret9", user="initialSennheiser")


async def test_spectera_accepts_api_and_control_users(
    ssc2: DeviceFactory, client: Callable[[Ssc2Device], Api]
) -> None:
    api = client(await ssc2("SPECTERA-BASE"))
    assert (await api.get("/api/mts/paired/all"))[0] == 200
    control = basic("controlSennheiser", DEFAULT_CONTROL_PASSWORD)
    status, _, _ = await api.request("GET", "/api/mts/paired/all", auth=False, headers=control)
    assert status == 200
    assert (await api.get("/api/mts/paired/all", auth=False))[0] == 401


async def test_repr_hides_the_password_the_control_summary_shows_it(api: Api) -> None:
    assert api.password not in repr(api.device)
    assert api.device.snapshot()["password"] == api.password  # the control API shows it
