"""Control routes for simulated System API servers (mounted on the simulator's control API).

``GET  /system-api``                                   list servers (with API key and fingerprint)
``GET  /system-api/{srv}``                             one server with its devices and transports
``POST /system-api/{srv}/devices``                     add {"model", "name", "mac", "serial",
      "address", "state", "channel_names", "battery": {…}}
``POST /system-api/{srv}/devices/{dev}/{action}``      remove · state {"state"} · online
      {"online"} · battery {"percent", "minutes", "calculating", "charging", "health",
      "cycles"} · rename {"name"} · mute {"muted"} · identify {"on"} · reboot {"seconds"}
``POST /system-api/{srv}/devices/{dev}/channels/{n}/{action}``   mute {"muted"} · gain {"gain"}
      · name {"name"} · activity {"level"}
``POST /system-api/{srv}/{action}``                    drop · hang {"hung"} · reboot {"seconds"}
      · api_key {"key"} · certificate · live {"on", "seed"} · options {…}

``{srv}`` is the server's name or index; ``{dev}`` a device id, serial, name, model or index;
``{n}`` a 1-based channel number or a channel id.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
import contextlib
from typing import Any

from aiohttp import web

from simulator.systemapi.server import SystemApiServer
from simulator.systemapi.state import ApiBattery, ApiDevice, create_api_device

__all__ = ["SystemApiControl"]

type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def _bool(body: dict[str, Any], key: str) -> bool:
    value = body.get(key)
    if not isinstance(value, bool):
        raise ValueError(f"{key!r} must be true or false")
    return value


def _opt_bool(body: dict[str, Any], key: str) -> bool | None:
    return None if body.get(key) is None else _bool(body, key)


def _opt_int(body: dict[str, Any], key: str) -> int | None:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{key!r} must be an integer")
    return int(value)


def _num(body: dict[str, Any], key: str, default: float | None = None) -> float:
    value = body.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{key!r} must be a number")
    return float(value)


def _text(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str):
        raise ValueError(f"{key!r} must be a string")
    return value


def _battery(body: dict[str, Any]) -> ApiBattery | None:
    raw = body.get("battery")
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ValueError("'battery' must be an object")
    battery = ApiBattery()
    for key, attr in (("percent", "percentage"), ("health", "health"), ("cycles", "cycles")):
        value = _opt_int(raw, key)
        if value is not None:
            setattr(battery, attr, value)
    if "minutes" in raw:
        battery.minutes = _opt_int(raw, "minutes")
    charging = _opt_bool(raw, "charging")
    if charging is not None:
        battery.charging = charging
    return battery


class SystemApiControl:
    """The ``/system-api`` routes of the control API."""

    def __init__(self, servers: Sequence[SystemApiServer]) -> None:
        """Control ``servers``."""
        self.servers = list(servers)
        self._tasks: set[asyncio.Task[None]] = set()

    def add_routes(self, app: web.Application) -> None:
        """Mount the routes on ``app``."""
        app.router.add_get("/system-api", self._list)
        app.router.add_get("/system-api/{srv}", self._show)
        app.router.add_post("/system-api/{srv}/devices", self._guard(self._add))
        app.router.add_post(
            "/system-api/{srv}/devices/{dev}/channels/{ch}/{action}",
            self._guard(self._channel_action),
        )
        app.router.add_post(
            "/system-api/{srv}/devices/{dev}/{action}", self._guard(self._device_action)
        )
        app.router.add_post("/system-api/{srv}/{action}", self._guard(self._server_action))

    async def stop(self) -> None:
        """Cancel pending reboots."""
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _spawn(self, coro: Awaitable[None]) -> None:
        async def run() -> None:
            await coro

        task = asyncio.get_running_loop().create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def find(self, key: str) -> SystemApiServer:
        """Server by name (case-insensitive) or index."""
        for server in self.servers:
            if server.name.lower() == key.lower():
                return server
        if key.isdigit() and int(key) < len(self.servers):
            return self.servers[int(key)]
        raise KeyError(f"no System API server {key}")

    @staticmethod
    def _device(server: SystemApiServer, key: str) -> ApiDevice:
        try:
            return server.device(key)
        except KeyError:
            raise KeyError(f"no device {key}") from None

    def summary(self, server: SystemApiServer) -> dict[str, Any]:
        """Server summary with its list index."""
        return {"index": self.servers.index(server), **server.snapshot()}

    def _guard(self, handler: Handler) -> Handler:
        async def guarded(request: web.Request) -> web.StreamResponse:
            try:
                return await handler(request)
            except KeyError as err:
                return _error(404, str(err.args[0]) if err.args else "not found")
            except ValueError as err:
                return _error(400, str(err))

        return guarded

    @staticmethod
    async def _body(request: web.Request) -> dict[str, Any]:
        if not request.can_read_body:
            return {}
        try:
            body = await request.json()
        except ValueError as err:
            raise ValueError("body must be JSON") from err
        if not isinstance(body, dict):
            raise ValueError("body must be a JSON object")
        return body

    async def _list(self, _request: web.Request) -> web.Response:
        return web.json_response({"servers": [self.summary(s) for s in self.servers]})

    async def _show(self, request: web.Request) -> web.Response:
        try:
            server = self.find(request.match_info["srv"])
        except KeyError as err:
            return _error(404, str(err.args[0]))
        return web.json_response(self.summary(server))

    async def _add(self, request: web.Request) -> web.StreamResponse:
        server = self.find(request.match_info["srv"])
        body = await self._body(request)
        names = body.get("channel_names", [])
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise ValueError("'channel_names' must be a list of strings")
        optional = {
            key: _text(body, key)
            for key in ("name", "mac", "serial", "address", "state")
            if body.get(key) is not None
        }
        device = create_api_device(
            _text(body, "model"),
            channel_names=tuple(names),
            battery=_battery(body),
            seed=len(server.devices) + 100,
            **optional,
        )
        server.add_device(device)
        return web.json_response({"ok": True, "device": device.snapshot()}, status=201)

    async def _device_action(self, request: web.Request) -> web.StreamResponse:
        server = self.find(request.match_info["srv"])
        device = self._device(server, request.match_info["dev"])
        action = request.match_info["action"]
        body = await self._body(request)
        key = device.device_id
        if action == "remove":
            server.remove_device(key)
        elif action == "state":
            server.set_state(key, _text(body, "state"))
        elif action == "online":
            server.set_online(key, _bool(body, "online"))
        elif action == "battery":
            server.set_battery(
                key,
                percent=_opt_int(body, "percent"),
                minutes=_opt_int(body, "minutes"),
                calculating=bool(_opt_bool(body, "calculating")),
                charging=_opt_bool(body, "charging"),
                health=_opt_int(body, "health"),
                cycles=_opt_int(body, "cycles"),
            )
        elif action == "rename":
            server.rename(key, _text(body, "name"))
        elif action == "mute":
            server.set_device_mute(key, _bool(body, "muted"))
        elif action == "identify":
            server.set_identify(key, _bool(body, "on"))
        elif action == "reboot":
            seconds = _num(body, "seconds", server.device_reboot_seconds)
            self._spawn(server.reboot_device(key, seconds))
            return web.json_response({"ok": True, "rebooting": seconds}, status=202)
        else:
            return _error(404, f"unknown action {action}")
        return web.json_response({"ok": True, "device": device.snapshot()})

    async def _channel_action(self, request: web.Request) -> web.StreamResponse:
        server = self.find(request.match_info["srv"])
        device = self._device(server, request.match_info["dev"])
        action = request.match_info["action"]
        number = request.match_info["ch"]
        body = await self._body(request)
        key = device.device_id
        if action == "mute":
            ch = server.set_channel_mute(key, number, _bool(body, "muted"))
        elif action == "gain":
            ch = server.set_channel_gain(key, number, _num(body, "gain"))
        elif action == "name":
            ch = server.rename_channel(key, number, _text(body, "name"))
        elif action == "activity":
            ch = server.set_activity(key, number, _text(body, "level"))
        else:
            return _error(404, f"unknown action {action}")
        return web.json_response({"ok": True, "channel": device.snapshot()["channels"][ch.index]})

    async def _server_action(self, request: web.Request) -> web.StreamResponse:
        server = self.find(request.match_info["srv"])
        action = request.match_info["action"]
        body = await self._body(request)
        if action == "drop":
            return web.json_response({"ok": True, "dropped": server.drop_connections()})
        if action == "hang":
            server.set_hung(_bool(body, "hung"))
        elif action == "reboot":
            seconds = _num(body, "seconds", 1.0)
            self._spawn(server.reboot(seconds))
            return web.json_response({"ok": True, "rebooting": seconds}, status=202)
        elif action == "api_key":
            key = body.get("key")
            if key is not None and (not isinstance(key, str) or not key):
                raise ValueError("'key' must be a non-empty string")
            server.set_api_key(key)
        elif action == "live":
            if _bool(body, "on"):
                server.start_live(_opt_int(body, "seed"))
            else:
                server.stop_live()
        elif action == "certificate":
            server.regenerate_certificate()
        elif action == "options":
            server.set_options(**body)
        else:
            return _error(404, f"unknown action {action}")
        return web.json_response({"ok": True, "server": self.summary(server)})
